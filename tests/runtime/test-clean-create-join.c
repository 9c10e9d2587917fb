/*
 * test-clean-create-join.c: pthread_create and pthread_join are
 * happens-before edges. The parent writes the map before creating the
 * child (create orders it before everything the child does), the child
 * writes and reads, and the parent writes again only after joining it
 * (the child's whole life happens before the join returns). No report.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m;

static void *child(void *arg) {
  (void)arg;
  uint64_t k = 1;
  RT_CHECK(hmap_lookup(m, &k) != NULL);
  k = 2;
  *(uint64_t *)hmap_assign(m, &k) = 2;
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1;
  pthread_t th;
  pthread_create(&th, NULL, child, NULL);
  pthread_join(th, NULL);
  k = 3;
  *(uint64_t *)hmap_assign(m, &k) = 3;
  RT_CHECK(hmap_len(m) == 3);
  hmap_free(m);
  return 0;
}
