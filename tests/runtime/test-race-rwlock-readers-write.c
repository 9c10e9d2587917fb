/*
 * test-race-rwlock-readers-write.c: the twin of test-clean-rwlock.c where
 * two threads WRITE the map while holding only a READ lock. A read lock
 * does not order readers with each other, so the two writes are unordered
 * in every schedule, even though each thread "holds the lock". One map per
 * pair of read-lock flavours: rdlock vs tryrdlock, timedrdlock vs
 * clockrdlock.
 *
 * mapsan-lock-kind: L1 pthread_rwlock_t
 * mapsan-stderr: Lock L1 0x[0-9a-f]+ \(rw, pthread_rwlock_t\) first seen at:\n
 * mapsan-expect: write-write-race RD TRY
 * mapsan-expect: write-write-race TIMED CLOCK
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static hmap *m1, *m2;

static void *first(void *arg) {
  (void)arg;
  uint64_t k = 1;
  RT_CHECK(pthread_rwlock_rdlock(&rw) == 0);
  *(uint64_t *)hmap_assign(m1, &k) = 1; /* mapsan-mark: RD */
  pthread_rwlock_unlock(&rw);
  struct timespec dl = rt_deadline(CLOCK_REALTIME, 5000);
  RT_CHECK(pthread_rwlock_timedrdlock(&rw, &dl) == 0);
  *(uint64_t *)hmap_assign(m2, &k) = 1; /* mapsan-mark: TIMED */
  pthread_rwlock_unlock(&rw);
  return NULL;
}

static void *second(void *arg) {
  (void)arg;
  rt_sleep_ms(50);
  uint64_t k = 2;
  RT_CHECK(pthread_rwlock_tryrdlock(&rw) == 0);
  *(uint64_t *)hmap_assign(m1, &k) = 2; /* mapsan-mark: TRY */
  pthread_rwlock_unlock(&rw);
  struct timespec dl = rt_deadline(CLOCK_MONOTONIC, 5000);
  RT_CHECK(pthread_rwlock_clockrdlock(&rw, CLOCK_MONOTONIC, &dl) == 0);
  *(uint64_t *)hmap_assign(m2, &k) = 2; /* mapsan-mark: CLOCK */
  pthread_rwlock_unlock(&rw);
  return NULL;
}

int main(void) {
  m1 = hmap_new(&hmap_u64_u64, 0);
  m2 = hmap_new(&hmap_u64_u64, 0);
  pthread_t a, b;
  pthread_create(&a, NULL, first, NULL);
  pthread_create(&b, NULL, second, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  hmap_free(m1);
  hmap_free(m2);
  return 0;
}
