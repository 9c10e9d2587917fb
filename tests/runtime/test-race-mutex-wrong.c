/*
 * test-race-mutex-wrong.c: the twin of test-clean-mutex.c with the wrong
 * lock: each thread writes the map under its own mutex (one normal, one
 * recursive taken twice). Two different mutexes order nothing between the
 * threads, in any schedule. Each lock is shown with its kind
 * (pthread_mutex_t), in the text and in JSON.
 *
 * mapsan-expect: write-write-race A B
 * mapsan-overlapping: false
 * mapsan-lock-kind: L1 pthread_mutex_t
 * mapsan-lock-kind: L2 pthread_mutex_t
 * mapsan-lock-created: L1 LOCK_B
 * mapsan-lock-created: L2 LOCK_A
 * mapsan-stderr: Locks held \(2, innermost first\): L1 0x[0-9a-f]+ \(mu_b, pthread_mutex_t\), L1 0x[0-9a-f]+ \(mu_b, pthread_mutex_t\)\n
 * mapsan-stderr: Locks held \(1, innermost first\): L2 0x[0-9a-f]+ \(mu_a, pthread_mutex_t\)\n
 * mapsan-stderr: Lock L1 0x[0-9a-f]+ \(mu_b, pthread_mutex_t\) first seen at:\n
 * mapsan-stderr: Lock L2 0x[0-9a-f]+ \(mu_a, pthread_mutex_t\) first seen at:\n
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m;
static pthread_mutex_t mu_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t mu_b;

static void *writer(void *arg) {
  (void)arg;
  rt_sleep_ms(50);
  uint64_t k = 2;
  pthread_mutex_lock(&mu_b); /* mapsan-mark: LOCK_B */
  pthread_mutex_lock(&mu_b);
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: B */
  pthread_mutex_unlock(&mu_b);
  pthread_mutex_unlock(&mu_b);
  return NULL;
}

int main(void) {
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_init(&mu_b, &a);
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, writer, NULL);
  uint64_t k = 1;
  pthread_mutex_lock(&mu_a); /* mapsan-mark: LOCK_A */
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: A */
  pthread_mutex_unlock(&mu_a);
  pthread_join(th, NULL);
  hmap_free(m);
  return 0;
}
