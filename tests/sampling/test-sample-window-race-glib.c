/*
 * test-sample-window-race-glib.c: test-sample-window-race with GHashTables:
 * between windows a drawn table's writes go to GLib alone (and its lookups,
 * from the wrapper: shim/map_glib.c), and inside a window they are checked
 * again: two threads take turns inserting into 16 shared tables (one in
 * two drawn), and each writes and looks up tables of its own, for 400 ms,
 * the turn passed through a relaxed atomic, which orders nothing: the race
 * on the shared tables is reported, with both lines, and nothing else.
 *
 * mapsan-options: sample_rate=2:sample_window_ms=5:sample_budget=25
 * mapsan-expect: write-write-race A B
 */
#include "../runtime/runtime-test.h"

#include <glib.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#define MAPS 16
static GHashTable *maps[MAPS];
/* Each thread's own tables, looked up only by it: not a race. */
static GHashTable *own[2][MAPS];
static atomic_int turn;
static long end_ms;

/* The turn's waiter sleeps on it (runtime-test.h: spinning threads that
 * share a loaded core pass few turns a second). */
static bool wait_turn(int me) { return rt_turn_wait(&turn, me, end_ms); }

static void *writer(void *arg) {
  for (uint64_t i = 0; wait_turn(1); i++) {
    gpointer k = GSIZE_TO_POINTER(1 + (i & 1023));
    for (int m = 0; m < MAPS; m++) {
      g_hash_table_insert(maps[m], k, k); /* mapsan-mark: B */
      g_hash_table_insert(own[1][m], k, k);
      (void)g_hash_table_lookup(own[1][m], k);
    }
    rt_turn_pass(&turn, 0);
  }
  return arg;
}

int main(void) {
  for (int i = 0; i < MAPS; i++)
    maps[i] = g_hash_table_new(NULL, NULL);
  for (int i = 0; i < MAPS; i++)
    for (int j = 0; j < 2; j++)
      own[j][i] = g_hash_table_new(NULL, NULL);
  end_ms = rt_now_ms() + 400;
  pthread_t t;
  pthread_create(&t, NULL, writer, NULL);
  for (uint64_t i = 0; wait_turn(0); i++) {
    gpointer k = GSIZE_TO_POINTER(1025 + (i & 1023));
    for (int m = 0; m < MAPS; m++) {
      g_hash_table_insert(maps[m], k, k); /* mapsan-mark: A */
      g_hash_table_insert(own[0][m], k, k);
      (void)g_hash_table_lookup(own[0][m], k);
    }
    rt_turn_pass(&turn, 1);
  }
  pthread_join(t, NULL);
  for (int i = 0; i < MAPS; i++)
    g_hash_table_unref(maps[i]);
  for (int i = 0; i < MAPS; i++)
    for (int j = 0; j < 2; j++)
      g_hash_table_unref(own[j][i]);
  return 0;
}
