/*
 * test-race-barrier.c: the twin of test-clean-barrier.c where thread 0
 * writes thread 1's map AFTER the barrier while the others read it after
 * the same barrier: departures are not ordered with each other, so the
 * write and the reads are unordered in every schedule (the readers wait
 * 30 ms, so the write usually comes first; either order is a race). The
 * readers read at one line, so it is one report (one signature).
 *
 * mapsan-expect: read-write-race W R
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

enum { N = 4, KEYS = 50 };

static pthread_barrier_t bar;
static hmap *maps[N];

static void *worker(void *arg) {
  int id = (int)(uintptr_t)arg;
  for (uint64_t k = 0; k < KEYS; k++)
    *(uint64_t *)hmap_assign(maps[id], &k) = k;
  pthread_barrier_wait(&bar);
  if (id == 0) {
    uint64_t k = 1000;
    *(uint64_t *)hmap_assign(maps[1], &k) = 1; /* mapsan-mark: W */
    return NULL;
  }
  rt_sleep_ms(30);
  uint64_t k = 3;
  RT_CHECK(hmap_lookup(maps[1], &k) != NULL); /* mapsan-mark: R */
  return NULL;
}

int main(void) {
  pthread_barrier_init(&bar, NULL, N);
  for (int i = 0; i < N; i++)
    maps[i] = hmap_new(&hmap_u64_u64, 0);
  pthread_t th[N];
  for (int i = 0; i < N; i++)
    pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)i);
  for (int i = 0; i < N; i++)
    pthread_join(th[i], NULL);
  for (int i = 0; i < N; i++)
    hmap_free(maps[i]);
  pthread_barrier_destroy(&bar);
  return 0;
}
