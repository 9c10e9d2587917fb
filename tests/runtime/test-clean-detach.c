/*
 * test-clean-detach.c: detached threads (pthread_detach after creation, and
 * the PTHREAD_CREATE_DETACHED attribute) are still ordered after their
 * creation, and a semaphore posted at their end orders their writes before
 * the waiter's. A detached thread leaves no join record; that must not
 * confuse anything. No report.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>

static hmap *m;
static sem_t done;

static void *child(void *arg) {
  uint64_t k = (uint64_t)(uintptr_t)arg;
  RT_CHECK(hmap_lookup(m, &k) == NULL);
  *(uint64_t *)hmap_assign(m, &k) = k;
  sem_post(&done);
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  sem_init(&done, 0, 0);
  uint64_t k = 0;
  *(uint64_t *)hmap_assign(m, &k) = 0;

  pthread_t th;
  pthread_create(&th, NULL, child, (void *)1);
  pthread_detach(th);
  sem_wait(&done);
  k = 10;
  *(uint64_t *)hmap_assign(m, &k) = 10;

  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_create(&th, &attr, child, (void *)2);
  pthread_attr_destroy(&attr);
  sem_wait(&done);
  k = 20;
  *(uint64_t *)hmap_assign(m, &k) = 20;
  RT_CHECK(hmap_len(m) == 5);
  return 0;
}
