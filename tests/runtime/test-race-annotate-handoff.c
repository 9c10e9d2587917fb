/*
 * test-race-annotate-handoff.c: the twin of test-clean-annotate-handoff.c
 * where the producer writes the map once more AFTER publishing it (after
 * the annotated release store). The consumer is ordered after the release,
 * not after that write: a real race under C11 too, reported in every
 * schedule. (The same hand-over without annotations but without the late
 * write is correct C11, so it is not a test: mapsan simply cannot see it.)
 *
 * mapsan-expect: write-write-race P C
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <hmap.h>
#include <mapsan/annotate.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m;
static atomic_int ready;

static void *consumer(void *arg) {
  (void)arg;
  while (!atomic_load_explicit(&ready, memory_order_acquire))
    sched_yield();
  MAPSAN_HAPPENS_AFTER(&ready);
  rt_sleep_ms(30);
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: C */
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, consumer, NULL);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1;
  MAPSAN_HAPPENS_BEFORE(&ready);
  atomic_store_explicit(&ready, 1, memory_order_release);
  k = 3;
  *(uint64_t *)hmap_assign(m, &k) = 3; /* mapsan-mark: P */
  pthread_join(th, NULL);
  hmap_free(m);
  return 0;
}
