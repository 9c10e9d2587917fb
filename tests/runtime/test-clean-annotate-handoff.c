/*
 * test-clean-annotate-handoff.c: MAPSAN_HAPPENS_BEFORE / MAPSAN_HAPPENS_AFTER
 * tell mapsan about synchronization it cannot see. A lock-free hand-over: the
 * producer fills the map, annotates a release on the flag and publishes it
 * with a C11 release store; the consumer spins on an acquire load, annotates
 * the acquire, then owns the map. Done for 100 maps in a row, ping-pong.
 * No report.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <hmap.h>
#include <mapsan/annotate.h>

#include <pthread.h>
#include <stdint.h>

enum { ROUNDS = 100 };

static hmap *m;
static atomic_int turn; /* 0: producer's, 1: consumer's */

static void pass_to(int who) {
  MAPSAN_HAPPENS_BEFORE(&turn);
  atomic_store_explicit(&turn, who, memory_order_release);
}

static void wait_for(int who) {
  while (atomic_load_explicit(&turn, memory_order_acquire) != who)
    sched_yield();
  MAPSAN_HAPPENS_AFTER(&turn);
}

static void *consumer(void *arg) {
  (void)arg;
  for (uint64_t i = 0; i < ROUNDS; i++) {
    wait_for(1);
    uint64_t *v = hmap_lookup(m, &i);
    RT_CHECK(v != NULL && *v == i);
    hmap_delete(m, &i);
    pass_to(0);
  }
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, consumer, NULL);
  for (uint64_t i = 0; i < ROUNDS; i++) {
    wait_for(0);
    *(uint64_t *)hmap_assign(m, &i) = i;
    pass_to(1);
  }
  wait_for(0);
  RT_CHECK(hmap_len(m) == 0);
  pthread_join(th, NULL);
  hmap_free(m);
  return 0;
}
