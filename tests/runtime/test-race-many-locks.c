/*
 * test-race-many-locks.c: the twin of test-clean-many-locks.c where the
 * last stripe's worker writes its stripe the second time without taking
 * the stripe's lock. The snapshot thread wrote that stripe holding all 40
 * locks; the worker's unlocked write is ordered after none of its
 * releases: one write-write race on that stripe, and no report on the 39
 * others, which stay ordered by their mutexes.
 *
 * mapsan-expect: write-write-race SNAP WORKER
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

#define NSTRIPES 40

static struct stripe {
  pthread_mutex_t mu;
  hmap *m;
} stripes[NSTRIPES];
static atomic_int written, snapshot_done;

static void *worker(void *arg) {
  int i = (int)(uintptr_t)arg;
  uint64_t k = 0;
  pthread_mutex_lock(&stripes[i].mu);
  *(uint64_t *)hmap_assign(stripes[i].m, &k) = 1;
  pthread_mutex_unlock(&stripes[i].mu);
  atomic_fetch_add_explicit(&written, 1, memory_order_relaxed);
  RT_CHECK(rt_flag_wait(&snapshot_done, 1, 10000));
  if (i == NSTRIPES - 1) {
    *(uint64_t *)hmap_assign(stripes[i].m, &k) = 3; /* mapsan-mark: WORKER */
    return NULL;
  }
  pthread_mutex_lock(&stripes[i].mu);
  *(uint64_t *)hmap_assign(stripes[i].m, &k) = 3;
  pthread_mutex_unlock(&stripes[i].mu);
  return NULL;
}

static void *snapshot(void *arg) {
  (void)arg;
  RT_CHECK(rt_flag_wait(&written, NSTRIPES, 10000));
  uint64_t k = 0;
  for (int i = 0; i < NSTRIPES; i++)
    pthread_mutex_lock(&stripes[i].mu);
  for (int i = 0; i < NSTRIPES - 1; i++)
    *(uint64_t *)hmap_assign(stripes[i].m, &k) = 2;
  hmap *last = stripes[NSTRIPES - 1].m;
  *(uint64_t *)hmap_assign(last, &k) = 2; /* mapsan-mark: SNAP */
  for (int i = 0; i < NSTRIPES; i++)
    pthread_mutex_unlock(&stripes[i].mu);
  rt_flag_set(&snapshot_done, 1);
  return NULL;
}

int main(void) {
  for (int i = 0; i < NSTRIPES; i++) {
    pthread_mutex_init(&stripes[i].mu, NULL);
    stripes[i].m = hmap_new(&hmap_u64_u64, 0);
  }
  pthread_t w[NSTRIPES], s;
  for (int i = 0; i < NSTRIPES; i++)
    pthread_create(&w[i], NULL, worker, (void *)(uintptr_t)i);
  pthread_create(&s, NULL, snapshot, NULL);
  for (int i = 0; i < NSTRIPES; i++)
    pthread_join(w[i], NULL);
  pthread_join(s, NULL);
  for (int i = 0; i < NSTRIPES; i++)
    hmap_free(stripes[i].m);
  return 0;
}
