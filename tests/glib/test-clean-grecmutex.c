/*
 * test-clean-grecmutex.c: two GThreads write one map under a GRecMutex
 * taken recursively (lock inside lock, and trylock inside lock), and main
 * writes after joining them: ordered. GRecMutex is built on a pthread
 * mutex that GLib locks through the PLT; this also exercises the muting of
 * that inner layer (each acquisition counted once, on the GRecMutex).
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <glib.h>
#include <hmap.h>

#include <stdint.h>

static GRecMutex rmu;
static hmap *m;

static void put(uint64_t k) {
  g_rec_mutex_lock(&rmu); /* already held by the caller: recursion */
  *(uint64_t *)hmap_assign(m, &k) = k;
  g_rec_mutex_unlock(&rmu);
}

static gpointer writer(gpointer arg) {
  uint64_t base = (uint64_t)(uintptr_t)arg;
  for (uint64_t k = base; k < base + 100; k++) {
    g_rec_mutex_lock(&rmu);
    put(k);
    RT_CHECK(g_rec_mutex_trylock(&rmu));
    *(uint64_t *)hmap_assign(m, &k) = k + 1;
    g_rec_mutex_unlock(&rmu);
    g_rec_mutex_unlock(&rmu);
  }
  return NULL;
}

int main(void) {
  g_rec_mutex_init(&rmu);
  m = hmap_new(&hmap_u64_u64, 0);
  GThread *a = g_thread_new("a", writer, (gpointer)(uintptr_t)0);
  GThread *b = g_thread_new("b", writer, (gpointer)(uintptr_t)50);
  g_thread_join(a);
  g_thread_join(b);
  uint64_t k = 0;
  *(uint64_t *)hmap_assign(m, &k) = 7;
  RT_CHECK(hmap_len(m) == 150);
  hmap_free(m);
  g_rec_mutex_clear(&rmu);
  return 0;
}
