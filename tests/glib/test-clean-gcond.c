/*
 * test-clean-gcond.c: a producer/consumer hand-off of a map through a
 * GMutex and a GCond is ordered: the producer fills the map under the
 * mutex, sets the predicate and broadcasts; the consumer waits for the
 * predicate (g_cond_wait for one map, g_cond_wait_until with short
 * deadlines, so that it also returns on timeouts, for the other), then
 * owns the map. GLib re-locks the mutex inside the wait without a visible
 * call; the wrapper records the release and the re-acquisition.
 *
 * mapsan-expect: none
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
  for (uint64_t k = 0; k < 100; k++) {
    uint64_t *v = hmap_lookup(maps[i], &k);
    RT_CHECK(v != NULL && *v == k);
    *(uint64_t *)hmap_assign(maps[i], &k) = k + 1;
  }
  return NULL;
}

int main(void) {
  GThread *th[2];
  for (int i = 0; i < 2; i++) {
    maps[i] = hmap_new(&hmap_u64_u64, 0);
    th[i] = g_thread_new("consumer", consumer, (gpointer)(uintptr_t)i);
  }
  rt_sleep_ms(30); /* let the consumers block first (either order is clean) */
  for (int i = 0; i < 2; i++) {
    g_mutex_lock(&mu);
    for (uint64_t k = 0; k < 100; k++)
      *(uint64_t *)hmap_assign(maps[i], &k) = k;
    ready[i] = 1;
    g_cond_broadcast(&cv);
    g_mutex_unlock(&mu);
  }
  for (int i = 0; i < 2; i++) {
    g_thread_join(th[i]);
    hmap_free(maps[i]);
  }
  return 0;
}
