/*
 * test-race-mainloop.c: the twin of test-clean-mainloop.c where the main
 * thread writes a map once more after scheduling the callback that owns
 * it (after g_idle_add; after g_source_attach of an idle source with a
 * callback set by g_source_set_callback). The callback, on the loop
 * thread, is ordered after the scheduling, not after that write: one race
 * per map. The callbacks wait (relaxed flag, no edge) until main has
 * written.
 *
 * mapsan-expect: write-write-race A B
 * mapsan-expect: write-write-race C D
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <glib.h>
#include <hmap.h>

#include <stdint.h>

static GMainLoop *loop;
static hmap *m1, *m2;
static atomic_int written;
static int ran;

static gboolean cb1(gpointer data) {
  RT_CHECK(rt_flag_wait(&written, 1, 10000));
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(data, &k) = 2; /* mapsan-mark: B */
  if (++ran == 2)
    g_main_loop_quit(loop);
  return G_SOURCE_REMOVE;
}

static gboolean cb2(gpointer data) {
  RT_CHECK(rt_flag_wait(&written, 1, 10000));
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(data, &k) = 2; /* mapsan-mark: D */
  if (++ran == 2)
    g_main_loop_quit(loop);
  return G_SOURCE_REMOVE;
}

static gpointer loop_thread(gpointer arg) {
  g_main_loop_run(loop);
  return NULL;
}

int main(void) {
  loop = g_main_loop_new(NULL, FALSE);
  m1 = hmap_new(&hmap_u64_u64, 0);
  m2 = hmap_new(&hmap_u64_u64, 0);
  uint64_t k = 1;
  g_idle_add(cb1, m1);
  GSource *s = g_idle_source_new();
  g_source_set_callback(s, cb2, m2, NULL);
  g_source_attach(s, NULL);
  g_source_unref(s);
  GThread *t = g_thread_new("loop", loop_thread, NULL);
  *(uint64_t *)hmap_assign(m1, &k) = 1; /* mapsan-mark: A */
  *(uint64_t *)hmap_assign(m2, &k) = 1; /* mapsan-mark: C */
  rt_flag_set(&written, 1);
  g_thread_join(t);
  hmap_free(m1);
  hmap_free(m2);
  g_main_loop_unref(loop);
  return 0;
}
