/*
 * iters.h: iterator invalidation, for map APIs whose iterators a
 * modification invalidates (GLib's GHashTableIter; annotated in-house maps
 * that say so). The project's own map API follows Go and never uses this.
 *
 * An iterator is known by its address. At creation it records the map's
 * modification generation and its creation stack; every structural
 * modification not made through that iterator advances the map's
 * generation (mapsan_map_modified); using the iterator afterwards is
 * reported once, as iterator-invalidated, with the modification's stack and
 * the iterator's creation stack. This holds in any thread and even when
 * every access is properly locked: it is the API's contract, not a race.
 *
 * Records live in a striped table, at most MAPSAN_ITERS_KEPT of them; an
 * iterator abandoned without an end (a GLib loop left with break) is
 * evicted oldest-first, which can only lose a report, never invent one.
 */
#ifndef MAPSAN_ITERS_H
#define MAPSAN_ITERS_H

#include "maps.h"

#define MAPSAN_ITERS_KEPT 16384

/* Inside a read op on the map: it starts iterating op's map. */
void mapsan_iter_begin(struct mapsan_op *op, const void *it);
/* Inside an op on the map: `it` is used; reports if a modification since
 * its creation invalidated it. */
void mapsan_iter_check(struct mapsan_op *op, const void *it);
/* The iteration is over (returned its last entry, or was abandoned). */
void mapsan_iter_end(const void *it);

/* For maps.c: a modification made through `it` keeps it valid. */
void mapsan_iter_modified_through(const void *it, struct mapsan_map *m,
                                  uint64_t gen);

void mapsan_iters_fork_prepare(void);
void mapsan_iters_fork_parent(void);
void mapsan_iters_fork_child(void);

#endif
