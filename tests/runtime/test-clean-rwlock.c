/*
 * test-clean-rwlock.c: a write lock orders the writer after every earlier
 * reader and writer, a read lock orders the reader after every earlier
 * writer, with every way of acquiring either (plain, try retried until it
 * succeeds, timed, clock). Two writers and three readers take turns on one
 * map: writes under the write lock, lookups, len and iteration under a read
 * lock, readers overlapping each other freely. No report.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <hmap.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>

enum { ROUNDS = 300 };

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static hmap *m;

static void rdlock(int how) {
  struct timespec dl;
  int r;
  switch (how) {
  case 0:
    r = pthread_rwlock_rdlock(&rw);
    break;
  case 1:
    while ((r = pthread_rwlock_tryrdlock(&rw)) == EBUSY)
      sched_yield();
    break;
  case 2:
    dl = rt_deadline(CLOCK_REALTIME, 5000);
    r = pthread_rwlock_timedrdlock(&rw, &dl);
    break;
  default:
    dl = rt_deadline(CLOCK_MONOTONIC, 5000);
    r = pthread_rwlock_clockrdlock(&rw, CLOCK_MONOTONIC, &dl);
    break;
  }
  RT_CHECK(r == 0);
}

static void wrlock(int how) {
  struct timespec dl;
  int r;
  switch (how) {
  case 0:
    r = pthread_rwlock_wrlock(&rw);
    break;
  case 1:
    while ((r = pthread_rwlock_trywrlock(&rw)) == EBUSY)
      sched_yield();
    break;
  case 2:
    dl = rt_deadline(CLOCK_REALTIME, 5000);
    r = pthread_rwlock_timedwrlock(&rw, &dl);
    break;
  default:
    dl = rt_deadline(CLOCK_MONOTONIC, 5000);
    r = pthread_rwlock_clockwrlock(&rw, CLOCK_MONOTONIC, &dl);
    break;
  }
  RT_CHECK(r == 0);
}

static void *writer(void *arg) {
  uint64_t id = (uint64_t)(uintptr_t)arg;
  for (uint64_t i = 0; i < ROUNDS; i++) {
    wrlock((int)((i + id) % 4));
    uint64_t k = id * 1000 + i % 50;
    *(uint64_t *)hmap_assign(m, &k) = i;
    if (i % 7 == 0)
      hmap_delete(m, &k);
    pthread_rwlock_unlock(&rw);
  }
  return NULL;
}

static void *reader(void *arg) {
  uint64_t id = (uint64_t)(uintptr_t)arg;
  uint64_t sum = 0;
  for (uint64_t i = 0; i < ROUNDS; i++) {
    rdlock((int)((i + id) % 4));
    uint64_t k = i % 50;
    uint64_t *v = hmap_lookup(m, &k);
    sum += v ? *v : 0;
    sum += hmap_len(m);
    if (i % 10 == 0) {
      hmap_iter it;
      for (hmap_iter_init(&it, m); hmap_iter_next(&it);)
        sum += *(const uint64_t *)it.key;
    }
    pthread_rwlock_unlock(&rw);
  }
  return (void *)(uintptr_t)sum;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th[5];
  for (int i = 0; i < 2; i++)
    pthread_create(&th[i], NULL, writer, (void *)(uintptr_t)i);
  for (int i = 2; i < 5; i++)
    pthread_create(&th[i], NULL, reader, (void *)(uintptr_t)i);
  for (int i = 0; i < 5; i++)
    pthread_join(th[i], NULL);
  hmap_free(m);
  return 0;
}
