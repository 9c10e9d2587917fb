/*
 * test-race-retake-other-release.c: the owner's tick is waived only when
 * the mutex it re-takes is the one thing it released since its accesses
 * (engine/sync.c, "re-taking a lock"). Here main writes under mu, unlocks,
 * posts a semaphore (a second release, of the same clock), re-takes mu and
 * writes again. Other waits for the semaphore (learning main's clock of
 * the first write) and writes without mu: ordered after main's first
 * write, not after its second. Were the tick waived, both writes would
 * share the epoch other learned, and the race would go unseen.
 *
 * mapsan-expect-ordered: write-write-race C B
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>

static hmap *m;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static sem_t sem;
static atomic_int turn;

static void *other(void *arg) {
  RT_CHECK(rt_turn_wait(&turn, 1, rt_now_ms() + 10000));
  sem_wait(&sem);
  uint64_t k = 3;
  *(uint64_t *)hmap_assign(m, &k) = k; /* mapsan-mark: C */
  return arg;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  sem_init(&sem, 0, 0);
  pthread_t th;
  pthread_create(&th, NULL, other, NULL);
  uint64_t k = 1;
  pthread_mutex_lock(&mu);
  *(uint64_t *)hmap_assign(m, &k) = k;
  pthread_mutex_unlock(&mu);
  sem_post(&sem);
  pthread_mutex_lock(&mu);
  k = 2;
  *(uint64_t *)hmap_assign(m, &k) = k; /* mapsan-mark: B */
  pthread_mutex_unlock(&mu);
  rt_turn_pass(&turn, 1);
  pthread_join(th, NULL);
  sem_destroy(&sem);
  hmap_free(m);
  return 0;
}
