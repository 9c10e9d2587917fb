/*
 * maps.h: the map-agnostic engine. Wrappers for a map API (shim/map_*.c,
 * the annotations) describe each call as create, destroy, read or write on
 * an address; the engine keeps a shadow per tracked map and finds races,
 * use-after-destroy and nil-map writes. It knows nothing of any map's
 * layout.
 *
 * Per map (FastTrack): the last write as an epoch with its access record
 * (thread, stack, op, locks held) — the map's owner; the reads since that
 * write as one epoch, or, when readers are concurrent, one epoch per thread
 * slot; an in-flight writer and reader word, holding the id of an
 * operation in flight (ids are unique in the process), and the id of the
 * operation that made each access record: a race is "overlapping" only
 * when the recorded access's own operation was still in flight when the
 * current one began, a proof that the two were in flight at once; a
 * modification generation for iterators; the creation stack; a majority vote of the lock held at writes (the lockset
 * hint).
 *
 * Cost: the common case — this thread already accessed the map in its
 * current epoch — is inline in the wrapper (mapsan_map_begin below): the
 * thread's cached shadow, one comparison, the thread's operation log; no
 * table lookup, no stack, no lock, no shared write. Everything else takes the map's own
 * shadow lock, and captures a stack only when the map's record changes,
 * i.e. at most once per (map, thread, epoch). A race report needs the
 * previous access's stack: it is that record's, captured at the first
 * access of its epoch; every access of one epoch is unordered with the
 * current one alike, so that stack is a true conflicting access.
 */
#ifndef MAPSAN_MAPS_H
#define MAPSAN_MAPS_H

#include "../reports/report.h"
#include "thread.h"
#include "window.h"

#include <stdbool.h>
#include <stdint.h>

struct mapsan_map;

/* For an API whose maps can also be created where mapsan cannot see
 * (GLib's calls inside libglib): the probe says whether the object at
 * addr, which mapsan recorded as destroyed, is a live map created since at
 * the same address; if so, a call on it is not a use-after-destroy, and
 * the map is met as for the first time. Called on that path only. */
typedef bool (*mapsan_map_reborn_fn)(uintptr_t addr);

/* A map API as the engine sees it: what differs from one API to another.
 * Each wrapper file (shim/map_hmap.c, map_glib.c, annotate.c) defines its
 * own and passes it with every call; the engine keeps the pointer. Adding
 * an API is one descriptor and one wrapper file. */
struct mapsan_map_api {
  const char *name; /* in reports: "hmap", "glib", "annotated" */
  /* Any structural modification not made through an iterator invalidates
   * every live iterator of the map, from its creation (GLib's rule);
   * otherwise only after mapsan_map_set_strict_iters. */
  bool strict_iters;
  mapsan_map_reborn_fn reborn; /* NULL: every map is created in sight */
};

/* One operation in flight, on the wrapper's stack. */
struct mapsan_op {
  struct mapsan_map *map; /* NULL: untracked, nothing to end */
  struct mapsan_thread *t;
  const char *opname;
  bool sampled_out;       /* set by begin: the map is not sampled */
  bool first_sight;       /* set by begin: no creation was seen for it */
  uint64_t id;             /* unique in the process; never 0 */
  bool write;
  /* The program's call site, set by the wrapper (MAPSAN_OP_CALLER) before
   * begin, so that stacks can be cached per call site (stacks/stack.c);
   * 0 when unknown. */
  uintptr_t caller_pc, caller_cfa;
  /* Set by begin (engine/profile.h): the map's counters when profiles are
   * on, for the wrapper to bump after the real call; NULL otherwise. */
  struct mapsan_profile *prof;
};

/* In a wrapper (never in a function it calls): records where the program
 * called it. */
#define MAPSAN_OP_CALLER(op)                                                  \
  ((op)->caller_pc = (uintptr_t)__builtin_return_address(0),                  \
   (op)->caller_cfa = (uintptr_t)__builtin_dwarf_cfa())

/* Map records held now (live maps met, destroyed ones kept for
 * use-after-destroy), for the summary at exit. */
size_t mapsan_maps_held(void);

/* Draws whether a new map is tracked: true for one map in sample_rate. */
bool mapsan_map_sample(void);

/* A map was created at addr (new/init). Replaces any shadow at addr.
 * tracked false (from mapsan_map_sample) leaves a marker that makes every
 * later call on it return at once. pc, cfa: the program's call site, as
 * MAPSAN_OP_CALLER records it (0, 0 if not known), so that the creation's
 * stack can come from the call-site cache (stacks/stack.c). */
void mapsan_map_create(const void *addr, const struct mapsan_map_api *api,
                       const char *opname, bool tracked, uintptr_t pc,
                       uintptr_t cfa);

/* Forgets anything known at addr (a map created in place of an old one and
 * not tracked, by an API that remembers that in the map itself). */
void mapsan_map_forget(const void *addr);

/* A map is about to be destroyed: checked as a write, then marked
 * destroyed (a later call on it is use-after-destroy). */
void mapsan_map_destroy(const void *addr, const struct mapsan_map_api *api,
                        const char *opname, uintptr_t pc, uintptr_t cfa);

/* Begin/end of a read or write. begin returns false when the call must
 * not proceed into the engine's end (untracked, or reported as
 * use-after-destroy); the wrapper still calls the real function.
 *
 * The common case is inline, in the wrapper's own frame: full mode, the
 * thread's last map again (its cached shadow), and this thread's current
 * epoch already recorded on it, so there is nothing to check and nothing
 * to record. Such an operation is not announced in flight either: the
 * `overlapping` proof compares the in-flight words with the operation
 * that made a record, which this one does not. What is left is the
 * thread's operation log (crash reports) and its access flag. The
 * wrappers' whole path on a map of one thread was ~160 instructions an
 * operation beyond the library's, and the workloads whose lookups miss the
 * cache lost more wall time than instructions (the extra instructions
 * between two lookups keep their misses from overlapping): st 2.46x
 * instructions, 1.45x wall. Everything else goes to the engine: from the
 * cached shadow (mapsan_map_begin_cached), or through the table
 * (mapsan_map_begin_full). */
bool mapsan_map_begin_full(struct mapsan_op *op, const void *addr,
                           const struct mapsan_map_api *api,
                           const char *opname, bool write);
/* The thread's cached shadow is the map's (checked inline) but the
 * operation is not the common case: the engine's begin from there. */
bool mapsan_map_begin_cached(struct mapsan_op *op, const char *opname,
                             bool write);
void mapsan_map_end_announced(struct mapsan_op *op);

/* The first fields of every shadow (maps.c defines the rest after them):
 * what the inline begin reads. */
#define MAPSAN_MAP_HOT_FIELDS                                                 \
  _Atomic uintptr_t key;           /* the map's address; 0 when free */       \
  struct mapsan_map *_Atomic next; /* table chain */                          \
  mapsan_lock lock;                /* guards the record but atomics */        \
  _Atomic bool destroyed;                                                     \
  /* Not drawn by sample_rate: kept only so that lookups answer              \
   * "untracked" at once; nothing else of it is used. */                      \
  bool sampled_out;                                                           \
  /* Last write (the owner) and reads since, as epochs. */                    \
  _Atomic mapsan_epoch w_epoch;                                               \
  _Atomic mapsan_epoch r_epoch;                                               \
  /* Map health (profile.h): made with the shadow when profiles are on       \
   * (else NULL), released when the map ends or its shadow is recycled. */    \
  struct mapsan_profile *_Atomic prof;                                        \
  /* Live iterators (iters.c). */                                             \
  _Atomic uint32_t live_iters;                                                \
  /* The writer's critical section (thread.h, `sections`) at the last write  \
   * counted for the lockset hint: a write at the same epoch in a later one  \
   * is counted too (maps.c, mapsan_map_vote_again). */                      \
  _Atomic uint32_t w_section;
/* The inline begin reads a shadow, which maps.c defines and writes as
 * struct mapsan_map, through this type: may_alias exempts the reads from
 * type-based alias analysis (the two types share the first fields, which
 * static asserts in maps.c keep at the same offsets). */
struct __attribute__((may_alias)) mapsan_map_hot {
  MAPSAN_MAP_HOT_FIELDS
};

/* A write at the epoch of the map's last write, by the same thread in a
 * later critical section (its tick was waived: sync.c, "re-taking a
 * lock"): nothing to check, but the lockset hint counts it as it would
 * count a write at a new epoch. */
void mapsan_map_vote_again(struct mapsan_map *m, uintptr_t key,
                           struct mapsan_thread *t);

static inline bool mapsan_map_begin(struct mapsan_op *op, const void *addr,
                                    const struct mapsan_map_api *api,
                                    const char *opname, bool write) {
  struct mapsan_thread *t = mapsan_cur_thread;
  uintptr_t key = (uintptr_t)addr;
  if (MAPSAN_LIKELY(t != NULL && t->map_cache_key == key && key != 0)) {
    const struct mapsan_map_hot *h =
        (const struct mapsan_map_hot *)(const void *)t->map_cache;
    /* The cached shadow is still this map's, drawn and alive: what the
     * table would give. */
    if (MAPSAN_LIKELY(
            atomic_load_explicit(&h->key, memory_order_relaxed) == key &&
            !h->sampled_out &&
            !atomic_load_explicit(&h->destroyed, memory_order_acquire))) {
      mapsan_epoch e = mapsan_thread_epoch(t);
      if (MAPSAN_LIKELY(mapsan_window_always && !t->tick_due) &&
          MAPSAN_LIKELY(
              atomic_load_explicit(&h->w_epoch, memory_order_acquire) == e ||
              (!write && atomic_load_explicit(&h->r_epoch,
                                              memory_order_acquire) == e))) {
        /* A write here is at its last write's epoch: counted again for
         * the lockset hint if in a later critical section. */
        if (write && atomic_load_explicit(&h->w_section,
                                          memory_order_relaxed) != t->sections)
          mapsan_map_vote_again(t->map_cache, key, t);
        op->map = t->map_cache;
        op->t = t;
        op->opname = opname;
        op->sampled_out = false;
        op->first_sight = false;
        op->id = 0; /* not announced */
        op->write = write;
        op->prof = atomic_load_explicit(&h->prof, memory_order_acquire);
        t->dirty = true;
        mapsan_thread_note_begin(t, key, opname, op->caller_pc);
        return true;
      }
      return mapsan_map_begin_cached(op, opname, write);
    }
  }
  return mapsan_map_begin_full(op, addr, api, opname, write);
}

static inline void mapsan_map_end(struct mapsan_op *op) {
  if (op->map == NULL)
    return;
  mapsan_thread_note_end(op->t);
  if (op->id != 0)
    mapsan_map_end_announced(op);
}

/* The fast path. A read (lookup, len, contains, size) on the thread's
 * cached map, in full mode with map health off, whose current epoch is
 * recorded on the map already, has nothing to check, nothing to record
 * and nothing to hand the profile: what the inline begin above leaves is
 * the operation log. So the read's wrapper does that much itself, in a
 * function with a frame for one call (shim/map_wrap.h, MAPSAN_READ_FAST),
 * instead of in the slow half's, which keeps an operation, tests hooks,
 * marks and windows again, and ends it: the project map's lookup cost 110
 * instructions beyond the library's there, a GLib lookup 117, and reads
 * are most of what single-thread code does. A write whose epoch is the
 * map's last write's is the same while no iterator is attached (a
 * modification matters to iterators only); its wrapper half reports a
 * resize (mapsan_map_fast_resized) and gives the pool its context, as the
 * slow half would. Once a module has been unloaded every operation takes
 * the slow half again (what a read hands out is checked for words into
 * it). */
extern MAPSAN_HIDDEN bool mapsan_map_fast_ops; /* set at start-up */
/* After mapsan_active is set: decides mapsan_map_fast_ops. */
void mapsan_map_fast_ops_init(void);

/* The thread when this read or write of addr may take the fast path, NULL
 * otherwise; nothing is done yet (mapsan_map_op_fast_begin notes it). */
static inline struct mapsan_thread *
mapsan_map_op_fast(const void *addr, bool write) {
  if (!mapsan_map_fast_ops)
    return NULL;
  struct mapsan_thread *t = mapsan_cur_thread;
  uintptr_t key = (uintptr_t)addr;
  if (t == NULL || t->map_cache_key != key || key == 0 || !t->cache_fresh)
    return NULL;
  /* In lock-heavy code most operations start a new epoch: cache_fresh (a
   * hint, cleared at every tick) sends them to the slow half before the
   * shadow's lines, which the other threads write, are read. Then the
   * epoch: a cached shadow is always safe to read (shadows are recycled,
   * never freed); whether it is still this map's is tested next. */
  const struct mapsan_map_hot *h =
      (const struct mapsan_map_hot *)(const void *)t->map_cache;
  mapsan_epoch e = mapsan_thread_epoch(t);
  if (atomic_load_explicit(&h->w_epoch, memory_order_acquire) != e) {
    if (write ||
        atomic_load_explicit(&h->r_epoch, memory_order_acquire) != e)
      return NULL;
  } else if (write &&
             (atomic_load_explicit(&h->live_iters, memory_order_acquire) != 0 ||
              atomic_load_explicit(&h->w_section, memory_order_relaxed) !=
                  t->sections)) {
    return NULL;
  }
  if (atomic_load_explicit(&h->key, memory_order_relaxed) != key ||
      h->sampled_out ||
      atomic_load_explicit(&h->destroyed, memory_order_acquire) ||
      mapsan_in_runtime() || t->tick_due)
    return NULL;
  return t;
}

/* The operation of t on addr, which mapsan_map_op_fast admitted, begins:
 * noted in flight. */
static inline void mapsan_map_op_fast_begin(struct mapsan_thread *t,
                                            const void *addr,
                                            const char *opname, uintptr_t pc) {
  t->dirty = true;
  mapsan_thread_note_begin(t, (uintptr_t)addr, opname, pc);
}

static inline void mapsan_map_op_fast_end(struct mapsan_thread *t) {
  mapsan_thread_note_end(t);
}

/* A fast write of t gave its map new storage (as mapsan_map_resized). */
MAPSAN_COLD void mapsan_map_fast_resized(struct mapsan_thread *t);

/* A write through a NULL map. */
MAPSAN_COLD void mapsan_map_nil_write(const struct mapsan_map_api *api, const char *opname);

/* A structural modification by op (for APIs whose iterators it
 * invalidates); via_iter is the iterator it was made through, or NULL.
 * Costs nothing while the map has no live iterator. */
void mapsan_map_modified(struct mapsan_op *op, const void *via_iter);

/* Declares that, for the map at addr, any structural modification not made
 * through an iterator invalidates it (maps of a strict_iters API are so
 * from creation). */
void mapsan_map_set_strict_iters(const void *addr);

/* Between canary windows, for a drawn map's write: whether the engine has
 * nothing to do for it: its shadow lives (a write after destroy is still
 * reported, by begin) and no iterator is attached (the iterator rule needs
 * the modification). One shadow lookup, no lock. */
bool mapsan_map_write_quiet(const void *addr);

/* op's map got new storage (a resize inside the call): a new generation. */
void mapsan_map_resized(struct mapsan_op *op);

/* For iters.c. */
uint64_t mapsan_map_bucket_gen(struct mapsan_map *m);
struct mapsan_map_info {
  const struct mapsan_map_api *api;
  struct mapsan_access_rec created;
  struct mapsan_access_rec last_mod;
};
uint64_t mapsan_map_iter_attach(struct mapsan_map *m, int delta);
uint64_t mapsan_map_gen(struct mapsan_map *m);
bool mapsan_map_describe(struct mapsan_map *m, uintptr_t key,
                         struct mapsan_map_info *out);
uintptr_t mapsan_map_key(struct mapsan_map *m);
/* mapsan_map_describe for the map recorded at addr, if any (unload.c:
 * the map of an operation in flight, from the thread's log). */
bool mapsan_map_describe_at(uintptr_t addr, struct mapsan_map_info *out);

/* The profile (engine/profile.h) of the tracked map op began on, or, when
 * op did not reach the engine (op->map NULL), of the tracked map at addr
 * (made with its shadow). NULL for an untracked or destroyed map, or with
 * profiles off. */
struct mapsan_profile *mapsan_map_profile(const struct mapsan_op *op,
                                          const void *addr);

void mapsan_maps_fork_prepare(void);
void mapsan_maps_fork_parent(void);
void mapsan_maps_fork_child(void);

#endif
