/*
 * test-crash-inflight-fast.c: a map operation that takes the fast path
 * (engine/maps.h, mapsan_map_op_fast: the thread's cached map, its epoch
 * already recorded, no frame of the slow half) is still noted in flight.
 * Two threads, each on its own map: each looks its key up once (the slow
 * half records the epoch), then again, and the second call, a lookup in
 * one thread and an assign in the other (after an assign that recorded
 * the write), stalls inside the map's hash function and announces itself.
 * The main thread then dereferences NULL. The crash report must show both
 * operations in flight from their marked call sites, and each thread's
 * earlier operations among its recent ones; the process dies of SIGSEGV.
 *
 * mapsan-expect: crash CRASH
 * mapsan-crash-inflight: lookup READ
 * mapsan-crash-inflight: assign WRITE
 * mapsan-crash-recent: lookup READ_FIRST
 * mapsan-crash-recent: assign WRITE_FIRST
 * mapsan-exit: signal:SEGV
 * mapsan-stderr: Map operations in flight:
 */
#include "../runtime/runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static _Thread_local bool stall_here;
static atomic_int inside;
static int *volatile nowhere; /* NULL, and the compiler cannot know it */

static uint64_t key_hash(const void *key, uint64_t seed) {
  if (stall_here) {
    atomic_fetch_add(&inside, 1);
    rt_flag_wait(&inside, 100, 10000); /* never reached: the process dies */
  }
  return hmap_hash_bytes(key, sizeof(uint64_t), seed);
}

static bool key_equal(const void *a, const void *b) {
  return *(const uint64_t *)a == *(const uint64_t *)b;
}

static const hmap_type slow_u64 = {sizeof(uint64_t), sizeof(uint64_t),
                                   key_hash, key_equal};

static void *reader(void *arg) {
  hmap *m = arg;
  uint64_t k = 3;
  RT_CHECK(hmap_lookup(m, &k) != NULL); /* mapsan-mark: READ_FIRST */
  stall_here = true;
  RT_CHECK(hmap_lookup(m, &k) != NULL); /* mapsan-mark: READ */
  return NULL;
}

static void *writer(void *arg) {
  hmap *m = arg;
  uint64_t k = 5;
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: WRITE_FIRST */
  stall_here = true;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: WRITE */
  return NULL;
}

int main(void) {
  hmap *r = hmap_new(&slow_u64, 0), *w = hmap_new(&slow_u64, 0);
  uint64_t k = 3;
  *(uint64_t *)hmap_assign(r, &k) = 1;
  pthread_t th[2];
  pthread_create(&th[0], NULL, reader, r);
  pthread_create(&th[1], NULL, writer, w);
  RT_CHECK(rt_flag_wait(&inside, 2, 10000));
  *nowhere = 42; /* mapsan-mark: CRASH */
  fprintf(stderr, "not reached: no SIGSEGV\n");
  return 1;
}
