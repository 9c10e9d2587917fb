/*
 * lines.c: see lines.h.
 */
#include "lines.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

void mapsan_read_lines(int fd, char *buf, size_t size, bool keep_long,
                       void (*line)(const char *, const char *, void *),
                       void *arg) {
  size_t have = 0;
  bool skipping = false; /* inside a line too long for the buffer */
  for (;;) {
    ssize_t got = read(fd, buf + have, size - have);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      break;
    have += (size_t)got;
    size_t start = 0;
    for (size_t i = 0; i < have; i++) {
      if (buf[i] != '\n')
        continue;
      if (!skipping)
        line(buf + start, buf + i, arg);
      skipping = false;
      start = i + 1;
    }
    if (start == 0 && have == size) { /* a very long line: its head only */
      if (!skipping && keep_long)
        line(buf, buf + have, arg);
      skipping = true;
      have = 0;
      continue;
    }
    memmove(buf, buf + start, have - start);
    have -= start;
  }
}

uintptr_t mapsan_parse_hex(const char **p, const char *end) {
  uintptr_t v = 0;
  for (; *p < end; (*p)++) {
    char c = **p;
    if (c >= '0' && c <= '9')
      v = v * 16 + (uintptr_t)(c - '0');
    else if (c >= 'a' && c <= 'f')
      v = v * 16 + (uintptr_t)(c - 'a' + 10);
    else
      break;
  }
  return v;
}
