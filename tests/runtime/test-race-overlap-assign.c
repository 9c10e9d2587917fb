/*
 * test-race-overlap-assign.c: two writes that are really in flight at the
 * same moment. The map's key type has its own equality function, which the
 * first writer calls while it holds the map's writing flag (inside
 * hmap_assign, on the existing key); there it announces itself on a relaxed
 * flag and then stays (up to 5 s). The second thread waits for that
 * announcement (a relaxed spin: no synchronization that mapsan could see,
 * and none in C11) and calls hmap_assign on the same map. mapsan must
 * report an overlapping write-write race, and it must be written out BEFORE
 * the map library's own check kills the process with "concurrent map
 * writes".
 *
 * mapsan-expect: write-write-race FIRST SECOND
 * mapsan-overlapping: true
 * mapsan-exit: abort
 * mapsan-stderr: concurrent map writes
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static _Thread_local bool stall_here;
static atomic_int inside;

static uint64_t key_hash(const void *key, uint64_t seed) {
  return hmap_hash_bytes(key, sizeof(uint64_t), seed);
}

static bool key_equal(const void *a, const void *b) {
  if (stall_here) {
    rt_flag_set(&inside, 1);
    rt_flag_wait(&inside, 2, 5000); /* nobody sets 2: the process dies */
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
  uint64_t k = 7;
  *(uint64_t *)hmap_assign(m, &k) = 0;
  pthread_t th;
  pthread_create(&th, NULL, first, NULL);
  RT_CHECK(rt_flag_wait(&inside, 1, 5000));
  k = 8;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: SECOND */
  fprintf(stderr, "not reached: the library lets two writers overlap\n");
  pthread_join(th, NULL);
  return 1;
}
