/*
 * test-race-once.c: the twin of test-clean-once.c where one reader skips
 * pthread_once and reads the map as soon as the initializer has started
 * (a relaxed flag, which orders nothing), while the initializer is still
 * filling it: that read and the initializer's write are unordered in every
 * schedule. (The map itself is created by main before both threads, so the
 * race is with the write, not with the creation.)
 *
 * mapsan-expect: read-write-race W R
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static hmap *m;
static atomic_int published, looked;

static void init(void) {
  rt_flag_set(&published, 1);
  RT_CHECK(rt_flag_wait(&looked, 1, 5000));
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: W */
}

static void *initializer(void *arg) {
  (void)arg;
  pthread_once(&once, init);
  return NULL;
}

static void *impatient(void *arg) {
  (void)arg;
  RT_CHECK(rt_flag_wait(&published, 1, 5000));
  uint64_t k = 1;
  (void)hmap_lookup(m, &k); /* mapsan-mark: R */
  rt_flag_set(&looked, 1);
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t a, b;
  pthread_create(&a, NULL, initializer, NULL);
  pthread_create(&b, NULL, impatient, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  hmap_free(m);
  return 0;
}
