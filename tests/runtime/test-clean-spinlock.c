/*
 * test-clean-spinlock.c: a pthread spinlock, taken with pthread_spin_lock
 * or with pthread_spin_trylock retried until it succeeds, orders the map
 * operations made under it. Three threads, one map. No report.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <hmap.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>

static pthread_spinlock_t sl;
static hmap *m;

static void *worker(void *arg) {
  uint64_t id = (uint64_t)(uintptr_t)arg;
  for (uint64_t i = 0; i < 500; i++) {
    if (i % 2) {
      pthread_spin_lock(&sl);
    } else {
      int r;
      while ((r = pthread_spin_trylock(&sl)) == EBUSY)
        sched_yield();
      RT_CHECK(r == 0);
    }
    uint64_t k = id * 10000 + i;
    *(uint64_t *)hmap_assign(m, &k) = i;
    RT_CHECK(hmap_lookup(m, &k) != NULL);
    pthread_spin_unlock(&sl);
  }
  return NULL;
}

int main(void) {
  pthread_spin_init(&sl, PTHREAD_PROCESS_PRIVATE);
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th[3];
  for (int i = 0; i < 3; i++)
    pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)i);
  for (int i = 0; i < 3; i++)
    pthread_join(th[i], NULL);
  RT_CHECK(hmap_len(m) == 1500);
  hmap_free(m);
  pthread_spin_destroy(&sl);
  return 0;
}
