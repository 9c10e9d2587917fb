/*
 * sync_fd.c: descriptors that carry data between threads as happens-before
 * edges.
 *
 * A correct program may hand data to another thread through the kernel: it
 * fills a table, writes a byte to a pipe (an eventfd, a socket), and the
 * thread that reads that byte then uses the table. The kernel orders the
 * write before the read that returns its bytes; mapsan must too, or it
 * reports a race on a correct program.
 *
 * Terminology. A channel is the kernel object behind one or more descriptor
 * numbers through which data moves from one call to another: a pipe (both
 * ends), an eventfd, a socketpair (both ends), an epoll instance, and "all
 * other sockets" (one channel). Each channel has a token, a small record
 * from mapsan's allocator; the token's address is the key of the channel's
 * sync object in engine/sync.c (mapsan's own memory, so a key never equals
 * the address of one of the program's locks).
 *
 * The rules (numbered: the code cites them):
 *  1. A call that puts data into a channel releases into it before the real
 *     call, whatever its result (as an unlock does): write, writev, send,
 *     sendto, sendmsg, sendmmsg, eventfd_write; epoll_ctl on an epoll
 *     instance (what it registers, with its data pointer, is what
 *     epoll_wait hands out).
 *  2. A call that takes data out acquires from it after the real call, only
 *     when data came out: read, readv, recv, recvfrom, recvmsg, recvmmsg
 *     returning > 0 (an eventfd read returns its 8 bytes or fails),
 *     eventfd_read returning 0, epoll_wait/epoll_pwait/epoll_pwait2
 *     returning events. An end of file, an error or EAGAIN orders nothing.
 *  3. Readiness is not data: poll, ppoll, select and pselect order nothing
 *     (not wrapped), nor does epoll_wait towards the descriptors it reports.
 *     A GLib descriptor source is the exception that needs an edge without
 *     a read: GLib dispatches its callback because its poll saw the
 *     descriptor readable, and the callback may use what was handed over
 *     before it reads, or without reading; shim/sync_glib.c acquires at
 *     that dispatch (mapsan_fd_acquire).
 *  4. Creation records the numbers: pipe/pipe2 and socketpair make one
 *     channel for both ends; eventfd, epoll_create/epoll_create1 one
 *     channel; socket, accept and accept4 name the one channel of all other
 *     sockets. Two of the process's own sockets connected to each other
 *     (a client and the socket accept returned for it) cannot be matched
 *     without comparing addresses, so, as in ThreadSanitizer, they share
 *     one channel: coarser (a race between two threads that talk over
 *     unrelated sockets can be missed), never a false report. A socketpair
 *     is matched exactly.
 *  5. close, dup2/dup3 onto a number, close_range and closefrom reset what
 *     a number means. close clears the entry before the real call: the
 *     number is still the program's then, so no other thread can be given
 *     it and record it in between. dup, dup2 and dup3 give the new number
 *     the old one's channel. A channel counts the numbers naming it; when
 *     the last goes, its sync object is forgotten and its token freed.
 *  6. Anything else has no entry and orders nothing: regular files and
 *     FIFOs opened by path, signalfd, inotify, timerfd, descriptors
 *     inherited or received (SCM_RIGHTS), fcntl(F_DUPFD), and what glibc
 *     does with internal calls no interposer sees (stdio's writes, fclose,
 *     popen, syscall(SYS_write, ...)). A number closed that way keeps its
 *     entry until the program next creates, dup's onto or closes it: reads
 *     and writes through whatever reuses it meanwhile (an open()ed file)
 *     join the old channel: extra edges, never a false report.
 *     pread/pwrite/preadv/pwritev need a seekable descriptor (ESPIPE on
 *     pipes, sockets and eventfds): no tracked channel passes through
 *     them, so they are not wrapped.
 *
 * The table. Number -> channel: numbers below FD_DIRECT in a static array
 * (in .lbss: its pages are touched only once a channel exists), larger
 * ones in chunks of FD_CHUNK entries allocated on first use under a
 * directory of FD_CHUNKS (numbers up to FD_LIMIT, above Linux's default
 * nr_open of 2^20; larger numbers are untracked). Entries are atomic and
 * there is no lock: an entry changes only in the thread that holds its
 * number at that moment (creating, dup'ing onto or closing it), unless the
 * program itself races on a number (a close concurrent with a dup of the
 * same number may then free a token still being counted: mapsan's memory,
 * never unmapped, so at worst an edge is missed or added). Fork copies the
 * table with the descriptors.
 *
 * Cost. The data calls (rules 1 and 2) are on the program's hot I/O path:
 * until the first tracked map access (mapsan_clocks_live, thread.h: exact)
 * and in a canary that never tracks a map, a wrapper loads that flag and
 * calls the real function; after it, one table load, and a release or
 * acquire (engine/sync.c: free of shared writes when the tags decide) only
 * for a number that names a channel. close and dup* load one flag
 * (chans_made) before touching the table. Hooks run only outside mapsan
 * (base.h: a call from a signal handler on a thread inside mapsan, or
 * mapsan's own report writes, pass straight through); errno is kept.
 */
#undef _FORTIFY_SOURCE /* read, recv, ... are defined here, not inlined */
#include "sync_fd.h"
#include "../base/alloc.h"
#include "../base/interpose.h"
#include "../engine/sync.h"
#include "../engine/thread.h"

#include <errno.h>
#include <limits.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1u << 2) /* linux/close_range.h */
#endif

/* ---- channels ------------------------------------------------------------ */

struct fd_chan {
  _Atomic uint32_t refs; /* numbers naming it; unused when shared */
  bool shared;           /* the one channel of all sockets: never freed */
};

static struct fd_chan sockets_chan = {.shared = true};

/* Set once the first channel is recorded; close and dup* look no further
 * until then. */
static _Atomic bool chans_made;

static struct fd_chan *chan_new(uint32_t refs) {
  struct fd_chan *c = mapsan_malloc(sizeof(*c));
  if (c != NULL) {
    atomic_init(&c->refs, refs);
    c->shared = false;
  }
  return c;
}

static void chan_ref(struct fd_chan *c) {
  if (c != NULL && !c->shared)
    atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
}

/* Rule 5: the last number naming c is gone. */
static void chan_unref(struct fd_chan *c) {
  if (c == NULL || c->shared ||
      atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1)
    return;
  mapsan_sync_forget((uintptr_t)c);
  mapsan_free(c);
}

/* ---- the table ------------------------------------------------------------ */

#define FD_DIRECT 1024
#define FD_CHUNK_BITS 12
#define FD_CHUNK (1u << FD_CHUNK_BITS)
#define FD_CHUNKS 256
#define FD_LIMIT (FD_DIRECT + FD_CHUNK * FD_CHUNKS)

typedef _Atomic(struct fd_chan *) fd_entry;

static fd_entry fd_direct[FD_DIRECT] MAPSAN_BIG;
static _Atomic(fd_entry *) fd_chunks[FD_CHUNKS] MAPSAN_BIG;

/* Chunk i, allocated if `create`; NULL if absent or out of memory. */
static fd_entry *chunk_get(unsigned i, bool create) {
  fd_entry *ch = atomic_load_explicit(&fd_chunks[i], memory_order_acquire);
  if (ch != NULL || !create)
    return ch;
  fd_entry *mine = mapsan_calloc(FD_CHUNK, sizeof(fd_entry));
  if (mine == NULL)
    return NULL;
  if (atomic_compare_exchange_strong_explicit(&fd_chunks[i], &ch, mine,
                                              memory_order_acq_rel,
                                              memory_order_acquire))
    return mine;
  mapsan_free(mine); /* another thread installed one first: ch */
  return ch;
}

/* The entry of number fd; NULL when untracked (negative, too large, or in
 * a chunk not allocated and not `create`d). */
static fd_entry *fd_slot(int fd, bool create) {
  if (MAPSAN_LIKELY((unsigned)fd < FD_DIRECT))
    return &fd_direct[fd];
  if (fd < 0 || fd >= (int)FD_LIMIT)
    return NULL;
  unsigned i = (unsigned)fd - FD_DIRECT;
  fd_entry *ch = chunk_get(i >> FD_CHUNK_BITS, create);
  return ch != NULL ? &ch[i & (FD_CHUNK - 1)] : NULL;
}

static struct fd_chan *fd_chan_of(int fd) {
  fd_entry *e = fd_slot(fd, false);
  return e != NULL ? atomic_load_explicit(e, memory_order_relaxed) : NULL;
}

/* fd names c from now on (NULL: nothing); the reference held for it is
 * handed to the table (dropped if fd cannot be tracked), the channel fd
 * named before loses one. */
static void fd_name(int fd, struct fd_chan *c) {
  fd_entry *e = fd_slot(fd, c != NULL);
  if (e == NULL) {
    chan_unref(c);
    return;
  }
  chan_unref(atomic_exchange_explicit(e, c, memory_order_relaxed));
}

/* ---- hooks ------------------------------------------------------------- */

static inline bool fd_live(void) {
  return atomic_load_explicit(&mapsan_clocks_live, memory_order_acquire);
}

/* Rule 1, before the real call. */
static MAPSAN_NOINLINE void fd_release(int fd) {
  if (!mapsan_hooks_on())
    return;
  struct fd_chan *c = fd_chan_of(fd);
  if (c != NULL) {
    int err = errno;
    mapsan_sync_release((uintptr_t)c);
    errno = err;
  }
}

/* Rule 2, after a real call that returned data. */
static MAPSAN_NOINLINE void fd_acquire(int fd) {
  if (!mapsan_hooks_on())
    return;
  struct fd_chan *c = fd_chan_of(fd);
  if (c != NULL) {
    int err = errno;
    mapsan_sync_acquire((uintptr_t)c);
    errno = err;
  }
}

#define FD_PUT(fd)                                                            \
  do {                                                                        \
    if (MAPSAN_UNLIKELY(fd_live()))                                           \
      fd_release(fd);                                                         \
  } while (0)

#define FD_GOT(fd, got)                                                       \
  do {                                                                        \
    if (MAPSAN_UNLIKELY(fd_live()) && (got))                                  \
      fd_acquire(fd);                                                         \
  } while (0)

void mapsan_fd_acquire(int fd) { FD_GOT(fd, true); }

/* Rule 4: n numbers (1 or 2) made by one successful call name c (NULL: a
 * new channel). Inside mapsan nothing is recorded (mapsan makes no
 * descriptor a program could hand data through). */
static void fd_made(const int *fds, uint32_t n, struct fd_chan *c) {
  if (mapsan_in_runtime())
    return;
  int err = errno;
  if (c == NULL)
    c = chan_new(n);
  atomic_store_explicit(&chans_made, true, memory_order_relaxed);
  for (uint32_t i = 0; i < n; i++)
    fd_name(fds[i], c);
  errno = err;
}

void mapsan_fd_pipe_made(const int fds[2]) { fd_made(fds, 2, NULL); }

/* Rule 5: fd names nothing (before the real close). */
static void fd_forget(int fd) {
  if (mapsan_in_runtime())
    return;
  fd_entry *e = fd_slot(fd, false);
  if (e != NULL && atomic_load_explicit(e, memory_order_relaxed) != NULL) {
    int err = errno;
    chan_unref(atomic_exchange_explicit(e, NULL, memory_order_relaxed));
    errno = err;
  }
}

/* Rule 5 for close_range and closefrom: every number in [lo, hi]. */
static void fd_forget_range(unsigned lo, unsigned hi) {
  if (mapsan_in_runtime() || lo > hi)
    return;
  int err = errno;
  for (unsigned fd = lo; fd < FD_DIRECT && fd <= hi; fd++)
    if (atomic_load_explicit(&fd_direct[fd], memory_order_relaxed) != NULL)
      chan_unref(atomic_exchange_explicit(&fd_direct[fd], NULL,
                                          memory_order_relaxed));
  for (unsigned i = 0; i < FD_CHUNKS; i++) {
    unsigned first = FD_DIRECT + i * FD_CHUNK, last = first + FD_CHUNK - 1;
    fd_entry *ch = chunk_get(i, false);
    if (ch == NULL || last < lo || first > hi)
      continue;
    for (unsigned j = 0; j < FD_CHUNK; j++)
      if (first + j >= lo && first + j <= hi &&
          atomic_load_explicit(&ch[j], memory_order_relaxed) != NULL)
        chan_unref(atomic_exchange_explicit(&ch[j], NULL,
                                            memory_order_relaxed));
  }
  errno = err;
}

/* Rule 5: `to` names what `from` names (after a successful dup*). */
static void fd_copy(int from, int to) {
  if (!atomic_load_explicit(&chans_made, memory_order_relaxed) ||
      mapsan_in_runtime() || from == to)
    return;
  int err = errno;
  struct fd_chan *c = fd_chan_of(from);
  chan_ref(c);
  fd_name(to, c);
  errno = err;
}

/* ---- creation (rule 4) ---------------------------------------------------- */

MAPSAN_EXPORT int pipe(int fds[2]) {
  int r = REAL(pipe)(fds);
  if (r == 0)
    fd_made(fds, 2, NULL);
  return r;
}

MAPSAN_EXPORT int socketpair(int domain, int type, int protocol, int sv[2]) {
  int r = REAL(socketpair)(domain, type, protocol, sv);
  if (r == 0)
    fd_made(sv, 2, NULL);
  return r;
}

MAPSAN_EXPORT int eventfd(unsigned int count, int flags) {
  int r = REAL(eventfd)(count, flags);
  if (r >= 0)
    fd_made(&r, 1, NULL);
  return r;
}

MAPSAN_EXPORT int epoll_create(int size) {
  int r = REAL(epoll_create)(size);
  if (r >= 0)
    fd_made(&r, 1, NULL);
  return r;
}

MAPSAN_EXPORT int epoll_create1(int flags) {
  int r = REAL(epoll_create1)(flags);
  if (r >= 0)
    fd_made(&r, 1, NULL);
  return r;
}

MAPSAN_EXPORT int socket(int domain, int type, int protocol) {
  int r = REAL(socket)(domain, type, protocol);
  if (r >= 0)
    fd_made(&r, 1, &sockets_chan);
  return r;
}

MAPSAN_EXPORT int accept(int fd, __SOCKADDR_ARG addr, socklen_t *len) {
  int r = REAL(accept)(fd, addr, len);
  if (r >= 0)
    fd_made(&r, 1, &sockets_chan);
  return r;
}

MAPSAN_EXPORT int accept4(int fd, __SOCKADDR_ARG addr, socklen_t *len,
                          int flags) {
  int r = REAL(accept4)(fd, addr, len, flags);
  if (r >= 0)
    fd_made(&r, 1, &sockets_chan);
  return r;
}

/* ---- what a number means (rule 5) ------------------------------------------ */

MAPSAN_EXPORT int close(int fd) {
  if (MAPSAN_UNLIKELY(atomic_load_explicit(&chans_made, memory_order_relaxed)))
    fd_forget(fd);
  return REAL(close)(fd);
}

MAPSAN_EXPORT int close_range(unsigned int lo, unsigned int hi, int flags) {
  if (MAPSAN_UNLIKELY(atomic_load_explicit(&chans_made,
                                           memory_order_relaxed)) &&
      !(flags & (int)CLOSE_RANGE_CLOEXEC))
    fd_forget_range(lo, hi);
  return REAL(close_range)(lo, hi, flags);
}

MAPSAN_EXPORT void closefrom(int lo) {
  if (MAPSAN_UNLIKELY(atomic_load_explicit(&chans_made,
                                           memory_order_relaxed)) &&
      lo >= 0)
    fd_forget_range((unsigned)lo, UINT_MAX);
  REAL(closefrom)(lo);
}

MAPSAN_EXPORT int dup(int fd) {
  int r = REAL(dup)(fd);
  if (r >= 0)
    fd_copy(fd, r);
  return r;
}

MAPSAN_EXPORT int dup2(int from, int to) {
  int r = REAL(dup2)(from, to);
  if (r >= 0)
    fd_copy(from, r);
  return r;
}

MAPSAN_EXPORT int dup3(int from, int to, int flags) {
  int r = REAL(dup3)(from, to, flags);
  if (r >= 0)
    fd_copy(from, r);
  return r;
}

/* ---- data in (rule 1) ---------------------------------------------------- */

MAPSAN_EXPORT ssize_t write(int fd, const void *buf, size_t n) {
  FD_PUT(fd);
  return REAL(write)(fd, buf, n);
}

MAPSAN_EXPORT ssize_t writev(int fd, const struct iovec *iov, int n) {
  FD_PUT(fd);
  return REAL(writev)(fd, iov, n);
}

MAPSAN_EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags) {
  FD_PUT(fd);
  return REAL(send)(fd, buf, n, flags);
}

MAPSAN_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags,
                             __CONST_SOCKADDR_ARG addr, socklen_t len) {
  FD_PUT(fd);
  return REAL(sendto)(fd, buf, n, flags, addr, len);
}

MAPSAN_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
  FD_PUT(fd);
  return REAL(sendmsg)(fd, msg, flags);
}

MAPSAN_EXPORT int sendmmsg(int fd, struct mmsghdr *vec, unsigned int n,
                           int flags) {
  FD_PUT(fd);
  return REAL(sendmmsg)(fd, vec, n, flags);
}

MAPSAN_EXPORT int eventfd_write(int fd, eventfd_t value) {
  FD_PUT(fd);
  return REAL(eventfd_write)(fd, value);
}

MAPSAN_EXPORT int epoll_ctl(int epfd, int op, int fd,
                            struct epoll_event *event) {
  FD_PUT(epfd);
  return REAL(epoll_ctl)(epfd, op, fd, event);
}

/* ---- data out (rule 2) --------------------------------------------------- */

MAPSAN_EXPORT ssize_t read(int fd, void *buf, size_t n) {
  ssize_t r = REAL(read)(fd, buf, n);
  FD_GOT(fd, r > 0);
  return r;
}

MAPSAN_EXPORT ssize_t readv(int fd, const struct iovec *iov, int n) {
  ssize_t r = REAL(readv)(fd, iov, n);
  FD_GOT(fd, r > 0);
  return r;
}

MAPSAN_EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags) {
  ssize_t r = REAL(recv)(fd, buf, n, flags);
  FD_GOT(fd, r > 0);
  return r;
}

MAPSAN_EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags,
                               __SOCKADDR_ARG addr, socklen_t *len) {
  ssize_t r = REAL(recvfrom)(fd, buf, n, flags, addr, len);
  FD_GOT(fd, r > 0);
  return r;
}

MAPSAN_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags) {
  ssize_t r = REAL(recvmsg)(fd, msg, flags);
  FD_GOT(fd, r > 0);
  return r;
}

MAPSAN_EXPORT int recvmmsg(int fd, struct mmsghdr *vec, unsigned int n,
                           int flags, struct timespec *timeout) {
  int r = REAL(recvmmsg)(fd, vec, n, flags, timeout);
  FD_GOT(fd, r > 0);
  return r;
}

MAPSAN_EXPORT int eventfd_read(int fd, eventfd_t *value) {
  int r = REAL(eventfd_read)(fd, value);
  FD_GOT(fd, r == 0);
  return r;
}

MAPSAN_EXPORT int epoll_wait(int epfd, struct epoll_event *events, int n,
                             int timeout) {
  int r = REAL(epoll_wait)(epfd, events, n, timeout);
  FD_GOT(epfd, r > 0);
  return r;
}

MAPSAN_EXPORT int epoll_pwait(int epfd, struct epoll_event *events, int n,
                              int timeout, const sigset_t *mask) {
  int r = REAL(epoll_pwait)(epfd, events, n, timeout, mask);
  FD_GOT(epfd, r > 0);
  return r;
}

MAPSAN_EXPORT int epoll_pwait2(int epfd, struct epoll_event *events, int n,
                               const struct timespec *timeout,
                               const sigset_t *mask) {
  int r = REAL(epoll_pwait2)(epfd, events, n, timeout, mask);
  FD_GOT(epfd, r > 0);
  return r;
}
