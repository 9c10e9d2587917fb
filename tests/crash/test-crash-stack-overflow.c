/*
 * test-crash-stack-overflow.c: unbounded recursion in the program's own
 * code. The SIGSEGV arrives with no stack left, so the crash report can be
 * written only on an alternate signal stack, which mapsan gives each thread
 * it registers (crash/handler.c). Here the overflow happens in a second
 * thread while the main thread waits in pthread_join; the report must
 * show the faulting stack in the recursive function (the faulting
 * instruction is whichever first touches the guard page, so the marked
 * recursive call is checked anywhere in the stack) and the process must
 * still die of SIGSEGV.
 *
 * mapsan-expect-in-stack: crash DEEP
 * mapsan-exit: signal:SEGV
 * mapsan-stderr: WARNING: mapsan: crash: SIGSEGV
 * mapsan-stderr: SUMMARY: mapsan: crash SIGSEGV \(test-crash-stack-overflow\+0x
 */
#include "../runtime/runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m;
static volatile uintptr_t limit = UINTPTR_MAX; /* never reached */

static uintptr_t deep(volatile char *prev, uintptr_t n) {
  volatile char pad[512];
  pad[0] = (char)n;
  pad[511] = prev ? prev[0] : 0;
  if (n == limit)
    return pad[511];
  return deep(pad, n + 1) + pad[511]; /* mapsan-mark: DEEP */
}

static void *overflow(void *arg) {
  (void)arg;
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1;
  return (void *)deep(NULL, 0);
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, overflow, NULL);
  pthread_join(th, NULL);
  hmap_free(m);
  return 0;
}
