/*
 * test-race-retake-nested.c: a lock released inside the section counts as
 * a release too (engine/sync.c, "re-taking a lock"). Main writes under
 * outer, takes and releases inner inside it, releases outer, re-takes
 * outer and writes again. Other takes inner after main released it
 * (learning main's clock of the first write) and writes without outer:
 * ordered after main's first write, not after its second.
 *
 * mapsan-expect-ordered: write-write-race C B
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m;
static pthread_mutex_t outer = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t inner = PTHREAD_MUTEX_INITIALIZER;
static atomic_int turn;

static void *other(void *arg) {
  RT_CHECK(rt_turn_wait(&turn, 1, rt_now_ms() + 10000));
  pthread_mutex_lock(&inner);
  pthread_mutex_unlock(&inner);
  uint64_t k = 3;
  *(uint64_t *)hmap_assign(m, &k) = k; /* mapsan-mark: C */
  return arg;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, other, NULL);
  uint64_t k = 1;
  pthread_mutex_lock(&outer);
  *(uint64_t *)hmap_assign(m, &k) = k;
  pthread_mutex_lock(&inner);
  pthread_mutex_unlock(&inner);
  pthread_mutex_unlock(&outer);
  pthread_mutex_lock(&outer);
  k = 2;
  *(uint64_t *)hmap_assign(m, &k) = k; /* mapsan-mark: B */
  pthread_mutex_unlock(&outer);
  rt_turn_pass(&turn, 1);
  pthread_join(th, NULL);
  hmap_free(m);
  return 0;
}
