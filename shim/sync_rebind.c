/*
 * sync_rebind.c: the lock wrappers a canary bypasses between windows
 * (base/rebind.c rewrites the program's PLT slots for them).
 *
 * A wrapper belongs here only if, while the vector clocks are stopped, it
 * does nothing but the real call: the acquisitions test mapsan_clocks_live
 * after the real call (MAPSAN_LOCK_INT, mapsan_lock_acquired), the unlocks
 * before it (MAPSAN_UNLOCK_INT/VOID), GRecMutex and GRWLock mute their
 * inner pthread calls only while the clocks run (sync_glib.c). Condition
 * waits, semaphores, thread creation and the GLib edges are not here: they
 * do work of their own (the cancellation handler, thread registration).
 *
 * The addresses are taken through libmapsan's own GOT: they are the
 * definitions the loader bound the program to, which rebind.c checks are
 * libmapsan's (another interposer preloaded first keeps its slots).
 */
#include "../base/rebind.h"

#include <glib.h>
#include <pthread.h>
#include <threads.h>

#define FN(name) {MAPSAN_REAL_##name, (mapsan_fnptr)name}

static const struct mapsan_rebind_fn lock_fns[] = {
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
};

void mapsan_sync_rebind_init(void) {
  mapsan_rebind_init(lock_fns, sizeof(lock_fns) / sizeof(lock_fns[0]));
}
