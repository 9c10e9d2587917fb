/*
 * test-race-source-lifetimes.c: the twin of test-clean-source-lifetimes.c
 * with main's write moved after the last release on the source (the
 * callback's replacement): nothing orders it before the callback's write
 * on the loop thread, and the race must be reported, whatever became of
 * the replaced callback and of a never-attached source finalized before.
 *
 * mapsan-expect: write-write-race CALLBACK MAIN
 */
#include "runtime-test.h"

#include <glib.h>
#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m;
static GMainContext *ctx;
static atomic_int go, done, written;

static gboolean first(gpointer data) {
  (void)data;
  RT_CHECK(!"the replaced callback ran");
  return G_SOURCE_REMOVE;
}

static gboolean second(gpointer data) {
  (void)data;
  RT_CHECK(rt_flag_wait(&written, 1, 10000));
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: CALLBACK */
  rt_flag_set(&done, 1);
  return G_SOURCE_REMOVE;
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

  GSource *lone = g_idle_source_new();
  g_source_set_callback(lone, first, NULL, NULL);
  g_source_unref(lone);

  ctx = g_main_context_new();
  pthread_t th;
  pthread_create(&th, NULL, loop_thread, NULL);
  GSource *s = g_idle_source_new();
  g_source_set_callback(s, first, NULL, NULL);
  g_source_attach(s, ctx);
  g_source_set_callback(s, second, NULL, NULL); /* the last release */
  g_source_unref(s);
  rt_flag_set(&go, 1);
  k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: MAIN */
  rt_flag_set(&written, 1);
  pthread_join(th, NULL);
  g_main_context_unref(ctx);
  hmap_free(m);
  return 0;
}
