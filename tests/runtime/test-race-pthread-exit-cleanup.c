/*
 * test-race-pthread-exit-cleanup.c: a map write made by a cleanup handler
 * that pthread_exit runs is still the exiting thread's access. Here the
 * parent writes the map without joining: the cleanup handler's write and
 * the parent's are unordered in every schedule and must be reported.
 *
 * mapsan-expect: write-write-race A B
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m;
static atomic_int cleaned;

static void cleanup(void *arg) {
  (void)arg;
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: B */
  rt_flag_set(&cleaned, 1);
}

static void *child(void *arg) {
  (void)arg;
  pthread_cleanup_push(cleanup, NULL);
  pthread_exit(NULL);
  pthread_cleanup_pop(0);
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, child, NULL);
  RT_CHECK(rt_flag_wait(&cleaned, 1, 5000));
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: A */
  pthread_join(th, NULL);
  hmap_free(m);
  return 0;
}
