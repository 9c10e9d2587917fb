/*
 * profile.h: map health (engine/profile.c). Counters per tracked map, the
 * map-profile records (map_profile) and the unbounded-growth rule
 * (growth_limit). Wrappers describe each operation's outcome after the
 * real call; the engine keeps the numbers and knows no map's layout.
 */
#ifndef MAPSAN_PROFILE_H
#define MAPSAN_PROFILE_H

#include "../reports/profile.h"
#include "maps.h"

#include <stdbool.h>
#include <stdint.h>

/* map_profile=1 or growth_limit > 0 (set once, at start-up). begin (maps.c)
 * tests it before looking for the map's profile, wrappers before reading
 * anything for one: with both off a tracked map's operation pays a branch
 * or two, an untracked map nothing.
 *
 * How a wrapper counts: begin leaves the map's profile in op->prof (an
 * operation that did not reach the engine, on a drawn map between canary
 * windows, finds it by address: mapsan_map_profile, maps.h). After the
 * real call the wrapper reads the outcome from the map and the result and
 * calls the inline functions below: each is a few loads and stores; the
 * rare events (a new peak, an inserting site not on top, a new shape of the
 * storage, a periodic record due) go out of line. */
extern MAPSAN_HIDDEN bool mapsan_profile_on;

void mapsan_profile_init(void);

/* The part of a profile the inline functions touch: its first member
 * (profile.c). Written with relaxed load/store pairs, no atomic
 * read-modify-write (profile.c says why). */
struct mapsan_profile_hot {
  uint64_t hits, misses;
  uint64_t replacements, iterations;
  uint64_t inserts, removals;
  uint64_t size, peak_size;
  uint64_t shape; /* the wrapper's key of the storage's shape, last seen */
  int nsites;     /* inserting call sites, most inserts first */
  struct mapsan_profile_site sites[MAPSAN_PROFILE_SITES];
};

#define MAPSAN_PROFILE_ADD(x, v)                                              \
  __atomic_store_n(&(x), __atomic_load_n(&(x), __ATOMIC_RELAXED) + (v),      \
                   __ATOMIC_RELAXED)
#define MAPSAN_PROFILE_SET(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

static inline struct mapsan_profile_hot *mapsan_profile_hot(struct mapsan_profile *p) {
  return (struct mapsan_profile_hot *)(void *)p;
}

/* growth_limit, or UINT64_MAX when it is off. */
extern MAPSAN_HIDDEN uint64_t mapsan_profile_limit;

/* Out of line: an inserting site that is not the top one; a new peak size
 * above growth_limit (the rule: op made the insert); periodic records due. */
void mapsan_profile_site_slow(struct mapsan_profile *p, uintptr_t pc);
void mapsan_profile_peak(struct mapsan_profile *p, const struct mapsan_op *op,
                         const void *addr, uint64_t size);
void mapsan_profile_tick_slow(void);

/* Every TICK inserts and removals of a thread: is a periodic dump due? */
#define MAPSAN_PROFILE_TICK 64
extern MAPSAN_HIDDEN MAPSAN_TLS uint32_t mapsan_profile_ticks;

/* True once in MAPSAN_PROFILE_TICK calls of a thread. */
static inline bool mapsan_profile_tick(void) {
  if (MAPSAN_LIKELY(--mapsan_profile_ticks % MAPSAN_PROFILE_TICK != 0))
    return false;
  mapsan_profile_tick_slow();
  return true;
}

static inline void mapsan_profile_lookup(struct mapsan_profile *p, bool hit) {
  struct mapsan_profile_hot *h = mapsan_profile_hot(p);
  uint64_t *c = hit ? &h->hits : &h->misses;
  MAPSAN_PROFILE_ADD(*c, 1);
}

static inline void mapsan_profile_replaced(struct mapsan_profile *p) {
  MAPSAN_PROFILE_ADD(mapsan_profile_hot(p)->replacements, 1);
}

static inline void mapsan_profile_iteration(struct mapsan_profile *p) {
  MAPSAN_PROFILE_ADD(mapsan_profile_hot(p)->iterations, 1);
}

/* op inserted one new key into the map at addr, which holds size entries
 * now. Uses op->caller_pc (the inserting call site); with growth_limit,
 * op->caller_cfa and op->opname too. A site of pc 0 (unknown) is counted
 * in an empty table's first slot, and not listed. The periodic records
 * are checked for at new peaks and at removals: a map that neither grows
 * nor shrinks has nothing new to say. Returns true once in a while (with
 * the periodic check): the wrapper may then describe the storage even if
 * its shape did not change (a sample of what changes too often to follow,
 * such as hmap's overflow buckets). */
static inline bool mapsan_profile_inserted(struct mapsan_profile *p,
                                           const struct mapsan_op *op,
                                           const void *addr, uint64_t size) {
  struct mapsan_profile_hot *h = mapsan_profile_hot(p);
  MAPSAN_PROFILE_ADD(h->inserts, 1);
  MAPSAN_PROFILE_SET(h->size, size);
  if (MAPSAN_LIKELY(h->sites[0].pc == op->caller_pc))
    MAPSAN_PROFILE_ADD(h->sites[0].count, 1);
  else
    mapsan_profile_site_slow(p, op->caller_pc);
  if (MAPSAN_UNLIKELY(size > h->peak_size)) {
    MAPSAN_PROFILE_SET(h->peak_size, size);
    if (MAPSAN_UNLIKELY(size > mapsan_profile_limit))
      mapsan_profile_peak(p, op, addr, size);
    return mapsan_profile_tick();
  }
  return false;
}

/* n entries were removed; the map holds size now. Returns as
 * mapsan_profile_inserted. */
static inline bool mapsan_profile_removed(struct mapsan_profile *p, uint64_t n,
                                          uint64_t size) {
  struct mapsan_profile_hot *h = mapsan_profile_hot(p);
  MAPSAN_PROFILE_ADD(h->removals, n);
  MAPSAN_PROFILE_SET(h->size, size);
  return mapsan_profile_tick();
}

/* The storage after a write, for mapsan_profile_storage: called by a
 * wrapper when its key of the storage's shape (hmap: the bucket count and
 * whether it grows) differs from the profile's, when a call resized the
 * table (GLib: the slot count changed, or it rehashed at the same size),
 * when the profile has no shape yet (0), or when
 * mapsan_profile_inserted/removed return true. */
static inline bool mapsan_profile_shape_changed(struct mapsan_profile *p,
                                                uint64_t shape) {
  return MAPSAN_UNLIKELY(
      __atomic_load_n(&mapsan_profile_hot(p)->shape, __ATOMIC_RELAXED) != shape);
}

struct mapsan_prof_storage {
  uint64_t shape;
  /* Resizes started: with resizes_total, the map's own running counts
   * (hmap keeps them); otherwise this call's. */
  bool resizes_total;
  uint64_t grows, same_size_grows, shrinks;
  uint64_t bytes;   /* bucket storage */
  bool has_chain;
  uint64_t chain;   /* overflow buckets in use (hmap) */
};

void mapsan_profile_storage(struct mapsan_profile *p,
                            const struct mapsan_prof_storage *s);

/* For maps.c: a profile for a tracked map's shadow, and its end when the
 * map is destroyed or its shadow recycled (p may be NULL). */
struct mapsan_profile *mapsan_profile_new(uintptr_t addr, const char *api,
                                          const struct mapsan_access_rec *created);
void mapsan_profile_release(struct mapsan_profile *p);

/* At exit (final) or periodically: one record per live tracked map (the
 * MAPSAN_PROFILE_MAX_RECORDS largest by peak size), with map_profile=1. */
void mapsan_profile_dump(bool final);

#endif
