/*
 * test-clean-release-owed-tick.c: the twin of
 * test-race-release-owed-tick.c: A's write is followed by one more
 * lock/unlock of mu, which releases it; B's lock then orders B's write
 * after A's. The unlocks before the write were skipped by the per-object
 * tags (sync.c); this one must not be. No report.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_int written;

static void *writer(void *arg) {
  (void)arg;
  RT_CHECK(rt_flag_wait(&written, 1, 10000));
  uint64_t k = 2;
  pthread_mutex_lock(&mu);
  *(uint64_t *)hmap_assign(m, &k) = 2;
  pthread_mutex_unlock(&mu);
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, writer, NULL);
  for (int i = 0; i < 3; i++) {
    pthread_mutex_lock(&mu);
    pthread_mutex_unlock(&mu);
  }
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1;
  pthread_mutex_lock(&mu);
  pthread_mutex_unlock(&mu);
  rt_flag_set(&written, 1);
  pthread_join(th, NULL);
  hmap_free(m);
  return 0;
}
