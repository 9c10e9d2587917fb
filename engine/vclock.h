/*
 * vclock.h: vector clocks and epochs, after FastTrack (Flanagan & Freund,
 * PLDI 2009).
 *
 * A thread occupies a slot; its vector clock holds, per slot, the latest
 * clock of that slot it has synchronized with, and at its own slot its own
 * clock. A clock ticks when the thread releases (unlock, post, create...).
 * An epoch packs (slot, clock) into 64 bits: 16 bits of slot, 48 of clock,
 * which at one release per nanosecond lasts 3 days of continuous unlocking
 * per slot occupant... times 2^16: clocks never wrap in practice.
 *
 * Slots are reused so that a program that starts 100,000 threads over its
 * life works with small clocks. A new occupant of a slot starts its clock
 * above the last clock of every earlier occupant (thread.c keeps that floor),
 * so an epoch of an earlier occupant stays distinguishable: it is below the
 * new thread's own_start, and the new thread is ordered after it only as far
 * as it inherited that knowledge (inherited_own) from its creator or through
 * synchronization. Epoch 0 means "no access" and is ordered before all.
 *
 * Clocks are dense arrays grown on demand to the highest slot seen; slots
 * are handed out lowest-first, so a program with N live threads has clocks
 * of about N entries.
 */
#ifndef MAPSAN_VCLOCK_H
#define MAPSAN_VCLOCK_H

#include <stdint.h>

#define MAPSAN_EPOCH_CLOCK_BITS 48
#define MAPSAN_EPOCH_CLOCK_MASK ((UINT64_C(1) << MAPSAN_EPOCH_CLOCK_BITS) - 1)
#define MAPSAN_MAX_SLOTS 65535u

typedef uint64_t mapsan_epoch;

static inline mapsan_epoch mapsan_epoch_make(uint32_t slot, uint64_t clock) {
  return ((uint64_t)slot << MAPSAN_EPOCH_CLOCK_BITS) | clock;
}
static inline uint32_t mapsan_epoch_slot(mapsan_epoch e) {
  return (uint32_t)(e >> MAPSAN_EPOCH_CLOCK_BITS);
}
static inline uint64_t mapsan_epoch_clock(mapsan_epoch e) {
  return e & MAPSAN_EPOCH_CLOCK_MASK;
}

typedef struct mapsan_vclock {
  uint32_t n;   /* entries in use: slots 0..n-1 */
  uint32_t cap; /* allocated entries */
  uint64_t *c;  /* c[slot] = clock; NULL when cap == 0 */
} mapsan_vclock;

static inline uint64_t mapsan_vclock_get(const mapsan_vclock *v,
                                         uint32_t slot) {
  return slot < v->n ? v->c[slot] : 0;
}

/* Makes room for slots 0..n-1 (new entries zero). */
void mapsan_vclock_reserve(mapsan_vclock *v, uint32_t n);
/* dst = max(dst, src) element-wise. Returns 1 if dst changed. */
int mapsan_vclock_join(mapsan_vclock *dst, const mapsan_vclock *src);
/* The same join; returns 1 if dst was <= src before it (so dst == src
 * after: the join was a copy). */
int mapsan_vclock_join_le(mapsan_vclock *dst, const mapsan_vclock *src);
void mapsan_vclock_copy(mapsan_vclock *dst, const mapsan_vclock *src);
void mapsan_vclock_free(mapsan_vclock *v);

#endif
