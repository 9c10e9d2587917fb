/*
 * fds.c: mapsan keeps no descriptor of its own.
 *
 * Every descriptor number is the program's: it may close them all (daemons
 * close everything from 3 up, or call close_range), reuse or dup2 onto any
 * number, list /proc/self/fd, or run under a soft RLIMIT_NOFILE of 16. A
 * descriptor mapsan kept open could be closed and its number reused by the
 * program, and mapsan would then write to, or close, the program's file; it
 * would also count against the program's limit. So mapsan keeps none:
 *   - a report file is opened for each report and closed once the report
 *     is written (reports/sink.c), the crash-time report's too;
 *   - libunwind gets no pipe to validate addresses with
 *     (shim/unwind_validate.c);
 *   - the files libdw opens to symbolize a report are closed when the
 *     report is written (reports/symbolize.c);
 *   - the journal sink's socket (and memfd, for a large entry) is made for
 *     each report and closed once it is sent (reports/journal.c).
 * While a report is written its file holds a number for a moment. When the
 * program holds every number below its soft limit (open fails with
 * EMFILE), mapsan raises the soft limit by one for that moment: its file
 * then takes the number just above the program's range, which the program
 * could not have used, and the limit is lowered again before the write.
 */
#include "fds.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Calls make(a, b, c) once more with the soft limit raised by one, when
 * the first call failed with EMFILE. */
static int with_raised_limit(int (*make)(long, long, long), long a, long b,
                             long c) {
  int fd = make(a, b, c);
  if (fd >= 0 || errno != EMFILE)
    return fd;
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
      rl.rlim_cur >= rl.rlim_max) {
    errno = EMFILE;
    return -1;
  }
  struct rlimit raised = {rl.rlim_cur + 1, rl.rlim_max};
  if (setrlimit(RLIMIT_NOFILE, &raised) != 0) {
    errno = EMFILE;
    return -1;
  }
  fd = make(a, b, c);
  int err = errno;
  setrlimit(RLIMIT_NOFILE, &rl); /* an open file above the limit stays open */
  errno = err;
  return fd;
}

static int open_call(long path, long flags, long mode) {
  return open((const char *)path, (int)flags, (mode_t)mode);
}

int mapsan_fd_open(const char *path, int flags, mode_t mode) {
  return with_raised_limit(open_call, (long)path, flags, mode);
}

/* Raw system calls: the program's socket/memfd interceptors (shim/) are
 * not for mapsan's own descriptors. */
static int syscall_call(long nr, long a, long b) {
  return (int)syscall(nr, a, b);
}

static int socket_call(long domain, long type, long unused) {
  (void)unused;
  return syscall_call(SYS_socket, domain, type);
}

static int memfd_call(long name, long flags, long unused) {
  (void)unused;
  return syscall_call(SYS_memfd_create, name, flags);
}

int mapsan_fd_socket(int domain, int type) {
  return with_raised_limit(socket_call, domain, type, 0);
}

int mapsan_fd_memfd(const char *name, unsigned flags) {
  return with_raised_limit(memfd_call, (long)name, (long)flags, 0);
}
