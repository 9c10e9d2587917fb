/*
 * test-race-gmutex.c: the twin of test-clean-gmutex.c where the two
 * threads lock different GMutexes around their writes to one map (the
 * "wrong lock" bug), and where a write follows g_mutex_unlock instead of
 * preceding it. Each is unordered in every schedule: one race per map.
 *
 * mapsan-expect: write-write-race A B
 * mapsan-expect: write-write-race C D
 * mapsan-overlapping: false
 * mapsan-lock-kind: L1 GMutex
 * mapsan-lock-kind: L2 GMutex
 * mapsan-lock-created: L1 LOCK_B
 * mapsan-lock-created: L2 LOCK_A
 * mapsan-stderr: Locks held \(1, innermost first\): L1 0x[0-9a-f]+ \(mu_b, GMutex\)\n
 * mapsan-stderr: Lock L2 0x[0-9a-f]+ \(mu_a, GMutex\) first seen at:\n
 */
#include "runtime-test.h"

#include <glib.h>
#include <hmap.h>

#include <stdint.h>

static GMutex mu_a, mu_b, mu;
static hmap *m1, *m2;
static atomic_int step;

static gpointer first(gpointer arg) {
  uint64_t k = 1;
  g_mutex_lock(&mu_a); /* mapsan-mark: LOCK_A */
  *(uint64_t *)hmap_assign(m1, &k) = 1; /* mapsan-mark: A */
  g_mutex_unlock(&mu_a);
  g_mutex_lock(&mu);
  g_mutex_unlock(&mu);
  *(uint64_t *)hmap_assign(m2, &k) = 1; /* mapsan-mark: C */
  rt_flag_set(&step, 1);
  return NULL;
}

static gpointer second(gpointer arg) {
  RT_CHECK(rt_flag_wait(&step, 1, 10000));
  uint64_t k = 2;
  g_mutex_lock(&mu_b); /* mapsan-mark: LOCK_B */
  *(uint64_t *)hmap_assign(m1, &k) = 2; /* mapsan-mark: B */
  g_mutex_unlock(&mu_b);
  g_mutex_lock(&mu);
  *(uint64_t *)hmap_assign(m2, &k) = 2; /* mapsan-mark: D */
  g_mutex_unlock(&mu);
  return NULL;
}

int main(void) {
  m1 = hmap_new(&hmap_u64_u64, 0);
  m2 = hmap_new(&hmap_u64_u64, 0);
  GThread *a = g_thread_new("first", first, NULL);
  GThread *b = g_thread_new("second", second, NULL);
  g_thread_join(a);
  g_thread_join(b);
  hmap_free(m1);
  hmap_free(m2);
  return 0;
}
