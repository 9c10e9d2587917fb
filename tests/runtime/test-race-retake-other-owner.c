/*
 * test-race-retake-other-owner.c: a thread that re-takes the mutex it last
 * released, with no access between, keeps its clock (engine/sync.c,
 * "re-taking a lock") only if nobody took the mutex in between. Here main
 * writes under mu, other takes and releases mu, main writes under mu
 * again, and other then writes without mu: other's write is ordered after
 * main's first write (through mu) but not after its second, a race with
 * the second. Were main's tick waived although other had taken mu, both
 * of main's writes would share an epoch that other knows, and the race
 * would go unseen. The schedule is forced with unseen turns
 * (runtime-test.h).
 *
 * mapsan-expect-ordered: write-write-race C B
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_int turn;

static void *other(void *arg) {
  long end = rt_now_ms() + 10000;
  RT_CHECK(rt_turn_wait(&turn, 1, end));
  pthread_mutex_lock(&mu);
  pthread_mutex_unlock(&mu);
  rt_turn_pass(&turn, 2);
  RT_CHECK(rt_turn_wait(&turn, 3, end));
  uint64_t k = 3;
  *(uint64_t *)hmap_assign(m, &k) = k; /* mapsan-mark: C */
  return arg;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, other, NULL);
  uint64_t k = 1;
  pthread_mutex_lock(&mu);
  *(uint64_t *)hmap_assign(m, &k) = k;
  pthread_mutex_unlock(&mu);
  rt_turn_pass(&turn, 1);
  RT_CHECK(rt_turn_wait(&turn, 2, rt_now_ms() + 10000));
  pthread_mutex_lock(&mu);
  k = 2;
  *(uint64_t *)hmap_assign(m, &k) = k; /* mapsan-mark: B */
  pthread_mutex_unlock(&mu);
  rt_turn_pass(&turn, 3);
  pthread_join(th, NULL);
  hmap_free(m);
  return 0;
}
