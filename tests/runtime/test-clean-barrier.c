/*
 * test-clean-barrier.c: a barrier orders every arrival before every
 * departure. Four threads each fill their own map, meet at the barrier,
 * then all read all four maps (lookup, len, iteration); a second barrier
 * ends the reading round before each thread writes its own map again, and
 * a third before the final reads. Round after round reuses the same
 * barrier. No report.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

enum { N = 4, KEYS = 50 };

static pthread_barrier_t bar;
static hmap *maps[N];

static uint64_t read_all(void) {
  uint64_t sum = 0;
  for (int j = 0; j < N; j++) {
    for (uint64_t k = 0; k < KEYS; k++) {
      uint64_t *v = hmap_lookup(maps[j], &k);
      RT_CHECK(v != NULL);
      sum += *v;
    }
    RT_CHECK(hmap_len(maps[j]) == KEYS);
    hmap_iter it;
    for (hmap_iter_init(&it, maps[j]); hmap_iter_next(&it);)
      sum += *(const uint64_t *)it.val;
  }
  return sum;
}

static void *worker(void *arg) {
  int id = (int)(uintptr_t)arg;
  for (uint64_t k = 0; k < KEYS; k++)
    *(uint64_t *)hmap_assign(maps[id], &k) = k;
  pthread_barrier_wait(&bar);
  uint64_t s = read_all();
  pthread_barrier_wait(&bar);
  for (uint64_t k = 0; k < KEYS; k++)
    *(uint64_t *)hmap_assign(maps[id], &k) = 2 * k;
  pthread_barrier_wait(&bar);
  s += read_all();
  return (void *)(uintptr_t)s;
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
