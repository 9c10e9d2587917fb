/*
 * pipe2.c: libunwind's pipe, kept out of the program's way (shim/fds.c).
 *
 * libunwind's one-time set-up opens a pipe it keeps for good (it validates
 * addresses by writing them to it). pipe2, which libunwind calls through
 * the PLT and therefore reaches here, moves the pair it gets while
 * libunwind is being set up (mapsan_unwind_setting_up) to high numbers,
 * keeping the caller's close-on-exec choice. Every other pipe2 passes
 * straight through.
 */
#include "fds.h"

#include "../preload/interpose.h"
#include "../reports/unwind.h"

#include <fcntl.h>
#include <unistd.h>

MAPSAN_EXPORT int pipe2(int fds[2], int flags) {
  int r = REAL(pipe2)(fds, flags);
  if (r == 0 && MAPSAN_UNLIKELY(mapsan_unwind_setting_up())) {
    bool cloexec = (flags & O_CLOEXEC) != 0;
    fds[0] = mapsan_fd_move_high(fds[0], cloexec);
    fds[1] = mapsan_fd_move_high(fds[1], cloexec);
  }
  return r;
}
