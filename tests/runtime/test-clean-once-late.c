/*
 * test-clean-once-late.c: pthread_once and C11 call_once initialize a map
 * in one thread; threads that arrive after initialization (relaxed flag:
 * no edge from the initializer) call the once again, which returns at once
 * without running anything, and read the map without a lock. Ordered by
 * the once's acquire in mapsan's wrapper, and by the once-publication rule
 * (shim/once.c) that the routine's window also gets. No report.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>
#include <threads.h>

static pthread_once_t p_once = PTHREAD_ONCE_INIT;
static once_flag c_once = ONCE_FLAG_INIT;
static hmap *m_p, *m_c;
static atomic_int done;

static hmap *filled(uint64_t base) {
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  for (uint64_t k = 0; k < 20; k++)
    *(uint64_t *)hmap_assign(m, &k) = base + k;
  return m;
}

static void init_p(void) { m_p = filled(100); }
static void init_c(void) { m_c = filled(200); }

static void use(void) {
  RT_CHECK(pthread_once(&p_once, init_p) == 0);
  call_once(&c_once, init_c);
  for (uint64_t k = 0; k < 20; k++) {
    RT_CHECK(*(uint64_t *)hmap_lookup(m_p, &k) == 100 + k);
    RT_CHECK(*(uint64_t *)hmap_lookup(m_c, &k) == 200 + k);
  }
}

static void *first(void *arg) {
  use();
  rt_flag_set(&done, 1);
  return NULL;
}

static void *late(void *arg) {
  RT_CHECK(rt_flag_wait(&done, 1, 10000));
  use();
  return NULL;
}

int main(void) {
  pthread_t t[4];
  RT_CHECK(pthread_create(&t[0], NULL, first, NULL) == 0);
  for (int i = 1; i < 4; i++)
    RT_CHECK(pthread_create(&t[i], NULL, late, NULL) == 0);
  for (int i = 0; i < 4; i++)
    RT_CHECK(pthread_join(t[i], NULL) == 0);
  hmap_free(m_p);
  hmap_free(m_c);
  return 0;
}
