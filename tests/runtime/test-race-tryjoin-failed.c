/*
 * test-race-tryjoin-failed.c: the twin of test-clean-tryjoin.c where each
 * join flavour FAILS (EBUSY, ETIMEDOUT) and the parent writes the map
 * anyway: a failed join orders nothing. Each child writes its map, then
 * waits on a relaxed flag (invisible to mapsan, no C11 happens-before) so
 * that it is certainly still running when the parent tries to join it; the
 * parent writes after the failed attempt, then lets the child go and joins
 * it for real. Three maps, three races, in every schedule.
 *
 * mapsan-expect: write-write-race TRY_P TRY_C
 * mapsan-expect: write-write-race TIMED_P TIMED_C
 * mapsan-expect: write-write-race CLOCK_P CLOCK_C
 */
#include "runtime-test.h"

#include <hmap.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>

static hmap *maps[3];
static atomic_int wrote[3], go[3];

static void *child_try(void *arg) {
  (void)arg;
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(maps[0], &k) = 1; /* mapsan-mark: TRY_C */
  rt_flag_set(&wrote[0], 1);
  rt_flag_wait(&go[0], 1, 5000);
  return NULL;
}

static void *child_timed(void *arg) {
  (void)arg;
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(maps[1], &k) = 1; /* mapsan-mark: TIMED_C */
  rt_flag_set(&wrote[1], 1);
  rt_flag_wait(&go[1], 1, 5000);
  return NULL;
}

static void *child_clock(void *arg) {
  (void)arg;
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(maps[2], &k) = 1; /* mapsan-mark: CLOCK_C */
  rt_flag_set(&wrote[2], 1);
  rt_flag_wait(&go[2], 1, 5000);
  return NULL;
}

int main(void) {
  void *(*fns[3])(void *) = {child_try, child_timed, child_clock};
  pthread_t th[3];
  for (int i = 0; i < 3; i++) {
    maps[i] = hmap_new(&hmap_u64_u64, 0);
    pthread_create(&th[i], NULL, fns[i], NULL);
    RT_CHECK(rt_flag_wait(&wrote[i], 1, 5000));
  }
  uint64_t k = 2;

  RT_CHECK(pthread_tryjoin_np(th[0], NULL) == EBUSY);
  *(uint64_t *)hmap_assign(maps[0], &k) = 2; /* mapsan-mark: TRY_P */

  struct timespec dl = rt_deadline(CLOCK_REALTIME, 10);
  RT_CHECK(pthread_timedjoin_np(th[1], NULL, &dl) == ETIMEDOUT);
  *(uint64_t *)hmap_assign(maps[1], &k) = 2; /* mapsan-mark: TIMED_P */

  dl = rt_deadline(CLOCK_MONOTONIC, 10);
  RT_CHECK(pthread_clockjoin_np(th[2], NULL, CLOCK_MONOTONIC, &dl) ==
           ETIMEDOUT);
  *(uint64_t *)hmap_assign(maps[2], &k) = 2; /* mapsan-mark: CLOCK_P */

  for (int i = 0; i < 3; i++) {
    rt_flag_set(&go[i], 1);
    pthread_join(th[i], NULL);
    hmap_free(maps[i]);
  }
  return 0;
}
