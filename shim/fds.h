/*
 * fds.h: mapsan's long-lived file descriptors, kept out of the program's
 * way (see fds.c).
 */
#ifndef MAPSAN_FDS_H
#define MAPSAN_FDS_H

#include <stdbool.h>

/* Moves fd to a number above the program's usual range (512, or half the
 * soft descriptor limit when that is lower), closing the original; returns
 * the new number, or fd itself when it cannot be moved. */
int mapsan_fd_move_high(int fd, bool cloexec);

#endif
