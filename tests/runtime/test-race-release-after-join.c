/*
 * test-race-release-after-join.c: the twin of
 * test-clean-release-after-join.c without the link in the middle: A unlocks
 * L twice but never takes M, so nothing orders C's write after B's. C takes
 * L (A's clock only) and writes the key B wrote: a race, and A's second
 * release into L, which copies only A's own entry, must not hide it.
 *
 * mapsan-expect: write-write-race B C
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m;
static pthread_mutex_t l = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_int b_done, a_done;

static void *b_thread(void *arg) {
  (void)arg;
  uint64_t k = 7;
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: B */
  pthread_mutex_lock(&mu);
  pthread_mutex_unlock(&mu);
  rt_flag_set(&b_done, 1);
  return NULL;
}

static void *c_thread(void *arg) {
  (void)arg;
  RT_CHECK(rt_flag_wait(&a_done, 1, 10000));
  pthread_mutex_lock(&l);
  pthread_mutex_unlock(&l);
  uint64_t k = 7;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: C */
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1; /* tracked maps in use */
  pthread_t b, c;
  pthread_create(&b, NULL, b_thread, NULL);
  pthread_create(&c, NULL, c_thread, NULL);
  pthread_mutex_lock(&l);
  pthread_mutex_unlock(&l);
  RT_CHECK(rt_flag_wait(&b_done, 1, 10000));
  pthread_mutex_lock(&l); /* no M: A knows nothing of B */
  pthread_mutex_unlock(&l);
  rt_flag_set(&a_done, 1);
  pthread_join(b, NULL);
  pthread_join(c, NULL);
  hmap_free(m);
  return 0;
}
