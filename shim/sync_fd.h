/*
 * sync_fd.h: descriptors that carry data between threads (pipes, eventfds,
 * socketpairs, sockets, epoll) as happens-before edges. See sync_fd.c.
 */
#ifndef MAPSAN_SYNC_FD_H
#define MAPSAN_SYNC_FD_H

/* A pipe was made (fds[0] read end, fds[1] write end): both numbers name
 * one new channel. For pipe2's wrapper (shim/unwind_validate.c), after the
 * real call succeeded. */
void mapsan_fd_pipe_made(const int fds[2]);

/* The current thread acquires from the channel fd names now, if any; a
 * no-op before the first tracked map access and inside mapsan. For a
 * callback that runs because fd was seen readable (a GLib descriptor
 * source, shim/sync_glib.c). errno is kept. */
void mapsan_fd_acquire(int fd);

#endif
