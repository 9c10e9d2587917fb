/*
 * test-race-overlap-earlier-op.c: `overlapping` is true only when the two
 * operations of the report were in flight together, not when the earlier
 * access's thread merely has some other operation in flight. The second
 * thread assigns (EARLIER), and 50 ms later starts a lookup on the same
 * map that stays inside the key type's equality function (announced on a
 * relaxed flag) until main has written. Main's unordered assign (LATER)
 * races with EARLIER, which finished long before: overlapping false. The
 * twin with both writes really in flight is test-race-overlap-assign.c.
 *
 * mapsan-expect: write-write-race EARLIER LATER
 * mapsan-overlapping: false
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
    RT_CHECK(rt_flag_wait(&inside, 2, 5000));
  }
  return *(const uint64_t *)a == *(const uint64_t *)b;
}

static const hmap_type slow_u64 = {sizeof(uint64_t), sizeof(uint64_t),
                                   key_hash, key_equal};
static hmap *m;

static void *second(void *arg) {
  (void)arg;
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: EARLIER */
  rt_sleep_ms(50);
  stall_here = true;
  RT_CHECK(hmap_lookup(m, &k) != NULL); /* in flight while main writes */
  return NULL;
}

int main(void) {
  m = hmap_new(&slow_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, second, NULL);
  RT_CHECK(rt_flag_wait(&inside, 1, 5000));
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: LATER */
  rt_flag_set(&inside, 2);
  pthread_join(th, NULL);
  hmap_free(m);
  return 0;
}
