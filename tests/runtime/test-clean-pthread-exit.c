/*
 * test-clean-pthread-exit.c: a thread that ends with pthread_exit (here from
 * a nested function, after a cleanup handler ran) is joined like one that
 * returns: everything it did, including the map write in its cleanup
 * handler, happens before the join. No report.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m;

static void cleanup(void *arg) {
  (void)arg;
  uint64_t k = 3;
  *(uint64_t *)hmap_assign(m, &k) = 3;
}

static void finish(void) {
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m, &k) = 2;
  pthread_exit(NULL);
}

static void *child(void *arg) {
  (void)arg;
  pthread_cleanup_push(cleanup, NULL);
  finish();
  pthread_cleanup_pop(0);
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, child, NULL);
  pthread_join(th, NULL);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1;
  RT_CHECK(hmap_len(m) == 3);
  hmap_free(m);
  return 0;
}
