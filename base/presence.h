/*
 * presence.h: which addresses may have a record in an address-keyed table
 * (sync objects, map shadows), answered by one load.
 *
 * Initialization and destruction of a mutex, and creation of a map that is
 * not drawn, look their address up only to drop a record a dead object
 * left there (freed without destroy, destroyed unseen), and almost never
 * find one. In a canary that had made records for 7,500 of 100,000 mutexes
 * in its windows (bench/run's `many` row), those lookups, a stripe lock and
 * a probe each, were a third of mapsan's whole cost.
 *
 * A counting filter: 32,768 one-byte counters, indexed by bits 41..55 of
 * the address's multiplicative hash (sync.c's stripes take the top 8, and
 * both tables' slots the bits from 24 or 32 up), counted up when a record
 * enters the table and down when it leaves, under the table's lock but
 * atomically (two stripes of one table share counters). A counter that
 * reaches 255 stays there: "maybe", for good. With n records a zero
 * counter answers "no" for a fraction e^(-n/32768) of addresses (80% at
 * 7,500). The array is static: its pages are touched only once records
 * exist, at most 32 KiB.
 *
 * "No" is exact for a record made before the caller's own look, in the
 * order of the program's synchronization (coherence of one atomic
 * variable): a record made for the same address at the same moment would
 * be a use of an object being initialized or destroyed.
 */
#ifndef MAPSAN_PRESENCE_H
#define MAPSAN_PRESENCE_H

#include "base.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define MAPSAN_PRESENCE_BITS 15

struct mapsan_presence {
  _Atomic uint8_t count[1u << MAPSAN_PRESENCE_BITS];
};

static inline _Atomic uint8_t *mapsan_presence_of(struct mapsan_presence *p,
                                                  uintptr_t addr) {
  uint64_t hash = (uint64_t)addr * 0x9e3779b97f4a7c15ull;
  return &p->count[(hash >> 41) & ((1u << MAPSAN_PRESENCE_BITS) - 1)];
}

/* False: no record for addr. */
static inline bool mapsan_presence_maybe(struct mapsan_presence *p,
                                         uintptr_t addr) {
  return atomic_load_explicit(mapsan_presence_of(p, addr),
                              memory_order_relaxed) != 0;
}

/* delta: 1 as addr's record enters the table, -1 as it leaves. */
static inline void mapsan_presence_count(struct mapsan_presence *p,
                                         uintptr_t addr, int delta) {
  _Atomic uint8_t *c = mapsan_presence_of(p, addr);
  uint8_t v = atomic_load_explicit(c, memory_order_relaxed);
  while (v != UINT8_MAX &&
         !atomic_compare_exchange_weak_explicit(c, &v, (uint8_t)(v + delta),
                                                memory_order_relaxed,
                                                memory_order_relaxed))
    ;
}

#endif
