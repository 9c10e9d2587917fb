/*
 * journal.c: the journald sink (see journal.h).
 *
 * journald's native protocol (systemd's "Native Journal Protocol"): a
 * datagram to the AF_UNIX socket /run/systemd/journal/socket holding the
 * entry's fields, each "NAME=value\n", or, for a value with a newline,
 * "NAME\n", its length as 64-bit little endian, the value and "\n". An
 * entry too large for a datagram (EMSGSIZE; ENOBUFS too, as sd-journal
 * treats it) is written to a memfd, sealed against change, and the memfd
 * alone is passed with SCM_RIGHTS in an empty datagram.
 *
 * Why by hand and not sd_journal_sendv: libsystemd allocates, keeps a
 * socket open for the process's life (mapsan keeps no descriptor:
 * reports/fds.c) and is not async-signal-safe; the crash report
 * (crash/report.c) sends its entry from a signal handler. Everything here
 * is raw system calls on caller-owned or static memory. The JSON report,
 * up to hundreds of KiB, is not copied: it is one iovec of the message.
 *
 * MSG_DONTWAIT: a journal that is backed up must not stall the program
 * (the report lock, a crashing thread); the entry is dropped and warned
 * about instead.
 */
#include "journal.h"

#include "fds.h"

#include "../base/options.h"
#include "../base/base.h"
#include "../base/writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

/* The process that warned (a forked child warns for itself). */
static _Atomic pid_t warned_pid;

bool mapsan_journal_enabled(void) { return mapsan_opts.log_to_journal; }

static bool has_newline(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] == '\n')
      return true;
  return false;
}

/* The start of field NAME whose value (n bytes) follows: "NAME=" or, when
 * the value has a newline, "NAME\n" and its length, little endian. */
static void field_head(struct mapsan_writer *w, const char *name,
                       const char *v, size_t n) {
  mapsan_put_s(w, name);
  if (!has_newline(v, n)) {
    mapsan_put_s(w, "=");
    return;
  }
  char len[8];
  for (int i = 0; i < 8; i++)
    len[i] = (char)(((uint64_t)n >> (8 * i)) & 0xff);
  mapsan_put_s(w, "\n");
  mapsan_put_n(w, len, 8);
}

static void field(struct mapsan_writer *w, const char *name, const char *v) {
  if (v == NULL)
    return;
  size_t n = strlen(v);
  field_head(w, name, v, n);
  mapsan_put_n(w, v, n);
  mapsan_put_s(w, "\n");
}

static void warn_once(int err) {
  pid_t me = getpid();
  pid_t prev = atomic_exchange(&warned_pid, me);
  if (prev == me)
    return;
  char buf[256];
  struct mapsan_writer w = mapsan_writer(buf, sizeof(buf));
  mapsan_put_s(&w, "mapsan: warning: cannot send reports to the journal ("
                   JOURNAL_SOCKET ": ");
  switch (err) {
  case ENOENT:
    mapsan_put_s(&w, "no such socket");
    break;
  case ECONNREFUSED:
    mapsan_put_s(&w, "no journal listening");
    break;
  case EAGAIN:
    mapsan_put_s(&w, "journal busy");
    break;
  default:
    mapsan_put_s(&w, "errno ");
    mapsan_put_i(&w, err);
  }
  mapsan_put_s(&w, "); the other sinks go on\n");
  mapsan_write_all(2, buf, w.len);
}

static int close_raw(int fd) { return (int)syscall(SYS_close, fd); }

/* The entry in a sealed memfd, passed over sock. Returns 0 or an errno. */
static int send_memfd(int sock, const struct sockaddr_un *sa, socklen_t salen,
                      const struct iovec *iov, int niov) {
  int mfd = mapsan_fd_memfd("mapsan-journal", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0)
    return errno;
  int err = 0;
  for (int i = 0; i < niov && !err; i++) {
    const char *p = iov[i].iov_base;
    size_t left = iov[i].iov_len;
    while (left > 0) {
      ssize_t k = syscall(SYS_write, mfd, p, left);
      if (k < 0 && errno == EINTR)
        continue;
      if (k <= 0) {
        err = k < 0 ? errno : EIO;
        break;
      }
      p += k;
      left -= (size_t)k;
    }
  }
  if (!err && syscall(SYS_fcntl, mfd, F_ADD_SEALS,
                      F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
                          F_SEAL_SEAL) != 0)
    err = errno;
  if (!err) {
    union {
      struct cmsghdr h;
      char buf[CMSG_SPACE(sizeof(int))];
    } ctl;
    memset(&ctl, 0, sizeof(ctl));
    struct msghdr mh;
    memset(&mh, 0, sizeof(mh));
    mh.msg_name = (void *)sa;
    mh.msg_namelen = salen;
    mh.msg_control = ctl.buf;
    mh.msg_controllen = sizeof(ctl.buf);
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &mfd, sizeof(int));
    if (syscall(SYS_sendmsg, sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
      err = errno;
  }
  close_raw(mfd);
  return err;
}

void mapsan_journal_send(const struct mapsan_journal_entry *e, char *head,
                         size_t cap) {
  if (!mapsan_journal_enabled())
    return;
  int saved_errno = errno;
  struct mapsan_writer w = mapsan_writer(head, cap);
  field(&w, "MESSAGE", e->message);
  mapsan_put_s(&w, "PRIORITY=3\n"
                   "MESSAGE_ID=" MAPSAN_JOURNAL_MESSAGE_ID "\n"
                   "SYSLOG_IDENTIFIER=mapsan\n");
  field(&w, "CODE_FILE", e->code_file);
  if (e->code_line > 0) {
    mapsan_put_s(&w, "CODE_LINE=");
    mapsan_put_i(&w, e->code_line);
    mapsan_put_s(&w, "\n");
  }
  field(&w, "CODE_FUNC", e->code_func);
  field(&w, "MAPSAN_KIND", e->kind);
  field(&w, "MAPSAN_SIGNATURE", e->signature);
  size_t jlen = e->json ? e->json_len : 0;
  if (jlen > 0 && e->json[jlen - 1] == '\n')
    jlen--;
  if (jlen > 0)
    field_head(&w, "MAPSAN_JSON", e->json, jlen);
  if (w.full) { /* a field beyond reason: no half entry */
    warn_once(ENOBUFS);
    errno = saved_errno;
    return;
  }
  struct iovec iov[3] = {{head, w.len},
                         {(void *)e->json, jlen},
                         {(void *)"\n", jlen > 0 ? 1 : 0}};
  struct sockaddr_un sa;
  memset(&sa, 0, sizeof(sa));
  sa.sun_family = AF_UNIX;
  memcpy(sa.sun_path, JOURNAL_SOCKET, sizeof(JOURNAL_SOCKET));
  socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
                                sizeof(JOURNAL_SOCKET));
  int err = 0;
  int sock = mapsan_fd_socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC);
  if (sock < 0) {
    err = errno;
  } else {
    struct msghdr mh;
    memset(&mh, 0, sizeof(mh));
    mh.msg_name = &sa;
    mh.msg_namelen = salen;
    mh.msg_iov = iov;
    mh.msg_iovlen = 3;
    if (syscall(SYS_sendmsg, sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
      err = errno;
      if (err == EMSGSIZE || err == ENOBUFS)
        err = send_memfd(sock, &sa, salen, iov, 3);
    }
    close_raw(sock);
  }
  if (err)
    warn_once(err);
  errno = saved_errno;
}
