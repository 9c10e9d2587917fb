/*
 * sync_pthread.c: POSIX threads as happens-before edges.
 *
 * Each wrapper has the compiler-rt shape (interpose.h): acquisitions are
 * recorded after the real call succeeded, releases before the real call.
 * Condition waits: glibc re-acquires the mutex inside pthread_cond_wait
 * without calling pthread_mutex_lock, so the wrapper records the release
 * before and the re-acquisition after (also on timeout, when the mutex is
 * held again too, and on cancellation, from a cleanup handler: sync.h,
 * MAPSAN_COND_WAIT). Barriers: every arrival releases into the barrier
 * and every departure acquires from it, so all arrivals happen before any
 * departure; a thread that races ahead into the next round may add its
 * later clock (this can only hide a race, never invent one). Once: the
 * initializer's thread releases after the routine, every caller acquires
 * after pthread_once returns; the routine also runs in a once window
 * (shim/once.c), like GLib's initializers.
 */
#include "../base/interpose.h"
#include "../base/alloc.h"
#include "../crash/sigmask.h"
#include "../engine/once.h"
#include "../engine/sync.h"
#include "sync_wrap.h"
#include "../engine/thread.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>

#define ADDR(p) ((uintptr_t)(p))

/* ---- threads ------------------------------------------------------------ */

struct start_arg {
  void *(*fn)(void *);
  void *arg;
  struct mapsan_thread_start st;
  unsigned sigmask_wanted; /* inherited like the mask (sigmask.h) */
};

static void *thread_trampoline(void *p) {
  struct start_arg sa = *(struct start_arg *)p;
  mapsan_free(p);
  mapsan_sigmask_inherit(sa.sigmask_wanted);
  mapsan_thread_begin(&sa.st);
  return sa.fn(sa.arg); /* finished by the thread.c key destructor */
}

MAPSAN_EXPORT int pthread_create(pthread_t *th, const pthread_attr_t *attr,
                                 void *(*fn)(void *), void *arg) {
  if (!mapsan_hooks_on())
    return REAL(pthread_create)(th, attr, fn, arg);
  struct start_arg *sa = mapsan_malloc(sizeof(*sa));
  if (sa == NULL)
    return REAL(pthread_create)(th, attr, fn, arg);
  int detached = PTHREAD_CREATE_JOINABLE;
  if (attr)
    pthread_attr_getdetachstate(attr, &detached);
  sa->fn = fn;
  sa->arg = arg;
  sa->sigmask_wanted = mapsan_sigmask_wanted();
  mapsan_thread_prepare_create(&sa->st, detached == PTHREAD_CREATE_DETACHED);
  int r = REAL(pthread_create)(th, attr, thread_trampoline, sa);
  if (r != 0) {
    mapsan_thread_cancel_create(&sa->st);
    mapsan_free(sa);
  }
  return r;
}

MAPSAN_EXPORT int pthread_join(pthread_t th, void **ret) {
  int r = REAL(pthread_join)(th, ret);
  if (r == 0 && mapsan_hooks_on())
    mapsan_sync_joined(th);
  return r;
}

MAPSAN_EXPORT int pthread_tryjoin_np(pthread_t th, void **ret) {
  int r = REAL(pthread_tryjoin_np)(th, ret);
  if (r == 0 && mapsan_hooks_on())
    mapsan_sync_joined(th);
  return r;
}

MAPSAN_EXPORT int pthread_timedjoin_np(pthread_t th, void **ret,
                                       const struct timespec *abstime) {
  int r = REAL(pthread_timedjoin_np)(th, ret, abstime);
  if (r == 0 && mapsan_hooks_on())
    mapsan_sync_joined(th);
  return r;
}

MAPSAN_EXPORT int pthread_clockjoin_np(pthread_t th, void **ret,
                                       clockid_t clock,
                                       const struct timespec *abstime) {
  int r = REAL(pthread_clockjoin_np)(th, ret, clock, abstime);
  if (r == 0 && mapsan_hooks_on())
    mapsan_sync_joined(th);
  return r;
}

MAPSAN_EXPORT int pthread_detach(pthread_t th) {
  int r = REAL(pthread_detach)(th);
  if (r == 0 && mapsan_hooks_on())
    mapsan_thread_detach(th);
  return r;
}

/* Wrapped only to be listed: the thread ends in thread.c's destructor, after
 * the cleanup handlers that pthread_exit runs. */
MAPSAN_EXPORT void pthread_exit(void *ret) {
  REAL(pthread_exit)(ret);
  __builtin_unreachable();
}

/* ---- mutexes ------------------------------------------------------------ */

MAPSAN_EXPORT int pthread_mutex_init(pthread_mutex_t *m,
                                     const pthread_mutexattr_t *a) {
  int r = REAL(pthread_mutex_init)(m, a);
  if (r == 0 && mapsan_hooks_on())
    mapsan_sync_forget(ADDR(m));
  return r;
}

MAPSAN_EXPORT int pthread_mutex_destroy(pthread_mutex_t *m) {
  int r = REAL(pthread_mutex_destroy)(m);
  if (r == 0 && mapsan_hooks_on())
    mapsan_sync_forget(ADDR(m));
  return r;
}

MAPSAN_EXPORT int pthread_mutex_lock(pthread_mutex_t *m) {
  MAPSAN_LOCK_INT(m, REAL(pthread_mutex_lock)(m),
                  MAPSAN_LOCK_HOW(MAPSAN_LOCK_WRITE,
                                  MAPSAN_LOCK_KIND_PTHREAD_MUTEX));
}

MAPSAN_EXPORT int pthread_mutex_trylock(pthread_mutex_t *m) {
  MAPSAN_LOCK_INT(m, REAL(pthread_mutex_trylock)(m),
                  MAPSAN_LOCK_HOW(MAPSAN_LOCK_WRITE,
                                  MAPSAN_LOCK_KIND_PTHREAD_MUTEX));
}

MAPSAN_EXPORT int pthread_mutex_timedlock(pthread_mutex_t *m,
                                          const struct timespec *t) {
  MAPSAN_LOCK_INT(m, REAL(pthread_mutex_timedlock)(m, t),
                  MAPSAN_LOCK_HOW(MAPSAN_LOCK_WRITE,
                                  MAPSAN_LOCK_KIND_PTHREAD_MUTEX));
}

MAPSAN_EXPORT int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t c,
                                          const struct timespec *t) {
  MAPSAN_LOCK_INT(m, REAL(pthread_mutex_clocklock)(m, c, t),
                  MAPSAN_LOCK_HOW(MAPSAN_LOCK_WRITE,
                                  MAPSAN_LOCK_KIND_PTHREAD_MUTEX));
}

MAPSAN_EXPORT int pthread_mutex_unlock(pthread_mutex_t *m) {
  MAPSAN_UNLOCK_INT(pthread_mutex_unlock, m);
}

/* ---- rwlocks ------------------------------------------------------------ */

MAPSAN_EXPORT int pthread_rwlock_init(pthread_rwlock_t *l,
                                      const pthread_rwlockattr_t *a) {
  int r = REAL(pthread_rwlock_init)(l, a);
  if (r == 0 && mapsan_hooks_on())
    mapsan_sync_forget(ADDR(l));
  return r;
}

MAPSAN_EXPORT int pthread_rwlock_destroy(pthread_rwlock_t *l) {
  int r = REAL(pthread_rwlock_destroy)(l);
  if (r == 0 && mapsan_hooks_on())
    mapsan_sync_forget(ADDR(l));
  return r;
}

#define RWLOCK_ACQ(name, mode, params, args)                                  \
  MAPSAN_EXPORT int name params {                                             \
    MAPSAN_LOCK_INT(l, REAL(name) args,                                       \
                    MAPSAN_LOCK_HOW(mode, MAPSAN_LOCK_KIND_PTHREAD_RWLOCK));  \
  }

RWLOCK_ACQ(pthread_rwlock_rdlock, MAPSAN_LOCK_READ, (pthread_rwlock_t *l), (l))
RWLOCK_ACQ(pthread_rwlock_tryrdlock, MAPSAN_LOCK_READ, (pthread_rwlock_t *l),
           (l))
RWLOCK_ACQ(pthread_rwlock_timedrdlock, MAPSAN_LOCK_READ,
           (pthread_rwlock_t *l, const struct timespec *t), (l, t))
RWLOCK_ACQ(pthread_rwlock_clockrdlock, MAPSAN_LOCK_READ,
           (pthread_rwlock_t *l, clockid_t c, const struct timespec *t),
           (l, c, t))
RWLOCK_ACQ(pthread_rwlock_wrlock, MAPSAN_LOCK_WRITE, (pthread_rwlock_t *l), (l))
RWLOCK_ACQ(pthread_rwlock_trywrlock, MAPSAN_LOCK_WRITE, (pthread_rwlock_t *l),
           (l))
RWLOCK_ACQ(pthread_rwlock_timedwrlock, MAPSAN_LOCK_WRITE,
           (pthread_rwlock_t *l, const struct timespec *t), (l, t))
RWLOCK_ACQ(pthread_rwlock_clockwrlock, MAPSAN_LOCK_WRITE,
           (pthread_rwlock_t *l, clockid_t c, const struct timespec *t),
           (l, c, t))

MAPSAN_EXPORT int pthread_rwlock_unlock(pthread_rwlock_t *l) {
  MAPSAN_UNLOCK_INT(pthread_rwlock_unlock, l);
}

/* ---- spinlocks ---------------------------------------------------------- */

MAPSAN_EXPORT int pthread_spin_init(pthread_spinlock_t *l, int pshared) {
  int r = REAL(pthread_spin_init)(l, pshared);
  if (r == 0 && mapsan_hooks_on())
    mapsan_sync_forget(ADDR(l));
  return r;
}

MAPSAN_EXPORT int pthread_spin_destroy(pthread_spinlock_t *l) {
  int r = REAL(pthread_spin_destroy)(l);
  if (r == 0 && mapsan_hooks_on())
    mapsan_sync_forget(ADDR(l));
  return r;
}

MAPSAN_EXPORT int pthread_spin_lock(pthread_spinlock_t *l) {
  int r = REAL(pthread_spin_lock)(l);
  if (r == 0)
    mapsan_lock_acquired(ADDR(l), MAPSAN_LOCK_WRITE,
                         MAPSAN_LOCK_KIND_PTHREAD_SPINLOCK);
  return r;
}

MAPSAN_EXPORT int pthread_spin_trylock(pthread_spinlock_t *l) {
  int r = REAL(pthread_spin_trylock)(l);
  if (r == 0)
    mapsan_lock_acquired(ADDR(l), MAPSAN_LOCK_WRITE,
                         MAPSAN_LOCK_KIND_PTHREAD_SPINLOCK);
  return r;
}

MAPSAN_EXPORT int pthread_spin_unlock(pthread_spinlock_t *l) {
  MAPSAN_UNLOCK_INT(pthread_spin_unlock, l);
}

/* ---- condition variables ------------------------------------------------ */

/* The mutex is held again on return whatever the result (0, ETIMEDOUT...),
 * except for errors detected before waiting (EINVAL, EPERM). */
static bool cond_reacquired(int r) { return r == 0 || r == ETIMEDOUT; }

MAPSAN_EXPORT int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m) {
  if (!mapsan_hooks_on())
    return REAL(pthread_cond_wait)(c, m);
  int r;
  MAPSAN_COND_WAIT(r, m, REAL(pthread_cond_wait)(c, m), cond_reacquired,
                   MAPSAN_LOCK_KIND_PTHREAD_MUTEX);
  return r;
}

MAPSAN_EXPORT int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                                         const struct timespec *t) {
  if (!mapsan_hooks_on())
    return REAL(pthread_cond_timedwait)(c, m, t);
  int r;
  MAPSAN_COND_WAIT(r, m, REAL(pthread_cond_timedwait)(c, m, t), cond_reacquired,
                   MAPSAN_LOCK_KIND_PTHREAD_MUTEX);
  return r;
}

MAPSAN_EXPORT int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m,
                                         clockid_t clock,
                                         const struct timespec *t) {
  if (!mapsan_hooks_on())
    return REAL(pthread_cond_clockwait)(c, m, clock, t);
  int r;
  MAPSAN_COND_WAIT(r, m, REAL(pthread_cond_clockwait)(c, m, clock, t),
                   cond_reacquired, MAPSAN_LOCK_KIND_PTHREAD_MUTEX);
  return r;
}

/* ---- barriers ----------------------------------------------------------- */

MAPSAN_EXPORT int pthread_barrier_init(pthread_barrier_t *b,
                                       const pthread_barrierattr_t *a,
                                       unsigned count) {
  int r = REAL(pthread_barrier_init)(b, a, count);
  if (r == 0 && mapsan_hooks_on())
    mapsan_sync_forget(ADDR(b));
  return r;
}

MAPSAN_EXPORT int pthread_barrier_destroy(pthread_barrier_t *b) {
  int r = REAL(pthread_barrier_destroy)(b);
  if (r == 0 && mapsan_hooks_on())
    mapsan_sync_forget(ADDR(b));
  return r;
}

MAPSAN_EXPORT int pthread_barrier_wait(pthread_barrier_t *b) {
  bool on = mapsan_hooks_on();
  if (on)
    mapsan_sync_release(ADDR(b));
  int r = REAL(pthread_barrier_wait)(b);
  if (on && (r == 0 || r == PTHREAD_BARRIER_SERIAL_THREAD))
    mapsan_sync_acquire(ADDR(b));
  return r;
}

/* ---- once --------------------------------------------------------------- */

static MAPSAN_TLS void (*once_routine)(void);
static MAPSAN_TLS pthread_once_t *once_control;

static void once_trampoline(void) {
  void (*fn)(void) = once_routine;
  pthread_once_t *ctl = once_control;
  mapsan_once_open(ADDR(ctl));
  fn();
  mapsan_sync_release(ADDR(ctl));
  mapsan_once_close(ADDR(ctl));
}

MAPSAN_EXPORT int pthread_once(pthread_once_t *ctl, void (*fn)(void)) {
  if (!mapsan_hooks_on())
    return REAL(pthread_once)(ctl, fn);
  /* The routine may itself call pthread_once: keep the outer pair. */
  void (*saved_fn)(void) = once_routine;
  pthread_once_t *saved_ctl = once_control;
  once_routine = fn;
  once_control = ctl;
  int r = REAL(pthread_once)(ctl, once_trampoline);
  once_routine = saved_fn;
  once_control = saved_ctl;
  if (r == 0)
    mapsan_sync_acquire(ADDR(ctl));
  return r;
}

/* ---- semaphores --------------------------------------------------------- */

MAPSAN_EXPORT int sem_init(sem_t *s, int pshared, unsigned value) {
  int r = REAL(sem_init)(s, pshared, value);
  if (r == 0 && mapsan_hooks_on())
    mapsan_sync_forget(ADDR(s));
  return r;
}

MAPSAN_EXPORT int sem_destroy(sem_t *s) {
  int r = REAL(sem_destroy)(s);
  if (r == 0 && mapsan_hooks_on())
    mapsan_sync_forget(ADDR(s));
  return r;
}

MAPSAN_EXPORT int sem_post(sem_t *s) {
  if (mapsan_hooks_on())
    mapsan_sync_release(ADDR(s));
  return REAL(sem_post)(s);
}

#define SEM_ACQ(name, params, args)                                           \
  MAPSAN_EXPORT int name params {                                             \
    int r = REAL(name) args;                                                  \
    if (r == 0 && mapsan_hooks_on()) {                                        \
      int saved = errno;                                                      \
      mapsan_sync_acquire(ADDR(s));                                           \
      errno = saved;                                                          \
    }                                                                         \
    return r;                                                                 \
  }

SEM_ACQ(sem_wait, (sem_t *s), (s))
SEM_ACQ(sem_trywait, (sem_t *s), (s))
SEM_ACQ(sem_timedwait, (sem_t *s, const struct timespec *t), (s, t))
SEM_ACQ(sem_clockwait, (sem_t *s, clockid_t c, const struct timespec *t),
        (s, c, t))
