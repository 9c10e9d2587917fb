/*
 * unload.h: use-after-unload, the engine's half. dlclose (shim/dl.c) is
 * bracketed so that the modules it really unmapped enter the unload log
 * (base/unloads.h); map wrappers hand the entries a read returns (a
 * lookup's value, an iteration's key and value) to mapsan_unload_check,
 * which reports one whose words point into an unloaded module. See
 * unload.c.
 */
#ifndef MAPSAN_ENGINE_UNLOAD_H
#define MAPSAN_ENGINE_UNLOAD_H

#include "../base/unloads.h"
#include "maps.h"

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct mapsan_unload_ctx;

/* Before the real dlclose, called from return address pc with CFA cfa:
 * what is loaded now, and the dlclose stack. NULL when the rule is off
 * (unload_keep=0) or memory is short. Not in a signal handler. */
struct mapsan_unload_ctx *mapsan_unload_before(uintptr_t pc, uintptr_t cfa);

/* After it: every module of the snapshot no longer loaded enters the log.
 * Frees c (NULL is fine). */
void mapsan_unload_after(struct mapsan_unload_ctx *c);

/* An entry of the map of op (in flight, begun and not ended) was handed to
 * the program by op: key_size bytes at key and val_size bytes at val
 * (either may be NULL/0), read as pointer-aligned 8-byte words. Reports
 * the first word that lies in an unloaded module; the key's words only if
 * key_out (the read handed the key out: an iteration, a stored key that is
 * not the caller's own), else the key is only named in the report. */
void mapsan_unload_check_entry(struct mapsan_op *op, const void *key,
                               size_t key_size, bool key_out,
                               const void *val, size_t val_size);

/* For the SIGSEGV/SIGBUS handler (crash/handler.c), before its crash
 * report: a fault on, or a pc in, an unloaded module's reserved range,
 * taken in program code while this thread has a map operation in flight
 * (a hash or compare reading a stale key, a stale hash function called),
 * is reported as use-after-unload through the ordinary report path, with
 * the map and its creation stack; returns true then. The signal goes on
 * to the crash report and the program's action either way: nothing is
 * recovered. Reads only lock-free state to decide. */
bool mapsan_unload_fault(int sig, siginfo_t *info, void *ucontext);

/* Whether a word of [p, p + size) lies in the hull [lo, hi) of the log. */
static inline bool mapsan_unload_hull_hit(const void *p, size_t size,
                                          uintptr_t lo, uintptr_t hi) {
  if (p == NULL)
    return false;
  for (size_t off = 0; off + sizeof(uintptr_t) <= size;
       off += sizeof(uintptr_t)) {
    uintptr_t w;
    __builtin_memcpy(&w, (const char *)p + off, sizeof(w));
    if (MAPSAN_UNLIKELY(w >= lo && w < hi))
      return true;
  }
  return false;
}

/* The same, costing one load until a module has been unloaded, and then
 * two compares a word outside the log's hull. */
static inline void mapsan_unload_check(struct mapsan_op *op, const void *key,
                                       size_t key_size, bool key_out,
                                       const void *val, size_t val_size) {
  if (MAPSAN_LIKELY(!mapsan_unloads_seen()) || op->map == NULL)
    return;
  uintptr_t lo = atomic_load_explicit(&mapsan_unloads_lo_min,
                                      memory_order_relaxed);
  uintptr_t hi = atomic_load_explicit(&mapsan_unloads_hi_max,
                                      memory_order_relaxed);
  if ((key_out && mapsan_unload_hull_hit(key, key_size, lo, hi)) ||
      mapsan_unload_hull_hit(val, val_size, lo, hi))
    mapsan_unload_check_entry(op, key, key_size, key_out, val, val_size);
}

#endif
