/*
 * test-crash-no-proc.c: a crash report where /proc cannot be read (a
 * chroot or a container without /proc). The crash handler then takes the
 * loaded objects from the snapshot it made at start-up (crash/modules.c),
 * and the report must still name the program's object and offset for the
 * faulting frame, which the checker resolves to the marked line.
 *
 * The program refuses /proc/self/maps and /proc/thread-self/maps itself:
 * its open64 (exported with -rdynamic) comes before libc's for every object
 * in the process, mapsan included, and fails those paths; every other open
 * goes to the kernel.
 *
 * mapsan-expect: crash CRASH
 * mapsan-exit: signal:SEGV
 * mapsan-stderr: WARNING: mapsan: crash: SIGSEGV \(SEGV_MAPERR\) at address 0x0
 * mapsan-stderr: SUMMARY: mapsan: crash SIGSEGV \(test-crash-no-proc\+0x
 */
#include "crash-test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/syscall.h>

static volatile int refused;

int open64(const char *path, int flags, ...) {
  mode_t mode = 0;
  if (flags & (O_CREAT | O_TMPFILE)) {
    va_list ap;
    va_start(ap, flags);
    mode = va_arg(ap, mode_t);
    va_end(ap);
  }
  if (strcmp(path, "/proc/self/maps") == 0 ||
      strcmp(path, "/proc/thread-self/maps") == 0) {
    refused++;
    errno = ENOENT;
    return -1;
  }
  return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

int main(void) {
  int fd = open64("/proc/self/maps", O_RDONLY);
  if (fd >= 0 || refused != 1) {
    ct_say("open64 is not the program's own\n");
    return 3;
  }
  return *ct_nowhere; /* mapsan-mark: CRASH */
}
