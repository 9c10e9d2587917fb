/*
 * test-clean-cond.c: a producer/consumer handoff of a map through a mutex
 * and a condition variable is ordered. The producer fills a map under the
 * mutex, sets the predicate and signals; the consumer waits for the
 * predicate (pthread_cond_wait, pthread_cond_timedwait,
 * pthread_cond_clockwait: one map and one round per flavour), then owns
 * the map and writes it, and the producer never touches it again. The
 * consumer may arrive before or after the signal; both are clean.
 *
 * mapsan-expect: none
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

static void *consumer(void *arg) {
  int i = (int)(uintptr_t)arg;
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
  /* The map is ours now: no lock needed. */
  for (uint64_t k = 0; k < 100; k++) {
    uint64_t *v = hmap_lookup(maps[i], &k);
    RT_CHECK(v != NULL && *v == k);
    *(uint64_t *)hmap_assign(maps[i], &k) = k + 1;
  }
  return NULL;
}

int main(void) {
  pthread_t th[3];
  for (int i = 0; i < 3; i++) {
    maps[i] = hmap_new(&hmap_u64_u64, 0);
    pthread_create(&th[i], NULL, consumer, (void *)(uintptr_t)i);
  }
  rt_sleep_ms(30); /* let some consumers block first */
  for (int i = 0; i < 3; i++) {
    pthread_mutex_lock(&mu);
    for (uint64_t k = 0; k < 100; k++)
      *(uint64_t *)hmap_assign(maps[i], &k) = k;
    ready[i] = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
  }
  for (int i = 0; i < 3; i++) {
    pthread_join(th[i], NULL);
    hmap_free(maps[i]);
  }
  return 0;
}
