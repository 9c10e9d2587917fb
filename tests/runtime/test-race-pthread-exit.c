/*
 * test-race-pthread-exit.c: the twin of test-clean-pthread-exit.c where the
 * parent writes before joining: pthread_exit releases only to a joiner, so
 * the exiting thread's write (made before pthread_exit) and the parent's
 * are unordered in every schedule.
 *
 * mapsan-expect: write-write-race A B
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m;
static atomic_int exiting;

static void *child(void *arg) {
  (void)arg;
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: B */
  rt_flag_set(&exiting, 1);
  pthread_exit(NULL);
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, child, NULL);
  RT_CHECK(rt_flag_wait(&exiting, 1, 5000));
  rt_sleep_ms(20);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: A */
  pthread_join(th, NULL);
  hmap_free(m);
  return 0;
}
