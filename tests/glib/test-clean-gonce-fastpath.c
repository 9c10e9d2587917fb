/*
 * test-clean-gonce-fastpath.c: lazy initialization with GLib's macros, as
 * programs write it. The first thread initializes a map; a thread that
 * arrives after initialization takes the macro's inline fast path (an
 * acquire load of the location or of the GOnce's status, a real
 * happens-before edge in C11) and calls nothing, so mapsan sees no edge:
 * the once-publication rule (shim/once.c) orders its reads after what the
 * initializer did in its window. Both macros: g_once_init_enter/leave and
 * g_once().
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <glib.h>
#include <hmap.h>

#include <stdint.h>

static gsize loc;
static hmap *m;
static GOnce once = G_ONCE_INIT;
static atomic_int step;

static void use(void) {
  if (g_once_init_enter(&loc)) {
    m = hmap_new(&hmap_u64_u64, 0);
    for (uint64_t k = 0; k < 20; k++)
      *(uint64_t *)hmap_assign(m, &k) = k + 1;
    g_once_init_leave(&loc, 1);
  }
  for (uint64_t k = 0; k < 20; k++)
    RT_CHECK(*(uint64_t *)hmap_lookup(m, &k) == k + 1);
}

static gpointer make_map(gpointer arg) {
  hmap *om = hmap_new(&hmap_u64_u64, 0);
  for (uint64_t k = 0; k < 20; k++)
    *(uint64_t *)hmap_assign(om, &k) = k + 2;
  return om;
}

static void use_g_once(void) {
  hmap *om = g_once(&once, make_map, NULL);
  for (uint64_t k = 0; k < 20; k++)
    RT_CHECK(*(uint64_t *)hmap_lookup(om, &k) == k + 2);
}

static gpointer first(gpointer arg) {
  use();
  use_g_once();
  rt_flag_set(&step, 1);
  return NULL;
}

static gpointer late(gpointer arg) {
  RT_CHECK(rt_flag_wait(&step, 1, 10000));
  use();        /* fast path: no call into GLib */
  use_g_once(); /* likewise */
  return NULL;
}

int main(void) {
  GThread *a = g_thread_new("first", first, NULL);
  GThread *b = g_thread_new("late", late, NULL);
  GThread *c = g_thread_new("late", late, NULL);
  g_thread_join(a);
  g_thread_join(b);
  g_thread_join(c);
  hmap_free(m);
  hmap_free(once.retval);
  return 0;
}
