/*
 * test-race-mutex-acquire-failed.c: a FAILED acquisition orders nothing.
 * The holder locks the mutex, writes the map and keeps the mutex while the
 * other thread tries pthread_mutex_trylock (EBUSY), pthread_mutex_timedlock
 * and pthread_mutex_clocklock (ETIMEDOUT) and writes anyway; one map per
 * way. The holder waits on relaxed flags (invisible, no happens-before), so
 * each attempt certainly fails, and the two writes are unordered in every
 * schedule: three races.
 *
 * mapsan-expect: write-write-race TRY_H TRY_W
 * mapsan-expect: write-write-race TIMED_H TIMED_W
 * mapsan-expect: write-write-race CLOCK_H CLOCK_W
 */
#include "runtime-test.h"

#include <hmap.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static hmap *maps[3];
static atomic_int held, done;

static void *holder(void *arg) {
  (void)arg;
  uint64_t k = 1;
  pthread_mutex_lock(&mu);
  *(uint64_t *)hmap_assign(maps[0], &k) = 1; /* mapsan-mark: TRY_H */
  *(uint64_t *)hmap_assign(maps[1], &k) = 1; /* mapsan-mark: TIMED_H */
  *(uint64_t *)hmap_assign(maps[2], &k) = 1; /* mapsan-mark: CLOCK_H */
  rt_flag_set(&held, 1);
  RT_CHECK(rt_flag_wait(&done, 1, 5000));
  pthread_mutex_unlock(&mu);
  return NULL;
}

int main(void) {
  for (int i = 0; i < 3; i++)
    maps[i] = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, holder, NULL);
  RT_CHECK(rt_flag_wait(&held, 1, 5000));
  uint64_t k = 2;

  RT_CHECK(pthread_mutex_trylock(&mu) == EBUSY);
  *(uint64_t *)hmap_assign(maps[0], &k) = 2; /* mapsan-mark: TRY_W */

  struct timespec dl = rt_deadline(CLOCK_REALTIME, 10);
  RT_CHECK(pthread_mutex_timedlock(&mu, &dl) == ETIMEDOUT);
  *(uint64_t *)hmap_assign(maps[1], &k) = 2; /* mapsan-mark: TIMED_W */

  dl = rt_deadline(CLOCK_MONOTONIC, 10);
  RT_CHECK(pthread_mutex_clocklock(&mu, CLOCK_MONOTONIC, &dl) == ETIMEDOUT);
  *(uint64_t *)hmap_assign(maps[2], &k) = 2; /* mapsan-mark: CLOCK_W */

  rt_flag_set(&done, 1);
  pthread_join(th, NULL);
  for (int i = 0; i < 3; i++)
    hmap_free(maps[i]);
  return 0;
}
