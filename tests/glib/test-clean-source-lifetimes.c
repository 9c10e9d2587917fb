/*
 * test-clean-source-lifetimes.c: a GSource's clock lives as long as the
 * source can still dispatch. mapsan drops it when GLib drops the callback of
 * a destroyed source (shim/sync_glib.c); GLib also drops a callback when a
 * new one replaces it on a live source, and when a source that was never
 * attached is finalized, and neither may lose an edge or upset GLib.
 *
 * Main attaches an idle source to a context nobody iterates yet, writes a
 * map, then replaces the source's callback (a release; GLib frees the old
 * callback's data right after) and lets the loop thread iterate: the new
 * callback writes the map, ordered after main's write by the replacement's
 * release. Were the clock dropped when the old callback went, the ordering
 * would be lost and a false race reported. Before that, a source that is
 * given a callback and unreferenced without being attached is finalized;
 * GLib criticals are made fatal, so any misuse of GLib's API on the way
 * (g_source_is_destroyed on a finalized source, say) fails the test.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <glib.h>
#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m;
static GMainContext *ctx;
static atomic_int go, done, notified;

static gboolean first(gpointer data) {
  (void)data;
  RT_CHECK(!"the replaced callback ran");
  return G_SOURCE_REMOVE;
}

static gboolean second(gpointer data) {
  (void)data;
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* after main's, through the source */
  rt_flag_set(&done, 1);
  return G_SOURCE_REMOVE;
}

static void count(gpointer data) {
  (void)data;
  atomic_fetch_add_explicit(&notified, 1, memory_order_relaxed);
}

static void *loop_thread(void *arg) {
  (void)arg;
  RT_CHECK(rt_flag_wait(&go, 1, 10000));
  while (!atomic_load_explicit(&done, memory_order_relaxed))
    g_main_context_iteration(ctx, TRUE);
  return NULL;
}

int main(void) {
  g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  m = hmap_new(&hmap_u64_u64, 0);
  uint64_t k = 0;
  *(uint64_t *)hmap_assign(m, &k) = 0; /* tracked maps in use */

  /* Never attached: finalized with its callback. */
  GSource *lone = g_idle_source_new();
  g_source_set_callback(lone, first, NULL, count);
  g_source_unref(lone);
  RT_CHECK(atomic_load(&notified) == 1);

  ctx = g_main_context_new();
  pthread_t th;
  pthread_create(&th, NULL, loop_thread, NULL);
  GSource *s = g_idle_source_new();
  g_source_set_callback(s, first, NULL, count);
  g_source_attach(s, ctx);
  k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1; /* main's write */
  g_source_set_callback(s, second, NULL, count); /* replaces: a release */
  RT_CHECK(atomic_load(&notified) == 2);
  g_source_unref(s);
  rt_flag_set(&go, 1);
  pthread_join(th, NULL);
  RT_CHECK(atomic_load(&notified) == 3);
  g_main_context_unref(ctx);
  hmap_free(m);
  return 0;
}
