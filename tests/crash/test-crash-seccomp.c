/*
 * test-crash-seccomp: a crash in a program sandboxed as hardened services
 * are (process_vm_readv kills the process: tests/runtime/seccomp-test.h),
 * installed after start-up with syscall(SYS_seccomp) as libseccomp does.
 * The crash report still names every frame's module with its build-id,
 * read from the mapped notes through a readability probe every filter
 * allows (base/memread.c), and the process dies of its own SIGSEGV, not
 * of SIGSYS.
 *
 * mapsan-expect: crash CRASH
 * mapsan-exit: signal:SEGV
 * mapsan-frames-build-id: true
 */
#include "../runtime/runtime-test.h"
#include "../runtime/seccomp-test.h"

#include <hmap.h>

#include <stdint.h>

static int *volatile nowhere; /* NULL, and the compiler cannot know it */

int main(void) {
  sandbox_without_debug_calls(1); /* syscall(SYS_seccomp), as libseccomp */
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1;
  printf("%d\n", *nowhere); /* mapsan-mark: CRASH */
  hmap_free(m);
  return 0;
}
