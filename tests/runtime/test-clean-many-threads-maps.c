/*
 * test-clean-many-threads-maps.c: 64 threads hammer 64 maps, each map
 * under its own mutex, 2,000 operations per thread (assign, lookup, delete,
 * len, a short iteration now and then) on maps chosen by a fixed-seed
 * generator, with at most one mutex held at a time. All 64 start together
 * (a barrier), so that they really contend. Clean, no deadlock, and quick
 * (well under a second on 2 cores). (Started one by one instead, early
 * threads can finish before late ones exist and hand their slots over:
 * that is test-clean-slot-reuse-knowledge.c.)
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

enum { THREADS = 64, MAPS = 64, OPS = 2000 };

static hmap *maps[MAPS];
static pthread_mutex_t mu[MAPS];
static pthread_barrier_t start;

static uint64_t next_rand(uint64_t *s) { /* xorshift64*, fixed seeds */
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 0x2545f4914f6cdd1dull;
}

static void *worker(void *arg) {
  uint64_t seed = 0x9e3779b97f4a7c15ull * ((uint64_t)(uintptr_t)arg + 1);
  uint64_t sum = 0;
  pthread_barrier_wait(&start);
  for (int i = 0; i < OPS; i++) {
    uint64_t r = next_rand(&seed);
    unsigned j = (unsigned)(r % MAPS);
    uint64_t k = (r >> 8) % 512;
    pthread_mutex_lock(&mu[j]);
    switch ((r >> 20) % 8) {
    case 0:
    case 1:
    case 2:
      *(uint64_t *)hmap_assign(maps[j], &k) = r;
      break;
    case 3:
      hmap_delete(maps[j], &k);
      break;
    case 4:
      sum += hmap_len(maps[j]);
      break;
    case 5:
      if (i % 64 == 0) {
        hmap_iter it;
        int n = 0;
        for (hmap_iter_init(&it, maps[j]); n < 16 && hmap_iter_next(&it); n++)
          sum += *(const uint64_t *)it.key;
        hmap_iter_stop(&it);
        break;
      }
      /* fall through */
    default: {
      uint64_t *v = hmap_lookup(maps[j], &k);
      sum += v ? *v : 0;
      break;
    }
    }
    pthread_mutex_unlock(&mu[j]);
  }
  return (void *)(uintptr_t)sum;
}

int main(void) {
  long t0 = rt_now_ms();
  pthread_barrier_init(&start, NULL, THREADS);
  for (int j = 0; j < MAPS; j++) {
    pthread_mutex_init(&mu[j], NULL);
    maps[j] = hmap_new(&hmap_u64_u64, 0);
  }
  pthread_t th[THREADS];
  for (int i = 0; i < THREADS; i++)
    RT_CHECK(pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)i) == 0);
  for (int i = 0; i < THREADS; i++)
    pthread_join(th[i], NULL);
  for (int j = 0; j < MAPS; j++) {
    char why[128];
    RT_CHECK(hmap_check_invariants(maps[j], why, sizeof(why)));
    hmap_free(maps[j]);
    pthread_mutex_destroy(&mu[j]);
  }
  fprintf(stderr, "64x64 took %ld ms\n", rt_now_ms() - t0);
  return 0;
}
