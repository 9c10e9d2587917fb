/*
 * test-race-build-id.c: every frame of a JSON report names its module's GNU
 * build-id ("build_id"), equal to the one in the module file's note, so a
 * report can be symbolized on another machine (docs/USAGE.md, section 3).
 * The race itself is test-race-rw-lookup's.
 *
 * mapsan-expect: read-write-race R W
 * mapsan-frames-build-id: true
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m;

static void *writer(void *arg) {
  (void)arg;
  rt_sleep_ms(50);
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: W */
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1;
  pthread_t th;
  pthread_create(&th, NULL, writer, NULL);
  RT_CHECK(hmap_lookup(m, &k) != NULL); /* mapsan-mark: R */
  pthread_join(th, NULL);
  hmap_free(m);
  return 0;
}
