/*
 * test-race-once-window.c: a race inside a once window is still reported
 * (shim/once.c). pthread_once's routine and call_once's function each
 * publish their map early through a relaxed atomic; another thread writes
 * it while the routine still runs (the routine returns only after that
 * write: relaxed flag, no edge). One race per once.
 *
 * The initializer's record is its first access of the window's epoch, the
 * creation of the map (the write that follows adds nothing to race with).
 *
 * mapsan-expect: write-write-race A B
 * mapsan-expect: write-write-race C D
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>
#include <threads.h>

static pthread_once_t p_once = PTHREAD_ONCE_INIT;
static once_flag c_once = ONCE_FLAG_INIT;
static hmap *m_p, *m_c;
static hmap *_Atomic early;
static atomic_int step;

static void init_p(void) {
  m_p = hmap_new(&hmap_u64_u64, 0); /* mapsan-mark: A */
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m_p, &k) = 1;
  atomic_store_explicit(&early, m_p, memory_order_relaxed);
  RT_CHECK(rt_flag_wait(&step, 1, 10000));
}

static void init_c(void) {
  m_c = hmap_new(&hmap_u64_u64, 0); /* mapsan-mark: C */
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m_c, &k) = 1;
  atomic_store_explicit(&early, m_c, memory_order_relaxed);
  RT_CHECK(rt_flag_wait(&step, 2, 10000));
}

static void *initializer(void *arg) {
  RT_CHECK(pthread_once(&p_once, init_p) == 0);
  call_once(&c_once, init_c);
  return NULL;
}

static hmap *wait_early(hmap *not) {
  hmap *m;
  while ((m = atomic_load_explicit(&early, memory_order_relaxed)) == NULL ||
         m == not)
    rt_sleep_ms(1);
  return m;
}

static void *intruder(void *arg) {
  uint64_t k = 2;
  hmap *m = wait_early(NULL);
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: B */
  rt_flag_set(&step, 1);
  m = wait_early(m);
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: D */
  rt_flag_set(&step, 2);
  return NULL;
}

int main(void) {
  pthread_t a, b;
  RT_CHECK(pthread_create(&a, NULL, initializer, NULL) == 0);
  RT_CHECK(pthread_create(&b, NULL, intruder, NULL) == 0);
  RT_CHECK(pthread_join(a, NULL) == 0);
  RT_CHECK(pthread_join(b, NULL) == 0);
  hmap_free(m_p);
  hmap_free(m_c);
  return 0;
}
