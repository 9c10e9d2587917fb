/*
 * test-race-gcond.c: the twin of test-clean-gcond.c where the producer
 * writes each map once more after handing it over (after broadcasting and
 * unlocking). The consumer's writes after its wakeup are ordered after the
 * hand-over but not after that later write: one race per wait flavour
 * (g_cond_wait, g_cond_wait_until).
 *
 * mapsan-expect: write-write-race P0 C0
 * mapsan-expect: write-write-race P1 C1
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <glib.h>
#include <hmap.h>

#include <stdint.h>

static GMutex mu;
static GCond cv;
static hmap *maps[2];
static int ready[2];

static gpointer consumer(gpointer arg) {
  int i = (int)(uintptr_t)arg;
  g_mutex_lock(&mu);
  while (!ready[i]) {
    if (i == 0)
      g_cond_wait(&cv, &mu);
    else
      (void)g_cond_wait_until(&cv, &mu, g_get_monotonic_time() + 5000);
  }
  g_mutex_unlock(&mu);
  rt_sleep_ms(40);
  uint64_t k = 7;
  if (i == 0)
    *(uint64_t *)hmap_assign(maps[0], &k) = 1; /* mapsan-mark: C0 */
  else
    *(uint64_t *)hmap_assign(maps[1], &k) = 1; /* mapsan-mark: C1 */
  return NULL;
}

int main(void) {
  GThread *th[2];
  for (int i = 0; i < 2; i++) {
    maps[i] = hmap_new(&hmap_u64_u64, 0);
    th[i] = g_thread_new("consumer", consumer, (gpointer)(uintptr_t)i);
  }
  rt_sleep_ms(30);
  for (int i = 0; i < 2; i++) {
    g_mutex_lock(&mu);
    uint64_t k = 0;
    *(uint64_t *)hmap_assign(maps[i], &k) = 0;
    ready[i] = 1;
    g_cond_broadcast(&cv);
    g_mutex_unlock(&mu);
  }
  uint64_t k = 1; /* too late: the maps were handed over */
  *(uint64_t *)hmap_assign(maps[0], &k) = 1; /* mapsan-mark: P0 */
  *(uint64_t *)hmap_assign(maps[1], &k) = 1; /* mapsan-mark: P1 */
  for (int i = 0; i < 2; i++) {
    g_thread_join(th[i]);
    hmap_free(maps[i]);
  }
  return 0;
}
