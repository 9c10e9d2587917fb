/*
 * fds.h: mapsan keeps no descriptor of its own (see fds.c).
 */
#ifndef MAPSAN_FDS_H
#define MAPSAN_FDS_H

#include <sys/types.h>

/* open(2) for a file mapsan writes and closes at once (a report). When the
 * program holds every number its soft limit allows, the file gets a number
 * above that range instead of failing (fds.c). Async-signal-safe. */
int mapsan_fd_open(const char *path, int flags, mode_t mode);

#endif
