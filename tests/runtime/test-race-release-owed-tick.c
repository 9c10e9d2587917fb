/*
 * test-race-release-owed-tick.c: a thread that locks and unlocks a mutex
 * without touching a map between owes its clock a tick (thread.h), and
 * mapsan skips the joins it has already done (sync.c). The owed tick must
 * be paid before its next map access: here A locks and unlocks mu three
 * times, then writes the map outside the lock; B then takes mu and writes.
 * B's lock orders it after A's unlocks, not after A's later write: a race.
 * The schedule is forced with an unseen flag (runtime-test.h).
 *
 * mapsan-expect: write-write-race A B
 * mapsan-overlapping: false
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
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: B */
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
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: A */
  rt_flag_set(&written, 1);
  pthread_join(th, NULL);
  hmap_free(m);
  return 0;
}
