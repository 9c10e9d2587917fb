/*
 * test-race-wr-lookup.c: a write followed 50 ms later by an unordered read
 * (hmap_lookup) from another thread is a read-write race: the read is the
 * current access, the write the previous one.
 *
 * mapsan-expect: read-write-race W R
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m;

static void *reader(void *arg) {
  (void)arg;
  rt_sleep_ms(50);
  uint64_t k = 1;
  (void)hmap_lookup(m, &k); /* mapsan-mark: R */
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, reader, NULL);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: W */
  pthread_join(th, NULL);
  hmap_free(m);
  return 0;
}
