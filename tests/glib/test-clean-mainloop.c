/*
 * test-clean-mainloop.c: a map written by the main thread and then handed
 * to a callback that runs on another thread's main loop is ordered, for
 * every way of scheduling the callback that mapsan wraps: g_idle_add,
 * g_idle_add_full, g_idle_add_once, g_timeout_add, g_timeout_add_full,
 * g_timeout_add_once, g_main_context_invoke, g_main_context_invoke_full
 * (the context is owned by the loop thread, so GLib queues an idle
 * source), and g_idle_source_new + g_source_set_callback + g_source_attach
 * with a write between setting the callback and attaching. The scheduling
 * call is a release, the start of the callback's dispatch (mapsan's
 * callback "object", whose ref GLib calls then) an acquire.
 * Callbacks run inside libglib's dispatch, which LD_PRELOAD cannot see.
 * Main writes every map again after joining the loop thread.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <glib.h>
#include <hmap.h>

#include <stdint.h>

#define N 9

static GMainLoop *loop;
static hmap *maps[N];
static int ran, notified; /* loop thread only, then main after join */
static atomic_int started;

static void touch(hmap *m) {
  for (uint64_t k = 0; k < 20; k++)
    *(uint64_t *)hmap_assign(m, &k) = k + 1;
  if (++ran == N)
    g_main_loop_quit(loop);
}

static gboolean cb(gpointer data) {
  touch(data);
  return G_SOURCE_REMOVE;
}

static void cb_once(gpointer data) { touch(data); }

static void notify(gpointer data) { notified++; }

static gboolean on_start(gpointer data) {
  rt_flag_set(&started, 1);
  return G_SOURCE_REMOVE;
}

static gpointer loop_thread(gpointer arg) {
  g_main_loop_run(loop);
  return NULL;
}

static hmap *filled(int i) {
  hmap *m = maps[i] = hmap_new(&hmap_u64_u64, 0);
  for (uint64_t k = 0; k < 20; k++)
    *(uint64_t *)hmap_assign(m, &k) = k;
  return m;
}

int main(void) {
  loop = g_main_loop_new(NULL, FALSE);
  GThread *t = g_thread_new("loop", loop_thread, NULL);
  g_idle_add(on_start, NULL);
  RT_CHECK(rt_flag_wait(&started, 1, 10000)); /* the loop owns the context */

  g_idle_add(cb, filled(0));
  g_idle_add_full(G_PRIORITY_DEFAULT_IDLE, cb, filled(1), notify);
  g_idle_add_once(cb_once, filled(2));
  g_timeout_add(1, cb, filled(3));
  g_timeout_add_full(G_PRIORITY_DEFAULT, 1, cb, filled(4), notify);
  g_timeout_add_once(1, cb_once, filled(5));
  g_main_context_invoke(NULL, cb, filled(6));
  g_main_context_invoke_full(NULL, G_PRIORITY_DEFAULT, cb, filled(7), notify);
  GSource *s = g_idle_source_new();
  g_source_set_callback(s, cb, filled(8), NULL);
  uint64_t k = 100; /* after set_callback, before attach: still handed over */
  *(uint64_t *)hmap_assign(maps[8], &k) = 1;
  g_source_attach(s, NULL);
  g_source_unref(s);

  g_thread_join(t);
  RT_CHECK(ran == N && notified == 3);
  for (int i = 0; i < N; i++) {
    k = 0;
    RT_CHECK(*(uint64_t *)hmap_lookup(maps[i], &k) == 1);
    *(uint64_t *)hmap_assign(maps[i], &k) = 0;
    hmap_free(maps[i]);
  }
  g_main_loop_unref(loop);
  return 0;
}
