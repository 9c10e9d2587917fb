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
 * the first word that lies in an unloaded module. */
void mapsan_unload_check_entry(struct mapsan_op *op, const void *key,
                               size_t key_size, const void *val,
                               size_t val_size);

/* The same, costing one load until a module has been unloaded. */
static inline void mapsan_unload_check(struct mapsan_op *op, const void *key,
                                       size_t key_size, const void *val,
                                       size_t val_size) {
  if (mapsan_unloads_seen() && op->map != NULL)
    mapsan_unload_check_entry(op, key, key_size, val, val_size);
}

#endif
