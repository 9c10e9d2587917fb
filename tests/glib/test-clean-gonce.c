/*
 * test-clean-gonce.c: a map created and filled by a one-time initializer
 * is then read by every thread without a lock: ordered, for each way a
 * thread can get the result from GLib's functions:
 *   - g_once_impl (what the g_once() macro calls while not READY), called
 *     here directly so that every thread goes through it: the thread that
 *     ran the initializer released on the GOnce after it, every caller
 *     acquires;
 *   - (g_once_init_enter)(&location), the function form (what the macro
 *     calls while the location is still 0, and what C++ or compilers
 *     without the GNU extension get): FALSE is an acquire of the release
 *     made by g_once_init_leave;
 *   - the g_once_init_enter() macro, whose inline fast path calls nothing
 *     once the location is set, followed by MAPSAN_HAPPENS_AFTER(&location):
 *     an annotation such programs no longer need (the once window, see
 *     test-clean-gonce-fastpath.c), which must still be honoured.
 * Four threads start together; whichever arrives first initializes.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <glib.h>
#include <hmap.h>
#include <mapsan/annotate.h>

#include <stdint.h>

static GOnce once = G_ONCE_INIT;
static gsize loc_fn, loc_macro;
static hmap *m_once, *m_fn, *m_macro;

static hmap *make_map(void) {
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  for (uint64_t k = 0; k < 50; k++)
    *(uint64_t *)hmap_assign(m, &k) = k;
  return m;
}

static gpointer init_once(gpointer arg) { return make_map(); }

static void read_all(hmap *m) {
  for (uint64_t k = 0; k < 50; k++)
    RT_CHECK(*(uint64_t *)hmap_lookup(m, &k) == k);
}

static gpointer user(gpointer arg) {
  hmap *m = g_once_impl(&once, init_once, NULL);
  read_all(m);

  if ((g_once_init_enter)(&loc_fn)) {
    m_fn = make_map();
    g_once_init_leave(&loc_fn, 1);
  }
  read_all(m_fn);

  if (g_once_init_enter(&loc_macro)) {
    m_macro = make_map();
    g_once_init_leave(&loc_macro, 1);
  }
  MAPSAN_HAPPENS_AFTER(&loc_macro);
  read_all(m_macro);
  return NULL;
}

int main(void) {
  GThread *th[4];
  for (int i = 0; i < 4; i++)
    th[i] = g_thread_new("user", user, NULL);
  for (int i = 0; i < 4; i++)
    g_thread_join(th[i]);
  m_once = once.retval;
  hmap_free(m_once);
  hmap_free(m_fn);
  hmap_free(m_macro);
  return 0;
}
