/*
 * unloads.h: the unload log, the modules that dlclose really unmapped,
 * as data every layer above may read: the engine (use-after-unload on map
 * entries), the reports (naming a frame of an unloaded module), the crash
 * path (a fault in an unloaded range). Written by engine/unload.c only.
 * See unloads.c.
 */
#ifndef MAPSAN_BASE_UNLOADS_H
#define MAPSAN_BASE_UNLOADS_H

#include "base.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define MAPSAN_UNLOAD_SEGS 8   /* PT_LOAD segments kept per module */
#define MAPSAN_UNLOAD_PCS 32   /* frames of the dlclose stack kept inline */
#define MAPSAN_UNLOAD_NAME 256 /* bytes of the module's path kept */
#define MAPSAN_UNLOAD_MAX 1024 /* the most unload_keep can keep */

/* One unloaded module. */
struct mapsan_unloaded {
  uint64_t serial;  /* 1 for the first module unloaded in the process, ... */
  uintptr_t lo, hi; /* the span of its PT_LOAD segments, page-aligned */
  uintptr_t base;   /* its load address: frame offsets are from it */
  int nsegs;
  uintptr_t seg_lo[MAPSAN_UNLOAD_SEGS], seg_hi[MAPSAN_UNLOAD_SEGS];
  bool reserved;    /* [lo, hi) is held PROT_NONE while in the log */
  uint32_t stack;   /* the dlclose stack (stack depot id) */
  uint32_t thread;  /* the thread that called dlclose (0: unknown) */
  int npcs;         /* the same stack inline, for the crash path */
  uintptr_t pcs[MAPSAN_UNLOAD_PCS];
  int64_t time;     /* seconds since the epoch */
  char name[MAPSAN_UNLOAD_NAME];
  char build_id[65]; /* hex; "" if none */
};

/* Set (for good) when the first module enters the log: until then no map
 * operation looks at anything here. */
extern MAPSAN_HIDDEN _Atomic bool mapsan_unloads_any;
/* The lowest lo and highest hi of the modules in the log: a word outside
 * [lo_min, hi_max) is in none of them. Widened before an entry is
 * published; narrowed after one leaves. */
extern MAPSAN_HIDDEN _Atomic uintptr_t mapsan_unloads_lo_min,
    mapsan_unloads_hi_max;

static inline bool mapsan_unloads_seen(void) {
  return MAPSAN_UNLIKELY(
      atomic_load_explicit(&mapsan_unloads_any, memory_order_relaxed));
}

/* Two compares: false when w lies in no unloaded module for sure. */
static inline bool mapsan_unloaded_maybe(uintptr_t w) {
  return w >= atomic_load_explicit(&mapsan_unloads_lo_min,
                                   memory_order_relaxed) &&
         w < atomic_load_explicit(&mapsan_unloads_hi_max,
                                  memory_order_relaxed);
}

/* Reserves [u->lo, u->hi) PROT_NONE where nothing is mapped
 * (MAP_FIXED_NOREPLACE) and, if that worked, adds u (serial and reserved
 * filled here) to the log, keeping at most keep entries (at most
 * MAPSAN_UNLOAD_MAX): the oldest eighth is evicted when it is full and
 * their ranges released. Not async-signal-safe; takes a leaf lock. */
void mapsan_unloaded_add(struct mapsan_unloaded *u, long keep);

/* Copies the entry whose segments hold addr (span: its whole span) into
 * out. Lock-free, allocates nothing, async-signal-safe. False if none. */
bool mapsan_unloaded_find(uintptr_t addr, bool span,
                          struct mapsan_unloaded *out);

/* Calls fn with a copy of each entry in the log (lock-free, as find). */
void mapsan_unloaded_each(void (*fn)(const struct mapsan_unloaded *u,
                                     void *arg),
                          void *arg);

#endif
