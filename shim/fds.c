/*
 * fds.c: libunwind's file descriptors, kept out of the program's way.
 *
 * libunwind's one-time set-up opens a pipe it keeps for good (it validates
 * addresses by writing them to it). A pipe takes the two lowest free
 * descriptor numbers, so every descriptor the program opens afterwards is
 * two higher than without mapsan, and a program that checks its numbers
 * notices: GLib's installed test unix-fd aborted when a sampled process
 * loaded libunwind mid-program, at its first tracked map. So pipe2, which
 * libunwind calls through the PLT and therefore reaches here, moves the
 * pair it gets while libunwind is being set up (mapsan_unwind_setting_up)
 * to high numbers (F_DUPFD from HIGH_FD, below the soft descriptor limit,
 * keeping the caller's close-on-exec choice) and closes the low ones. Every other pipe2 passes straight
 * through.
 */
#include "../preload/interpose.h"
#include "../reports/unwind.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#define HIGH_FD 512

/* A number to move to: HIGH_FD, or below the soft limit when it is low. */
static int high_base(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
      rl.rlim_cur > 2 * HIGH_FD)
    return HIGH_FD;
  return (int)(rl.rlim_cur / 2);
}

/* Moves fd up if it can; the original number otherwise. */
static int move_high(int fd, int base, bool cloexec) {
  if (fd >= base)
    return fd;
  int hi = fcntl(fd, cloexec ? F_DUPFD_CLOEXEC : F_DUPFD, base);
  if (hi < 0)
    return fd;
  close(fd);
  return hi;
}

MAPSAN_EXPORT int pipe2(int fds[2], int flags) {
  int r = REAL(pipe2)(fds, flags);
  if (r == 0 && MAPSAN_UNLIKELY(mapsan_unwind_setting_up())) {
    int base = high_base();
    bool cloexec = (flags & O_CLOEXEC) != 0;
    fds[0] = move_high(fds[0], base, cloexec);
    fds[1] = move_high(fds[1], base, cloexec);
  }
  return r;
}
