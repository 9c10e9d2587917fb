/*
 * print_text.c: the human report, modelled on the sanitizers':
 *
 *   ==================
 *   WARNING: mapsan: write-write-race on map 0x... (api hmap, pid=N)
 *     Write (assign) by thread T2 (tid=N):
 *       #0 worker /src/app.c:42 (app+0x1234)
 *     ...
 *   SUMMARY: mapsan: write-write-race app.c:42 in worker
 *   ==================
 *
 * Formats only: every fact comes from the resolved report.
 */
#include "report.h"
#include "symbolize.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct out {
  char *buf;
  size_t cap, len;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o,
                                                      const char *fmt, ...) {
  if (o->len >= o->cap)
    return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
  va_end(ap);
  if (n > 0)
    o->len += (size_t)n < o->cap - o->len ? (size_t)n : o->cap - o->len - 1;
}

static const char *base_name(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

static void put_frames(struct out *o, const struct mapsan_resolved *res,
                       int i) {
  const struct mapsan_report_stack *s = &res->r->stacks[i];
  if (res->nframes[i] == 0 && s->role == MAPSAN_ROLE_THREAD_CREATED)
    return; /* the main thread: said in the heading */
  if (res->nframes[i] == 0) {
    put(o, "    <no stack recorded>\n");
    return;
  }
  for (size_t f = 0; f < res->nframes[i]; f++) {
    const struct mapsan_frame *fr = &res->frames[i][f];
    put(o, "    #%zu %s", f, fr->function ? fr->function : "<unknown>");
    if (fr->inlined)
      put(o, " (inlined)");
    if (fr->file)
      put(o, " %s:%d", fr->file, fr->line);
    put(o, " (%s+0x%lx)\n", base_name(fr->module), (unsigned long)fr->offset);
  }
}

static void put_thread(struct out *o, const struct mapsan_report_stack *s) {
  put(o, "thread T%u", s->acc.thread);
  if (s->tid)
    put(o, " (tid=%d)", (int)s->tid);
}

static void put_lock(struct out *o, uintptr_t addr, const char *name) {
  put(o, "0x%lx", (unsigned long)addr);
  if (name)
    put(o, " (%s)", name);
}

static void put_locks(struct out *o, const struct mapsan_resolved *res,
                      int i) {
  const struct mapsan_report_stack *s = &res->r->stacks[i];
  if (s->acc.nlocks == 0) {
    put(o, "    Locks held: none\n");
    return;
  }
  put(o, "    Locks held (%u, innermost first):", s->acc.nlocks);
  for (uint32_t l = 0; l < MAPSAN_REPORT_MAX_LOCKS && l < s->acc.nlocks; l++) {
    put(o, " ");
    put_lock(o, s->acc.locks[l], res->lock_names[i][l]);
  }
  put(o, s->acc.nlocks > MAPSAN_REPORT_MAX_LOCKS ? " ...\n" : "\n");
}

static void put_heading(struct out *o, const struct mapsan_report *r,
                        const struct mapsan_report_stack *s,
                        const char *name) {
  const char *op = s->acc.op ? s->acc.op : "?";
  const char *rw = s->acc.write ? "Write" : "Read";
  switch (s->role) {
  case MAPSAN_ROLE_CURRENT:
    if (r->kind == MAPSAN_KIND_CRASH)
      put(o, "  Fatal signal in ");
    else if (r->kind == MAPSAN_KIND_ITERATOR_INVALIDATED)
      put(o, "  Iterator used (%s) by ", op);
    else
      put(o, "  %s (%s) by ", rw, op);
    break;
  case MAPSAN_ROLE_PREVIOUS:
    if (r->kind == MAPSAN_KIND_USE_AFTER_DESTROY)
      put(o, "  Map destroyed (%s) by ", op);
    else if (r->kind == MAPSAN_KIND_ITERATOR_INVALIDATED)
      put(o, "  Map modified (%s) by ", op);
    else
      put(o, "  Previous %s (%s) by ", s->acc.write ? "write" : "read", op);
    break;
  case MAPSAN_ROLE_ITERATOR_CREATED:
    put(o, "  Iterator created (%s) by ", op);
    break;
  case MAPSAN_ROLE_RESIZE:
    put(o, "  Bucket array released by resize (%s) in ", op);
    break;
  case MAPSAN_ROLE_BUCKETS_ALLOCATED:
    put(o, "  Bucket array allocated (%s) by ", op);
    break;
  case MAPSAN_ROLE_MAP_CREATED:
    put(o, "  Map created (%s) by ", op);
    break;
  case MAPSAN_ROLE_THREAD_CREATED:
    put(o, "  Thread T%u", s->acc.thread);
    if (s->tid)
      put(o, " (tid=%d, %s)", (int)s->tid, s->running ? "running" : "finished");
    if (s->parent_thread)
      put(o, " created by thread T%u at:\n", s->parent_thread);
    else if (s->acc.stack)
      put(o, " created at:\n");
    else
      put(o, " is the main thread.\n");
    return;
  case MAPSAN_ROLE_LOCK_CREATED:
    put(o, "  Lock ");
    put_lock(o, s->object, name);
    put(o, " first seen at:\n");
    return;
  }
  if (s->acc.thread)
    put_thread(o, s);
  else
    put(o, "an unknown thread");
  put(o, ":\n");
}

size_t mapsan_print_text(const struct mapsan_resolved *res, char *buf,
                         size_t cap) {
  struct out o = {buf, cap, 0};
  const struct mapsan_report *r = res->r;
  put(&o, "==================\n");
  put(&o, "WARNING: mapsan: %s", mapsan_kind_name(r->kind));
  if (r->map)
    put(&o, " on map 0x%lx", (unsigned long)r->map);
  put(&o, " (api %s, pid=%d)\n", r->api ? r->api : "none", (int)res->pid);
  for (int i = 0; i < r->nstacks; i++) {
    const struct mapsan_report_stack *s = &r->stacks[i];
    if (s->role == MAPSAN_ROLE_LOCK_CREATED) {
      put(&o, "  Hint: this map is usually written holding lock ");
      put_lock(&o, r->usual_lock, res->object_names[i]);
      put(&o, " (%u writes); this access does not hold it.\n",
          r->usual_lock_writes);
    }
    put_heading(&o, r, s, res->object_names[i]);
    put_frames(&o, res, i);
    if (s->show_locks)
      put_locks(&o, res, i);
    if (s->role == MAPSAN_ROLE_PREVIOUS &&
        (r->kind == MAPSAN_KIND_WRITE_WRITE_RACE ||
         r->kind == MAPSAN_KIND_READ_WRITE_RACE))
      put(&o, r->overlapping
                  ? "  The two operations were in flight at the same time "
                    "(overlapping).\n"
                  : "  No synchronization orders the two operations "
                    "(not seen in flight together).\n");
    put(&o, "\n");
  }
  if (r->generation >= 0)
    put(&o, "  Bucket generation %lld; the map is now at generation %lld.\n\n",
        (long long)r->generation, (long long)r->current_generation);
  put(&o, "SUMMARY: mapsan: %s\n", res->summary);
  put(&o, "==================\n");
  return o.len;
}
