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
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#define MAPS 16
static GHashTable *maps[MAPS];
/* Each thread's own tables, looked up only by it: not a race. */
static GHashTable *own[2][MAPS];
static atomic_int turn;
static atomic_bool stop;

static int wait_turn(int me) {
  while (atomic_load_explicit(&turn, memory_order_relaxed) != me)
    if (atomic_load_explicit(&stop, memory_order_relaxed))
      return 0;
    else
      sched_yield();
  return 1;
}

static void *writer(void *arg) {
  for (uint64_t i = 0; wait_turn(1); i++) {
    gpointer k = GSIZE_TO_POINTER(1 + (i & 1023));
    for (int m = 0; m < MAPS; m++) {
      g_hash_table_insert(maps[m], k, k); /* mapsan-mark: B */
      g_hash_table_insert(own[1][m], k, k);
      (void)g_hash_table_lookup(own[1][m], k);
    }
    atomic_store_explicit(&turn, 0, memory_order_relaxed);
  }
  return arg;
}

int main(void) {
  for (int i = 0; i < MAPS; i++)
    maps[i] = g_hash_table_new(NULL, NULL);
  for (int i = 0; i < MAPS; i++)
    for (int j = 0; j < 2; j++)
      own[j][i] = g_hash_table_new(NULL, NULL);
  pthread_t t;
  pthread_create(&t, NULL, writer, NULL);
  long end = rt_now_ms() + 400;
  for (uint64_t i = 0; rt_now_ms() < end; i++) {
    wait_turn(0);
    gpointer k = GSIZE_TO_POINTER(1025 + (i & 1023));
    for (int m = 0; m < MAPS; m++) {
      g_hash_table_insert(maps[m], k, k); /* mapsan-mark: A */
      g_hash_table_insert(own[0][m], k, k);
      (void)g_hash_table_lookup(own[0][m], k);
    }
    atomic_store_explicit(&turn, 1, memory_order_relaxed);
  }
  wait_turn(0);
  atomic_store_explicit(&stop, 1, memory_order_relaxed);
  pthread_join(t, NULL);
  for (int i = 0; i < MAPS; i++)
    g_hash_table_unref(maps[i]);
  for (int i = 0; i < MAPS; i++)
    for (int j = 0; j < 2; j++)
      g_hash_table_unref(own[j][i]);
  return 0;
}
