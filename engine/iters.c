/*
 * iters.c: iterator records and the invalidation check. See iters.h.
 *
 * One lock guards the table and its FIFO: iterator operations are far
 * rarer than map operations that do not iterate, and a check holds the
 * lock for a hash probe and two compares. (If a profile ever says
 * otherwise, cache the record per thread.)
 */
#include "iters.h"
#include "../base/alloc.h"
#include "../base/fifo.h"

#include "../reports/report.h"
#include "../stacks/stack.h"

#include <stdlib.h>
#include <string.h>

#include "../base/addr_hash.h"

struct iter_rec {
  uintptr_t it;
  struct mapsan_map *map;
  uintptr_t map_key;
  uint64_t gen;
  uint64_t bucket_gen; /* the map's storage generation at creation */
  struct mapsan_access_rec created;
  bool reported;
  struct mapsan_fifo_link fifo; /* oldest at the head */
  UT_hash_handle hh;
};

static mapsan_lock iters_lock = MAPSAN_LOCK_INIT;
static struct iter_rec *table;
static struct mapsan_fifo fifo;

/* Drops r; iters_lock held. The map's count is adjusted by the caller's
 * outside the lock (returns the map to detach from, if still the same). */
static struct mapsan_map *drop_locked(struct iter_rec *r) {
  struct mapsan_map *m = r->map;
  bool same = mapsan_map_key(m) == r->map_key;
  HASH_DEL(table, r);
  mapsan_fifo_remove(&fifo, &r->fifo);
  mapsan_free(r);
  return same ? m : NULL;
}

void mapsan_iter_begin(struct mapsan_op *op, const void *it) {
  struct mapsan_map *m = op->map;
  struct mapsan_thread *t = mapsan_thread_current();
  if (m == NULL || t == NULL || it == NULL)
    return;
  struct iter_rec *r = mapsan_calloc(1, sizeof(*r));
  if (r == NULL)
    return;
  r->it = (uintptr_t)it;
  r->map = m;
  r->map_key = mapsan_map_key(m);
  r->created.thread = t->num;
  r->created.stack = mapsan_stack_capture_from(op->caller_pc, op->caller_cfa);
  r->created.op = op->opname;
  r->gen = mapsan_map_iter_attach(m, +1);
  r->bucket_gen = mapsan_map_bucket_gen(m);
  struct mapsan_map *detach[2] = {NULL, NULL};
  mapsan_lock_acquire(&iters_lock);
  struct iter_rec *old;
  HASH_FIND(hh, table, &r->it, sizeof(r->it), old);
  if (old) /* the same iterator object started again */
    detach[0] = drop_locked(old);
  HASH_ADD(hh, table, it, sizeof(r->it), r);
  mapsan_fifo_push(&fifo, &r->fifo);
  if (fifo.count > MAPSAN_ITERS_KEPT)
    detach[1] =
        drop_locked(MAPSAN_FIFO_ENTRY(fifo.head, struct iter_rec, fifo));
  mapsan_lock_release(&iters_lock);
  for (int i = 0; i < 2; i++)
    if (detach[i])
      mapsan_map_iter_attach(detach[i], -1);
}

void mapsan_iter_end(const void *it) {
  uintptr_t key = (uintptr_t)it;
  struct mapsan_map *detach = NULL;
  mapsan_lock_acquire(&iters_lock);
  struct iter_rec *r;
  HASH_FIND(hh, table, &key, sizeof(key), r);
  if (r)
    detach = drop_locked(r);
  mapsan_lock_release(&iters_lock);
  if (detach)
    mapsan_map_iter_attach(detach, -1);
}

void mapsan_iter_modified_through(const void *it, struct mapsan_map *m,
                                  uint64_t gen) {
  uintptr_t key = (uintptr_t)it;
  mapsan_lock_acquire(&iters_lock);
  struct iter_rec *r;
  HASH_FIND(hh, table, &key, sizeof(key), r);
  /* Only if nothing else invalidated it in between. */
  if (r && r->map == m && r->gen + 1 == gen)
    r->gen = gen;
  mapsan_lock_release(&iters_lock);
}

void mapsan_iter_check(struct mapsan_op *op, const void *it) {
  struct mapsan_map *m = op->map;
  struct mapsan_thread *t = mapsan_thread_current();
  if (m == NULL || t == NULL)
    return;
  uintptr_t key = (uintptr_t)it;
  uint64_t now = mapsan_map_gen(m);
  struct mapsan_access_rec created;
  uint64_t started_gen = 0;
  mapsan_lock_acquire(&iters_lock);
  struct iter_rec *r;
  HASH_FIND(hh, table, &key, sizeof(key), r);
  bool invalid = r && r->map == m && r->gen != now && !r->reported;
  if (invalid) {
    r->reported = true;
    created = r->created;
    started_gen = r->bucket_gen;
  }
  mapsan_lock_release(&iters_lock);
  if (!invalid)
    return;
  struct mapsan_map_info info;
  if (!mapsan_map_describe(m, mapsan_map_key(m), &info))
    return;
  struct mapsan_report rep;
  memset(&rep, 0, sizeof(rep));
  rep.kind = MAPSAN_KIND_ITERATOR_INVALIDATED;
  rep.api = info.api->name;
  rep.map = mapsan_map_key(m);
  rep.generation = (int64_t)started_gen;
  rep.current_generation = (int64_t)mapsan_map_bucket_gen(m);
  struct mapsan_access_rec cur = {0};
  cur.thread = t->num;
  cur.stack = mapsan_stack_capture_from(op->caller_pc, op->caller_cfa);
  cur.op = op->opname;
  cur.write = op->write;
  mapsan_report_add(&rep, MAPSAN_ROLE_CURRENT, &cur);
  mapsan_report_add(&rep, MAPSAN_ROLE_PREVIOUS, &info.last_mod);
  mapsan_report_add(&rep, MAPSAN_ROLE_ITERATOR_CREATED, &created);
  mapsan_report_add(&rep, MAPSAN_ROLE_MAP_CREATED, &info.created);
  mapsan_report_submit(&rep);
}

void mapsan_iters_fork_prepare(void) { mapsan_lock_acquire(&iters_lock); }
void mapsan_iters_fork_parent(void) { mapsan_lock_release(&iters_lock); }
void mapsan_iters_fork_child(void) { mapsan_lock_reset(&iters_lock); }
