/*
 * bypass.c: the wrappers a canary bypasses between windows, and until the
 * first map is drawn (base/rebind.c rewrites the program's PLT slots for
 * them).
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
 *  - g_hash_table_ref, whose wrapper is the real call (references are
 *    counted at the unref: map_glib.c); GLib's menu and variant code calls
 *    it often (gmenumodel: 0.8% of a canary's CPU samples in the wrapper).
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
 *  - until the first map is drawn (engine/window.c, "before the first
 *    draw"), every other map operation whose wrapper, for an untracked map,
 *    is the mark's compare and the real call: writes, iterations, foreach,
 *    find, the key and value lists (and the reads, with map_profile=1). Not
 *    creation, destruction, references or iter_init, which keep what is
 *    known about a map's life; not the project map's bucket hooks.
 *
 * Map writes keep their wrappers between windows once a map is drawn: a
 * drawn map's bucket arrays come from the guarded pool, which the write
 * wrapper names the map to (map_hmap.c), and their calls poll for the
 * next window.
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

#define FN(name, group) {MAPSAN_REAL_##name, (mapsan_fnptr)name, group}
#define W(name) FN(name, MAPSAN_REBIND_WINDOW)
#define U(name) FN(name, MAPSAN_REBIND_UNDRAWN)
#define R(name) FN(name, 0) /* the map reads: a group decided at init */

static struct mapsan_rebind_fn fns[] = {
    W(pthread_mutex_lock),           W(pthread_mutex_trylock),
    W(pthread_mutex_timedlock),      W(pthread_mutex_clocklock),
    W(pthread_mutex_unlock),         W(pthread_rwlock_rdlock),
    W(pthread_rwlock_tryrdlock),     W(pthread_rwlock_timedrdlock),
    W(pthread_rwlock_clockrdlock),   W(pthread_rwlock_wrlock),
    W(pthread_rwlock_trywrlock),     W(pthread_rwlock_timedwrlock),
    W(pthread_rwlock_clockwrlock),   W(pthread_rwlock_unlock),
    W(pthread_spin_lock),            W(pthread_spin_trylock),
    W(pthread_spin_unlock),          W(mtx_lock),
    W(mtx_trylock),                  W(mtx_timedlock),
    W(mtx_unlock),                   W(g_mutex_lock),
    W(g_mutex_trylock),              W(g_mutex_unlock),
    W(g_rec_mutex_lock),             W(g_rec_mutex_trylock),
    W(g_rec_mutex_unlock),           W(g_rw_lock_writer_lock),
    W(g_rw_lock_writer_trylock),     W(g_rw_lock_writer_unlock),
    W(g_rw_lock_reader_lock),        W(g_rw_lock_reader_trylock),
    W(g_rw_lock_reader_unlock),
    W(g_hash_table_ref), /* the real call always: no window needs it */
    R(hmap_lookup),                  R(hmap_len),
    R(g_hash_table_lookup),          R(g_hash_table_lookup_extended),
    R(g_hash_table_contains),        R(g_hash_table_size),
    U(hmap_assign),                  U(hmap_delete),
    U(hmap_iter_next),               U(g_hash_table_insert),
    U(g_hash_table_replace),         U(g_hash_table_add),
    U(g_hash_table_remove),          U(g_hash_table_steal),
    U(g_hash_table_steal_extended),  U(g_hash_table_remove_all),
    U(g_hash_table_steal_all),       U(g_hash_table_foreach_remove),
    U(g_hash_table_foreach_steal),   U(g_hash_table_iter_remove),
    U(g_hash_table_iter_steal),      U(g_hash_table_iter_replace),
    U(g_hash_table_find),            U(g_hash_table_get_keys),
    U(g_hash_table_get_values),      U(g_hash_table_get_keys_as_array),
    U(g_hash_table_foreach),         U(g_hash_table_iter_next),
};

void mapsan_bypass_init(void) {
  size_t n = sizeof(fns) / sizeof(fns[0]);
  for (size_t i = 0; i < n; i++)
    if (fns[i].group == 0)
      fns[i].group = mapsan_opts.map_profile ? MAPSAN_REBIND_UNDRAWN
                                             : MAPSAN_REBIND_WINDOW;
  mapsan_rebind_init(fns, n);
}
