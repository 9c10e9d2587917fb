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

/* socket(2) and memfd_create(2) for the journal sink (reports/journal.c),
 * as raw system calls, with the same fallback. Async-signal-safe. */
int mapsan_fd_socket(int domain, int type);
int mapsan_fd_memfd(const char *name, unsigned flags);

#endif
