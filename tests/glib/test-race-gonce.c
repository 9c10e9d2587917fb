/*
 * test-race-gonce.c: the twin of test-clean-gonce.c where the thread that
 * ran the initializer writes the map once more after initialization was
 * published (after its g_once_impl returned; after g_once_init_leave).
 * A later thread that gets the map from GLib's function is ordered after
 * the initialization, not after that write: one race per form.
 *
 * mapsan-expect: write-write-race A B
 * mapsan-expect: write-write-race C D
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <glib.h>
#include <hmap.h>

#include <stdint.h>

static GOnce once = G_ONCE_INIT;
static gsize loc;
static hmap *m_fn;
static atomic_int step;

static gpointer init_once(gpointer arg) {
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  uint64_t k = 0;
  *(uint64_t *)hmap_assign(m, &k) = 0;
  return m;
}

static gpointer first(gpointer arg) {
  uint64_t k = 1;
  hmap *m = g_once_impl(&once, init_once, NULL);
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: A */
  if ((g_once_init_enter)(&loc)) {
    m_fn = hmap_new(&hmap_u64_u64, 0);
    g_once_init_leave(&loc, 1);
  }
  *(uint64_t *)hmap_assign(m_fn, &k) = 1; /* mapsan-mark: C */
  rt_flag_set(&step, 1);
  return NULL;
}

static gpointer second(gpointer arg) {
  RT_CHECK(rt_flag_wait(&step, 1, 10000));
  uint64_t k = 2;
  hmap *m = g_once_impl(&once, init_once, NULL);
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: B */
  RT_CHECK(!(g_once_init_enter)(&loc));
  *(uint64_t *)hmap_assign(m_fn, &k) = 2; /* mapsan-mark: D */
  return NULL;
}

int main(void) {
  GThread *a = g_thread_new("first", first, NULL);
  GThread *b = g_thread_new("second", second, NULL);
  g_thread_join(a);
  g_thread_join(b);
  hmap_free(once.retval);
  hmap_free(m_fn);
  return 0;
}
