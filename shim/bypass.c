/*
 * bypass.c: the wrappers a canary bypasses between windows (base/rebind.c
 * rewrites the program's PLT slots for them).
 *
 * A wrapper belongs here only if, while no window is open, it does nothing
 * but the real call:
 *
 *  - lock operations: the acquisitions test mapsan_clocks_live after the
 *    real call (MAPSAN_LOCK_INT, mapsan_lock_acquired), the unlocks before
 *    it (MAPSAN_UNLOCK_INT/VOID), GRecMutex and GRWLock mute their inner
 *    pthread calls only while the clocks run (sync_glib.c). Condition
 *    waits, semaphores, thread creation and the GLib edges are not here:
 *    they do work of their own (the cancellation handler, registration).
 *
 *  - map reads (hmap_lookup/len, g_hash_table_lookup/lookup_extended/
 *    contains/size): an untracked map's read is the real call, and so is a
 *    drawn map's between windows (map_hmap.c, map_glib.c: they only poll,
 *    now and then, whether a window may open; the writes poll too, and a
 *    race needs a write). Not with map_profile=1, which counts reads. What
 *    the slow half does for a map met first at a read (drawing it, the
 *    stale-header check of a copied header) happens at its first write,
 *    destroy or read inside a window instead; a reclaimed array it reads
 *    still faults in the guarded pool.
 *
 * Map writes keep their wrappers: a drawn map's bucket arrays come from the
 * guarded pool, which the write wrapper names the map to (map_hmap.c).
 *
 * The addresses are taken through libmapsan's own GOT: they are the
 * definitions the loader bound the program to, which rebind.c checks are
 * libmapsan's (another interposer preloaded first keeps its slots).
 */
#include "bypass.h"

#include "../base/options.h"
#include "../base/rebind.h"

#include <hmap.h>

#include <glib.h>
#include <pthread.h>
#include <threads.h>

#define FN(name) {MAPSAN_REAL_##name, (mapsan_fnptr)name}

static const struct mapsan_rebind_fn fns[] = {
    FN(pthread_mutex_lock),           FN(pthread_mutex_trylock),
    FN(pthread_mutex_timedlock),      FN(pthread_mutex_clocklock),
    FN(pthread_mutex_unlock),         FN(pthread_rwlock_rdlock),
    FN(pthread_rwlock_tryrdlock),     FN(pthread_rwlock_timedrdlock),
    FN(pthread_rwlock_clockrdlock),   FN(pthread_rwlock_wrlock),
    FN(pthread_rwlock_trywrlock),     FN(pthread_rwlock_timedwrlock),
    FN(pthread_rwlock_clockwrlock),   FN(pthread_rwlock_unlock),
    FN(pthread_spin_lock),            FN(pthread_spin_trylock),
    FN(pthread_spin_unlock),          FN(mtx_lock),
    FN(mtx_trylock),                  FN(mtx_timedlock),
    FN(mtx_unlock),                   FN(g_mutex_lock),
    FN(g_mutex_trylock),              FN(g_mutex_unlock),
    FN(g_rec_mutex_lock),             FN(g_rec_mutex_trylock),
    FN(g_rec_mutex_unlock),           FN(g_rw_lock_writer_lock),
    FN(g_rw_lock_writer_trylock),     FN(g_rw_lock_writer_unlock),
    FN(g_rw_lock_reader_lock),        FN(g_rw_lock_reader_trylock),
    FN(g_rw_lock_reader_unlock),
    /* The map reads: the last READS entries. */
    FN(hmap_lookup),                  FN(hmap_len),
    FN(g_hash_table_lookup),          FN(g_hash_table_lookup_extended),
    FN(g_hash_table_contains),        FN(g_hash_table_size),
};
#define READS 6

void mapsan_bypass_init(void) {
  size_t n = sizeof(fns) / sizeof(fns[0]);
  mapsan_rebind_init(fns, mapsan_opts.map_profile ? n - READS : n);
}
