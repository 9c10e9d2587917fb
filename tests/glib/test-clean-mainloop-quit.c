/*
 * test-clean-mainloop-quit.c: a worker fills a map and then quits the main
 * thread's loop; the main thread uses the map after g_main_loop_run
 * returned, before it joins the worker. Ordered: GLib's run returns only
 * after a quit, through a flag read and written inside libglib that
 * LD_PRELOAD cannot see; mapsan's quit releases on the GMainLoop and the
 * return of run acquires from it. The worker quits once the loop runs (an
 * idle callback raises a relaxed flag: no edge to the worker).
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <glib.h>
#include <hmap.h>

#include <stdint.h>

static GMainLoop *loop;
static hmap *m;
static atomic_int running;

static gboolean on_start(gpointer data) {
  rt_flag_set(&running, 1);
  return G_SOURCE_REMOVE;
}

static gpointer worker(gpointer arg) {
  for (uint64_t k = 0; k < 50; k++)
    *(uint64_t *)hmap_assign(m, &k) = k + 1;
  RT_CHECK(rt_flag_wait(&running, 1, 10000)); /* a quit before run is lost */
  g_main_loop_quit(loop);
  return NULL;
}

int main(void) {
  loop = g_main_loop_new(NULL, FALSE);
  m = hmap_new(&hmap_u64_u64, 0);
  g_idle_add(on_start, NULL);
  GThread *t = g_thread_new("worker", worker, NULL);
  g_main_loop_run(loop);
  for (uint64_t k = 0; k < 50; k++)
    RT_CHECK(*(uint64_t *)hmap_lookup(m, &k) == k + 1);
  uint64_t k = 100;
  *(uint64_t *)hmap_assign(m, &k) = 1;
  g_thread_join(t);
  hmap_free(m);
  g_main_loop_unref(loop);
  return 0;
}
