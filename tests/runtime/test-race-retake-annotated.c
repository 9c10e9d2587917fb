/*
 * test-race-retake-annotated.c: an acquire that leaves no release behind
 * must still stop the owner's waived tick (engine/sync.c, "re-taking a
 * lock": the `taken` mark). Main writes under mu and unlocks; other
 * annotates that it happens after mu (learning main's clock of that write,
 * without taking mu or releasing into it); main re-takes mu and writes
 * again; other writes without mu. Other's write is ordered after main's
 * first write, not after its second: a race with the second. Were the tick
 * waived (mu's tag is still main's), both writes would share the epoch
 * other learned, and the race would go unseen.
 *
 * mapsan-expect-ordered: write-write-race C B
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <hmap.h>
#include <mapsan/annotate.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_int turn;

static void *other(void *arg) {
  long end = rt_now_ms() + 10000;
  RT_CHECK(rt_turn_wait(&turn, 1, end));
  MAPSAN_HAPPENS_AFTER(&mu);
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
