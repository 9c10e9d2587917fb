/*
 * sync_glib.c: GLib's own synchronization as happens-before edges.
 *
 * Which layer is wrapped (docs/platform-notes.md has the measurements):
 *   - GMutex and GCond are futex-based and never call pthread: their g_
 *     functions are the only place to see them.
 *   - GRecMutex and GRWLock call pthread_mutex_* / pthread_rwlock_* through
 *     the PLT, on a pthread object GLib allocates behind the GLib one. We
 *     wrap the g_ layer (so reports and the held-lock list name the object
 *     the program knows) and call the real g_ function inside
 *     mapsan_enter()/mapsan_leave(): the pthread wrappers then see
 *     mapsan_hooks_on() false and do nothing, and each acquisition counts
 *     once.
 *   - GThread is not wrapped: g_thread_new/try_new reach pthread_create,
 *     g_thread_join reaches pthread_join (inside GLib's private per-thread
 *     GMutex) and g_thread_exit reaches pthread_exit, all through libglib's
 *     PLT (objdump -R libglib-2.0.so.0 lists their JUMP_SLOTs), so
 *     sync_pthread.c sees start, exit and join once, with the joined
 *     thread's final clock.
 *   - GAsyncQueue, GThreadPool, GOnce and the main loop lock internally with
 *     direct (invisible) GMutex/GCond calls, so their API is wrapped.
 *
 * Models, and where they are coarser than the program:
 *   - GCond: as for pthread, the wait releases the mutex before and
 *     re-acquires it after; g_cond_wait_until holds the mutex again on
 *     return whether it was signalled or timed out.
 *   - Bit locks: each (address, bit) is its own lock. The key is not an
 *     address: BIT_KEY_TAG | address << 6 | bit, a non-canonical value that
 *     no real object can have, so bit 1 of one word never aliases bit 0 of
 *     the next. Reports print that key as the lock's address.
 *   - GOnce / g_once_init_*: the thread that ran the initializer releases
 *     on the GOnce (or the location) after it; every caller that gets the
 *     result from the function acquires. The g_once() and
 *     g_once_init_enter() MACROS read the status inline and call nothing
 *     once initialization is done, so a thread that arrives after it gets
 *     no edge from mapsan: what the initializer wrote, it will see as
 *     unordered (a false report if that thread then touches a map the
 *     initializer wrote). There is nothing to intercept; such code needs
 *     MAPSAN_HAPPENS_AFTER(location) after the macro, or a call to the
 *     function form (g_once_init_enter)(location).
 *   - GAsyncQueue: every push releases on the queue, every pop that
 *     returned an item acquires from it. A pop is therefore ordered after
 *     every push that preceded it, not only the one whose item it received
 *     (over-approximation: it can hide a race, never invent one). The
 *     ordering GLib's internal mutex gives from a pop to a later push is
 *     not modelled (no program should rely on it). g_async_queue_lock/
 *     unlock are a lock on the queue; a blocking *_pop_unlocked releases
 *     the queue before it waits, because GLib drops that lock while
 *     waiting.
 *   - GThreadPool: the pool's task function is replaced by a trampoline
 *     that acquires everything pushed to the pool so far (the same
 *     over-approximation as the queue), runs the program's function, and
 *     releases into the pool's "done" object, which g_thread_pool_free(...,
 *     wait_=TRUE) acquires. The pool's public func/user_data fields show
 *     the trampoline and its record. Pools that libglib creates for itself
 *     are invisible.
 *   - Main loop: g_idle_add*, g_timeout_add*, g_main_context_invoke* and
 *     g_source_set_callback on an idle or timeout source wrap the callback
 *     in a trampoline that acquires first; scheduling (and g_source_attach
 *     of such a source) releases. Other source types call their callback
 *     with other signatures, so their callbacks are left alone.
 *
 * Every wrapper has the shape of interpose.h: hooks checked, acquisitions
 * recorded after the real call succeeded, releases before it.
 */
#include "../preload/interpose.h"
#include "sync.h"
#include "thread.h"

#include <dlfcn.h>
#include <glib.h>
#include <stdlib.h>

#define ADDR(p) ((uintptr_t)(p))

/* ---- GMutex (futex-based: the g_ layer is the only one) ---------------- */

MAPSAN_EXPORT void g_mutex_init(GMutex *m) {
  REAL(g_mutex_init)(m);
  if (mapsan_hooks_on())
    mapsan_sync_forget(ADDR(m));
}

MAPSAN_EXPORT void g_mutex_clear(GMutex *m) {
  REAL(g_mutex_clear)(m);
  if (mapsan_hooks_on())
    mapsan_sync_forget(ADDR(m));
}

MAPSAN_EXPORT void g_mutex_lock(GMutex *m) {
  REAL(g_mutex_lock)(m);
  if (mapsan_hooks_on())
    mapsan_lock_acquired(ADDR(m), MAPSAN_LOCK_WRITE);
}

MAPSAN_EXPORT gboolean g_mutex_trylock(GMutex *m) {
  gboolean r = REAL(g_mutex_trylock)(m);
  if (r && mapsan_hooks_on())
    mapsan_lock_acquired(ADDR(m), MAPSAN_LOCK_WRITE);
  return r;
}

MAPSAN_EXPORT void g_mutex_unlock(GMutex *m) {
  if (mapsan_hooks_on())
    mapsan_lock_releasing(ADDR(m));
  REAL(g_mutex_unlock)(m);
}

/* ---- GRecMutex, GRWLock (built on pthread: the inner layer is muted) --- */

/* Runs a real GLib call with this thread's hooks off, so that the pthread
 * calls GLib makes inside it are not recorded a second time (and the
 * pthread object GLib allocates lazily is not tracked at all). */
#define MUTED(call)                                                           \
  do {                                                                        \
    mapsan_enter();                                                           \
    call;                                                                     \
    mapsan_leave();                                                           \
  } while (0)

MAPSAN_EXPORT void g_rec_mutex_init(GRecMutex *m) {
  MUTED(REAL(g_rec_mutex_init)(m));
  if (mapsan_hooks_on())
    mapsan_sync_forget(ADDR(m));
}

MAPSAN_EXPORT void g_rec_mutex_clear(GRecMutex *m) {
  MUTED(REAL(g_rec_mutex_clear)(m));
  if (mapsan_hooks_on())
    mapsan_sync_forget(ADDR(m));
}

MAPSAN_EXPORT void g_rec_mutex_lock(GRecMutex *m) {
  MUTED(REAL(g_rec_mutex_lock)(m));
  if (mapsan_hooks_on())
    mapsan_lock_acquired(ADDR(m), MAPSAN_LOCK_WRITE);
}

MAPSAN_EXPORT gboolean g_rec_mutex_trylock(GRecMutex *m) {
  gboolean r;
  MUTED(r = REAL(g_rec_mutex_trylock)(m));
  if (r && mapsan_hooks_on())
    mapsan_lock_acquired(ADDR(m), MAPSAN_LOCK_WRITE);
  return r;
}

MAPSAN_EXPORT void g_rec_mutex_unlock(GRecMutex *m) {
  if (mapsan_hooks_on())
    mapsan_lock_releasing(ADDR(m));
  MUTED(REAL(g_rec_mutex_unlock)(m));
}

MAPSAN_EXPORT void g_rw_lock_init(GRWLock *l) {
  MUTED(REAL(g_rw_lock_init)(l));
  if (mapsan_hooks_on())
    mapsan_sync_forget(ADDR(l));
}

MAPSAN_EXPORT void g_rw_lock_clear(GRWLock *l) {
  MUTED(REAL(g_rw_lock_clear)(l));
  if (mapsan_hooks_on())
    mapsan_sync_forget(ADDR(l));
}

#define RW_LOCK(name, mode)                                                   \
  MAPSAN_EXPORT void name(GRWLock *l) {                                       \
    MUTED(REAL(name)(l));                                                     \
    if (mapsan_hooks_on())                                                    \
      mapsan_lock_acquired(ADDR(l), mode);                                    \
  }
#define RW_TRYLOCK(name, mode)                                                \
  MAPSAN_EXPORT gboolean name(GRWLock *l) {                                   \
    gboolean r;                                                               \
    MUTED(r = REAL(name)(l));                                                 \
    if (r && mapsan_hooks_on())                                               \
      mapsan_lock_acquired(ADDR(l), mode);                                    \
    return r;                                                                 \
  }
/* The held-lock record knows the mode, so both unlocks release alike:
 * a reader into the read clock, a writer into the clock. */
#define RW_UNLOCK(name)                                                       \
  MAPSAN_EXPORT void name(GRWLock *l) {                                       \
    if (mapsan_hooks_on())                                                    \
      mapsan_lock_releasing(ADDR(l));                                         \
    MUTED(REAL(name)(l));                                                     \
  }

RW_LOCK(g_rw_lock_writer_lock, MAPSAN_LOCK_WRITE)
RW_TRYLOCK(g_rw_lock_writer_trylock, MAPSAN_LOCK_WRITE)
RW_UNLOCK(g_rw_lock_writer_unlock)
RW_LOCK(g_rw_lock_reader_lock, MAPSAN_LOCK_READ)
RW_TRYLOCK(g_rw_lock_reader_trylock, MAPSAN_LOCK_READ)
RW_UNLOCK(g_rw_lock_reader_unlock)

/* ---- GCond -------------------------------------------------------------- */

/* GLib re-locks the mutex inside the wait without a visible call. */
MAPSAN_EXPORT void g_cond_wait(GCond *c, GMutex *m) {
  bool on = mapsan_hooks_on();
  if (on)
    mapsan_lock_releasing(ADDR(m));
  REAL(g_cond_wait)(c, m);
  if (on)
    mapsan_lock_acquired(ADDR(m), MAPSAN_LOCK_WRITE);
}

/* The mutex is held again on return, signalled (TRUE) or timed out. */
MAPSAN_EXPORT gboolean g_cond_wait_until(GCond *c, GMutex *m, gint64 end) {
  bool on = mapsan_hooks_on();
  if (on)
    mapsan_lock_releasing(ADDR(m));
  gboolean r = REAL(g_cond_wait_until)(c, m, end);
  if (on)
    mapsan_lock_acquired(ADDR(m), MAPSAN_LOCK_WRITE);
  return r;
}

/* Deprecated, but exported and implemented in libglib with a direct call to
 * g_cond_wait_until: left unwrapped it would be a hole. */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
MAPSAN_EXPORT gboolean g_cond_timed_wait(GCond *c, GMutex *m, GTimeVal *t) {
  bool on = mapsan_hooks_on();
  if (on)
    mapsan_lock_releasing(ADDR(m));
  gboolean r = REAL(g_cond_timed_wait)(c, m, t);
  if (on)
    mapsan_lock_acquired(ADDR(m), MAPSAN_LOCK_WRITE);
  return r;
}
G_GNUC_END_IGNORE_DEPRECATIONS

/* ---- bit locks ---------------------------------------------------------- */

/* Bit 63 set with the address shifted into bits 6..52: non-canonical on
 * x86-64 (user addresses are below 2^47), so never a real object's key. */
#define BIT_KEY_TAG ((uintptr_t)1 << 63)

static uintptr_t bit_key(const volatile void *addr, gint bit) {
  return BIT_KEY_TAG | (ADDR(addr) << 6) | ((uintptr_t)bit & 63);
}

MAPSAN_EXPORT void g_bit_lock(volatile gint *a, gint bit) {
  REAL(g_bit_lock)(a, bit);
  if (mapsan_hooks_on())
    mapsan_lock_acquired(bit_key(a, bit), MAPSAN_LOCK_WRITE);
}

MAPSAN_EXPORT gboolean g_bit_trylock(volatile gint *a, gint bit) {
  gboolean r = REAL(g_bit_trylock)(a, bit);
  if (r && mapsan_hooks_on())
    mapsan_lock_acquired(bit_key(a, bit), MAPSAN_LOCK_WRITE);
  return r;
}

MAPSAN_EXPORT void g_bit_unlock(volatile gint *a, gint bit) {
  if (mapsan_hooks_on())
    mapsan_lock_releasing(bit_key(a, bit));
  REAL(g_bit_unlock)(a, bit);
}

/* gbitlock.h defines function-like macros of these names (a size check
 * around the call): the parentheses keep them from expanding. */
MAPSAN_EXPORT void(g_pointer_bit_lock)(volatile void *a, gint bit) {
  REAL(g_pointer_bit_lock)(a, bit);
  if (mapsan_hooks_on())
    mapsan_lock_acquired(bit_key(a, bit), MAPSAN_LOCK_WRITE);
}

MAPSAN_EXPORT gboolean(g_pointer_bit_trylock)(volatile void *a, gint bit) {
  gboolean r = REAL(g_pointer_bit_trylock)(a, bit);
  if (r && mapsan_hooks_on())
    mapsan_lock_acquired(bit_key(a, bit), MAPSAN_LOCK_WRITE);
  return r;
}

MAPSAN_EXPORT void(g_pointer_bit_unlock)(volatile void *a, gint bit) {
  if (mapsan_hooks_on())
    mapsan_lock_releasing(bit_key(a, bit));
  REAL(g_pointer_bit_unlock)(a, bit);
}

/* ---- GOnce -------------------------------------------------------------- */

/* What g_once_impl runs instead of the program's function, in the calling
 * thread (so the record lives on that thread's stack). */
struct once_call {
  GThreadFunc func;
  gpointer arg;
  GOnce *once;
};

static gpointer once_trampoline(gpointer p) {
  struct once_call *c = p;
  gpointer r = c->func(c->arg);
  if (mapsan_hooks_on())
    mapsan_sync_release(ADDR(c->once));
  return r;
}

/* Reached only when the g_once() macro saw the status not READY (see the
 * top of this file for the threads that never get here). */
MAPSAN_EXPORT gpointer g_once_impl(GOnce *once, GThreadFunc func,
                                   gpointer arg) {
  if (!mapsan_hooks_on())
    return REAL(g_once_impl)(once, func, arg);
  struct once_call c = {func, arg, once};
  gpointer r = REAL(g_once_impl)(once, once_trampoline, &c);
  mapsan_sync_acquire(ADDR(once));
  return r;
}

/* TRUE: the caller initializes and will call g_once_init_leave. FALSE: it
 * was initialized (possibly after waiting here): an acquire. */
MAPSAN_EXPORT gboolean(g_once_init_enter)(volatile void *location) {
  gboolean r = REAL(g_once_init_enter)(location);
  if (!r && mapsan_hooks_on())
    mapsan_sync_acquire(ADDR(location));
  return r;
}

MAPSAN_EXPORT void(g_once_init_leave)(volatile void *location, gsize result) {
  if (mapsan_hooks_on())
    mapsan_sync_release(ADDR(location));
  REAL(g_once_init_leave)(location, result);
}

/* ---- GAsyncQueue -------------------------------------------------------- */

MAPSAN_EXPORT void g_async_queue_lock(GAsyncQueue *q) {
  REAL(g_async_queue_lock)(q);
  if (mapsan_hooks_on())
    mapsan_lock_acquired(ADDR(q), MAPSAN_LOCK_WRITE);
}

MAPSAN_EXPORT void g_async_queue_unlock(GAsyncQueue *q) {
  if (mapsan_hooks_on())
    mapsan_lock_releasing(ADDR(q));
  REAL(g_async_queue_unlock)(q);
}

#define QUEUE_PUSH(name, params, args)                                        \
  MAPSAN_EXPORT void name params {                                            \
    if (mapsan_hooks_on())                                                    \
      mapsan_sync_release(ADDR(q));                                           \
    REAL(name) args;                                                          \
  }

QUEUE_PUSH(g_async_queue_push, (GAsyncQueue * q, gpointer d), (q, d))
QUEUE_PUSH(g_async_queue_push_unlocked, (GAsyncQueue * q, gpointer d), (q, d))
QUEUE_PUSH(g_async_queue_push_front, (GAsyncQueue * q, gpointer d), (q, d))
QUEUE_PUSH(g_async_queue_push_front_unlocked, (GAsyncQueue * q, gpointer d),
           (q, d))
QUEUE_PUSH(g_async_queue_push_sorted,
           (GAsyncQueue * q, gpointer d, GCompareDataFunc f, gpointer u),
           (q, d, f, u))
QUEUE_PUSH(g_async_queue_push_sorted_unlocked,
           (GAsyncQueue * q, gpointer d, GCompareDataFunc f, gpointer u),
           (q, d, f, u))

/* A pop that returned an item acquires. `wait` is for the *_unlocked
 * variants that may block: the caller holds the queue's lock, which GLib
 * drops while waiting, so it is released (without leaving the held-lock
 * list: it is held again on return) like a condition wait's mutex. */
#define QUEUE_POP(name, wait, params, args)                                   \
  MAPSAN_EXPORT gpointer name params {                                        \
    bool on = mapsan_hooks_on();                                              \
    if (on && (wait))                                                         \
      mapsan_sync_release(ADDR(q));                                           \
    gpointer r = REAL(name) args;                                             \
    if (on && (r != NULL || (wait)))                                          \
      mapsan_sync_acquire(ADDR(q));                                           \
    return r;                                                                 \
  }

QUEUE_POP(g_async_queue_pop, false, (GAsyncQueue * q), (q))
QUEUE_POP(g_async_queue_pop_unlocked, true, (GAsyncQueue * q), (q))
QUEUE_POP(g_async_queue_try_pop, false, (GAsyncQueue * q), (q))
QUEUE_POP(g_async_queue_try_pop_unlocked, false, (GAsyncQueue * q), (q))
QUEUE_POP(g_async_queue_timeout_pop, false, (GAsyncQueue * q, guint64 t),
          (q, t))
QUEUE_POP(g_async_queue_timeout_pop_unlocked, true,
          (GAsyncQueue * q, guint64 t), (q, t))
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
QUEUE_POP(g_async_queue_timed_pop, false, (GAsyncQueue * q, GTimeVal * t),
          (q, t))
QUEUE_POP(g_async_queue_timed_pop_unlocked, true,
          (GAsyncQueue * q, GTimeVal * t), (q, t))
G_GNUC_END_IGNORE_DEPRECATIONS

/* ---- GThreadPool -------------------------------------------------------- */

/* One per wrapped pool, passed to GLib as the pool's user_data (so that
 * pool->user_data finds it again: no table). Its address is the key of
 * what was pushed; its address + 1 (inside the record, so no other
 * object's key) the key of what the tasks finished. */
struct pool_rec {
  GFunc func;
  gpointer data;
};

static uintptr_t pool_pushed_key(struct pool_rec *r) { return ADDR(r); }
static uintptr_t pool_done_key(struct pool_rec *r) { return ADDR(r) + 1; }

static void pool_trampoline(gpointer task, gpointer user_data) {
  struct pool_rec *r = user_data;
  if (mapsan_hooks_on())
    mapsan_sync_acquire(pool_pushed_key(r));
  r->func(task, r->data);
  if (mapsan_hooks_on())
    mapsan_sync_release(pool_done_key(r));
}

/* The record of a pool we wrapped, NULL for any other (created before the
 * runtime was up, or by libglib itself). */
static struct pool_rec *pool_rec_of(GThreadPool *pool) {
  if (pool == NULL || pool->func != pool_trampoline)
    return NULL;
  return pool->user_data;
}

static struct pool_rec *pool_rec_new(GFunc func, gpointer data) {
  if (!mapsan_hooks_on() || func == NULL)
    return NULL;
  struct pool_rec *r = malloc(sizeof(*r));
  if (r != NULL) {
    r->func = func;
    r->data = data;
  }
  return r;
}

static void pool_rec_free(struct pool_rec *r) {
  mapsan_sync_forget(pool_pushed_key(r));
  mapsan_sync_forget(pool_done_key(r));
  free(r);
}

MAPSAN_EXPORT GThreadPool *g_thread_pool_new(GFunc func, gpointer data,
                                             gint max_threads,
                                             gboolean exclusive,
                                             GError **error) {
  struct pool_rec *r = pool_rec_new(func, data);
  if (r == NULL)
    return REAL(g_thread_pool_new)(func, data, max_threads, exclusive, error);
  GThreadPool *p =
      REAL(g_thread_pool_new)(pool_trampoline, r, max_threads, exclusive, error);
  if (p == NULL)
    pool_rec_free(r);
  return p;
}

MAPSAN_EXPORT GThreadPool *g_thread_pool_new_full(GFunc func, gpointer data,
                                                  GDestroyNotify item_free,
                                                  gint max_threads,
                                                  gboolean exclusive,
                                                  GError **error) {
  struct pool_rec *r = pool_rec_new(func, data);
  if (r == NULL)
    return REAL(g_thread_pool_new_full)(func, data, item_free, max_threads,
                                        exclusive, error);
  GThreadPool *p = REAL(g_thread_pool_new_full)(
      pool_trampoline, r, item_free, max_threads, exclusive, error);
  if (p == NULL)
    pool_rec_free(r);
  return p;
}

MAPSAN_EXPORT gboolean g_thread_pool_push(GThreadPool *pool, gpointer task,
                                          GError **error) {
  struct pool_rec *r = pool_rec_of(pool);
  if (r != NULL && mapsan_hooks_on())
    mapsan_sync_release(pool_pushed_key(r));
  return REAL(g_thread_pool_push)(pool, task, error);
}

/* With wait_, GLib returns only when no task is running or left to run (of
 * those it was told to finish): the workers' "done" releases are all in,
 * and no trampoline will read the record again. Without wait_, tasks may
 * still run after the return, so the record is left to them (16 bytes per
 * such pool, never freed). */
MAPSAN_EXPORT void g_thread_pool_free(GThreadPool *pool, gboolean immediate,
                                      gboolean wait_) {
  struct pool_rec *r = pool_rec_of(pool);
  REAL(g_thread_pool_free)(pool, immediate, wait_);
  if (r == NULL || !wait_)
    return;
  if (mapsan_hooks_on()) {
    mapsan_sync_acquire(pool_done_key(r));
    pool_rec_free(r);
  } else {
    free(r);
  }
}

/* ---- main loop: callbacks run on another thread ------------------------- */

/* One per wrapped callback, GLib's user_data for it; freed by GLib through
 * source_rec_free (the notify we pass) after the program's notify. `key`
 * is what the scheduler released on: the record itself for the calls that
 * create their source inside libglib, the GSource for
 * g_source_set_callback (so that g_source_attach can release on it too). */
struct source_rec {
  union {
    GSourceFunc func;
    GSourceOnceFunc once;
  } fn;
  gpointer data;
  GDestroyNotify notify;
  uintptr_t key;
};

static gboolean source_trampoline(gpointer p) {
  struct source_rec *r = p;
  if (mapsan_hooks_on())
    mapsan_sync_acquire(r->key);
  return r->fn.func(r->data);
}

/* g_*_add_once: the program's function returns nothing, the source runs
 * once. */
static gboolean source_once_trampoline(gpointer p) {
  struct source_rec *r = p;
  if (mapsan_hooks_on())
    mapsan_sync_acquire(r->key);
  r->fn.once(r->data);
  return G_SOURCE_REMOVE;
}

static void source_rec_free(gpointer p) {
  struct source_rec *r = p;
  if (r->notify != NULL)
    r->notify(r->data);
  /* A GSource key is not forgotten here: this also runs when a callback is
   * replaced on a live source, after the new one's release. A reused
   * GSource address keeps an old clock: more ordering, never a false
   * report. */
  if (r->key == ADDR(r) && mapsan_hooks_on())
    mapsan_sync_forget(r->key);
  free(r);
}

/* A record for func/data/notify, released on (key 0: the record), or NULL
 * when not wrapping (hooks off, no function, no memory). */
static struct source_rec *source_rec_new(GSourceFunc func,
                                         GSourceOnceFunc once, gpointer data,
                                         GDestroyNotify notify,
                                         uintptr_t key) {
  if (!mapsan_hooks_on() || (func == NULL && once == NULL))
    return NULL;
  struct source_rec *r = malloc(sizeof(*r));
  if (r == NULL)
    return NULL;
  if (func != NULL)
    r->fn.func = func;
  else
    r->fn.once = once;
  r->data = data;
  r->notify = notify;
  r->key = key != 0 ? key : ADDR(r);
  mapsan_sync_release(r->key);
  return r;
}

/* g_idle_add and friends are, in GLib, their _full form with the default
 * priority and no notify; the wrappers call the real _full form so that
 * the record can be freed through a notify. */
MAPSAN_EXPORT guint g_idle_add_full(gint priority, GSourceFunc func,
                                    gpointer data, GDestroyNotify notify) {
  struct source_rec *r = source_rec_new(func, NULL, data, notify, 0);
  if (r == NULL)
    return REAL(g_idle_add_full)(priority, func, data, notify);
  return REAL(g_idle_add_full)(priority, source_trampoline, r,
                               source_rec_free);
}

MAPSAN_EXPORT guint g_idle_add(GSourceFunc func, gpointer data) {
  struct source_rec *r = source_rec_new(func, NULL, data, NULL, 0);
  if (r == NULL)
    return REAL(g_idle_add)(func, data);
  return REAL(g_idle_add_full)(G_PRIORITY_DEFAULT_IDLE, source_trampoline, r,
                               source_rec_free);
}

MAPSAN_EXPORT guint g_idle_add_once(GSourceOnceFunc func, gpointer data) {
  struct source_rec *r = source_rec_new(NULL, func, data, NULL, 0);
  if (r == NULL)
    return REAL(g_idle_add_once)(func, data);
  return REAL(g_idle_add_full)(G_PRIORITY_DEFAULT_IDLE,
                               source_once_trampoline, r, source_rec_free);
}

MAPSAN_EXPORT guint g_timeout_add_full(gint priority, guint interval,
                                       GSourceFunc func, gpointer data,
                                       GDestroyNotify notify) {
  struct source_rec *r = source_rec_new(func, NULL, data, notify, 0);
  if (r == NULL)
    return REAL(g_timeout_add_full)(priority, interval, func, data, notify);
  return REAL(g_timeout_add_full)(priority, interval, source_trampoline, r,
                                  source_rec_free);
}

MAPSAN_EXPORT guint g_timeout_add(guint interval, GSourceFunc func,
                                  gpointer data) {
  struct source_rec *r = source_rec_new(func, NULL, data, NULL, 0);
  if (r == NULL)
    return REAL(g_timeout_add)(interval, func, data);
  return REAL(g_timeout_add_full)(G_PRIORITY_DEFAULT, interval,
                                  source_trampoline, r, source_rec_free);
}

MAPSAN_EXPORT guint g_timeout_add_once(guint interval, GSourceOnceFunc func,
                                       gpointer data) {
  struct source_rec *r = source_rec_new(NULL, func, data, NULL, 0);
  if (r == NULL)
    return REAL(g_timeout_add_once)(interval, func, data);
  return REAL(g_timeout_add_full)(G_PRIORITY_DEFAULT, interval,
                                  source_once_trampoline, r, source_rec_free);
}

MAPSAN_EXPORT guint g_timeout_add_seconds_full(gint priority, guint interval,
                                               GSourceFunc func, gpointer data,
                                               GDestroyNotify notify) {
  struct source_rec *r = source_rec_new(func, NULL, data, notify, 0);
  if (r == NULL)
    return REAL(g_timeout_add_seconds_full)(priority, interval, func, data,
                                            notify);
  return REAL(g_timeout_add_seconds_full)(priority, interval,
                                          source_trampoline, r,
                                          source_rec_free);
}

MAPSAN_EXPORT guint g_timeout_add_seconds(guint interval, GSourceFunc func,
                                          gpointer data) {
  struct source_rec *r = source_rec_new(func, NULL, data, NULL, 0);
  if (r == NULL)
    return REAL(g_timeout_add_seconds)(interval, func, data);
  return REAL(g_timeout_add_seconds_full)(G_PRIORITY_DEFAULT, interval,
                                          source_trampoline, r,
                                          source_rec_free);
}

/* When the caller owns (or can acquire) the context, GLib runs the
 * function at once in the calling thread: the acquire is then of the
 * caller's own release, harmless. */
MAPSAN_EXPORT void g_main_context_invoke_full(GMainContext *ctx, gint priority,
                                              GSourceFunc func, gpointer data,
                                              GDestroyNotify notify) {
  struct source_rec *r = source_rec_new(func, NULL, data, notify, 0);
  if (r == NULL) {
    REAL(g_main_context_invoke_full)(ctx, priority, func, data, notify);
    return;
  }
  REAL(g_main_context_invoke_full)(ctx, priority, source_trampoline, r,
                                   source_rec_free);
}

MAPSAN_EXPORT void g_main_context_invoke(GMainContext *ctx, GSourceFunc func,
                                         gpointer data) {
  struct source_rec *r = source_rec_new(func, NULL, data, NULL, 0);
  if (r == NULL) {
    REAL(g_main_context_invoke)(ctx, func, data);
    return;
  }
  REAL(g_main_context_invoke_full)(ctx, G_PRIORITY_DEFAULT, source_trampoline,
                                   r, source_rec_free);
}

/* Sources whose dispatch calls the callback as a GSourceFunc(user_data):
 * idle and timeout sources (g_idle_source_new, g_timeout_source_new*, and
 * the ones GIO's GTask attaches). Their GSourceFuncs tables are exported
 * data of libglib, found at first use (no link-time dependency on it). */
static _Atomic(const GSourceFuncs *) idle_funcs, timeout_funcs;
static _Atomic bool source_funcs_known;

static bool source_is_plain(GSource *s) {
  if (!atomic_load_explicit(&source_funcs_known, memory_order_acquire)) {
    mapsan_enter();
    const GSourceFuncs *i = dlsym(RTLD_DEFAULT, "g_idle_funcs");
    const GSourceFuncs *t = dlsym(RTLD_DEFAULT, "g_timeout_funcs");
    mapsan_leave();
    atomic_store_explicit(&idle_funcs, i, memory_order_relaxed);
    atomic_store_explicit(&timeout_funcs, t, memory_order_relaxed);
    atomic_store_explicit(&source_funcs_known, true, memory_order_release);
  }
  const GSourceFuncs *f = s->source_funcs;
  return f != NULL &&
         (f == atomic_load_explicit(&idle_funcs, memory_order_relaxed) ||
          f == atomic_load_explicit(&timeout_funcs, memory_order_relaxed));
}

MAPSAN_EXPORT void g_source_set_callback(GSource *s, GSourceFunc func,
                                         gpointer data,
                                         GDestroyNotify notify) {
  struct source_rec *r = NULL;
  if (s != NULL && mapsan_hooks_on() && source_is_plain(s))
    r = source_rec_new(func, NULL, data, notify, ADDR(s));
  if (r == NULL) {
    REAL(g_source_set_callback)(s, func, data, notify);
    return;
  }
  REAL(g_source_set_callback)(s, source_trampoline, r, source_rec_free);
}

/* The callback may have been set before the source was attached: what the
 * scheduler did in between is published here. */
MAPSAN_EXPORT guint g_source_attach(GSource *s, GMainContext *ctx) {
  if (s != NULL && mapsan_hooks_on() && source_is_plain(s))
    mapsan_sync_release(ADDR(s));
  return REAL(g_source_attach)(s, ctx);
}
