/*
 * suppress.c: suppression rules. See suppress.h. Rules are loaded once at
 * start-up and read-only afterwards; matching runs under the report lock.
 */
#include "suppress.h"
#include "../base/alloc.h"

#include "../base/base.h"
#include "symbolize.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_RULES 256

struct rule {
  int kind; /* enum mapsan_kind, or -1 for '*' */
  char pattern[256];
};

static struct rule rules[MAX_RULES] MAPSAN_BIG;
static int nrules;

static void warn(const char *origin, int line, const char *what) {
  char buf[512];
  int n = snprintf(buf, sizeof(buf), "mapsan: warning: %s:%d: %s; ignored\n",
                   origin, line, what);
  if (n > 0)
    mapsan_write_all(2, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static int kind_of(const char *s, size_t len) {
  if (len == 1 && s[0] == '*')
    return -1;
  for (int k = MAPSAN_KIND_WRITE_WRITE_RACE; k <= MAPSAN_KIND_CRASH; k++) {
    const char *name = mapsan_kind_name((enum mapsan_kind)k);
    if (strlen(name) == len && !memcmp(name, s, len))
      return k;
  }
  return -2;
}

void mapsan_suppress_parse(const char *text, const char *origin) {
  int lineno = 0;
  const char *p = text;
  while (*p) {
    const char *end = strchr(p, '\n');
    if (end == NULL)
      end = p + strlen(p);
    lineno++;
    const char *s = p, *e = end;
    p = *end ? end + 1 : end;
    while (s < e && (*s == ' ' || *s == '\t'))
      s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
      e--;
    if (s == e || *s == '#')
      continue;
    const char *colon = memchr(s, ':', (size_t)(e - s));
    if (colon == NULL || colon == s || colon + 1 == e) {
      warn(origin, lineno, "expected KIND:PATTERN");
      continue;
    }
    int kind = kind_of(s, (size_t)(colon - s));
    if (kind == -2) {
      warn(origin, lineno, "unknown report kind");
      continue;
    }
    size_t plen = (size_t)(e - colon - 1);
    if (plen >= sizeof(rules[0].pattern)) {
      warn(origin, lineno, "pattern too long");
      continue;
    }
    if (nrules == MAX_RULES) {
      warn(origin, lineno, "too many rules");
      return;
    }
    rules[nrules].kind = kind;
    memcpy(rules[nrules].pattern, colon + 1, plen);
    rules[nrules].pattern[plen] = '\0';
    nrules++;
  }
}

void mapsan_suppress_load(const char *path) {
  if (path == NULL)
    return;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    char buf[512];
    int n = snprintf(buf, sizeof(buf),
                     "mapsan: warning: cannot read suppressions file '%s': %s; "
                     "ignored\n",
                     path, strerror(errno));
    if (n > 0)
      mapsan_write_all(2, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
    return;
  }
  size_t cap = 1 << 16, len = 0;
  char *text = mapsan_malloc(cap + 1);
  if (text == NULL) {
    close(fd);
    return;
  }
  ssize_t n;
  while (len < cap && (n = read(fd, text + len, cap - len)) > 0)
    len += (size_t)n;
  close(fd);
  text[len] = '\0';
  mapsan_suppress_parse(text, path);
  mapsan_free(text);
}

static bool match(const char *pattern, const char *s) {
  return s && fnmatch(pattern, s, 0) == 0;
}

bool mapsan_suppressed(const struct mapsan_resolved *r) {
  for (int i = 0; i < nrules; i++) {
    if (rules[i].kind != -1 && rules[i].kind != (int)r->r->kind)
      continue;
    for (int s = 0; s < r->r->nstacks; s++) {
      for (size_t f = 0; f < r->nframes[s]; f++) {
        const struct mapsan_frame *fr = &r->frames[s][f];
        if (match(rules[i].pattern, fr->function) ||
            match(rules[i].pattern, fr->module) ||
            match(rules[i].pattern, fr->file))
          return true;
      }
    }
  }
  return false;
}
