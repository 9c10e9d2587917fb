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
 *     once initialization is done, so a thread that arrives after it makes
 *     no call: the initializer runs in a once window (shim/once.c), and
 *     what it did there is published to every access that comes after
 *     the window closed (just before GLib marks the once done).
 *   - GAsyncQueue: every push releases on the queue, every pop that
 *     returned an item acquires from it. A pop is therefore ordered after
 *     every push that preceded it, not only the one whose item it received
 *     (over-approximation: it can hide a race, never invent one). The
 *     ordering GLib's internal mutex gives from a pop to a later push is
 *     not modelled (no program should rely on it). g_async_queue_lock/
 *     unlock are a lock on the queue; a blocking *_pop_unlocked releases
 *     the queue before it waits, because GLib drops that lock while
 *     waiting.
 *   - GThreadPool: the public fields are the program's; a worker's task
 *     is invisible, so pool workers get implicit edges (sync.h): before
 *     their checked map accesses and their releases they acquire all that
 *     was pushed to any pool so far (ticking when that was news), and
 *     after their accesses and acquires they publish their clock, which
 *     g_thread_pool_free(..., wait_=TRUE) acquires. Coarser than the
 *     program, so some races are missed (never a false report):
 *       - a task is ordered after every push that preceded its accesses,
 *         to any pool: a write by a pushing thread after its push is
 *         missed if another push follows it before the task touches the
 *         map (the race of test-race-gthreadpool, with no later push, is
 *         still found);
 *       - a waiting free is ordered after everything every pool worker did
 *         so far, in any pool, and after what a worker then does at the
 *         same clock (until its next release or a push it learns of): a
 *         race between code after the free and another pool's task can be
 *         missed.
 *     Pools that libglib creates for itself, and workers created before
 *     mapsan was up, are invisible.
 *   - Main loop: g_idle_add*, g_timeout_add*, g_main_context_invoke* and
 *     g_source_set_callback on an idle or timeout source install mapsan's
 *     own GSourceCallbackFuncs: GLib gets the program's function and data
 *     back from them (so *_remove_by_data and find_source_by_user_data see
 *     the program's data), and their ref, which GLib calls only when it
 *     dispatches, acquires from the GSource; scheduling (and
 *     g_source_attach of such a source) releases on it. Exact: see the
 *     main-loop section. Descriptor sources (g_unix_fd_add*, and
 *     g_unix_fd_source_new + g_source_set_callback) get the same, and their
 *     dispatch also acquires from the descriptor's channel (sync_fd.c):
 *     the poll that woke them saw what a writer put there.
 *   - GCancellable: cancel releases, a check that sees it cancelled
 *     acquires (last section).
 *     main-loop section. g_main_loop_quit releases on the GMainLoop and
 *     the return of g_main_loop_run acquires from it.
 *
 * Every wrapper has the shape of interpose.h: hooks checked, acquisitions
 * recorded after the real call succeeded, releases before it.
 */
#include "../base/interpose.h"
#include "../base/alloc.h"
#include "../engine/once.h"
#include "../engine/sync.h"
#include "sync_wrap.h"
#include "../engine/thread.h"
#include "sync_fd.h"

#include <dlfcn.h>
#include <glib-unix.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

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
  mapsan_lock_acquired(ADDR(m), MAPSAN_LOCK_WRITE, MAPSAN_LOCK_KIND_GMUTEX);
}

MAPSAN_EXPORT gboolean g_mutex_trylock(GMutex *m) {
  gboolean r = REAL(g_mutex_trylock)(m);
  if (r)
    mapsan_lock_acquired(ADDR(m), MAPSAN_LOCK_WRITE, MAPSAN_LOCK_KIND_GMUTEX);
  return r;
}

MAPSAN_EXPORT void g_mutex_unlock(GMutex *m) {
  MAPSAN_UNLOCK_VOID(g_mutex_unlock, m);
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

/* A call is muted only while the clocks run; stopped, the pthread
 * wrappers inside record nothing anyway, and muting cost two thread-local
 * writes and a frame a call. If a window opens during an unmuted lock
 * call, the inner pthread lock may be recorded too (GLib's own lock: a
 * true edge) and stays on the held-lock list until the thread's next
 * window (an extra lock in that window's reports; the edges stay right).
 * Unmuted inner unlocks would pop it, but an inner unlock that finds
 * nothing would also take one of held_lost's overflowed locks and lose a
 * real release, so unlocks are muted while the clocks run too. The muted
 * halves are out of line, so that the stopped half needs no frame
 * (sync_wrap.h). */
typedef void (*lock_void_fn)(void *);

static MAPSAN_NOINLINE void lock_muted(void *obj, enum mapsan_real_id id,
                                       enum mapsan_lock_mode mode,
                                       enum mapsan_lock_kind kind) {
  lock_void_fn real = (lock_void_fn)mapsan_real_get(id);
  MUTED(real(obj));
  mapsan_lock_acquired(ADDR(obj), mode, kind);
}

#define LOCK_MUTED_IF_LIVE(name, obj, mode, kind)                             \
  do {                                                                        \
    if (MAPSAN_UNLIKELY(mapsan_clocks_running())) {                           \
      lock_muted(obj, MAPSAN_REAL_##name, mode, kind);                        \
      return;                                                                 \
    }                                                                         \
    REAL(name)(obj);                                                          \
    mapsan_lock_acquired(ADDR(obj), mode, kind);                              \
  } while (0)

static MAPSAN_NOINLINE void unlock_muted(void *obj, enum mapsan_real_id id) {
  mapsan_lock_releasing(ADDR(obj));
  lock_void_fn real = (lock_void_fn)mapsan_real_get(id);
  MUTED(real(obj));
}

#define UNLOCK_MUTED_IF_LIVE(name, obj)                                       \
  do {                                                                        \
    __typeof__(&name) real_ = REAL_IF_RESOLVED(name);                         \
    if (MAPSAN_LIKELY(real_ != NULL) && !mapsan_clocks_running()) {           \
      real_(obj);                                                             \
      return;                                                                 \
    }                                                                         \
    unlock_muted(obj, MAPSAN_REAL_##name);                                    \
  } while (0)

#define MUTED_IF_LIVE(call)                                                   \
  do {                                                                        \
    if (MAPSAN_LIKELY(!mapsan_clocks_running()))                              \
      call;                                                                   \
    else                                                                      \
      MUTED(call);                                                            \
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
  LOCK_MUTED_IF_LIVE(g_rec_mutex_lock, m, MAPSAN_LOCK_WRITE,
                     MAPSAN_LOCK_KIND_GRECMUTEX);
}

MAPSAN_EXPORT gboolean g_rec_mutex_trylock(GRecMutex *m) {
  gboolean r;
  MUTED_IF_LIVE(r = REAL(g_rec_mutex_trylock)(m));
  if (r)
    mapsan_lock_acquired(ADDR(m), MAPSAN_LOCK_WRITE,
                         MAPSAN_LOCK_KIND_GRECMUTEX);
  return r;
}

MAPSAN_EXPORT void g_rec_mutex_unlock(GRecMutex *m) {
  UNLOCK_MUTED_IF_LIVE(g_rec_mutex_unlock, m);
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
    LOCK_MUTED_IF_LIVE(name, l, mode, MAPSAN_LOCK_KIND_GRWLOCK);              \
  }
#define RW_TRYLOCK(name, mode)                                                \
  MAPSAN_EXPORT gboolean name(GRWLock *l) {                                   \
    gboolean r;                                                               \
    MUTED_IF_LIVE(r = REAL(name)(l));                                         \
    if (r)                                                                    \
      mapsan_lock_acquired(ADDR(l), mode, MAPSAN_LOCK_KIND_GRWLOCK);          \
    return r;                                                                 \
  }
/* The held-lock record knows the mode, so both unlocks release alike:
 * a reader into the read clock, a writer into the clock. */
#define RW_UNLOCK(name)                                                       \
  MAPSAN_EXPORT void name(GRWLock *l) { UNLOCK_MUTED_IF_LIVE(name, l); }

RW_LOCK(g_rw_lock_writer_lock, MAPSAN_LOCK_WRITE)
RW_TRYLOCK(g_rw_lock_writer_trylock, MAPSAN_LOCK_WRITE)
RW_UNLOCK(g_rw_lock_writer_unlock)
RW_LOCK(g_rw_lock_reader_lock, MAPSAN_LOCK_READ)
RW_TRYLOCK(g_rw_lock_reader_trylock, MAPSAN_LOCK_READ)
RW_UNLOCK(g_rw_lock_reader_unlock)

/* ---- GCond -------------------------------------------------------------- */

/* GLib re-locks the mutex inside the wait without a visible call. Unlike
 * pthread_cond_wait, GLib's waits are not cancellation points: they wait
 * with syscall(SYS_futex, ...), which glibc does not make one, so a
 * pending cancellation is acted upon only at a later cancellation point,
 * after the wait has returned here (measured: a thread cancelled in
 * g_cond_wait stays in it until signalled, then returns normally). */
MAPSAN_EXPORT void g_cond_wait(GCond *c, GMutex *m) {
  bool on = mapsan_hooks_on();
  if (on)
    mapsan_lock_releasing(ADDR(m));
  REAL(g_cond_wait)(c, m);
  if (on)
    mapsan_lock_acquired(ADDR(m), MAPSAN_LOCK_WRITE, MAPSAN_LOCK_KIND_GMUTEX);
}

/* The mutex is held again on return, signalled (TRUE) or timed out. */
MAPSAN_EXPORT gboolean g_cond_wait_until(GCond *c, GMutex *m, gint64 end) {
  bool on = mapsan_hooks_on();
  if (on)
    mapsan_lock_releasing(ADDR(m));
  gboolean r = REAL(g_cond_wait_until)(c, m, end);
  if (on)
    mapsan_lock_acquired(ADDR(m), MAPSAN_LOCK_WRITE, MAPSAN_LOCK_KIND_GMUTEX);
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
    mapsan_lock_acquired(ADDR(m), MAPSAN_LOCK_WRITE, MAPSAN_LOCK_KIND_GMUTEX);
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
  mapsan_lock_acquired(bit_key(a, bit), MAPSAN_LOCK_WRITE,
                       MAPSAN_LOCK_KIND_G_BIT_LOCK);
}

MAPSAN_EXPORT gboolean g_bit_trylock(volatile gint *a, gint bit) {
  gboolean r = REAL(g_bit_trylock)(a, bit);
  if (r)
    mapsan_lock_acquired(bit_key(a, bit), MAPSAN_LOCK_WRITE,
                         MAPSAN_LOCK_KIND_G_BIT_LOCK);
  return r;
}

MAPSAN_EXPORT void g_bit_unlock(volatile gint *a, gint bit) {
  mapsan_lock_releasing(bit_key(a, bit));
  REAL(g_bit_unlock)(a, bit);
}

/* gbitlock.h defines function-like macros of these names (a size check
 * around the call): the parentheses keep them from expanding. */
MAPSAN_EXPORT void(g_pointer_bit_lock)(volatile void *a, gint bit) {
  REAL(g_pointer_bit_lock)(a, bit);
  mapsan_lock_acquired(bit_key(a, bit), MAPSAN_LOCK_WRITE,
                       MAPSAN_LOCK_KIND_G_POINTER_BIT_LOCK);
}

MAPSAN_EXPORT gboolean(g_pointer_bit_trylock)(volatile void *a, gint bit) {
  gboolean r = REAL(g_pointer_bit_trylock)(a, bit);
  if (r)
    mapsan_lock_acquired(bit_key(a, bit), MAPSAN_LOCK_WRITE,
                         MAPSAN_LOCK_KIND_G_POINTER_BIT_LOCK);
  return r;
}

MAPSAN_EXPORT void(g_pointer_bit_unlock)(volatile void *a, gint bit) {
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
  if (mapsan_hooks_on())
    mapsan_once_open(ADDR(c->once));
  gpointer r = c->func(c->arg);
  if (mapsan_hooks_on()) {
    mapsan_sync_release(ADDR(c->once));
    mapsan_once_close(ADDR(c->once));
  }
  return r;
}

/* Reached only when the g_once() macro saw the status not READY; the
 * threads that never get here are covered by the initializer's window
 * (shim/once.c). */
MAPSAN_EXPORT gpointer g_once_impl(GOnce *once, GThreadFunc func,
                                   gpointer arg) {
  if (!mapsan_hooks_on())
    return REAL(g_once_impl)(once, func, arg);
  struct once_call c = {func, arg, once};
  gpointer r = REAL(g_once_impl)(once, once_trampoline, &c);
  mapsan_sync_acquire(ADDR(once));
  return r;
}

/* TRUE: the caller initializes (its window opens) and will call
 * g_once_init_leave. FALSE: it was initialized (possibly after waiting
 * here): an acquire. */
MAPSAN_EXPORT gboolean(g_once_init_enter)(volatile void *location) {
  gboolean r = REAL(g_once_init_enter)(location);
  if (mapsan_hooks_on()) {
    if (r)
      mapsan_once_open(ADDR(location));
    else
      mapsan_sync_acquire(ADDR(location));
  }
  return r;
}

/* The window closes before GLib stores the result, which is what the
 * macro's fast path reads. */
MAPSAN_EXPORT void(g_once_init_leave)(volatile void *location, gsize result) {
  if (mapsan_hooks_on()) {
    mapsan_sync_release(ADDR(location));
    mapsan_once_close(ADDR(location));
  }
  REAL(g_once_init_leave)(location, result);
}

/* ---- GAsyncQueue -------------------------------------------------------- */

MAPSAN_EXPORT void g_async_queue_lock(GAsyncQueue *q) {
  REAL(g_async_queue_lock)(q);
  mapsan_lock_acquired(ADDR(q), MAPSAN_LOCK_WRITE,
                       MAPSAN_LOCK_KIND_GASYNCQUEUE);
}

MAPSAN_EXPORT void g_async_queue_unlock(GAsyncQueue *q) {
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

/*
 * A worker calls pool->func(task, pool->user_data) from inside libglib
 * (gthreadpool.c, g_thread_pool_thread_proxy, 2.74.6): it pops the task
 * and locks and unlocks the pool's queue with direct calls to GAsyncQueue
 * and GMutex, which -Bsymbolic-functions makes invisible, and calls the
 * public fields themselves. So no per-task event on the worker reaches
 * mapsan, and the fields must stay the program's (programs read them). The
 * edges are therefore made implicit (sync.h): every pool worker thread
 * follows pool_pushed, which every g_thread_pool_push releases into, and
 * publishes into pool_done, which g_thread_pool_free(..., wait_=TRUE)
 * acquires from. The objects are global, not per pool, because a shared
 * (non-exclusive) worker moves from pool to pool inside libglib.
 *
 * Which threads are pool workers: those created while a thread is inside
 * g_thread_pool_new*, _push or _set_max_threads (the only callers of
 * GLib's g_thread_pool_start_thread, which creates them through
 * pthread_create), and, by inheritance, the threads a worker creates (GLib's
 * "pool-spawner", which creates shared workers when the scheduler settings
 * cannot be copied, is itself created inside g_thread_pool_new_full). An
 * idle worker that GLib hands to another pool is already one.
 */
static char pool_pushed, pool_done; /* their addresses are the keys */

#define POOL_SCOPE(call)                                                      \
  do {                                                                        \
    bool on_ = mapsan_hooks_on();                                             \
    if (on_)                                                                  \
      mapsan_sync_spawn_scope(ADDR(&pool_pushed), ADDR(&pool_done));          \
    call;                                                                     \
    if (on_)                                                                  \
      mapsan_sync_spawn_scope(0, 0);                                          \
  } while (0)

MAPSAN_EXPORT GThreadPool *g_thread_pool_new(GFunc func, gpointer data,
                                             gint max_threads,
                                             gboolean exclusive,
                                             GError **error) {
  GThreadPool *p;
  POOL_SCOPE(p = REAL(g_thread_pool_new)(func, data, max_threads, exclusive,
                                         error));
  return p;
}

MAPSAN_EXPORT GThreadPool *g_thread_pool_new_full(GFunc func, gpointer data,
                                                  GDestroyNotify item_free,
                                                  gint max_threads,
                                                  gboolean exclusive,
                                                  GError **error) {
  GThreadPool *p;
  POOL_SCOPE(p = REAL(g_thread_pool_new_full)(func, data, item_free,
                                              max_threads, exclusive, error));
  return p;
}

MAPSAN_EXPORT gboolean g_thread_pool_push(GThreadPool *pool, gpointer task,
                                          GError **error) {
  if (mapsan_hooks_on())
    mapsan_sync_release(ADDR(&pool_pushed));
  gboolean r;
  POOL_SCOPE(r = REAL(g_thread_pool_push)(pool, task, error));
  return r;
}

MAPSAN_EXPORT gboolean g_thread_pool_set_max_threads(GThreadPool *pool,
                                                     gint max_threads,
                                                     GError **error) {
  gboolean r;
  POOL_SCOPE(r = REAL(g_thread_pool_set_max_threads)(pool, max_threads,
                                                     error));
  return r;
}

/* With wait_, GLib returns only when no task is running or left to run (of
 * those it was told to finish): every worker has published what its tasks
 * did. */
MAPSAN_EXPORT void g_thread_pool_free(GThreadPool *pool, gboolean immediate,
                                      gboolean wait_) {
  REAL(g_thread_pool_free)(pool, immediate, wait_);
  if (wait_ && mapsan_hooks_on())
    mapsan_sync_acquire(ADDR(&pool_done));
}

/* ---- main loop: callbacks run on another thread ------------------------- */

/*
 * The edge: scheduling a callback releases on its GSource, the start of its
 * dispatch acquires from it. Dispatch happens inside libglib, which
 * LD_PRELOAD cannot see, but GLib reaches a source's callback only through
 * the source's GSourceCallbackFuncs (gmain.c, 2.74.6):
 *   - g_main_dispatch, on the dispatching thread with the context locked,
 *     calls ref(cb_data), then get(cb_data, source, &func, &data), then,
 *     unlocked, the source's dispatch with (func, data), then unref(cb_data);
 *   - the find/remove-by-data functions (g_main_context_find_source_by_
 *     user_data / _funcs_user_data, hence g_idle_remove_by_data,
 *     g_source_remove_by_user_data / _by_funcs_user_data) call only get;
 *   - g_source_set_callback_indirect, g_source_destroy and the last
 *     g_source_unref call only unref, when they drop the callback.
 * gobject's closure sources are the only other user (their own funcs).
 * So ref is called once per dispatch and nowhere else. g_source_set_callback
 * is g_source_set_callback_indirect with GLib's own funcs on a
 * {ref_count 1, func, data, notify} record whose last unref calls notify
 * (data) and frees it. The wrappers install the same thing with our funcs
 * (cb_funcs): get hands back the program's own func and data, unchanged,
 * so every lookup by data sees what the program passed; unref behaves like
 * GLib's (notify when the last reference goes); ref also acquires from the
 * GSource, exactly at each dispatch and on the dispatching thread, before
 * the callback runs. Nothing the program can observe changes: GSource's
 * callback fields are private and GLib has no getter for the callback.
 * Only GLib's dtrace probe differs (SET_CALLBACK_INDIRECT for SET_CALLBACK).
 *
 * g_source_set_callback: wrapped on idle and timeout sources (the program's
 * own, and the ones GIO's GTask attaches); release before installing.
 * Other source types are passed through (not needed by the design, which
 * leaves the function alone: a possible extension).
 *
 * g_idle_add*, g_timeout_add*, g_main_context_invoke*: these make their
 * source inside libglib, where the callback is set by an invisible call,
 * so we do what GLib does (gmain.c, 2.74.6 and unchanged up to 2.89:
 * idle_add_full, timeout_add_full, g_timeout_add_seconds_full,
 * g_main_context_invoke_full) through the public API:
 *   source = g_idle_source_new() (named "GIdleSource", priority
 *     DEFAULT_IDLE, by GLib) | g_timeout_source_new(ms) (no name) |
 *     g_timeout_source_new_seconds(s) (no name);
 *   g_source_set_priority() when the priority differs from the source's
 *     default (invoke sets it unconditionally, as GLib does);
 *   release on the GSource; our callback with the program's function, data
 *   and notify; id = g_source_attach(); unref.
 * The *_once variants: GLib makes a private "one-shot" source whose
 * dispatch calls the function as a GSourceOnceFunc and removes the source.
 * The public API has no one-shot source, so we make a plain one whose get
 * returns once_source_trampoline (with the program's data): it calls the
 * once-function, which ref left in a thread-local (ref and the dispatch it
 * precedes run on the same thread with no other dispatch between), and
 * returns G_SOURCE_REMOVE: the same calls, the same data, the same removal
 * (a timeout's expiration is only recomputed when the callback returns
 * TRUE). Only GLib's dtrace probes (GLIB_IDLE_ADD, GLIB_TIMEOUT_ADD) are
 * not fired.
 * g_main_context_invoke* runs the function at once when the caller owns
 * (or can acquire) the context, exactly as GLib does: no record, no edge
 * needed (same thread).
 *
 * g_source_attach of an idle or timeout source releases too: the callback
 * may have been set before the source was attached.
 *
 * The GSource's clock is forgotten when our record's last reference goes
 * and GLib has destroyed the source (it dispatches no more): kept, the idle
 * and timeout sources GIO makes were a fifth of the sync objects left at
 * the end of GLib's gmenumodel /gmenu/dbus/threaded. Not when the callback
 * is replaced on a live source: its unref runs then too, after the new
 * callback's release, and the source may still be dispatched.
 */

/* libglib functions we call but do not interpose, found at first use: a
 * link-time dependency on libglib is not allowed (most programs do not use
 * it). The two GSourceFuncs tables are exported data. `complete` is false
 * when something is missing: the wrappers then pass the call through. */
struct glib_api {
  __typeof__(&g_idle_source_new) idle_source_new;
  __typeof__(&g_timeout_source_new) timeout_source_new;
  __typeof__(&g_timeout_source_new_seconds) timeout_source_new_seconds;
  __typeof__(&g_source_set_priority) source_set_priority;
  __typeof__(&g_source_set_callback_indirect) source_set_callback_indirect;
  __typeof__(&g_source_unref) source_unref;
  __typeof__(&g_source_is_destroyed) source_is_destroyed;
  __typeof__(&g_main_context_default) main_context_default;
  __typeof__(&g_main_context_get_thread_default) main_context_get_thread_default;
  __typeof__(&g_main_context_is_owner) main_context_is_owner;
  __typeof__(&g_main_context_acquire) main_context_acquire;
  __typeof__(&g_main_context_release) main_context_release;
  const GSourceFuncs *idle_funcs, *timeout_funcs;
  const GSourceFuncs *unix_fd_funcs; /* optional: descriptor sources */
  bool complete;
};

static struct glib_api api;
static _Atomic bool api_known;
static mapsan_lock api_lock = MAPSAN_LOCK_INIT;
MAPSAN_FORK_LEAF(api_lock)

/* Resolved without a lock held (dlsym takes the loader's lock, under which
 * a library constructor may be calling g_idle_add); the first complete
 * resolution is published. */
static const struct glib_api *glib_api(void) {
  if (MAPSAN_LIKELY(atomic_load_explicit(&api_known, memory_order_acquire)))
    return &api;
  struct glib_api a;
  mapsan_enter();
  /* dlsym returns an object pointer; POSIX guarantees that a function's
   * has the same representation (ISO C has no conversion: memcpy). */
#define SYM(field, name)                                                      \
  do {                                                                        \
    void *p = dlsym(RTLD_DEFAULT, name);                                      \
    _Static_assert(sizeof(a.field) == sizeof(p), "function pointer size");    \
    memcpy(&a.field, &p, sizeof(p));                                          \
  } while (0)
  SYM(idle_source_new, "g_idle_source_new");
  SYM(timeout_source_new, "g_timeout_source_new");
  SYM(timeout_source_new_seconds, "g_timeout_source_new_seconds");
  SYM(source_set_priority, "g_source_set_priority");
  SYM(source_set_callback_indirect, "g_source_set_callback_indirect");
  SYM(source_unref, "g_source_unref");
  SYM(source_is_destroyed, "g_source_is_destroyed");
  SYM(main_context_default, "g_main_context_default");
  SYM(main_context_get_thread_default, "g_main_context_get_thread_default");
  SYM(main_context_is_owner, "g_main_context_is_owner");
  SYM(main_context_acquire, "g_main_context_acquire");
  SYM(main_context_release, "g_main_context_release");
  a.idle_funcs = dlsym(RTLD_DEFAULT, "g_idle_funcs");
  a.timeout_funcs = dlsym(RTLD_DEFAULT, "g_timeout_funcs");
  a.unix_fd_funcs = dlsym(RTLD_DEFAULT, "g_unix_fd_source_funcs");
#undef SYM
  mapsan_leave();
  a.complete = a.idle_source_new && a.timeout_source_new &&
               a.timeout_source_new_seconds && a.source_set_priority &&
               a.source_set_callback_indirect && a.source_unref &&
               a.source_is_destroyed && a.main_context_default &&
               a.main_context_get_thread_default &&
               a.main_context_is_owner && a.main_context_acquire &&
               a.main_context_release;
  mapsan_lock_acquire(&api_lock);
  if (!atomic_load_explicit(&api_known, memory_order_relaxed)) {
    api = a;
    atomic_store_explicit(&api_known, true, memory_order_release);
  }
  mapsan_lock_release(&api_lock);
  return &api;
}

/* Our callback "object": what GLib's GSourceCallback holds, plus the
 * once-function and the source (for the acquire and the forget), and for
 * a descriptor source the descriptor (for its acquire). */
struct cb_rec {
  atomic_int refs;
  GSourceFunc func;     /* the program's; NULL for a once-function */
  GSourceOnceFunc once; /* the program's g_*_add_once function */
  gpointer data;
  GDestroyNotify notify;
  GSource *source;
  int fd; /* a descriptor source's descriptor, watched for input; or -1 */
};

/* The once-function of the source this thread is dispatching: set by
 * cb_ref, read by once_source_trampoline in the dispatch that follows. */
static MAPSAN_TLS GSourceOnceFunc once_pending;

static gboolean once_source_trampoline(gpointer data) {
  GSourceOnceFunc once = once_pending;
  once_pending = NULL;
  MAPSAN_CHECK(once != NULL);
  once(data);
  return G_SOURCE_REMOVE;
}

/* Called by g_main_dispatch only, on its thread, just before the source's
 * dispatch calls the callback. */
static void cb_ref(gpointer p) {
  struct cb_rec *r = p;
  atomic_fetch_add_explicit(&r->refs, 1, memory_order_relaxed);
  if (r->once != NULL)
    once_pending = r->once;
  if (mapsan_hooks_on()) {
    mapsan_sync_acquire(ADDR(r->source));
    if (r->fd >= 0)
      mapsan_fd_acquire(r->fd);
  }
}

static void cb_get(gpointer p, GSource *s, GSourceFunc *func, gpointer *data) {
  struct cb_rec *r = p;
  (void)s;
  *func = r->once != NULL ? once_source_trampoline : r->func;
  *data = r->data;
}

static void cb_unref(gpointer p) {
  struct cb_rec *r = p;
  if (atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) != 1)
    return;
  if (r->notify != NULL)
    r->notify(r->data);
  /* Every caller of the last unref holds a reference to the source (GLib
   * raises its count around the unref in finalization). */
  if (mapsan_hooks_on() && glib_api()->source_is_destroyed(r->source))
    mapsan_sync_forget(ADDR(r->source));
  mapsan_free(r);
}

static GSourceCallbackFuncs cb_funcs = {cb_ref, cb_unref, cb_get};

/* A record for the program's func (or once), or NULL when not wrapping:
 * hooks off, no function (the real call then emits GLib's own critical),
 * an incomplete GLib, no memory. The wrappers pass NULL through to the
 * real function. */
static struct cb_rec *cb_rec_new(GSourceFunc func, GSourceOnceFunc once,
                                 gpointer data, GDestroyNotify notify) {
  /* Stopped clocks (canary mode between windows): no edge is needed, as
   * for a lock (sync.h), so GLib keeps its own record. */
  if (!mapsan_clocks_running() || !mapsan_hooks_on() ||
      (func == NULL && once == NULL) || !glib_api()->complete)
    return NULL;
  struct cb_rec *r = mapsan_malloc(sizeof(*r));
  if (r != NULL) {
    atomic_init(&r->refs, 1);
    r->func = func;
    r->once = once;
    r->data = data;
    r->notify = notify;
    r->source = NULL;
    r->fd = -1;
  }
  return r;
}

/* Releases on s, then makes r its callback (GLib drops the previous one). */
static void cb_install(GSource *s, struct cb_rec *r) {
  r->source = s;
  if (mapsan_hooks_on())
    mapsan_sync_release(ADDR(s));
  api.source_set_callback_indirect(s, r, &cb_funcs);
}

/* The rest of GLib's idle_add_full / timeout_add_full once the source is
 * made and its priority set: callback, attach to ctx (NULL: the default
 * context), unref. Returns the id. */
static guint src_attach(struct cb_rec *r, GSource *s, GMainContext *ctx) {
  cb_install(s, r);
  guint id = REAL(g_source_attach)(s, ctx);
  api.source_unref(s);
  return id;
}

static guint idle_add(struct cb_rec *r, gint priority) {
  GSource *s = api.idle_source_new();
  if (priority != G_PRIORITY_DEFAULT_IDLE)
    api.source_set_priority(s, priority);
  return src_attach(r, s, NULL);
}

static guint timeout_add(struct cb_rec *r, gint priority, guint interval,
                         bool seconds) {
  GSource *s = seconds ? api.timeout_source_new_seconds(interval)
                       : api.timeout_source_new(interval);
  if (priority != G_PRIORITY_DEFAULT)
    api.source_set_priority(s, priority);
  return src_attach(r, s, NULL);
}

/* In GLib, g_idle_add is g_idle_add_full with the default idle priority
 * and no notify, g_timeout_add(_seconds) likewise with G_PRIORITY_DEFAULT;
 * the once variants a one-shot source (see above). */
MAPSAN_EXPORT guint g_idle_add_full(gint priority, GSourceFunc func,
                                    gpointer data, GDestroyNotify notify) {
  struct cb_rec *r = cb_rec_new(func, NULL, data, notify);
  if (r == NULL)
    return REAL(g_idle_add_full)(priority, func, data, notify);
  return idle_add(r, priority);
}

MAPSAN_EXPORT guint g_idle_add(GSourceFunc func, gpointer data) {
  struct cb_rec *r = cb_rec_new(func, NULL, data, NULL);
  if (r == NULL)
    return REAL(g_idle_add)(func, data);
  return idle_add(r, G_PRIORITY_DEFAULT_IDLE);
}

MAPSAN_EXPORT guint g_idle_add_once(GSourceOnceFunc func, gpointer data) {
  struct cb_rec *r = cb_rec_new(NULL, func, data, NULL);
  if (r == NULL)
    return REAL(g_idle_add_once)(func, data);
  return idle_add(r, G_PRIORITY_DEFAULT_IDLE);
}

MAPSAN_EXPORT guint g_timeout_add_full(gint priority, guint interval,
                                       GSourceFunc func, gpointer data,
                                       GDestroyNotify notify) {
  struct cb_rec *r = cb_rec_new(func, NULL, data, notify);
  if (r == NULL)
    return REAL(g_timeout_add_full)(priority, interval, func, data, notify);
  return timeout_add(r, priority, interval, false);
}

MAPSAN_EXPORT guint g_timeout_add(guint interval, GSourceFunc func,
                                  gpointer data) {
  struct cb_rec *r = cb_rec_new(func, NULL, data, NULL);
  if (r == NULL)
    return REAL(g_timeout_add)(interval, func, data);
  return timeout_add(r, G_PRIORITY_DEFAULT, interval, false);
}

MAPSAN_EXPORT guint g_timeout_add_once(guint interval, GSourceOnceFunc func,
                                       gpointer data) {
  struct cb_rec *r = cb_rec_new(NULL, func, data, NULL);
  if (r == NULL)
    return REAL(g_timeout_add_once)(interval, func, data);
  return timeout_add(r, G_PRIORITY_DEFAULT, interval, false);
}

MAPSAN_EXPORT guint g_timeout_add_seconds_full(gint priority, guint interval,
                                               GSourceFunc func, gpointer data,
                                               GDestroyNotify notify) {
  struct cb_rec *r = cb_rec_new(func, NULL, data, notify);
  if (r == NULL)
    return REAL(g_timeout_add_seconds_full)(priority, interval, func, data,
                                            notify);
  return timeout_add(r, priority, interval, true);
}

MAPSAN_EXPORT guint g_timeout_add_seconds(guint interval, GSourceFunc func,
                                          gpointer data) {
  struct cb_rec *r = cb_rec_new(func, NULL, data, NULL);
  if (r == NULL)
    return REAL(g_timeout_add_seconds)(interval, func, data);
  return timeout_add(r, G_PRIORITY_DEFAULT, interval, true);
}

/* GLib's g_main_context_invoke_full: run at once when the caller owns the
 * context, or when it is the thread-default (or default) context and can
 * be acquired; otherwise queue an idle source with the given priority. */
MAPSAN_EXPORT void g_main_context_invoke_full(GMainContext *ctx, gint priority,
                                              GSourceFunc func, gpointer data,
                                              GDestroyNotify notify) {
  if (!mapsan_hooks_on() || func == NULL || !glib_api()->complete) {
    REAL(g_main_context_invoke_full)(ctx, priority, func, data, notify);
    return;
  }
  if (ctx == NULL)
    ctx = api.main_context_default();
  if (api.main_context_is_owner(ctx)) {
    while (func(data))
      ;
    if (notify != NULL)
      notify(data);
    return;
  }
  GMainContext *thread_default = api.main_context_get_thread_default();
  if (thread_default == NULL)
    thread_default = api.main_context_default();
  if (thread_default == ctx && api.main_context_acquire(ctx)) {
    while (func(data))
      ;
    api.main_context_release(ctx);
    if (notify != NULL)
      notify(data);
    return;
  }
  struct cb_rec *r = cb_rec_new(func, NULL, data, notify);
  if (r == NULL) { /* no memory: GLib's own queueing, without the edge */
    REAL(g_main_context_invoke_full)(ctx, priority, func, data, notify);
    return;
  }
  GSource *s = api.idle_source_new();
  api.source_set_priority(s, priority);
  src_attach(r, s, ctx);
}

/* In GLib, g_main_context_invoke_full with G_PRIORITY_DEFAULT, no notify. */
MAPSAN_EXPORT void g_main_context_invoke(GMainContext *ctx, GSourceFunc func,
                                         gpointer data) {
  if (!mapsan_hooks_on() || func == NULL || !glib_api()->complete) {
    REAL(g_main_context_invoke)(ctx, func, data);
    return;
  }
  g_main_context_invoke_full(ctx, G_PRIORITY_DEFAULT, func, data, NULL);
}

/* Sources whose dispatch calls the callback as a GSourceFunc(user_data):
 * idle and timeout sources (g_idle_source_new, g_timeout_source_new*, and
 * the ones GIO's GTask attaches). */
static bool source_is_plain(GSource *s) {
  const struct glib_api *a = glib_api();
  const GSourceFuncs *f = s->source_funcs;
  return f != NULL && (f == a->idle_funcs || f == a->timeout_funcs);
}

static int source_fd(GSource *s); /* descriptor sources, below */

/* GLib's g_source_set_callback is a g_return_if_fail(ref_count > 0) and
 * g_source_set_callback_indirect on a new record: the same, with ours. */
MAPSAN_EXPORT void g_source_set_callback(GSource *s, GSourceFunc func,
                                         gpointer data,
                                         GDestroyNotify notify) {
  struct cb_rec *r = NULL;
  int fd = -1;
  if (s != NULL && func != NULL && mapsan_clocks_running() &&
      mapsan_hooks_on() && glib_api()->complete &&
      (source_is_plain(s) || (fd = source_fd(s)) >= 0) &&
      g_atomic_int_get(&s->ref_count) > 0)
    r = cb_rec_new(func, NULL, data, notify);
  if (r == NULL) {
    REAL(g_source_set_callback)(s, func, data, notify);
    return;
  }
  r->fd = fd;
  cb_install(s, r);
}

MAPSAN_EXPORT guint g_source_attach(GSource *s, GMainContext *ctx) {
  if (s != NULL && mapsan_clocks_running() && mapsan_hooks_on() &&
      (source_is_plain(s) || source_fd(s) >= 0))
    mapsan_sync_release(ADDR(s));
  return REAL(g_source_attach)(s, ctx);
}

/* ---- descriptor sources: a worker wakes the main loop ---------------------
 *
 * A thread writes to a descriptor (a pipe, an eventfd, a socket) that a
 * GLib descriptor source watches; GLib's poll sees it readable and
 * dispatches the source's callback. The callback may use what the writer
 * handed over before it reads the descriptor, or without reading it (an
 * eventfd drained later, a source that removes itself), so the edge cannot
 * wait for a read (shim/sync_fd.c, rule 3): the dispatch of a descriptor
 * source acquires from the descriptor's channel (sync_fd.c), in our
 * callback's ref, as the source acquire above. Over-approximation: the
 * acquire takes every write released into the channel so far, including
 * one whose bytes the poll did not see yet (a race can be missed, none
 * invented).
 *
 * g_unix_fd_add(_full): made inside libglib with invisible calls, so we do
 * what GLib does (glib-unix.c, 2.74.6): g_unix_fd_source_new(fd,
 * condition); g_source_set_priority unless G_PRIORITY_DEFAULT; the
 * callback (ours, with the program's function, data and notify); attach to
 * the default context; unref. The dispatch acquires when the condition
 * includes G_IO_IN or G_IO_PRI (a source watching for G_IO_OUT only is
 * woken by room, not data).
 *
 * g_unix_fd_source_new + g_source_set_callback, the program's own: the
 * descriptor is the source's first field after the GSource (GUnixFDSource
 * in glib-unix.c: GSource, gint fd, gpointer tag), private, so its offset
 * is verified on the program's own sources: the g_unix_fd_source_new
 * wrapper compares it with the descriptor it was given, and one mismatch
 * turns the field off for good (then such sources get only the GSource's
 * edge). The condition is not recorded there: such a source acquires at
 * every dispatch (coarser for an output-only watch).
 */

#define UNIX_FD_FIELD                                                         \
  ((sizeof(GSource) + _Alignof(gint) - 1) / _Alignof(gint) * _Alignof(gint))

enum { FD_FIELD_UNKNOWN, FD_FIELD_OK, FD_FIELD_BAD };
static _Atomic int fd_field = FD_FIELD_UNKNOWN;

static gint unix_fd_field(GSource *s) {
  gint fd;
  memcpy(&fd, (const char *)s + UNIX_FD_FIELD, sizeof(fd));
  return fd;
}

/* The descriptor of a GLib descriptor source whose field is verified, or
 * -1. */
static int source_fd(GSource *s) {
  const GSourceFuncs *funcs = glib_api()->unix_fd_funcs;
  if (funcs == NULL || s->source_funcs != funcs ||
      atomic_load_explicit(&fd_field, memory_order_relaxed) != FD_FIELD_OK)
    return -1;
  return unix_fd_field(s);
}

MAPSAN_EXPORT GSource *g_unix_fd_source_new(gint fd, GIOCondition condition) {
  GSource *s = REAL(g_unix_fd_source_new)(fd, condition);
  if (s != NULL && mapsan_hooks_on() &&
      atomic_load_explicit(&fd_field, memory_order_relaxed) != FD_FIELD_BAD)
    atomic_store_explicit(&fd_field,
                          unix_fd_field(s) == fd ? FD_FIELD_OK : FD_FIELD_BAD,
                          memory_order_relaxed);
  return s;
}

MAPSAN_EXPORT guint g_unix_fd_add_full(gint priority, gint fd,
                                       GIOCondition condition,
                                       GUnixFDSourceFunc func, gpointer data,
                                       GDestroyNotify notify) {
  /* GLib casts the function the same way (its dispatch casts it back). */
  struct cb_rec *r =
      cb_rec_new((GSourceFunc)(void (*)(void))func, NULL, data, notify);
  if (r == NULL)
    return REAL(g_unix_fd_add_full)(priority, fd, condition, func, data,
                                    notify);
  if (condition & (G_IO_IN | G_IO_PRI))
    r->fd = fd;
  GSource *s = REAL(g_unix_fd_source_new)(fd, condition);
  if (priority != G_PRIORITY_DEFAULT)
    api.source_set_priority(s, priority);
  return src_attach(r, s, NULL);
}

/* In GLib, g_unix_fd_add_full with G_PRIORITY_DEFAULT and no notify. */
MAPSAN_EXPORT guint g_unix_fd_add(gint fd, GIOCondition condition,
                                  GUnixFDSourceFunc func, gpointer data) {
  if (!mapsan_hooks_on() || func == NULL || !glib_api()->complete)
    return REAL(g_unix_fd_add)(fd, condition, func, data);
  return g_unix_fd_add_full(G_PRIORITY_DEFAULT, fd, condition, func, data,
                            NULL);
}

/* ---- GCancellable --------------------------------------------------------
 *
 * g_cancellable_cancel in one thread, g_cancellable_is_cancelled (or
 * g_cancellable_set_error_if_cancelled) returning TRUE in another: GIO
 * (2.74.6) sets and reads the flag with atomics and no call LD_PRELOAD
 * sees, so the program's code after a cancellation check is unordered
 * with what the cancelling thread did before it. The cancel releases on
 * the GCancellable before the real call; a check that returns TRUE
 * acquires after. The cancellable's wakeup descriptor (g_cancellable_get_fd,
 * _make_pollfd: a GWakeup eventfd made and written inside libglib through
 * its PLT) is a channel of sync_fd.c: a thread that reads it (GLib's
 * g_cancellable_reset does) acquires from the cancel's write; poll on it
 * orders nothing, the check after the poll does. The object's clock is
 * kept until its address is used for another sync object and forgotten
 * (GObject's finalization is not seen): a stale clock can only add edges.
 * libgio's own checks are made inside libgio and are not seen.
 */

typedef struct _GCancellable GCancellable;

MAPSAN_EXPORT void g_cancellable_cancel(GCancellable *c);
MAPSAN_EXPORT gboolean g_cancellable_is_cancelled(GCancellable *c);
MAPSAN_EXPORT gboolean g_cancellable_set_error_if_cancelled(GCancellable *c,
                                                            GError **error);

MAPSAN_EXPORT void g_cancellable_cancel(GCancellable *c) {
  if (c != NULL && mapsan_hooks_on())
    mapsan_sync_release(ADDR(c));
  REAL(g_cancellable_cancel)(c);
}

MAPSAN_EXPORT gboolean g_cancellable_is_cancelled(GCancellable *c) {
  gboolean r = REAL(g_cancellable_is_cancelled)(c);
  if (r && mapsan_hooks_on())
    mapsan_sync_acquire(ADDR(c));
  return r;
}

MAPSAN_EXPORT gboolean g_cancellable_set_error_if_cancelled(GCancellable *c,
                                                            GError **error) {
  gboolean r = REAL(g_cancellable_set_error_if_cancelled)(c, error);
  if (r && mapsan_hooks_on())
    mapsan_sync_acquire(ADDR(c));
  return r;
}

/* ---- main loop: quit and run --------------------------------------------- */

/*
 * g_main_loop_run returns, in 2.74.6, only after a g_main_loop_quit has set
 * the loop's is_running to FALSE (its last iteration may run after that,
 * on the calling thread); the quitting thread's store and the running
 * thread's load are inside libglib, invisible. So a quit releases on the
 * GMainLoop and the return of a run acquires from it. A quit made before
 * the run started is lost in GLib (run sets is_running again) but is still
 * acquired here: coarser than GLib, it can only hide a race. A new loop
 * forgets what was known at its address (GLib reuses freed memory).
 */
MAPSAN_EXPORT GMainLoop *g_main_loop_new(GMainContext *ctx,
                                         gboolean is_running) {
  GMainLoop *loop = REAL(g_main_loop_new)(ctx, is_running);
  if (loop != NULL && mapsan_hooks_on())
    mapsan_sync_forget(ADDR(loop));
  return loop;
}

MAPSAN_EXPORT void g_main_loop_quit(GMainLoop *loop) {
  if (loop != NULL && mapsan_hooks_on())
    mapsan_sync_release(ADDR(loop));
  REAL(g_main_loop_quit)(loop);
}

MAPSAN_EXPORT void g_main_loop_run(GMainLoop *loop) {
  REAL(g_main_loop_run)(loop);
  if (loop != NULL && mapsan_hooks_on())
    mapsan_sync_acquire(ADDR(loop));
}
