/*
 * test-clean-gonce-fastpath.c (PENDING: fails against the current
 * runtime, by design of what LD_PRELOAD can see). The usual
 * g_once_init_enter() pattern, with the macro: the first thread
 * initializes a map; a thread that arrives after initialization takes the
 * macro's inline fast path (an acquire load of the location, a real
 * happens-before edge in C11) and calls nothing, so mapsan gets no edge
 * and reports its read of the map as unordered with the initializer's
 * writes: a false read-write race. test-clean-gonce.c shows the
 * annotation that fixes it in the program (MAPSAN_HAPPENS_AFTER(&location)
 * after the macro). A fix in mapsan would need an edge without a call
 * (e.g. a write-protected page on the location), which nothing does yet.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <glib.h>
#include <hmap.h>

#include <stdint.h>

static gsize loc;
static hmap *m;
static atomic_int step;

static void use(void) {
  if (g_once_init_enter(&loc)) {
    m = hmap_new(&hmap_u64_u64, 0);
    uint64_t k = 1;
    *(uint64_t *)hmap_assign(m, &k) = 1;
    g_once_init_leave(&loc, 1);
  }
  uint64_t k = 1;
  RT_CHECK(*(uint64_t *)hmap_lookup(m, &k) == 1);
}

static gpointer first(gpointer arg) {
  use();
  rt_flag_set(&step, 1);
  return NULL;
}

static gpointer late(gpointer arg) {
  RT_CHECK(rt_flag_wait(&step, 1, 10000));
  use(); /* fast path: no call into GLib */
  return NULL;
}

int main(void) {
  GThread *a = g_thread_new("first", first, NULL);
  GThread *b = g_thread_new("late", late, NULL);
  g_thread_join(a);
  g_thread_join(b);
  hmap_free(m);
  return 0;
}
