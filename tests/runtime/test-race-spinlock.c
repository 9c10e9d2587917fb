/*
 * test-race-spinlock.c: the twin of test-clean-spinlock.c where the
 * second thread's pthread_spin_trylock FAILS (the first thread holds the
 * spinlock and waits on a relaxed flag, invisible to mapsan) and it writes
 * the map anyway. A failed trylock orders nothing: a race in every
 * schedule.
 *
 * mapsan-lock-kind: L1 pthread_spinlock_t
 * mapsan-stderr: Lock L1 0x[0-9a-f]+ \(sl, pthread_spinlock_t\) first seen at:\n
 * mapsan-expect: write-write-race A B
 */
#include "runtime-test.h"

#include <hmap.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>

static pthread_spinlock_t sl;
static hmap *m;
static atomic_int held, done;

static void *holder(void *arg) {
  (void)arg;
  uint64_t k = 1;
  pthread_spin_lock(&sl);
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: A */
  rt_flag_set(&held, 1);
  RT_CHECK(rt_flag_wait(&done, 1, 5000));
  pthread_spin_unlock(&sl);
  return NULL;
}

int main(void) {
  pthread_spin_init(&sl, PTHREAD_PROCESS_PRIVATE);
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, holder, NULL);
  RT_CHECK(rt_flag_wait(&held, 1, 5000));
  RT_CHECK(pthread_spin_trylock(&sl) == EBUSY);
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: B */
  rt_flag_set(&done, 1);
  pthread_join(th, NULL);
  hmap_free(m);
  return 0;
}
