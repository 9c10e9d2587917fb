/*
 * sink.c: report destinations. See sink.h. Called under the report lock.
 */
#include "sink.h"

#include "fds.h"

#include "../base/options.h"
#include "../base/base.h"

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
  pid_t pid;          /* the process `failed` belongs to */
  bool failed;        /* warned; use stderr from now on in this process */
};

static struct sink text_sink = {"log_path", "", 0, false};
static struct sink json_sink = {"json_path", ".jsonl", 0, false};

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

/* Appends s to p (at most end - p bytes, NUL-terminated); returns the end.
 * Async-signal-safe, as everything the crash path uses below. */
static char *append(char *p, char *end, const char *s) {
  while (*s && p + 1 < end)
    *p++ = *s++;
  *p = '\0';
  return p;
}

/* PREFIX.<pid>SUFFIX into path. */
static void sink_path(char *path, size_t size, const char *prefix, pid_t pid,
                      const char *suffix) {
  char num[16], digits[16];
  int n = 0;
  unsigned v = (unsigned)pid;
  do {
    num[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  for (int i = 0; i < n; i++)
    digits[i] = num[n - 1 - i];
  digits[n] = '\0';
  char *p = append(path, path + size, prefix);
  p = append(p, path + size, ".");
  p = append(p, path + size, digits);
  append(p, path + size, suffix);
}

/* Opens the sink's file for one report (reports/fds.c: mapsan keeps no
 * descriptor between reports). O_NONBLOCK: a FIFO planted at the path must
 * not hang the report path (and everything behind the report lock);
 * anything but a regular file is refused. Returns -1 with errno set. */
static int sink_open(const char *path) {
  int fd = mapsan_fd_open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
                                    O_NOFOLLOW | O_NONBLOCK,
                          0644);
  struct stat st;
  if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
    close(fd);
    errno = EINVAL; /* "Invalid argument": not a regular file */
    return -1;
  }
  return fd;
}

/* A forked child starts with no failure of its parent's. */
static bool sink_failed(struct sink *s) {
  pid_t pid = getpid();
  if (s->pid != pid) {
    s->pid = pid;
    s->failed = false;
  }
  return s->failed;
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

/* Writes one report to the sink's file; false (warned once, and the
 * sink failed for this process) when it has none or the write failed. */
static bool sink_write(struct sink *s, const char *prefix, const char *buf,
                       size_t len) {
  if (prefix == NULL || secure() || sink_failed(s))
    return false;
  char path[4200];
  sink_path(path, sizeof(path), prefix, getpid(), s->suffix);
  int fd = sink_open(path);
  bool ok = fd >= 0 && write_whole(fd, buf, len);
  int err = errno;
  if (fd >= 0)
    close(fd);
  if (!ok)
    warn_once(s, path, err);
  return ok;
}

void mapsan_sink_text(const char *buf, size_t len) {
  if (!sink_write(&text_sink, mapsan_opts.log_path, buf, len))
    mapsan_write_all(2, buf, len);
}

bool mapsan_sink_json_enabled(void) {
  return mapsan_opts.json_path != NULL;
}

void mapsan_sink_json(const char *buf, size_t len) {
  /* JSON never goes to stderr: the text report is already there. */
  sink_write(&json_sink, mapsan_opts.json_path, buf, len);
}

/* ---- for the crash handler (see sink.h) ---------------------------------- */

int mapsan_sink_open_signal_safe(bool json) {
  struct sink *s = json ? &json_sink : &text_sink;
  const char *prefix = json ? mapsan_opts.json_path : mapsan_opts.log_path;
  /* Unlocked reads of `failed`: the sink's state belongs to the report
   * lock, which a crashing thread must not take. */
  if ((s->pid == getpid() && s->failed) || prefix == NULL || secure())
    return -1; /* getauxval only reads the saved auxiliary vector */
  char path[4200];
  sink_path(path, sizeof(path), prefix, getpid(), s->suffix);
  return mapsan_fd_open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
                                  O_NOFOLLOW | O_NONBLOCK,
                        0644);
}
