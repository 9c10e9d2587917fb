/*
 * fds.c: mapsan's long-lived file descriptors, kept out of the program's
 * way.
 *
 * A descriptor mapsan opens and keeps takes the lowest free number, so
 * every descriptor the program opens afterwards is numbered higher than
 * without mapsan, and a program that checks its numbers notices: GLib's
 * installed test unix-fd aborted when a sampled process loaded libunwind
 * (which keeps a pipe) mid-program, at its first tracked map. So the ones
 * mapsan keeps, libunwind's pipe (shim/pipe2.c) and the report files
 * (reports/sink.c), are moved with F_DUPFD to HIGH_FD or above (below the
 * soft descriptor limit when that is low) and the low numbers closed.
 */
#include "fds.h"

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

int mapsan_fd_move_high(int fd, bool cloexec) {
  int base = high_base();
  if (fd < 0 || fd >= base)
    return fd;
  int hi = fcntl(fd, cloexec ? F_DUPFD_CLOEXEC : F_DUPFD, base);
  if (hi < 0)
    return fd;
  close(fd);
  return hi;
}
