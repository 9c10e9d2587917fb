/*
 * test-crash-map-fatal.c: the map library's own fatal error ("concurrent
 * map writes", then abort()) is not raised by mapsan, so it gets a crash
 * report, and that report shows both writers in flight on the map: the
 * one stalled inside hmap_assign (in its key equality function) and the
 * one the library caught. The race report comes first.
 *
 * mapsan-expect: write-write-race FIRST SECOND
 * mapsan-expect: crash
 * mapsan-crash-inflight: assign FIRST
 * mapsan-crash-inflight: assign SECOND
 * mapsan-exit: abort
 * mapsan-stderr: (?s)concurrent map writes.*WARNING: mapsan: crash: SIGABRT
 */
#include "crash-test.h"

#include <hmap.h>

#include <pthread.h>

static _Thread_local bool stall_here;
static atomic_int inside;

static uint64_t key_hash(const void *key, uint64_t seed) {
  return hmap_hash_bytes(key, sizeof(uint64_t), seed);
}

static bool key_equal(const void *a, const void *b) {
  if (stall_here) {
    rt_flag_set(&inside, 1);
    rt_flag_wait(&inside, 2, 10000); /* nobody sets 2: the process dies */
  }
  return *(const uint64_t *)a == *(const uint64_t *)b;
}

static const hmap_type slow_u64 = {sizeof(uint64_t), sizeof(uint64_t),
                                   key_hash, key_equal};
static hmap *m;

static void *first(void *arg) {
  (void)arg;
  uint64_t k = 7;
  stall_here = true;
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: FIRST */
  return NULL;
}

int main(void) {
  m = hmap_new(&slow_u64, 0);
  fprintf(stderr, "mapsan-test-map=%p\n", (void *)m);
  uint64_t k = 7;
  *(uint64_t *)hmap_assign(m, &k) = 0;
  pthread_t th;
  pthread_create(&th, NULL, first, NULL);
  RT_CHECK(rt_flag_wait(&inside, 1, 10000));
  k = 8;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: SECOND */
  ct_say("not reached: the library lets two writers overlap\n");
  pthread_join(th, NULL);
  return 1;
}
