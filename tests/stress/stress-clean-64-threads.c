/*
 * stress-clean-64-threads.c: 64 threads, 10,000 map operations each, every
 * one under the lock that guards its map, with the default sample_rate=1
 * (every map tracked, every operation checked). Proves that mapsan stays
 * silent (no false positive) and deadlock-free under heavy lock contention
 * and many threads at once:
 *   - 16 maps, each under its own mutex (assign, lookup, delete, len, a
 *     short iteration, now and then a clear);
 *   - one read-mostly map under a rwlock: lookups under the read lock
 *     (64 readers share it), an assign under the write lock one time in 64;
 *   - one counter map under a spinlock: each thread adds 1 to its own key
 *     per operation, and main checks the totals afterwards (no lost update:
 *     the locks really excluded).
 * All threads start together (a barrier) and the run is bounded by a
 * watchdog. Fixed seeds.
 *
 * mapsan-expect: none
 * stress-max-seconds: 30
 */
#include "stress-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

enum { THREADS = 64, MAPS = 16, OPS = 10000 };

static hmap *maps[MAPS];
static pthread_mutex_t mu[MAPS];
static hmap *config;
static pthread_rwlock_t config_lock = PTHREAD_RWLOCK_INITIALIZER;
static hmap *counters;
static pthread_spinlock_t counters_lock;
static pthread_barrier_t start;

static void *worker(void *arg) {
  uint64_t id = (uint64_t)(uintptr_t)arg;
  uint64_t seed = 0x9e3779b97f4a7c15ull * (id + 1);
  uint64_t sum = 0;
  pthread_barrier_wait(&start);
  for (int i = 0; i < OPS; i++) {
    uint64_t r = st_rand(&seed);
    uint64_t k = (r >> 8) % 1024;
    switch ((r >> 24) % 4) {
    case 0: { /* the read-mostly map */
      if ((r >> 32) % 64 == 0) {
        pthread_rwlock_wrlock(&config_lock);
        *(uint64_t *)hmap_assign(config, &k) = r;
        pthread_rwlock_unlock(&config_lock);
      } else {
        pthread_rwlock_rdlock(&config_lock);
        uint64_t *v = hmap_lookup(config, &k);
        sum += v ? *v : 0;
        pthread_rwlock_unlock(&config_lock);
      }
      break;
    }
    case 1: { /* the counters */
      pthread_spin_lock(&counters_lock);
      (*(uint64_t *)hmap_assign(counters, &id))++;
      pthread_spin_unlock(&counters_lock);
      break;
    }
    default: { /* the 16 mutex-guarded maps */
      unsigned j = (unsigned)((r >> 40) % MAPS);
      pthread_mutex_lock(&mu[j]);
      switch ((r >> 48) % 16) {
      case 0: case 1: case 2: case 3: case 4: case 5:
        *(uint64_t *)hmap_assign(maps[j], &k) = r;
        break;
      case 6: case 7:
        hmap_delete(maps[j], &k);
        break;
      case 8:
        sum += hmap_len(maps[j]);
        break;
      case 9: {
        hmap_iter it;
        int n = 0;
        for (hmap_iter_init(&it, maps[j]); n < 8 && hmap_iter_next(&it); n++)
          sum += *(const uint64_t *)it.key;
        hmap_iter_stop(&it);
        break;
      }
      case 10:
        if ((r >> 56) % 32 == 0) {
          hmap_clear(maps[j]);
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
      break;
    }
    }
  }
  return (void *)(uintptr_t)sum;
}

int main(void) {
  st_watchdog(25);
  st_phase = "64 threads x 10,000 operations";
  long t0 = rt_now_ms();
  pthread_barrier_init(&start, NULL, THREADS);
  pthread_spin_init(&counters_lock, PTHREAD_PROCESS_PRIVATE);
  for (int j = 0; j < MAPS; j++) {
    pthread_mutex_init(&mu[j], NULL);
    maps[j] = hmap_new(&hmap_u64_u64, 0);
  }
  config = hmap_new(&hmap_u64_u64, 0);
  counters = hmap_new(&hmap_u64_u64, 0);
  pthread_t th[THREADS];
  for (int i = 0; i < THREADS; i++)
    RT_CHECK(pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)i) == 0);
  for (int i = 0; i < THREADS; i++)
    RT_CHECK(pthread_join(th[i], NULL) == 0);

  /* Recompute each thread's counter from its seed: no update was lost. */
  for (uint64_t id = 0; id < THREADS; id++) {
    uint64_t seed = 0x9e3779b97f4a7c15ull * (id + 1), want = 0;
    for (int i = 0; i < OPS; i++)
      want += (st_rand(&seed) >> 24) % 4 == 1;
    uint64_t *got = hmap_lookup(counters, &id);
    RT_CHECK(want == 0 || (got != NULL && *got == want));
  }
  char why[128];
  for (int j = 0; j < MAPS; j++) {
    RT_CHECK(hmap_check_invariants(maps[j], why, sizeof(why)));
    hmap_free(maps[j]);
    pthread_mutex_destroy(&mu[j]);
  }
  RT_CHECK(hmap_check_invariants(config, why, sizeof(why)));
  hmap_free(config);
  hmap_free(counters);
  fprintf(stderr, "64 threads x %d operations took %ld ms\n", OPS,
          rt_now_ms() - t0);
  return 0;
}
