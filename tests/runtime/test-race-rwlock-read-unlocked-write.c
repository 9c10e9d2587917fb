/*
 * test-race-rwlock-read-unlocked-write.c: a reader under the read lock and
 * a writer that takes no lock at all are unordered: the read lock is only
 * a half of the protocol. The reader reads first (lookup under rdlock),
 * the writer writes 50 ms later without the write lock: a read-write race
 * in every schedule (a read followed by an unordered write).
 *
 * mapsan-expect: read-write-race R W
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
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
  pthread_rwlock_rdlock(&rw);
  RT_CHECK(hmap_lookup(m, &k) != NULL); /* mapsan-mark: R */
  pthread_rwlock_unlock(&rw);
  pthread_join(th, NULL);
  hmap_free(m);
  return 0;
}
