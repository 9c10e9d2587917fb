/*
 * sink.c: report destinations. See sink.h. Called under the report lock.
 */
#include "sink.h"

#include "../shim/fds.h"

#include "../preload/options.h"
#include "../shim/base.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

struct sink {
  const char *kind;   /* "log_path" or "json_path", for warnings */
  const char *suffix; /* appended after the pid */
  int fd;             /* -1 until opened */
  pid_t pid;          /* the process that opened fd */
  bool failed;        /* warned; use stderr from now on in this process */
};

static struct sink text_sink = {"log_path", "", -1, 0, false};
static struct sink json_sink = {"json_path", ".jsonl", -1, 0, false};

static bool secure(void) { return getauxval(AT_SECURE) != 0; }

static void warn_once(struct sink *s, const char *path, int err) {
  char buf[600];
  int n = snprintf(buf, sizeof(buf),
                   "mapsan: warning: cannot write %s '%s': %s; reports go to "
                   "stderr\n",
                   s->kind, path, strerror(err));
  if (n > 0)
    mapsan_write_all(2, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
  s->failed = true;
}

/* Returns the descriptor for s, or -1 for stderr. */
static int sink_fd(struct sink *s, const char *prefix) {
  pid_t pid = getpid();
  if (s->pid != pid) { /* first use, or a forked child */
    if (s->fd >= 0 && s->pid != 0)
      close(s->fd);
    s->fd = -1;
    s->failed = false;
    s->pid = pid;
  }
  if (s->fd >= 0)
    return s->fd;
  if (s->failed || prefix == NULL || secure())
    return -1;
  char path[4200];
  snprintf(path, sizeof(path), "%s.%d%s", prefix, (int)pid, s->suffix);
  /* O_NONBLOCK: a FIFO planted at the path must not hang the report path
   * (and everything behind the report lock); anything but a regular file
   * is refused. */
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW |
                          O_NONBLOCK,
                0644);
  struct stat st;
  if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
    close(fd);
    fd = -1;
    errno = EINVAL; /* "Invalid argument": not a regular file */
  }
  if (fd >= 0) {
    fcntl(fd, F_SETFL, O_APPEND);
    /* Kept for the rest of the process: not among the program's numbers. */
    fd = mapsan_fd_move_high(fd, true);
  }
  s->fd = fd;
  if (s->fd < 0)
    warn_once(s, path, errno);
  return s->fd;
}

/* One report, whole or not at all: if the write falls short (disk full, a
 * file size limit), the file is cut back to where it was, so that no half
 * report (half a JSON line) stays in it. */
static bool write_whole(int fd, const char *buf, size_t len) {
  off_t before = lseek(fd, 0, SEEK_END);
  if (mapsan_write_all(fd, buf, len))
    return true;
  int err = errno;
  if (before >= 0)
    if (ftruncate(fd, before) != 0) { /* nothing more can be done */ }
  errno = err;
  return false;
}

void mapsan_sink_text(const char *buf, size_t len) {
  int fd = sink_fd(&text_sink, mapsan_opts.log_path);
  if (fd >= 0 && write_whole(fd, buf, len))
    return;
  if (fd >= 0)
    warn_once(&text_sink, mapsan_opts.log_path, errno);
  mapsan_write_all(2, buf, len);
}

bool mapsan_sink_json_enabled(void) {
  return mapsan_opts.json_path != NULL;
}

void mapsan_sink_json(const char *buf, size_t len) {
  int fd = sink_fd(&json_sink, mapsan_opts.json_path);
  if (fd >= 0 && write_whole(fd, buf, len))
    return;
  if (fd >= 0) {
    warn_once(&json_sink, mapsan_opts.json_path, errno);
    close(fd);
    json_sink.fd = -1;
  }
  /* JSON never goes to stderr: the text report is already there. */
}

/* ---- for the crash handler (see sink.h) ---------------------------------- */

/* Appends s to p (at most end - p bytes, NUL-terminated); returns the end. */
static char *append(char *p, char *end, const char *s) {
  while (*s && p + 1 < end)
    *p++ = *s++;
  *p = '\0';
  return p;
}

int mapsan_sink_fd_signal_safe(bool json, bool *opened) {
  struct sink *s = json ? &json_sink : &text_sink;
  const char *prefix = json ? mapsan_opts.json_path : mapsan_opts.log_path;
  *opened = false;
  /* Unlocked reads: a report being written by another thread may be
   * opening this sink right now; the worst case is a second descriptor. */
  pid_t pid = getpid();
  int fd = s->fd;
  if (s->pid == pid && fd >= 0)
    return fd;
  if ((s->pid == pid && s->failed) || prefix == NULL || secure())
    return -1; /* getauxval only reads the saved auxiliary vector */
  char path[4200], num[16];
  int n = 0;
  unsigned v = (unsigned)pid;
  do {
    num[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  char digits[16];
  for (int i = 0; i < n; i++)
    digits[i] = num[n - 1 - i];
  digits[n] = '\0';
  char *p = append(path, path + sizeof(path), prefix);
  p = append(p, path + sizeof(path), ".");
  p = append(p, path + sizeof(path), digits);
  append(p, path + sizeof(path), s->suffix);
  fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW,
            0644);
  if (fd >= 0)
    *opened = true;
  return fd;
}
