/*
 * test-race-mutex-errorcheck-eperm.c: an unlock that FAILS releases
 * nothing. With an errorcheck mutex, unlocking a mutex the thread does not
 * hold returns EPERM and has no effect. Here the first thread writes the
 * map and then "unlocks" the mutex it never locked (EPERM); the second
 * thread later locks that mutex and writes. Nothing orders the two writes,
 * in any schedule (the sleep only makes the order likely).
 *
 * mapsan-expect: write-write-race A B
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <hmap.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>

static hmap *m;
static pthread_mutex_t mu;

static void *writer(void *arg) {
  (void)arg;
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: B */
  RT_CHECK(pthread_mutex_unlock(&mu) == EPERM);
  return NULL;
}

int main(void) {
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
  pthread_mutex_init(&mu, &a);
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, writer, NULL);
  rt_sleep_ms(50);
  uint64_t k = 1;
  pthread_mutex_lock(&mu);
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: A */
  pthread_mutex_unlock(&mu);
  pthread_join(th, NULL);
  hmap_free(m);
  return 0;
}
