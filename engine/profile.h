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

/* map_profile=1 or growth_limit > 0 (set once, at start-up). With it, a
 * tracked map's shadow gets its profile when it is made (maps.c), and
 * begin hands it over in op->prof: with both options off op->prof is
 * NULL, and a wrapper's only test is of op->prof; an untracked map pays
 * nothing.
 *
 * How a wrapper counts: after the real call, with op->prof set (begin, or
 * found by address for a drawn map between canary windows:
 * mapsan_map_profile, maps.h), it reads the outcome from the map and the
 * result and calls the inline functions below: each is a few instructions;
 * the rare events (a new peak above growth_limit, an inserting site not on
 * top, a new shape of the storage, the periodic check) go out of line. */
extern MAPSAN_HIDDEN bool mapsan_profile_on;

void mapsan_profile_init(void);

/* The part of a profile the inline functions touch: its first member
 * (profile.c). Written with relaxed single-instruction increments or
 * load/store pairs, no atomic read-modify-write (profile.c says why). */
struct mapsan_profile_hot {
  /* The map's address while the profile is the map's; 0 once released
   * (profile.c: a write that raced the map's end counts nothing). */
  uintptr_t key;
  /* key ^ shape2 once the storage was described, else 1 (never such a
   * value: both are multiples of 8); 1 again once released. A wrapper's
   * write compares it with its map's address mixed with its shape word
   * (mapsan_profile_guard_ok): one compare says both that the profile is
   * still the map's and that the storage kept its shape. */
  uint64_t guard;
  uint64_t lookups[2]; /* [0]: hits, [1]: misses */
  uint64_t replacements, iterations;
  uint64_t removals; /* inserts: the sum of the sites' counts (profile.c) */
  /* Entries now; the most held before the last removal or check (the
   * peak is the larger of the two: an insert stores only the size). */
  uint64_t size, peak_size;
  /* The next size, above the peak, that calls mapsan_profile_peak_slow. */
  uint64_t check_at;
  /* The wrapper's key of the storage's shape, last described (two words;
   * 0 0: not yet; shape2, a multiple of 8, is the one a write compares,
   * through guard). */
  uint64_t shape, shape2;
  int nsites;     /* inserting call sites, most inserts first */
  struct mapsan_profile_site sites[MAPSAN_PROFILE_SITES];
};

/* x += v, relaxed: one instruction where the target has a memory-operand
 * add (no lock prefix: not atomic against another writer, as a load/store
 * pair is not), a relaxed load and store elsewhere. */
#if defined(__x86_64__)
#define MAPSAN_PROFILE_ADD(x, v)                                              \
  __asm__ volatile("addq %1, %0" : "+m"(x) : "er"((uint64_t)(v)))
#else
#define MAPSAN_PROFILE_ADD(x, v)                                              \
  __atomic_store_n(&(x), __atomic_load_n(&(x), __ATOMIC_RELAXED) + (v),      \
                   __ATOMIC_RELAXED)
#endif
#define MAPSAN_PROFILE_SET(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define MAPSAN_PROFILE_GET(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

static inline struct mapsan_profile_hot *mapsan_profile_hot(struct mapsan_profile *p) {
  return (struct mapsan_profile_hot *)(void *)p;
}

/* growth_limit, or UINT64_MAX when it is off. */
extern MAPSAN_HIDDEN uint64_t mapsan_profile_limit;

/* Out of line: an inserting site that is not the top one; a size at or
 * above check_at (growth_limit passed, or the periodic check due). */
void mapsan_profile_site_slow(struct mapsan_profile *p, uintptr_t pc);
bool mapsan_profile_inserted_slow(struct mapsan_profile *p,
                                  const struct mapsan_op *op,
                                  const void *addr, uint64_t size);
bool mapsan_profile_peak_slow(struct mapsan_profile *p,
                              const struct mapsan_op *op, const void *addr,
                              uint64_t size);
void mapsan_profile_tick_slow(void);

/* The periodic check (is a periodic dump due?) runs at one in
 * MAPSAN_PROFILE_TICK of a map's removals, and when its size passes a
 * multiple of MAPSAN_PROFILE_TICK above its peak so far: a growing or
 * churning map checks the clock now and then, a map that neither grows nor
 * shrinks never. */
#define MAPSAN_PROFILE_TICK 64
/* One in this many of a map's removals, and its size passing a multiple of
 * it above its peak, also make mapsan_profile_inserted/removed return true
 * (the storage sampled). */
#define MAPSAN_PROFILE_SAMPLE 256

static inline void mapsan_profile_lookup(struct mapsan_profile *p, bool hit) {
  struct mapsan_profile_hot *h = mapsan_profile_hot(p);
  MAPSAN_PROFILE_ADD(*(hit ? &h->lookups[0] : &h->lookups[1]), 1);
}

/* A value replaced in the map at addr: counted if the profile is still
 * its (one compare, profile.c). */
static inline void mapsan_profile_replaced(struct mapsan_profile *p,
                                           const void *addr) {
  struct mapsan_profile_hot *h = mapsan_profile_hot(p);
  if (MAPSAN_LIKELY(h->key == (uintptr_t)addr))
    MAPSAN_PROFILE_ADD(h->replacements, 1);
}

static inline void mapsan_profile_iteration(struct mapsan_profile *p) {
  MAPSAN_PROFILE_ADD(mapsan_profile_hot(p)->iterations, 1);
}

/* Before counting an insert or a removal: is the profile still the map
 * at addr's, with its storage of shape word shape2 as last described? A
 * plain read, folded into the compare. When not, the wrapper goes out of
 * line: mapsan_profile_owned says whether the map was released (count
 * nothing) or its storage changed (count, then describe it). */
static inline bool mapsan_profile_guard_ok(struct mapsan_profile *p,
                                           const void *addr,
                                           uint64_t shape2) {
  return MAPSAN_LIKELY(mapsan_profile_hot(p)->guard ==
                       ((uintptr_t)addr ^ shape2));
}

static inline bool mapsan_profile_owned(struct mapsan_profile *p,
                                        const void *addr) {
  return MAPSAN_PROFILE_GET(mapsan_profile_hot(p)->key) == (uintptr_t)addr;
}

/* op inserted one new key into the map at addr, which holds size entries
 * now (the caller checked the guard or mapsan_profile_owned). Uses
 * op->caller_pc (the inserting call site); with growth_limit,
 * op->caller_cfa and op->opname too. A site of pc 0 (unknown) is counted
 * in an empty table's first slot, and not listed. Returns true once in a
 * while (MAPSAN_PROFILE_SAMPLE): the wrapper then describes the storage
 * even if its shape did not change (a sample of what changes too often to
 * follow, such as hmap's overflow buckets). */
static inline bool mapsan_profile_inserted(struct mapsan_profile *p,
                                           const struct mapsan_op *op,
                                           const void *addr, uint64_t size) {
  struct mapsan_profile_hot *h = mapsan_profile_hot(p);
  MAPSAN_PROFILE_SET(h->size, size);
  /* The rare paths are tail calls: nothing stays live across a call. */
  if (MAPSAN_UNLIKELY(h->sites[0].pc != op->caller_pc))
    return mapsan_profile_inserted_slow(p, op, addr, size);
  MAPSAN_PROFILE_ADD(h->sites[0].count, 1);
  if (MAPSAN_UNLIKELY(size >= h->check_at))
    return mapsan_profile_peak_slow(p, op, addr, size);
  return false;
}

/* n entries were removed from the map at addr, which holds size now (the
 * caller checked as for mapsan_profile_inserted). Returns as
 * mapsan_profile_inserted. */
static inline bool mapsan_profile_removed(struct mapsan_profile *p,
                                          const void *addr, uint64_t n,
                                          uint64_t size) {
  struct mapsan_profile_hot *h = mapsan_profile_hot(p);
  (void)addr;
  uint64_t r = MAPSAN_PROFILE_GET(h->removals) + n;
  MAPSAN_PROFILE_SET(h->removals, r);
  MAPSAN_PROFILE_SET(h->size, size);
  if (MAPSAN_UNLIKELY(size + n > h->peak_size)) /* the peak so far (hot) */
    MAPSAN_PROFILE_SET(h->peak_size, size + n);
  if (MAPSAN_LIKELY(r % MAPSAN_PROFILE_TICK >= n))
    return false; /* no multiple of TICK crossed */
  mapsan_profile_tick_slow();
  return r % MAPSAN_PROFILE_SAMPLE < n;
}

/* The storage after a write, for mapsan_profile_storage: called by a
 * wrapper when its key of the storage's shape (hmap: its bucket arrays)
 * differs from the profile's, when a call resized the table (GLib: the
 * slot count changed, or it rehashed at the same size), when the profile
 * has no shape yet, or when mapsan_profile_inserted/removed return true. */
struct mapsan_prof_storage {
  const void *map; /* nothing is written if the profile is no longer its */
  uint64_t shape, shape2;
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
