/*
 * rebind.h: the program's PLT slots for the wrappers a canary bypasses
 * (shim/bypass.c), pointed at the real functions while no canary window is
 * open (lock operations, map reads) or while no map is drawn (the other
 * map operations) (rebind.c).
 */
#ifndef MAPSAN_REBIND_H
#define MAPSAN_REBIND_H

#include "interpose.h"

#include <stdbool.h>
#include <stddef.h>

/* Groups of functions, rewritten apart: those bypassed between canary
 * windows, and those bypassed until the first map is drawn. */
enum {
  MAPSAN_REBIND_WINDOW = 1,
  MAPSAN_REBIND_UNDRAWN = 2,
};

/* A function whose PLT slots may be rewritten: its real-function id,
 * mapsan's wrapper and its group. */
struct mapsan_rebind_fn {
  enum mapsan_real_id id;
  mapsan_fnptr wrapper;
  unsigned group;
};

/* Takes the functions (the array must live for good) and records the
 * objects loaded at start-up (their slots under RELRO may be rewritten: the
 * loader is done with them). From the constructor, before any thread but
 * the first runs. */
void mapsan_rebind_init(const struct mapsan_rebind_fn *fns, size_t n);
bool mapsan_rebind_ready(void);

/* Points every rewritable PLT slot of the groups' functions (a mask) at
 * the real functions (to_real), or those it rewrote back at mapsan's
 * wrappers.
 * False when it could not be done (inside a signal handler of mapsan's, or
 * a slot could not be pointed back): with to_real false the caller must
 * then not start recording what the wrappers record. The caller holds the
 * lock below. */
bool mapsan_rebind(unsigned groups, bool to_real);

/* Taken with try-lock only (rebind.c: the loader's lock is taken inside). */
bool mapsan_rebind_trylock(void);
void mapsan_rebind_unlock(void);

/* Slots rewritten so far to the real functions, and back, and of the
 * first those of the UNDRAWN group (for the exit summary and the tests). */
void mapsan_rebind_stats(unsigned long *parked, unsigned long *unparked,
                         unsigned long *undrawn);

/* Around fork (preload/init.c): rebind_lock is taken first, so that no
 * rewrite is under way when the process forks. glibc's fork does not reset
 * the loader's list lock, which the rewrite's dl_iterate_phdr holds: a
 * child forked in the middle of a rewrite would wait for it forever at its
 * next window's edge. */
void mapsan_rebind_fork_prepare(void);
void mapsan_rebind_fork_parent(void);
void mapsan_rebind_fork_child(void);

#endif
