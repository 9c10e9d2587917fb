/*
 * quarantine.h: use-after-resize. mapsan serves the bucket arrays of
 * tracked maps from a guarded pool, and keeps reclaimed ones inaccessible
 * in a bounded quarantine, so that a stale pointer into one faults at its
 * first access. See quarantine.c.
 */
#ifndef MAPSAN_QUARANTINE_H
#define MAPSAN_QUARANTINE_H

#include "../base/base.h"
#include "maps.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The map operation whose storage is being allocated or released, set by a
 * map shim around the real call (nested calls save and restore it). */
struct mapsan_pool_ctx {
  const struct mapsan_map_api *api;
  const void *map;   /* the map's address */
  bool tracked;      /* only tracked maps get guarded arrays */
  const char *op;    /* "assign", "free", ... */
  uintptr_t pc, cfa; /* the program's call site (stack cache) */
};
extern MAPSAN_HIDDEN MAPSAN_TLS struct mapsan_pool_ctx *mapsan_pool_cur;

/* A guarded array of size bytes for the current context's map, or NULL
 * when the caller should use its normal allocator (no tracked context, the
 * pool is full, or mmap failed). Page-aligned. */
void *mapsan_pool_alloc(size_t size);

/* Releases p if the pool served it (into the quarantine) and returns true;
 * false when p is not the pool's (the caller frees it normally). */
bool mapsan_pool_free(void *p, size_t size);

/* An array allocated before its map's address was known (inside the map's
 * constructor) now belongs to `map`. */
void mapsan_pool_adopt(const void *array, const void *map);

/* For the SIGSEGV/SIGBUS handler (crash/handler.c), first thing: if the
 * faulting address lies in a quarantined bucket array, writes a
 * use-after-resize report and returns true; the handler then returns and
 * the access is retried (recoverable mode: the array was made accessible
 * again; with halt_on_error the report aborts and this never returns).
 * False for any other fault. The decision reads only lock-free state. */
bool mapsan_quarantine_fault(int sig, siginfo_t *info, void *ucontext);

/* A map header met for the first time (a copy of another map's header, say)
 * whose bucket pointer `array` is a quarantined array: reports
 * use-after-resize at this API call (the current stack is the caller's),
 * and returns true. Scans the record table: call it once per header, not
 * per operation. */
bool mapsan_pool_check_stale_header(const void *header, const void *array,
                                    const struct mapsan_op *op);

/* Pool statistics, for verbosity=1 and the benchmarks. */
struct mapsan_pool_stats {
  size_t live_arrays, live_bytes;             /* served, not yet released */
  size_t quarantined_arrays, quarantined_bytes;
  size_t mapped_bytes; /* address space reserved for slots (guards included) */
  size_t cached_bytes; /* evicted arrays' pages kept resident for reuse */
  size_t reports;
};
void mapsan_pool_get_stats(struct mapsan_pool_stats *st);

#endif
