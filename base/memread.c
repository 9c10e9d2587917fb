/*
 * memread.c: reading this process's memory where it may not be mapped.
 *
 * A build-id is read from a module's notes as mapped now (buildid.c, for
 * reports and crash reports), and libunwind checks a word before it reads
 * it through a frame it cannot trust (shim/unwind_validate.c). Both used
 * process_vm_readv on this process: it copies, or fails with EFAULT, and
 * cannot fault. But it is a debugging call: the hardening most
 * distributions' service units use, systemd's
 * SystemCallFilter=@system-service, leaves it out (it is in @debug), and
 * such a filter kills the process with SIGSYS unless the unit also sets
 * SystemCallErrorNumber=; a container runtime's default profile may refuse
 * it. A report, or an unwind, would then kill the program it runs in.
 *
 * Readability is asked of rt_sigprocmask instead, which filters allow
 * (glibc calls it around each thread creation and signal): the kernel
 * copies the new mask from user memory before it looks at `how`, so with
 * an invalid `how` the call is a probe that fails with EFAULT, or with
 * EINVAL leaving the mask untouched. It reads the 8 bytes of the aligned
 * word holding the byte asked about: the same page. That order is the
 * kernel's, not an ABI promise: at start-up the probe is tried on a
 * PROT_NONE page and on a readable one, and if either answers wrong,
 * nothing is taken as readable (libunwind stops at such a frame; a copy
 * under a filter fails: no build-id), rather than something unreadable.
 *
 * A copy uses process_vm_readv while the process has no seccomp filter
 * (/proc/self/status says so at start-up; a filter the program installs
 * later is seen at its prctl(PR_SET_SECCOMP) or syscall(SYS_seccomp),
 * before the real call; without /proc a filter is assumed), and otherwise
 * probes each page and copies with memcpy: a library unmapped by another
 * thread between the probe and the copy would then fault in mapsan, a
 * window of a few instructions that only a dlclose racing a report can
 * hit. A filter installed by raw system call instructions is not seen.
 */
#include "memread.h"

#include "lines.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define PAGE 4096 /* at most the page size: probes are per 4 KiB */

static bool probe_broken; /* set at start-up only */
static _Atomic bool filtered; /* a seccomp filter was seen: for good */

static bool probe(const void *p) {
  uintptr_t word = (uintptr_t)p & ~(uintptr_t)7;
  int saved = errno;
  long r = syscall(SYS_rt_sigprocmask, 0x7fffffff, word, NULL, 8);
  bool ok = !(r < 0 && errno == EFAULT);
  errno = saved;
  return ok;
}

bool mapsan_mem_readable(const void *p) {
  return !probe_broken && probe(p);
}

bool mapsan_mem_sandboxed(void) {
  return atomic_load_explicit(&filtered, memory_order_acquire);
}

void mapsan_mem_seccomp_coming(void) {
  atomic_store_explicit(&filtered, true, memory_order_seq_cst);
}

static void status_line(const char *b, const char *e, void *arg) {
  static const char key[] = "Seccomp:";
  if ((size_t)(e - b) < sizeof(key) - 1 || memcmp(b, key, sizeof(key) - 1))
    return;
  for (b += sizeof(key) - 1; b < e && (*b == ' ' || *b == '\t'); b++)
    ;
  *(int *)arg = b < e ? *b - '0' : 1;
}

void mapsan_mem_init(void) {
  int saved = errno;
  int mode = 1; /* unknown: assume a filter */
  int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    char buf[512];
    mode = -1;
    mapsan_read_lines(fd, buf, sizeof(buf), true, status_line, &mode);
    close(fd);
    if (mode < 0)
      mode = 1; /* no Seccomp line: a kernel that does not say */
  }
  if (mode != 0)
    mapsan_mem_seccomp_coming();
  uint64_t here = 0;
  void *none = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  probe_broken = none == MAP_FAILED || probe(none) || !probe(&here);
  if (none != MAP_FAILED)
    munmap(none, PAGE);
  errno = saved;
}

bool mapsan_mem_copy(void *dst, const void *src, size_t n) {
  if (n == 0)
    return true;
  int saved = errno;
  bool ok;
  if (!atomic_load_explicit(&filtered, memory_order_seq_cst)) {
    struct iovec to = {dst, n}, from = {(void *)src, n};
    ok = process_vm_readv(getpid(), &to, 1, &from, 1, 0) == (ssize_t)n;
  } else {
    uintptr_t a = (uintptr_t)src, end = a + n;
    ok = end > a;
    for (uintptr_t pg = a & ~(uintptr_t)(PAGE - 1); ok && pg < end;
         pg += PAGE)
      ok = mapsan_mem_readable((const void *)(pg > a ? pg : a));
    if (ok)
      memcpy(dst, src, n);
  }
  errno = saved;
  return ok;
}
