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
 * Formats only: every fact comes from the resolved report; every piece is
 * formatted by the report writer (base/writer.h), as in the crash report.
 */
#include "report.h"
#include "symbolize.h"

#include "../base/writer.h"

#include <string.h>

/* Short names for the report writer's puts (base/writer.h). */
#define put mapsan_put_s
#define put_u mapsan_put_u
#define put_i mapsan_put_i
#define put_x mapsan_put_x

/* Three strings in a row. */
static void put3(struct mapsan_writer *o, const char *a, const char *b,
                 const char *c) {
  put(o, a);
  put(o, b);
  put(o, c);
}

static const char *base_name(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

static void put_frames(struct mapsan_writer *o, const struct mapsan_resolved *res,
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
    put(o, "    #");
    put_u(o, f);
    put(o, " ");
    put(o, fr->function ? fr->function : "<unknown>");
    if (fr->inlined)
      put(o, " (inlined)");
    if (fr->file) {
      put(o, " ");
      put(o, fr->file);
      put(o, ":");
      put_i(o, fr->line);
    }
    put(o, " (");
    put(o, base_name(fr->module));
    if (fr->unloaded)
      put(o, " (unloaded)");
    put(o, "+");
    put_x(o, fr->offset);
    put(o, ")\n");
  }
}

/* Says plainly why frames show <unknown>, once a report, and how to name
 * them later: the modules (and build-ids) that had no symbol here. */
static void put_unnamed(struct mapsan_writer *o,
                        const struct mapsan_resolved *res) {
  if (res->nunnamed == 0)
    return;
  if (res->symbolize_off) {
    put(o, "  Frames are not symbolized in the process (symbolize=0): "
           "mapsan-report --symbolize names them by build-id.\n\n");
    return;
  }
  put(o, "  Frames shown as <unknown> have no symbol table or debug "
         "information here: ");
  for (int u = 0; u < res->nunnamed; u++) {
    const struct mapsan_frame *fr = res->unnamed[u];
    put3(o, u ? ", " : "", base_name(fr->module), " (");
    put3(o, fr->build_id ? "build-id " : "no build-id",
         fr->build_id ? fr->build_id : "", ")");
  }
  put(o, "; mapsan-report --symbolize names them from a debug file found "
         "by build-id.\n\n");
}

static void put_thread(struct mapsan_writer *o, const struct mapsan_report_stack *s) {
  put(o, "thread T");
  put_u(o, s->acc.thread);
  if (s->tid) {
    put(o, " (tid=");
    put_i(o, s->tid);
    put(o, ")");
  }
}

/* " (name, kind)", " (name)", " (kind)" or nothing: what is known of a
 * lock besides its label and address. */
static void put_lock_what(struct mapsan_writer *o, const char *name,
                          enum mapsan_lock_kind kind) {
  const char *k = mapsan_lock_kind_name(kind);
  if (!name && !k)
    return;
  put(o, " (");
  put(o, name ? name : "");
  put(o, name && k ? ", " : "");
  put(o, k ? k : "");
  put(o, ")");
}

/* "L1 0x... (name, kind)": the lock's label in this report, address, the
 * name of a lock inside a global, its kind. */
static void put_lock(struct mapsan_writer *o, const struct mapsan_resolved *res,
                     uintptr_t addr, const char *name) {
  int label = mapsan_lock_label(res, addr);
  if (label) {
    put(o, "L");
    put_u(o, (uint64_t)label);
    put(o, " ");
  }
  put_x(o, addr);
  put_lock_what(o, name,
                label ? res->label_kinds[label - 1] : MAPSAN_LOCK_KIND_UNKNOWN);
}

/* "write (assign, thread T2)": an access as the hint names it. */
static void put_access_brief(struct mapsan_writer *o,
                             const struct mapsan_report_stack *s) {
  put3(o, s->acc.write ? "write" : "read", " (", s->acc.op ? s->acc.op : "?");
  if (s->acc.thread) {
    put(o, ", thread T");
    put_u(o, s->acc.thread);
  }
  put(o, ")");
}

/* The lockset hint: the usual lock and the access(es) that skipped it. */
static void put_hint(struct mapsan_writer *o, const struct mapsan_resolved *res) {
  const struct mapsan_report *r = res->r;
  const struct mapsan_report_stack *cur = NULL, *prev = NULL;
  for (int i = 0; i < r->nstacks; i++) {
    if (r->stacks[i].role == MAPSAN_ROLE_CURRENT && !cur)
      cur = &r->stacks[i];
    if (r->stacks[i].role == MAPSAN_ROLE_PREVIOUS && !prev)
      prev = &r->stacks[i];
  }
  bool by_cur = r->usual_lock_skipped_current && cur;
  bool by_prev = r->usual_lock_skipped_previous && prev;
  int label = mapsan_lock_label(res, r->usual_lock);
  put(o, "  Hint: this map's writes hold lock ");
  if (label) {
    put(o, "L");
    put_u(o, (uint64_t)label);
    put_lock_what(o, res->label_names[label - 1], res->label_kinds[label - 1]);
  } else
    put_x(o, r->usual_lock);
  put(o, " ");
  put_u(o, r->usual_lock_writes);
  put(o, " times of ");
  put_u(o, r->usual_lock_total);
  if (by_cur && by_prev) {
    put(o, "; neither this ");
    put_access_brief(o, cur);
    put(o, " nor the previous ");
    put_access_brief(o, prev);
    put(o, " held it.\n");
  } else if (by_prev) {
    put(o, "; the previous ");
    put_access_brief(o, prev);
    put(o, " did not hold it.\n");
  } else if (by_cur) {
    put(o, "; this ");
    put_access_brief(o, cur);
    put(o, " does not hold it.\n");
  } else
    put(o, ".\n");
}

static void put_locks(struct mapsan_writer *o, const struct mapsan_resolved *res,
                      int i) {
  const struct mapsan_report_stack *s = &res->r->stacks[i];
  if (s->acc.nlocks == 0) {
    put(o, "    Locks held: none\n");
    return;
  }
  put(o, "    Locks held (");
  put_u(o, s->acc.nlocks);
  put(o, ", innermost first): ");
  for (uint32_t l = 0; l < MAPSAN_REPORT_MAX_LOCKS && l < s->acc.nlocks; l++) {
    put(o, l ? ", " : "");
    put_lock(o, res, s->acc.locks[l], res->lock_names[i][l]);
  }
  put(o, s->acc.nlocks > MAPSAN_REPORT_MAX_LOCKS ? ", ...\n" : "\n");
}

/* use-after-unload: what the stale word is and where it points. */
static void put_unload(struct mapsan_writer *o, const struct mapsan_report *r) {
  const struct mapsan_report_unload *u = &r->unload;
  if (u->stale[0] == 'k' || u->stale[0] == 'v') /* key, value */
    put3(o, "  The entry's ", u->stale, " holds ");
  else if (u->stale[0] == 'p') /* a fault: the pc */
    put(o, "  The operation called ");
  else /* a fault: the address */
    put(o, "  The operation touched ");
  put_x(o, u->word);
  put3(o, " (", base_name(u->module), " (unloaded)+");
  put_x(o, u->word - u->base);
  put3(o, "), which points into ", u->module, " (unloaded) [");
  put_x(o, u->lo);
  put(o, ", ");
  put_x(o, u->hi);
  put(o, ")");
  if (u->build_id[0])
    put3(o, ", build-id ", u->build_id, "");
  put(o, ", unloaded at ");
  mapsan_put_time(o, u->time);
  if (u->has_key && !(u->key == u->word && u->stale[0] == 'k')) {
    put(o, ". Its key is ");
    put_x(o, u->key);
  }
  if (u->stale[0] == 'p')
    put(o, ": a function pointer it called (the map's or an entry's) was "
           "stale");
  else if (u->stale[0] == 'a')
    put(o, ": a key or value it hashed, compared or released points there");
  put(o, ".\n\n");
}

static void put_heading(struct mapsan_writer *o, const struct mapsan_resolved *res,
                        const struct mapsan_report_stack *s,
                        const char *name) {
  const struct mapsan_report *r = res->r;
  const char *op = s->acc.op ? s->acc.op : "?";
  const char *rw = s->acc.write ? "Write" : "Read";
  switch (s->role) {
  case MAPSAN_ROLE_CURRENT:
    if (r->kind == MAPSAN_KIND_CRASH)
      put(o, "  Fatal signal in ");
    else if (r->kind == MAPSAN_KIND_UNBOUNDED_GROWTH)
      put3(o, "  Insert (", op, ") that passed the limit, by ");
    else if (r->kind == MAPSAN_KIND_ITERATOR_INVALIDATED)
      put3(o, "  Iterator used (", op, ") by ");
    else {
      put3(o, "  ", rw, " (");
      put3(o, op, ") by ", "");
    }
    break;
  case MAPSAN_ROLE_PREVIOUS:
    if (r->kind == MAPSAN_KIND_USE_AFTER_DESTROY)
      put3(o, "  Map destroyed (", op, ") by ");
    else if (r->kind == MAPSAN_KIND_ITERATOR_INVALIDATED)
      put3(o, "  Map modified (", op, ") by ");
    else {
      put3(o, "  Previous ", s->acc.write ? "write" : "read", " (");
      put3(o, op, ") by ", "");
    }
    break;
  case MAPSAN_ROLE_ITERATOR_CREATED:
    put3(o, "  Iterator created (", op, ") by ");
    break;
  case MAPSAN_ROLE_RESIZE:
    put3(o, "  Bucket array released by resize (", op, ") in ");
    break;
  case MAPSAN_ROLE_BUCKETS_ALLOCATED:
    put3(o, "  Bucket array allocated (", op, ") by ");
    break;
  case MAPSAN_ROLE_MAP_CREATED:
    put3(o, "  Map created (", op, ") by ");
    break;
  case MAPSAN_ROLE_DLCLOSE:
    put3(o, "  Module unloaded (", op, ") by ");
    break;
  case MAPSAN_ROLE_MODULE_OP:
    put3(o, "  Latest operation on the map from the module's code (", op,
         ", likely where it stored the entry; its call site only) by ");
    break;
  case MAPSAN_ROLE_THREAD_CREATED:
    put(o, "  Thread T");
    put_u(o, s->acc.thread);
    if (s->tid) {
      put(o, " (tid=");
      put_i(o, s->tid);
      put3(o, ", ", s->running ? "running" : "finished", ")");
    }
    if (s->parent_thread) {
      put(o, " created by thread T");
      put_u(o, s->parent_thread);
      put(o, " at:\n");
    }
    else if (s->acc.stack)
      put(o, " created at:\n");
    else
      put(o, " is the main thread.\n");
    return;
  case MAPSAN_ROLE_LOCK_CREATED:
    put(o, "  Lock ");
    put_lock(o, res, s->object, name);
    put(o, " first seen at:\n");
    return;
  case MAPSAN_ROLE_INSERT_SITE:
    put(o, "  New keys inserted ");
    put_u(o, s->count);
    put(o, s->count == 1 ? " time at:\n" : " times at:\n");
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
  struct mapsan_writer o = mapsan_writer(buf, cap > 0 ? cap - 1 : 0);
  const struct mapsan_report *r = res->r;
  put(&o, "==================\n");
  put(&o, "WARNING: mapsan: ");
  put(&o, mapsan_kind_name(r->kind));
  if (r->map) {
    put(&o, " on map ");
    put_x(&o, r->map);
  }
  put3(&o, " (api ", r->api ? r->api : "none", ", pid=");
  put_i(&o, res->pid);
  put(&o, ")\n");
  if (r->kind == MAPSAN_KIND_UNBOUNDED_GROWTH) {
    put(&o, "  The map passed growth_limit=");
    put_u(&o, r->growth_limit);
    put(&o, " entries (");
    put_u(&o, r->growth_entries);
    put(&o, " now, after ");
    put_u(&o, r->growth_inserts);
    put(&o, " inserts of new keys) and never removed one.\n\n");
  }
  if (r->unload.stale)
    put_unload(&o, r);
  bool hinted = false;
  for (int i = 0; i < r->nstacks; i++) {
    const struct mapsan_report_stack *s = &r->stacks[i];
    if (s->role == MAPSAN_ROLE_LOCK_CREATED && !hinted && r->usual_lock) {
      put_hint(&o, res);
      hinted = true;
    }
    put_heading(&o, res, s, res->object_names[i]);
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
  if (r->usual_lock && !hinted) { /* no room was left for its stack */
    put_hint(&o, res);
    put(&o, "\n");
  }
  if (r->generation >= 0) {
    put(&o, "  Bucket generation ");
    put_i(&o, r->generation);
    put(&o, "; the map is now at generation ");
    put_i(&o, r->current_generation);
    put(&o, ".\n\n");
  }
  put_unnamed(&o, res);
  put3(&o, "SUMMARY: mapsan: ", res->summary, "\n");
  put(&o, "==================\n");
  return o.len;
}
