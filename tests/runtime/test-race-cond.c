/*
 * test-race-cond.c: the twin of test-clean-cond.c where the producer keeps
 * writing the map after handing it over (after signalling and unlocking).
 * The consumer's accesses after its wakeup are ordered after the hand-over
 * but not after that later write: unordered in every schedule. One map per
 * wait flavour (wait, timedwait, clockwait), one race each.
 *
 * mapsan-expect: write-write-race P0 C0
 * mapsan-expect: write-write-race P1 C1
 * mapsan-expect: write-write-race P2 C2
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <hmap.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static hmap *maps[3];
static int ready[3];

static void wait_ready(int i) {
  pthread_mutex_lock(&mu);
  while (!ready[i]) {
    struct timespec dl;
    int r = 0;
    switch (i) {
    case 0:
      r = pthread_cond_wait(&cv, &mu);
      break;
    case 1:
      dl = rt_deadline(CLOCK_REALTIME, 20);
      r = pthread_cond_timedwait(&cv, &mu, &dl);
      break;
    default:
      dl = rt_deadline(CLOCK_MONOTONIC, 20);
      r = pthread_cond_clockwait(&cv, &mu, CLOCK_MONOTONIC, &dl);
      break;
    }
    RT_CHECK(r == 0 || r == ETIMEDOUT);
  }
  pthread_mutex_unlock(&mu);
}

static void *consumer(void *arg) {
  int i = (int)(uintptr_t)arg;
  wait_ready(i);
  rt_sleep_ms(40);
  uint64_t k = 7;
  switch (i) {
  case 0:
    *(uint64_t *)hmap_assign(maps[0], &k) = 1; /* mapsan-mark: C0 */
    break;
  case 1:
    *(uint64_t *)hmap_assign(maps[1], &k) = 1; /* mapsan-mark: C1 */
    break;
  default:
    *(uint64_t *)hmap_assign(maps[2], &k) = 1; /* mapsan-mark: C2 */
    break;
  }
  return NULL;
}

int main(void) {
  pthread_t th[3];
  for (int i = 0; i < 3; i++) {
    maps[i] = hmap_new(&hmap_u64_u64, 0);
    pthread_create(&th[i], NULL, consumer, (void *)(uintptr_t)i);
  }
  rt_sleep_ms(30);
  for (int i = 0; i < 3; i++) {
    pthread_mutex_lock(&mu);
    uint64_t k = 0;
    *(uint64_t *)hmap_assign(maps[i], &k) = 0;
    ready[i] = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
  }
  uint64_t k = 1; /* too late: the maps were handed over */
  *(uint64_t *)hmap_assign(maps[0], &k) = 1; /* mapsan-mark: P0 */
  *(uint64_t *)hmap_assign(maps[1], &k) = 1; /* mapsan-mark: P1 */
  *(uint64_t *)hmap_assign(maps[2], &k) = 1; /* mapsan-mark: P2 */
  for (int i = 0; i < 3; i++) {
    pthread_join(th[i], NULL);
    hmap_free(maps[i]);
  }
  return 0;
}
