/*
 * stress-clean-glib-churn.c: two threads churn through GHashTables and idle
 * sources, the GLib objects mapsan keeps a happens-before clock on by their
 * address, and the clocks must go with the objects. In each of 10 rounds a
 * thread makes 10,000 tables, all alive at once (so that their addresses
 * differ), shares each by reference in turn (ref, unref, then the last
 * unref destroys it: every unref releases on the table and the last one
 * acquires, shim/map_glib.c); and attaches 10,000 idle sources to its own
 * GMainContext with g_source_set_callback (set_callback and attach release
 * on the source, the dispatch acquires, shim/sync_glib.c), then dispatches
 * them all. Proves that the churn is silent and that no clock outlives its
 * object: the summary at exit (verbosity=1) counts fewer than 100 sync
 * objects held (kept, there would be one for each of up to 40,000
 * addresses; before the fix GLib's gmenumodel ended holding 98,000).
 *
 * Time: about 0.5 s under mapsan here; the bound (60 s, a watchdog at
 * 58 s) is a deadlock guard.
 *
 * mapsan-options: verbosity=1
 * mapsan-expect: none
 * mapsan-stderr: engine: [0-9]+ map records, [0-9]{1,2} sync objects,
 * stress-max-seconds: 60
 */
#include "stress-test.h"

#include <glib.h>

#include <pthread.h>
#include <stdint.h>

enum { THREADS = 2, ROUNDS = 10, BATCH = 10000 };

static gboolean once(gpointer data) {
  (*(long *)data)++;
  return G_SOURCE_REMOVE;
}

static void *worker(void *arg) {
  (void)arg;
  GMainContext *ctx = g_main_context_new();
  GHashTable **tables = g_new(GHashTable *, BATCH);
  long ran = 0;
  for (int round = 0; round < ROUNDS; round++) {
    for (int i = 0; i < BATCH; i++) {
      tables[i] = g_hash_table_new(g_direct_hash, g_direct_equal);
      g_hash_table_insert(tables[i], GINT_TO_POINTER(1), GINT_TO_POINTER(i));
    }
    for (int i = 0; i < BATCH; i++) {
      g_hash_table_ref(tables[i]);
      g_hash_table_unref(tables[i]);
      RT_CHECK(g_hash_table_lookup(tables[i], GINT_TO_POINTER(1)) ==
               GINT_TO_POINTER(i));
      g_hash_table_unref(tables[i]); /* the last: destroys */
    }
    for (int i = 0; i < BATCH; i++) {
      GSource *s = g_idle_source_new();
      g_source_set_callback(s, once, &ran, NULL);
      g_source_attach(s, ctx);
      g_source_unref(s);
    }
    while (ran < (long)(round + 1) * BATCH)
      g_main_context_iteration(ctx, FALSE);
  }
  RT_CHECK(ran == (long)ROUNDS * BATCH);
  g_free(tables);
  g_main_context_unref(ctx);
  return NULL;
}

int main(void) {
  st_watchdog(58);
  long t0 = rt_now_ms();
  st_phase = "churn";
  pthread_t th[THREADS];
  for (int i = 0; i < THREADS; i++)
    RT_CHECK(pthread_create(&th[i], NULL, worker, NULL) == 0);
  for (int i = 0; i < THREADS; i++)
    RT_CHECK(pthread_join(th[i], NULL) == 0);
  fprintf(stderr, "%d tables and %d sources in %ld ms\n",
          THREADS * ROUNDS * BATCH, THREADS * ROUNDS * BATCH,
          rt_now_ms() - t0);
  return 0;
}
