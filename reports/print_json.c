/*
 * print_json.c: one report as one JSON object on one line
 * (docs/USAGE.md). Fields may be added, never renamed.
 * Formats only: every fact comes from the resolved report; every piece is
 * formatted by the report writer (base/writer.h), as in the crash report.
 */
#include "../base/base.h"
#include "../base/writer.h"
#include "report.h"
#include "symbolize.h"

#include <stdbool.h>
#include <stdint.h>

#ifndef MAPSAN_VERSION
#define MAPSAN_VERSION "0"
#endif

/* Short names for the report writer's puts (base/writer.h). */
#define put mapsan_put_s
#define put_u mapsan_put_u
#define put_i mapsan_put_i
#define put_x mapsan_put_x
#define put_str mapsan_put_jstr

/* "0x..." as a JSON string. */
static void put_xstr(struct mapsan_writer *o, uint64_t v) {
  put(o, "\"");
  put_x(o, v);
  put(o, "\"");
}

static void put_bool(struct mapsan_writer *o, bool v) {
  put(o, v ? "true" : "false");
}

static void put_key_str(struct mapsan_writer *o, const char *key, const char *val) {
  put(o, "\"");
  put(o, key);
  put(o, "\":");
  put_str(o, val);
}

static size_t print_json(const struct mapsan_resolved *res, char *buf,
                         size_t cap, size_t max_frames);

/* "L1": the lock's label in this report; null if it has none (a lock
 * not known, 0). */
static void put_label(struct mapsan_writer *o, const struct mapsan_resolved *res,
                      uintptr_t lock) {
  int label = mapsan_lock_label(res, lock);
  if (label == 0) {
    put(o, "null");
    return;
  }
  put(o, "\"L");
  put_u(o, (uint64_t)label);
  put(o, "\"");
}

/* "GMutex": the lock's kind (report.h); null when not known. */
static void put_kind(struct mapsan_writer *o, const struct mapsan_resolved *res,
                     uintptr_t lock) {
  int label = mapsan_lock_label(res, lock);
  const char *k =
      label ? mapsan_lock_kind_name(res->label_kinds[label - 1]) : NULL;
  if (k)
    put_str(o, k);
  else
    put(o, "null");
}

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
  /* Room is left for the newline; a report that does not fit is not cut. */
  struct mapsan_writer o = mapsan_writer(buf, cap > 2 ? cap - 2 : 0);
  const struct mapsan_report *r = res->r;
  put(&o, "{\"tool\":\"mapsan\",\"version\":\"" MAPSAN_VERSION "\",\"pid\":");
  put_i(&o, res->pid);
  put(&o, ",");
  put_key_str(&o, "host", res->host);
  put(&o, ",\"time\":\"");
  mapsan_put_time(&o, res->time);
  put(&o, "\",");
  put_key_str(&o, "kind", mapsan_kind_name(r->kind));
  put(&o, ",\"overlapping\":");
  put_bool(&o, r->overlapping);
  put(&o, ",");
  put_key_str(&o, "api", r->api ? r->api : "none");
  put(&o, ",\"map\":");
  put_xstr(&o, r->map);
  put(&o, ",");
  put_key_str(&o, "summary", res->summary);
  put(&o, ",");
  put_key_str(&o, "signature", res->signature);
  if (r->generation >= 0) {
    put(&o, ",\"generation\":");
    put_i(&o, r->generation);
    put(&o, ",\"current_generation\":");
    put_i(&o, r->current_generation);
  }
  if (r->fault_addr) {
    put(&o, ",\"fault_addr\":");
    put_xstr(&o, r->fault_addr);
  }
  if (r->kind == MAPSAN_KIND_UNBOUNDED_GROWTH) {
    put(&o, ",\"growth_limit\":");
    put_u(&o, r->growth_limit);
    put(&o, ",\"entries\":");
    put_u(&o, r->growth_entries);
    put(&o, ",\"inserts\":");
    put_u(&o, r->growth_inserts);
  }
  if (r->unload.stale) {
    const struct mapsan_report_unload *u = &r->unload;
    put(&o, ",");
    put_key_str(&o, "stale", u->stale);
    put(&o, ",\"stale_word\":");
    put_xstr(&o, u->word);
    put(&o, ",\"stale_offset\":");
    put_xstr(&o, u->word - u->base);
    if (u->has_key) {
      put(&o, ",\"key\":");
      put_xstr(&o, u->key);
    }
    put(&o, ",");
    put_key_str(&o, "unloaded_module", u->module);
    if (u->build_id[0]) {
      put(&o, ",");
      put_key_str(&o, "unloaded_build_id", u->build_id);
    }
    put(&o, ",\"unloaded_range\":[");
    put_xstr(&o, u->lo);
    put(&o, ",");
    put_xstr(&o, u->hi);
    put(&o, "],\"unloaded_at\":\"");
    mapsan_put_time(&o, u->time);
    put(&o, "\"");
  }
  if (r->usual_lock) {
    put(&o, ",\"usual_lock\":");
    put_xstr(&o, r->usual_lock);
    put(&o, ",\"usual_lock_writes\":");
    put_u(&o, r->usual_lock_writes);
    put(&o, ",\"usual_lock_total_writes\":");
    put_u(&o, r->usual_lock_total);
    put(&o, ",\"usual_lock_label\":");
    put_label(&o, res, r->usual_lock);
    int label = mapsan_lock_label(res, r->usual_lock);
    if (label && res->label_names[label - 1]) {
      put(&o, ",");
      put_key_str(&o, "usual_lock_name", res->label_names[label - 1]);
    }
    if (label && mapsan_lock_kind_name(res->label_kinds[label - 1])) {
      put(&o, ",");
      put_key_str(&o, "usual_lock_kind",
                  mapsan_lock_kind_name(res->label_kinds[label - 1]));
    }
    const char *by = r->usual_lock_skipped_current
                         ? (r->usual_lock_skipped_previous ? "both" : "current")
                         : (r->usual_lock_skipped_previous ? "previous" : NULL);
    if (by) {
      put(&o, ",");
      put_key_str(&o, "usual_lock_skipped_by", by);
    }
  }
  put(&o, ",\"stacks\":[");
  for (int i = 0; i < r->nstacks; i++) {
    const struct mapsan_report_stack *s = &r->stacks[i];
    put(&o, i ? ",{" : "{");
    put_key_str(&o, "role", mapsan_role_name(s->role));
    if (s->acc.thread) {
      put(&o, ",\"thread\":");
      put_u(&o, s->acc.thread);
    }
    if (s->tid) {
      put(&o, ",\"tid\":");
      put_i(&o, s->tid);
    }
    if (s->acc.op && s->role != MAPSAN_ROLE_THREAD_CREATED) {
      put(&o, ",");
      put_key_str(&o, "op", s->acc.op);
      put(&o, ",\"write\":");
      put_bool(&o, s->acc.write);
    }
    if (s->role == MAPSAN_ROLE_THREAD_CREATED) {
      if (s->parent_thread) {
        put(&o, ",\"parent_thread\":");
        put_u(&o, s->parent_thread);
      }
      put(&o, ",\"running\":");
      put_bool(&o, s->running);
    }
    if (s->role == MAPSAN_ROLE_LOCK_CREATED) {
      put(&o, ",\"lock\":");
      put_xstr(&o, s->object);
      put(&o, ",\"lock_label\":");
      put_label(&o, res, s->object);
      if (res->object_names[i]) {
        put(&o, ",");
        put_key_str(&o, "lock_name", res->object_names[i]);
      }
      if (mapsan_lock_kind_name(s->lock_kind)) {
        put(&o, ",");
        put_key_str(&o, "lock_kind", mapsan_lock_kind_name(s->lock_kind));
      }
    }
    if (s->role == MAPSAN_ROLE_INSERT_SITE) {
      put(&o, ",\"count\":");
      put_u(&o, s->count);
    }
    if (s->show_locks) {
      put(&o, ",\"locks_held\":");
      put_u(&o, s->acc.nlocks);
      put(&o, ",\"locks\":[");
      for (uint32_t l = 0; l < MAPSAN_REPORT_MAX_LOCKS && l < s->acc.nlocks; l++) {
        put(&o, l ? "," : "");
        put_xstr(&o, s->acc.locks[l]);
      }
      put(&o, "],\"lock_labels\":[");
      for (uint32_t l = 0; l < MAPSAN_REPORT_MAX_LOCKS && l < s->acc.nlocks; l++) {
        put(&o, l ? "," : "");
        put_label(&o, res, s->acc.locks[l]);
      }
      put(&o, "],\"lock_kinds\":[");
      for (uint32_t l = 0; l < MAPSAN_REPORT_MAX_LOCKS && l < s->acc.nlocks;
           l++) {
        put(&o, l ? "," : "");
        put_kind(&o, res, s->acc.locks[l]);
      }
      put(&o, "]");
    }
    put(&o, ",\"frames\":[");
    for (size_t f = 0; f < res->nframes[i] && f < max_frames; f++) {
      const struct mapsan_frame *fr = &res->frames[i][f];
      put(&o, f ? ",{\"pc\":" : "{\"pc\":");
      put_xstr(&o, fr->pc);
      put(&o, ",");
      put_key_str(&o, "module", fr->module);
      put(&o, ",\"offset\":");
      put_xstr(&o, fr->offset);
      if (fr->build_id) {
        put(&o, ",");
        put_key_str(&o, "build_id", fr->build_id);
      }
      if (fr->function) {
        put(&o, ",");
        put_key_str(&o, "function", fr->function);
      }
      if (fr->file) {
        put(&o, ",");
        put_key_str(&o, "file", fr->file);
        put(&o, ",\"line\":");
        put_i(&o, fr->line);
      }
      if (fr->inlined)
        put(&o, ",\"inlined\":true");
      if (fr->unloaded)
        put(&o, ",\"unloaded\":true");
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
