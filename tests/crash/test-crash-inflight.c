/*
 * test-crash-inflight.c: a NULL dereference in the program's own code in
 * one thread while another thread is inside a map write. The writer's key
 * type has its own hash function, which it calls inside hmap_assign (after
 * mapsan has noted the operation in flight); there it announces itself on
 * a relaxed flag and stays. The main thread waits for the announcement and
 * then dereferences NULL. The crash report must show the faulting stack
 * starting at the marked line, the writer's assign on that map in flight
 * from its marked call site, and the main thread's earlier operations
 * among its recent ones; the process must die of SIGSEGV (not exit 66).
 * Every frame and note carries its module's build-id, read at crash time
 * from the cache the start-up walk filled (base/buildid.c).
 *
 * mapsan-expect: crash CRASH
 * mapsan-crash-inflight: assign WRITE
 * mapsan-crash-recent: lookup LOOKUP
 * mapsan-crash-recent: assign PREFILL
 * mapsan-exit: signal:SEGV
 * mapsan-frames-build-id: true
 * mapsan-stderr: WARNING: mapsan: crash: SIGSEGV \(SEGV_MAPERR\) at address 0x0
 * mapsan-stderr: Map operations in flight:\n    thread T2 \(tid=\d+\): assign on map
 * mapsan-stderr: SUMMARY: mapsan: crash SIGSEGV \(test-crash-inflight\+0x
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
    rt_flag_set(&inside, 1);
    rt_flag_wait(&inside, 2, 10000); /* nobody sets 2: the process dies */
  }
  return hmap_hash_bytes(key, sizeof(uint64_t), seed);
}

static bool key_equal(const void *a, const void *b) {
  return *(const uint64_t *)a == *(const uint64_t *)b;
}

static const hmap_type slow_u64 = {sizeof(uint64_t), sizeof(uint64_t),
                                   key_hash, key_equal};
static hmap *m;

static void *writer(void *arg) {
  (void)arg;
  uint64_t k = 7;
  stall_here = true;
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: WRITE */
  return NULL;
}

int main(void) {
  m = hmap_new(&slow_u64, 0);
  fprintf(stderr, "mapsan-test-map=%p\n", (void *)m);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: PREFILL */
  RT_CHECK(hmap_lookup(m, &k) != NULL); /* mapsan-mark: LOOKUP */
  pthread_t th;
  pthread_create(&th, NULL, writer, NULL);
  RT_CHECK(rt_flag_wait(&inside, 1, 10000));
  *nowhere = 42; /* mapsan-mark: CRASH */
  fprintf(stderr, "not reached: no SIGSEGV\n");
  pthread_join(th, NULL);
  return 1;
}
