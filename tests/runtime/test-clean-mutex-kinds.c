/*
 * test-clean-mutex-kinds.c: every mutex type (normal, recursive,
 * errorcheck) orders the map writes made under it, whichever way it is
 * acquired: lock, trylock (retried until it succeeds), timedlock and
 * clocklock, and with the recursive one taken twice. Four threads take
 * turns through all combinations, on one map per mutex type. No report.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <hmap.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>

enum { NTHREADS = 4, ROUNDS = 200 };

static pthread_mutex_t mu[3];
static hmap *maps[3];

static void acquire(pthread_mutex_t *x, int how) {
  struct timespec dl;
  switch (how) {
  case 0:
    RT_CHECK(pthread_mutex_lock(x) == 0);
    break;
  case 1: {
    int r;
    while ((r = pthread_mutex_trylock(x)) == EBUSY)
      sched_yield();
    RT_CHECK(r == 0);
    break;
  }
  case 2:
    dl = rt_deadline(CLOCK_REALTIME, 5000);
    RT_CHECK(pthread_mutex_timedlock(x, &dl) == 0);
    break;
  default:
    dl = rt_deadline(CLOCK_MONOTONIC, 5000);
    RT_CHECK(pthread_mutex_clocklock(x, CLOCK_MONOTONIC, &dl) == 0);
    break;
  }
}

static void *worker(void *arg) {
  uint64_t id = (uint64_t)(uintptr_t)arg;
  for (uint64_t i = 0; i < ROUNDS; i++) {
    int how = (int)((i + id) % 4);
    for (int t = 0; t < 3; t++) {
      acquire(&mu[t], how);
      if (t == 1) /* recursive: take it again, in another way */
        acquire(&mu[t], (how + 1) % 4);
      uint64_t k = id * 1000 + i;
      *(uint64_t *)hmap_assign(maps[t], &k) = i;
      RT_CHECK(hmap_lookup(maps[t], &k) != NULL);
      if (i % 3 == 0)
        hmap_delete(maps[t], &k);
      if (t == 1)
        RT_CHECK(pthread_mutex_unlock(&mu[t]) == 0);
      RT_CHECK(pthread_mutex_unlock(&mu[t]) == 0);
    }
  }
  return NULL;
}

int main(void) {
  int types[3] = {PTHREAD_MUTEX_NORMAL, PTHREAD_MUTEX_RECURSIVE,
                  PTHREAD_MUTEX_ERRORCHECK};
  for (int t = 0; t < 3; t++) {
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, types[t]);
    RT_CHECK(pthread_mutex_init(&mu[t], &a) == 0);
    pthread_mutexattr_destroy(&a);
    maps[t] = hmap_new(&hmap_u64_u64, 0);
  }
  pthread_t th[NTHREADS];
  for (int i = 0; i < NTHREADS; i++)
    pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)i);
  for (int i = 0; i < NTHREADS; i++)
    pthread_join(th[i], NULL);
  for (int t = 0; t < 3; t++) {
    RT_CHECK(hmap_len(maps[t]) == NTHREADS * (ROUNDS - (ROUNDS + 2) / 3));
    hmap_free(maps[t]);
    pthread_mutex_destroy(&mu[t]);
  }
  return 0;
}
