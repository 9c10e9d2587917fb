/*
 * test-race-retake-reader.c: as test-race-retake-other-owner, but the
 * other thread only read-locks the rwlock between the owner's two write
 * sections. A reader's unlock releases into the lock's read clock and
 * leaves the write clock's tag alone: only the mark an acquire by another
 * thread leaves on the object (engine/sync.c, `taken`) tells the owner
 * that its tick cannot be waived. Other's later write without the lock is
 * ordered after main's first write, not after its second: a race with the
 * second.
 *
 * mapsan-expect-ordered: write-write-race C B
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static atomic_int turn;

static void *other(void *arg) {
  long end = rt_now_ms() + 10000;
  RT_CHECK(rt_turn_wait(&turn, 1, end));
  pthread_rwlock_rdlock(&rw);
  uint64_t k = 1;
  RT_CHECK(hmap_lookup(m, &k) != NULL);
  pthread_rwlock_unlock(&rw);
  rt_turn_pass(&turn, 2);
  RT_CHECK(rt_turn_wait(&turn, 3, end));
  k = 3;
  *(uint64_t *)hmap_assign(m, &k) = k; /* mapsan-mark: C */
  return arg;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, other, NULL);
  uint64_t k = 1;
  pthread_rwlock_wrlock(&rw);
  *(uint64_t *)hmap_assign(m, &k) = k;
  pthread_rwlock_unlock(&rw);
  rt_turn_pass(&turn, 1);
  RT_CHECK(rt_turn_wait(&turn, 2, rt_now_ms() + 10000));
  pthread_rwlock_wrlock(&rw);
  k = 2;
  *(uint64_t *)hmap_assign(m, &k) = k; /* mapsan-mark: B */
  pthread_rwlock_unlock(&rw);
  rt_turn_pass(&turn, 3);
  pthread_join(th, NULL);
  hmap_free(m);
  return 0;
}
