/*
 * print_json.c: one report as one JSON object on one line
 * (interface.md section 3). Fields may be added, never renamed.
 * Formats only: every fact comes from the resolved report.
 */
#include "../base/base.h"
#include "report.h"
#include "symbolize.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#ifndef MAPSAN_VERSION
#define MAPSAN_VERSION "0"
#endif

struct out {
  char *buf;
  size_t cap, len;
  bool full; /* something did not fit */
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o,
                                                      const char *fmt, ...) {
  if (o->full)
    return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= o->cap - o->len) {
    o->full = true;
    return;
  }
  o->len += (size_t)n;
}

/* A JSON string: quotes, backslashes and control bytes escaped; valid
 * UTF-8 copied; any other byte (a path in another encoding) becomes
 * U+FFFD, so that every line is valid JSON. */
static void put_str(struct out *o, const char *s) {
  put(o, "\"");
  const unsigned char *p = (const unsigned char *)s;
  while (p && *p) {
    unsigned char c = *p;
    if (c == '"' || c == '\\') {
      put(o, "\\%c", c);
      p++;
    } else if (c < 0x20) {
      put(o, "\\u%04x", c);
      p++;
    } else if (c < 0x80) {
      put(o, "%c", c);
      p++;
    } else {
      int n = mapsan_utf8_len(p);
      if (n) {
        put(o, "%.*s", n, (const char *)p);
        p += n;
      } else {
        put(o, "\\ufffd");
        p++;
      }
    }
  }
  put(o, "\"");
}

static void put_key_str(struct out *o, const char *key, const char *val) {
  put(o, "\"%s\":", key);
  put_str(o, val);
}

static size_t print_json(const struct mapsan_resolved *res, char *buf,
                         size_t cap, size_t max_frames);

/* A report too large for buf is printed again with fewer frames a stack,
 * so that the line is always a whole JSON object. */
size_t mapsan_print_json(const struct mapsan_resolved *res, char *buf,
                         size_t cap) {
  static const size_t tries[] = {SIZE_MAX, 16, 4, 1};
  size_t n = 0;
  for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
    n = print_json(res, buf, cap, tries[i]);
    if (n > 0)
      return n;
  }
  return 0; /* not even one frame a stack fits: nothing is written */
}

static size_t print_json(const struct mapsan_resolved *res, char *buf,
                         size_t cap, size_t max_frames) {
  struct out o = {buf, cap > 2 ? cap - 2 : 0, 0, false};
  const struct mapsan_report *r = res->r;
  char when[32];
  time_t t = (time_t)res->time;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
  put(&o, "{\"tool\":\"mapsan\",\"version\":\"%s\",\"pid\":%d,", MAPSAN_VERSION,
      (int)res->pid);
  put_key_str(&o, "host", res->host);
  put(&o, ",");
  put_key_str(&o, "time", when);
  put(&o, ",");
  put_key_str(&o, "kind", mapsan_kind_name(r->kind));
  put(&o, ",\"overlapping\":%s,", r->overlapping ? "true" : "false");
  put_key_str(&o, "api", r->api ? r->api : "none");
  put(&o, ",\"map\":\"0x%lx\",", (unsigned long)r->map);
  put_key_str(&o, "summary", res->summary);
  put(&o, ",");
  put_key_str(&o, "signature", res->signature);
  if (r->generation >= 0)
    put(&o, ",\"generation\":%lld,\"current_generation\":%lld",
        (long long)r->generation, (long long)r->current_generation);
  if (r->fault_addr)
    put(&o, ",\"fault_addr\":\"0x%lx\"", (unsigned long)r->fault_addr);
  if (r->usual_lock)
    put(&o, ",\"usual_lock\":\"0x%lx\",\"usual_lock_writes\":%u",
        (unsigned long)r->usual_lock, r->usual_lock_writes);
  put(&o, ",\"stacks\":[");
  for (int i = 0; i < r->nstacks; i++) {
    const struct mapsan_report_stack *s = &r->stacks[i];
    put(&o, "%s{", i ? "," : "");
    put_key_str(&o, "role", mapsan_role_name(s->role));
    if (s->acc.thread)
      put(&o, ",\"thread\":%u", s->acc.thread);
    if (s->tid)
      put(&o, ",\"tid\":%d", (int)s->tid);
    if (s->acc.op && s->role != MAPSAN_ROLE_THREAD_CREATED) {
      put(&o, ",");
      put_key_str(&o, "op", s->acc.op);
      put(&o, ",\"write\":%s", s->acc.write ? "true" : "false");
    }
    if (s->role == MAPSAN_ROLE_THREAD_CREATED) {
      if (s->parent_thread)
        put(&o, ",\"parent_thread\":%u", s->parent_thread);
      put(&o, ",\"running\":%s", s->running ? "true" : "false");
    }
    if (s->role == MAPSAN_ROLE_LOCK_CREATED) {
      put(&o, ",\"lock\":\"0x%lx\"", (unsigned long)s->object);
      if (res->object_names[i]) {
        put(&o, ",");
        put_key_str(&o, "lock_name", res->object_names[i]);
      }
    }
    if (s->show_locks) {
      put(&o, ",\"locks_held\":%u,\"locks\":[", s->acc.nlocks);
      for (uint32_t l = 0; l < MAPSAN_REPORT_MAX_LOCKS && l < s->acc.nlocks; l++)
        put(&o, "%s\"0x%lx\"", l ? "," : "", (unsigned long)s->acc.locks[l]);
      put(&o, "]");
    }
    put(&o, ",\"frames\":[");
    for (size_t f = 0; f < res->nframes[i] && f < max_frames; f++) {
      const struct mapsan_frame *fr = &res->frames[i][f];
      put(&o, "%s{\"pc\":\"0x%lx\",", f ? "," : "", (unsigned long)fr->pc);
      put_key_str(&o, "module", fr->module);
      put(&o, ",\"offset\":\"0x%lx\"", (unsigned long)fr->offset);
      if (fr->function) {
        put(&o, ",");
        put_key_str(&o, "function", fr->function);
      }
      if (fr->file) {
        put(&o, ",");
        put_key_str(&o, "file", fr->file);
        put(&o, ",\"line\":%d", fr->line);
      }
      if (fr->inlined)
        put(&o, ",\"inlined\":true");
      put(&o, "}");
    }
    put(&o, "]}");
  }
  put(&o, "]}");
  if (o.full)
    return 0;
  o.buf[o.len++] = '\n';
  return o.len;
}
