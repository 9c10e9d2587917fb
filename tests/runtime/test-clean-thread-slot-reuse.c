/*
 * test-clean-thread-slot-reuse.c: thousands of short threads reuse mapsan's
 * thread slots without breaking happens-before. 2,000 joinable threads are
 * created and joined one after another, each writing the map (join orders
 * each one before the next); then 1,000 detached threads, each ordered
 * before the next by a semaphore it posts as its last act. A new occupant
 * of a slot must never be taken for its predecessor, in either direction.
 * No report.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>

enum { JOINED = 2000, DETACHED = 1000 };

static hmap *m;
static sem_t done;

static void *joined(void *arg) {
  uint64_t i = (uint64_t)(uintptr_t)arg;
  if (i > 0) {
    uint64_t prev = i - 1;
    RT_CHECK(hmap_lookup(m, &prev) != NULL);
  }
  *(uint64_t *)hmap_assign(m, &i) = i;
  return NULL;
}

static void *detached(void *arg) {
  uint64_t i = (uint64_t)(uintptr_t)arg;
  *(uint64_t *)hmap_assign(m, &i) = i;
  hmap_delete(m, &i);
  sem_post(&done);
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  sem_init(&done, 0, 0);
  for (uint64_t i = 0; i < JOINED; i++) {
    pthread_t th;
    RT_CHECK(pthread_create(&th, NULL, joined, (void *)(uintptr_t)i) == 0);
    RT_CHECK(pthread_join(th, NULL) == 0);
  }
  RT_CHECK(hmap_len(m) == JOINED);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  for (uint64_t i = 0; i < DETACHED; i++) {
    pthread_t th;
    RT_CHECK(pthread_create(&th, &attr, detached,
                            (void *)(uintptr_t)(JOINED + i)) == 0);
    sem_wait(&done);
    uint64_t k = 0;
    *(uint64_t *)hmap_assign(m, &k) = i;
  }
  pthread_attr_destroy(&attr);
  RT_CHECK(hmap_len(m) == JOINED);
  hmap_free(m);
  return 0;
}
