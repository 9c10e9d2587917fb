/*
 * test-race-detach.c: the twin of test-clean-detach.c without the
 * semaphore: the parent waits (relaxed flag, then a sleep so that the
 * detached thread has really exited) instead of synchronizing. A detached
 * thread's exit is acquired by nobody, so its write and the parent's later
 * write are unordered in every schedule, however long ago it exited.
 *
 * mapsan-expect: write-write-race A B
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m;
static atomic_int wrote;

static void *child(void *arg) {
  (void)arg;
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: B */
  rt_flag_set(&wrote, 1);
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, child, NULL);
  pthread_detach(th);
  RT_CHECK(rt_flag_wait(&wrote, 1, 5000));
  rt_sleep_ms(30);
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: A */
  return 0;
}
