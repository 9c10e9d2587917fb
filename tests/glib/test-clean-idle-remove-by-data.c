/*
 * test-clean-idle-remove-by-data.c: mapsan must not change what GLib
 * holds as a source's user data. Callbacks scheduled with g_idle_add*,
 * g_timeout_add* and g_main_context_invoke_full (queued) are found again
 * by their data: g_idle_remove_by_data, g_source_remove_by_user_data,
 * g_source_remove_by_funcs_user_data and
 * g_main_context_find_source_by_user_data must succeed for the removed
 * ones, their notify gets the program's own pointer, and the sources keep
 * GLib's names and priorities. The kept callbacks run on a worker thread's
 * main loop and write a map that main wrote before scheduling them: clean
 * only through the scheduling edge (the worker is already running the loop,
 * held in a first callback by a relaxed flag, which orders nothing).
 * Main writes the map again after joining the worker.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <glib.h>
#include <hmap.h>

#include <stdint.h>
#include <string.h>

enum { KEPT = 9, REMOVED = 8 };

static GMainLoop *loop;
static hmap *m;
static int kept_tags[KEPT], removed_tags[REMOVED];
static int ran[KEPT];      /* worker only, then main after join */
static int ran_total;      /* worker only */
static int notified[KEPT]; /* kept: worker; removed: main */
static int removed_notified[REMOVED];
static atomic_int in_gate, go;

static void touch(int *tag) {
  int i = (int)(tag - kept_tags);
  RT_CHECK(i >= 0 && i < KEPT);
  for (uint64_t k = 0; k < 20; k++)
    *(uint64_t *)hmap_assign(m, &k) = (uint64_t)i;
  ran[i]++;
  if (++ran_total == KEPT)
    g_main_loop_quit(loop);
}

static gboolean cb(gpointer data) {
  touch(data);
  return G_SOURCE_REMOVE;
}

static void cb_once(gpointer data) { touch(data); }

static gboolean cb_never(gpointer data) {
  RT_CHECK(!"a removed source ran");
  return G_SOURCE_REMOVE;
}

static void cb_once_never(gpointer data) { RT_CHECK(!"a removed source ran"); }

static void notify_kept(gpointer data) {
  int i = (int)((int *)data - kept_tags);
  RT_CHECK(i >= 0 && i < KEPT);
  notified[i]++;
}

static void notify_removed(gpointer data) {
  int i = (int)((int *)data - removed_tags);
  RT_CHECK(i >= 0 && i < REMOVED);
  removed_notified[i]++;
}

/* The worker owns the default context and dispatches this first; it waits
 * here while main schedules and removes. */
static gboolean gate(gpointer data) {
  rt_flag_set(&in_gate, 1);
  RT_CHECK(rt_flag_wait(&go, 1, 10000));
  return G_SOURCE_REMOVE;
}

static gpointer worker(gpointer arg) {
  g_main_loop_run(loop);
  return NULL;
}

/* The source GLib holds for data: present, with this priority and name. */
static void check_source(gpointer data, gint priority, const char *name) {
  GSource *s = g_main_context_find_source_by_user_data(NULL, data);
  RT_CHECK(s != NULL);
  RT_CHECK(g_source_get_priority(s) == priority);
  const char *n = g_source_get_name(s);
  RT_CHECK(name == NULL ? n == NULL : n != NULL && strcmp(n, name) == 0);
}

int main(void) {
  loop = g_main_loop_new(NULL, FALSE);
  m = hmap_new(&hmap_u64_u64, 0);
  g_idle_add_full(G_PRIORITY_HIGH, gate, NULL, NULL);
  GThread *t = g_thread_new("worker", worker, NULL);
  RT_CHECK(rt_flag_wait(&in_gate, 1, 10000));

  /* Written after the worker started: handed over by the scheduling. */
  for (uint64_t k = 0; k < 20; k++)
    *(uint64_t *)hmap_assign(m, &k) = 100;

  /* Kept. */
  int *k0 = kept_tags;
  g_idle_add(cb, &k0[0]);
  g_idle_add_full(G_PRIORITY_HIGH_IDLE, cb, &k0[1], notify_kept);
  g_idle_add_once(cb_once, &k0[2]);
  g_timeout_add(1, cb, &k0[3]);
  g_timeout_add_full(G_PRIORITY_HIGH, 1, cb, &k0[4], notify_kept);
  g_timeout_add_once(1, cb_once, &k0[5]);
  g_timeout_add_seconds(0, cb, &k0[6]);
  g_timeout_add_seconds_full(G_PRIORITY_LOW, 0, cb, &k0[7], notify_kept);
  /* The worker owns the context: GLib queues an idle source. */
  g_main_context_invoke_full(NULL, G_PRIORITY_DEFAULT_IDLE, cb, &k0[8],
                             notify_kept);

  check_source(&k0[0], G_PRIORITY_DEFAULT_IDLE, "GIdleSource");
  check_source(&k0[1], G_PRIORITY_HIGH_IDLE, "GIdleSource");
  check_source(&k0[2], G_PRIORITY_DEFAULT_IDLE, "GIdleSource");
  check_source(&k0[3], G_PRIORITY_DEFAULT, NULL);
  check_source(&k0[4], G_PRIORITY_HIGH, NULL);
  check_source(&k0[5], G_PRIORITY_DEFAULT, NULL);
  check_source(&k0[6], G_PRIORITY_DEFAULT, NULL);
  check_source(&k0[7], G_PRIORITY_LOW, NULL);
  check_source(&k0[8], G_PRIORITY_DEFAULT_IDLE, "GIdleSource");

  /* Removed before they can run, found by their data. */
  int *r0 = removed_tags;
  g_idle_add(cb_never, &r0[0]);
  g_idle_add_full(G_PRIORITY_DEFAULT, cb_never, &r0[1], notify_removed);
  g_idle_add_once(cb_once_never, &r0[2]);
  g_timeout_add(1, cb_never, &r0[3]);
  g_timeout_add_full(G_PRIORITY_DEFAULT, 1, cb_never, &r0[4], notify_removed);
  g_timeout_add_once(1, cb_once_never, &r0[5]);
  g_timeout_add_seconds_full(G_PRIORITY_DEFAULT, 0, cb_never, &r0[6],
                             notify_removed);
  g_main_context_invoke_full(NULL, G_PRIORITY_DEFAULT, cb_never, &r0[7],
                             notify_removed);
  check_source(&r0[1], G_PRIORITY_DEFAULT, "GIdleSource");

  RT_CHECK(g_idle_remove_by_data(&r0[0]));
  RT_CHECK(!g_idle_remove_by_data(&r0[0]));
  RT_CHECK(g_source_remove_by_user_data(&r0[1]));
  RT_CHECK(g_idle_remove_by_data(&r0[2]));
  RT_CHECK(!g_idle_remove_by_data(&r0[3])); /* a timeout, not an idle */
  RT_CHECK(g_source_remove_by_funcs_user_data(&g_timeout_funcs, &r0[3]));
  RT_CHECK(g_source_remove_by_user_data(&r0[4]));
  RT_CHECK(g_source_remove_by_funcs_user_data(&g_timeout_funcs, &r0[5]));
  GSource *s = g_main_context_find_source_by_user_data(NULL, &r0[6]);
  RT_CHECK(s != NULL);
  g_source_destroy(s);
  RT_CHECK(g_idle_remove_by_data(&r0[7]));
  for (int i = 0; i < REMOVED; i++) {
    RT_CHECK(g_main_context_find_source_by_user_data(NULL, &r0[i]) == NULL);
    int want = i == 1 || i == 4 || i == 6 || i == 7;
    RT_CHECK(removed_notified[i] == want);
  }

  rt_flag_set(&go, 1);
  g_thread_join(t);

  for (int i = 0; i < KEPT; i++) {
    RT_CHECK(ran[i] == 1);
    RT_CHECK(g_main_context_find_source_by_user_data(NULL, &k0[i]) == NULL);
    int want = i == 1 || i == 4 || i == 7 || i == 8;
    RT_CHECK(notified[i] == want);
  }
  uint64_t k = 0;
  RT_CHECK(hmap_lookup(m, &k) != NULL);
  *(uint64_t *)hmap_assign(m, &k) = 0;
  hmap_free(m);
  g_main_loop_unref(loop);
  return 0;
}
