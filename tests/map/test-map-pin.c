/*
 * test-map-pin: an iterator keeps the bucket arrays it reads alive.
 *
 * (1) An iterator holds the array it started on while the iterating thread
 *     writes enough to complete a growth: the array's release is deferred
 *     (frees_deferred rises), the iterator still reads it correctly, and the
 *     release happens when hmap_iter_next returns false (deferred_freed).
 * (2) The same with hmap_iter_stop, and with the map freed first: stopping
 *     an iterator after hmap_free releases the array without touching the map.
 * (3) Several threads iterate one map at once (pins are atomic); after they
 *     end, a growth releases the old array at once (nothing deferred).
 * In every case allocated - freed returns to its value before the test.
 */
#include "map-test.h"

#include <pthread.h>
#include <string.h>

static hmap_counters counters(void) {
  hmap_counters c;
  hmap_debug_counters(&c);
  return c;
}

static unsigned long live_arrays(void) {
  hmap_counters c = counters();
  return c.arrays_allocated - c.arrays_freed;
}

/* Inserts keys from *next until a growth has started and finished. */
static void grow_once(hmap *m, uint64_t *next) {
  hmap_stats st;
  hmap_debug_stats(m, &st);
  unsigned long g = st.grows;
  do {
    u64_put(m, (*next)++, 1);
    hmap_debug_stats(m, &st);
  } while (st.grows == g || st.growing);
}

static void deferred_until_end(bool stop_early, bool free_first) {
  unsigned long base = live_arrays();
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  uint64_t next = 0;
  for (int i = 0; i < 100; i++)
    u64_put(m, next++, 1);
  hmap_counters c0 = counters();
  hmap_iter it;
  hmap_iter_init(&it, m);
  CHECK(hmap_iter_next(&it));
  void *start = m->buckets;
  grow_once(m, &next);
  CHECK(m->buckets != start);
  hmap_counters c1 = counters();
  CHECK(c1.frees_deferred >= c0.frees_deferred + 1);
  CHECK(c1.deferred_freed == c0.deferred_freed);
  CHECK_MAP(m);
  if (free_first) {
    hmap_free(m);
    m = NULL;
  }
  if (stop_early) {
    hmap_iter_stop(&it);
    hmap_iter_stop(&it); /* a second stop is a no-op */
  } else {
    size_t n = 1;
    while (hmap_iter_next(&it))
      n++;
    CHECK(n >= 100);
    CHECK(!hmap_iter_next(&it));
  }
  hmap_counters c2 = counters();
  CHECK(c2.deferred_freed == c1.deferred_freed + 1);
  hmap_free(m);
  CHECK(live_arrays() == base);
}

enum { READERS = 4, ROUNDS = 200 };

static hmap *shared;
static pthread_barrier_t barrier;

static void *reader(void *arg) {
  (void)arg;
  size_t total = hmap_len(shared);
  pthread_barrier_wait(&barrier);
  for (int round = 0; round < ROUNDS; round++) {
    hmap_iter it;
    size_t n = 0;
    hmap_iter_init(&it, shared);
    while (hmap_iter_next(&it)) {
      CHECK(*(const uint64_t *)it.val == *(const uint64_t *)it.key * 3);
      n++;
      if (round % 3 == 0 && n == 10)
        break;
    }
    if (round % 3 == 0)
      hmap_iter_stop(&it);
    else
      CHECK(n == total);
    uint64_t k = (uint64_t)round;
    CHECK(*(uint64_t *)hmap_lookup(shared, &k) == k * 3);
  }
  return NULL;
}

static void concurrent_readers(void) {
  unsigned long base = live_arrays();
  shared = hmap_new(&hmap_u64_u64, 0);
  uint64_t next = 0;
  for (int i = 0; i < 3000; i++, next++)
    u64_put(shared, next, next * 3);
  /* Leave a growth in progress so that readers also pin the old array. */
  hmap_stats st;
  do {
    u64_put(shared, next, next * 3);
    next++;
    hmap_debug_stats(shared, &st);
  } while (!st.growing);
  pthread_t t[READERS];
  pthread_barrier_init(&barrier, NULL, READERS);
  for (int i = 0; i < READERS; i++)
    CHECK(pthread_create(&t[i], NULL, reader, NULL) == 0);
  for (int i = 0; i < READERS; i++)
    CHECK(pthread_join(t[i], NULL) == 0);
  pthread_barrier_destroy(&barrier);
  hmap_counters c0 = counters();
  do { /* finish the growth: the old array goes at once */
    u64_put(shared, next, next * 3);
    next++;
    hmap_debug_stats(shared, &st);
  } while (st.growing);
  hmap_counters c1 = counters();
  CHECK(c1.frees_deferred == c0.frees_deferred);
  CHECK(c1.arrays_freed > c0.arrays_freed);
  CHECK_MAP(shared);
  hmap_free(shared);
  CHECK(live_arrays() == base);
}

int main(void) {
  deferred_until_end(false, false);
  deferred_until_end(true, false);
  deferred_until_end(true, true);
  concurrent_readers();
  printf("ok\n");
  return 0;
}
