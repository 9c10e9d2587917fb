/*
 * test-clean-gmutex.c: writes to one map from two GThreads, each under the
 * same GMutex (g_mutex_lock, and a g_mutex_trylock loop), and from main
 * after g_thread_join, are ordered. GMutex never calls pthread, so only
 * the g_mutex_* wrappers can see these edges. A second, heap-allocated
 * GMutex goes through g_mutex_init/g_mutex_clear and is re-initialized at
 * the same address between two rounds.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <glib.h>
#include <hmap.h>

#include <stdint.h>

static GMutex mu;
static hmap *m;

static gpointer locker(gpointer arg) {
  for (uint64_t k = 0; k < 200; k++) {
    g_mutex_lock(&mu);
    *(uint64_t *)hmap_assign(m, &k) = k;
    g_mutex_unlock(&mu);
  }
  return NULL;
}

static gpointer trylocker(gpointer arg) {
  for (uint64_t k = 100; k < 300; k++) {
    while (!g_mutex_trylock(&mu))
      g_thread_yield();
    *(uint64_t *)hmap_assign(m, &k) = k;
    g_mutex_unlock(&mu);
  }
  return NULL;
}

struct guarded {
  GMutex lock;
  hmap *map;
};

static gpointer guarded_writer(gpointer arg) {
  struct guarded *g = arg;
  for (uint64_t k = 0; k < 50; k++) {
    g_mutex_lock(&g->lock);
    *(uint64_t *)hmap_assign(g->map, &k) = k;
    g_mutex_unlock(&g->lock);
  }
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  GThread *a = g_thread_new("locker", locker, NULL);
  GThread *b = g_thread_new("trylocker", trylocker, NULL);
  g_thread_join(a);
  g_thread_join(b);
  uint64_t k = 0;
  *(uint64_t *)hmap_assign(m, &k) = 1;
  RT_CHECK(hmap_len(m) == 300);
  hmap_free(m);

  struct guarded *g = g_new0(struct guarded, 1);
  for (int round = 0; round < 2; round++) {
    g_mutex_init(&g->lock);
    g->map = hmap_new(&hmap_u64_u64, 0);
    GThread *w1 = g_thread_new("w1", guarded_writer, g);
    GThread *w2 = g_thread_new("w2", guarded_writer, g);
    g_thread_join(w1);
    g_thread_join(w2);
    hmap_free(g->map);
    g_mutex_clear(&g->lock);
  }
  g_free(g);
  return 0;
}
