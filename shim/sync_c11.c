/*
 * sync_c11.c: C11 <threads.h> as happens-before edges. glibc implements
 * these on its pthread internals without going through the exported
 * pthread symbols, so they are wrapped themselves, with the same rules as
 * sync_pthread.c (which explains them).
 */
#include "../base/interpose.h"
#include "../base/alloc.h"
#include "../crash/sigmask.h"
#include "../engine/once.h"
#include "../engine/sync.h"
#include "sync_wrap.h"
#include "../engine/thread.h"

#include <stdlib.h>
#include <threads.h>

#define ADDR(p) ((uintptr_t)(p))

struct start_arg {
  thrd_start_t fn;
  void *arg;
  struct mapsan_thread_start st;
  unsigned sigmask_wanted; /* inherited like the mask (sigmask.h) */
};

static int thrd_trampoline(void *p) {
  struct start_arg sa = *(struct start_arg *)p;
  mapsan_free(p);
  mapsan_sigmask_inherit(sa.sigmask_wanted);
  mapsan_thread_begin(&sa.st);
  return sa.fn(sa.arg); /* finished by the thread.c key destructor */
}

MAPSAN_EXPORT int thrd_create(thrd_t *th, thrd_start_t fn, void *arg) {
  if (!mapsan_hooks_on())
    return REAL(thrd_create)(th, fn, arg);
  struct start_arg *sa = mapsan_malloc(sizeof(*sa));
  if (sa == NULL)
    return REAL(thrd_create)(th, fn, arg);
  sa->fn = fn;
  sa->arg = arg;
  sa->sigmask_wanted = mapsan_sigmask_wanted();
  mapsan_thread_prepare_create(&sa->st, false);
  int r = REAL(thrd_create)(th, thrd_trampoline, sa);
  if (r != thrd_success) {
    mapsan_thread_cancel_create(&sa->st);
    mapsan_free(sa);
  }
  return r;
}

MAPSAN_EXPORT int thrd_join(thrd_t th, int *res) {
  int r = REAL(thrd_join)(th, res);
  if (r == thrd_success && mapsan_hooks_on())
    mapsan_sync_joined((pthread_t)th);
  return r;
}

MAPSAN_EXPORT int thrd_detach(thrd_t th) {
  int r = REAL(thrd_detach)(th);
  if (r == thrd_success && mapsan_hooks_on())
    mapsan_thread_detach((pthread_t)th);
  return r;
}

MAPSAN_EXPORT void thrd_exit(int res) {
  REAL(thrd_exit)(res); /* see pthread_exit in sync_pthread.c */
  __builtin_unreachable();
}

MAPSAN_EXPORT int mtx_init(mtx_t *m, int type) {
  int r = REAL(mtx_init)(m, type);
  if (r == thrd_success && mapsan_hooks_on())
    mapsan_sync_forget(ADDR(m));
  return r;
}

MAPSAN_EXPORT void mtx_destroy(mtx_t *m) {
  REAL(mtx_destroy)(m);
  if (mapsan_hooks_on())
    mapsan_sync_forget(ADDR(m));
}

MAPSAN_EXPORT int mtx_lock(mtx_t *m) {
  int r = REAL(mtx_lock)(m);
  if (r == thrd_success)
    mapsan_lock_acquired(ADDR(m), MAPSAN_LOCK_WRITE, MAPSAN_LOCK_KIND_C11_MTX);
  return r;
}

MAPSAN_EXPORT int mtx_trylock(mtx_t *m) {
  int r = REAL(mtx_trylock)(m);
  if (r == thrd_success)
    mapsan_lock_acquired(ADDR(m), MAPSAN_LOCK_WRITE, MAPSAN_LOCK_KIND_C11_MTX);
  return r;
}

MAPSAN_EXPORT int mtx_timedlock(mtx_t *restrict m,
                                const struct timespec *restrict t) {
  int r = REAL(mtx_timedlock)(m, t);
  if (r == thrd_success)
    mapsan_lock_acquired(ADDR(m), MAPSAN_LOCK_WRITE, MAPSAN_LOCK_KIND_C11_MTX);
  return r;
}

MAPSAN_EXPORT int mtx_unlock(mtx_t *m) {
  MAPSAN_UNLOCK_INT(mtx_unlock, m);
}

static bool cnd_reacquired(int r) { return r == thrd_success; }
static bool cnd_timed_reacquired(int r) {
  return r == thrd_success || r == thrd_timedout;
}

/* Cancellation points too (glibc waits in its pthread_cond_wait): see
 * MAPSAN_COND_WAIT in sync.h. */
MAPSAN_EXPORT int cnd_wait(cnd_t *c, mtx_t *m) {
  if (!mapsan_hooks_on())
    return REAL(cnd_wait)(c, m);
  int r;
  MAPSAN_COND_WAIT(r, m, REAL(cnd_wait)(c, m), cnd_reacquired,
                   MAPSAN_LOCK_KIND_C11_MTX);
  return r;
}

MAPSAN_EXPORT int cnd_timedwait(cnd_t *restrict c, mtx_t *restrict m,
                                const struct timespec *restrict t) {
  if (!mapsan_hooks_on())
    return REAL(cnd_timedwait)(c, m, t);
  int r;
  MAPSAN_COND_WAIT(r, m, REAL(cnd_timedwait)(c, m, t), cnd_timed_reacquired,
                   MAPSAN_LOCK_KIND_C11_MTX);
  return r;
}

static MAPSAN_TLS void (*once_routine)(void);
static MAPSAN_TLS once_flag *once_ctl;

static void once_trampoline(void) {
  void (*fn)(void) = once_routine;
  once_flag *ctl = once_ctl;
  mapsan_once_open(ADDR(ctl));
  fn();
  mapsan_sync_release(ADDR(ctl));
  mapsan_once_close(ADDR(ctl));
}

MAPSAN_EXPORT void call_once(once_flag *flag, void (*fn)(void)) {
  if (!mapsan_hooks_on()) {
    REAL(call_once)(flag, fn);
    return;
  }
  void (*saved_fn)(void) = once_routine;
  once_flag *saved_ctl = once_ctl;
  once_routine = fn;
  once_ctl = flag;
  REAL(call_once)(flag, once_trampoline);
  once_routine = saved_fn;
  once_ctl = saved_ctl;
  mapsan_sync_acquire(ADDR(flag));
}
