/*
 * interpose.h: how a wrapper reaches the function it replaces.
 *
 * Every interposed name has a slot in one table of real-function pointers,
 * built from interceptors.inc. REAL(name) loads the slot and, the first
 * time, resolves it with dlsym(RTLD_NEXT) (or dlvsym for a pinned glibc
 * version). Resolution is lazy because calls arrive before our constructor
 * (other libraries' constructors lock mutexes); it is also eager in
 * mapsan_interpose_init() so that no resolution happens later while a lock
 * is held. A slot that would resolve to our own wrapper (a broken preload
 * order) or to nothing is a fatal, explained error: continuing would recurse
 * forever or call NULL.
 *
 * The shape of a wrapper, as in compiler-rt: check mapsan_hooks_on(); call
 * REAL; run the hook only on success; return the real result with errno
 * intact. Release-type hooks (unlock, post) run before the real call.
 */
#ifndef MAPSAN_INTERPOSE_H
#define MAPSAN_INTERPOSE_H

#include "base.h"

enum mapsan_real_id {
#define MAPSAN_INTERCEPTOR(name, version) MAPSAN_REAL_##name,
#include "interceptors.inc"
#undef MAPSAN_INTERCEPTOR
  MAPSAN_REAL_COUNT
};

typedef void (*mapsan_fnptr)(void);
extern MAPSAN_HIDDEN mapsan_fnptr mapsan_real_table[MAPSAN_REAL_COUNT];
mapsan_fnptr mapsan_real_resolve(enum mapsan_real_id id);

static inline mapsan_fnptr mapsan_real_get(enum mapsan_real_id id) {
  mapsan_fnptr f = __atomic_load_n(&mapsan_real_table[id], __ATOMIC_ACQUIRE);
  if (MAPSAN_UNLIKELY(f == NULL))
    f = mapsan_real_resolve(id);
  return f;
}

/* The real function, typed as our own wrapper (same prototype). */
#define REAL(name) ((__typeof__(&name))mapsan_real_get(MAPSAN_REAL_##name))

/* The real function if already resolved, else NULL: for fast paths that
 * must stay a compare and a tail call (a call to the resolver would make
 * the compiler build a frame first). */
#define REAL_IF_RESOLVED(name)                                                \
  ((__typeof__(&name))__atomic_load_n(&mapsan_real_table[MAPSAN_REAL_##name], \
                                      __ATOMIC_ACQUIRE))

/* Copies the real functions whose names start with prefix into out[id],
 * resolving those not resolved yet (NULL where absent), for a wrapper
 * family's own fast-path table (shim/map_glib.c). */
void mapsan_real_copy_family(const char *prefix, mapsan_fnptr *out);

/* Resolves every slot now; called from the constructor. Symbols that are
 * absent (e.g. hmap_* in a program that does not use libhmap) stay NULL and
 * are resolved on first use, when the library that defines them exists. */
void mapsan_interpose_init(void);

#endif
