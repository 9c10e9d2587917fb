/*
 * test-race-join-missing.c: the twin of test-clean-create-join.c with the
 * join moved after the parent's second write: creation still orders the
 * parent's first write before the child, but nothing orders the child's
 * write with the parent's second one, in any schedule (the parent waits
 * 50 ms first, so they do not overlap: only happens-before finds it).
 *
 * mapsan-expect: write-write-race A B
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m;

static void *child(void *arg) {
  (void)arg;
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: B */
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1;
  pthread_t th;
  pthread_create(&th, NULL, child, NULL);
  rt_sleep_ms(50);
  k = 3;
  *(uint64_t *)hmap_assign(m, &k) = 3; /* mapsan-mark: A */
  pthread_join(th, NULL);
  hmap_free(m);
  return 0;
}
