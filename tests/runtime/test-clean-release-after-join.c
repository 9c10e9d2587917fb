/*
 * test-clean-release-after-join.c: a release into a lock whose clock is
 * still the releasing thread's own from an earlier release copies only the
 * thread's own entry (sync.c, own_since_tag), and must not once the thread
 * has learnt something in between. Here the main thread A unlocks L, then
 * learns B's write through M, then unlocks L again; C takes L and writes
 * the key B wrote. C is ordered after B through M, A and L: no race. Were
 * only A's own entry copied into L the second time, C would not know B's
 * write and a false race would be reported. The order of the steps is
 * forced with unseen flags (runtime-test.h); only the locks order them.
 *
 * mapsan-expect: none
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
  *(uint64_t *)hmap_assign(m, &k) = 1;
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
  *(uint64_t *)hmap_assign(m, &k) = 2;
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1; /* tracked maps in use */
  pthread_t b, c;
  pthread_create(&b, NULL, b_thread, NULL);
  pthread_create(&c, NULL, c_thread, NULL);
  pthread_mutex_lock(&l); /* L holds A's clock, tagged as A's */
  pthread_mutex_unlock(&l);
  RT_CHECK(rt_flag_wait(&b_done, 1, 10000));
  pthread_mutex_lock(&mu); /* A learns B's write */
  pthread_mutex_unlock(&mu);
  pthread_mutex_lock(&l); /* ... and passes it on through L */
  pthread_mutex_unlock(&l);
  rt_flag_set(&a_done, 1);
  pthread_join(b, NULL);
  pthread_join(c, NULL);
  hmap_free(m);
  return 0;
}
