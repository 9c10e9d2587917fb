/*
 * profile.h: map health (engine/profile.c). Counters per tracked map, the
 * map-profile records (map_profile) and the unbounded-growth rule
 * (growth_limit). Wrappers describe each operation's outcome after the
 * real call; the engine keeps the numbers and knows no map's layout.
 */
#ifndef MAPSAN_PROFILE_H
#define MAPSAN_PROFILE_H

#include "maps.h"

#include <stdbool.h>
#include <stdint.h>

/* map_profile=1 or growth_limit > 0 (set once, at start-up). Wrappers test
 * it before doing anything for profiles: with both off a tracked map's
 * operation pays one predictable branch, an untracked map nothing. */
extern MAPSAN_HIDDEN bool mapsan_profile_on;

void mapsan_profile_init(void);

/* A write's outcome, as its wrapper read it from the map (before and
 * after the real call). */
struct mapsan_prof_write {
  uint64_t added;   /* new keys */
  uint64_t removed; /* entries removed (clear: all of them) */
  bool replaced;    /* an insert that found its key */
  uint32_t grows, same_size_grows, shrinks; /* resizes started */
  uint64_t size;    /* entries after the call */
  uint64_t bytes;   /* bucket storage after the call */
  bool has_chain;
  uint64_t chain;   /* overflow buckets in use (hmap) */
};

enum mapsan_prof_read {
  MAPSAN_PROF_HIT,
  MAPSAN_PROF_MISS,
  MAPSAN_PROF_ITER, /* an iteration started (or a whole-table walk) */
};

/* After the real call of a write / read on the map at addr. op is the
 * wrapper's: begun on a tracked map (op->map set), or not begun because a
 * drawn map's access went unchecked between canary windows (op->map NULL:
 * the map is found by address; an untracked map's is not counted). Uses
 * op->caller_pc and caller_cfa (the inserting call site). May report
 * unbounded-growth or write periodic records: no engine lock held. */
void mapsan_profile_write(const struct mapsan_op *op, const void *addr,
                          const struct mapsan_prof_write *w);
void mapsan_profile_read(const struct mapsan_op *op, const void *addr,
                         enum mapsan_prof_read what);

/* For maps.c: a profile for a tracked map's shadow, and its end when the
 * map is destroyed or its shadow recycled (p may be NULL). */
struct mapsan_profile;
struct mapsan_profile *mapsan_profile_new(uintptr_t addr, const char *api,
                                          const struct mapsan_access_rec *created);
void mapsan_profile_release(struct mapsan_profile *p);

/* At exit (final) or periodically: one record per live tracked map (the
 * MAPSAN_PROFILE_MAX_RECORDS largest by peak size), with map_profile=1. */
void mapsan_profile_dump(bool final);

#endif
