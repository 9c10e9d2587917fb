/*
 * test-ghash-race-ww.c: proves that two inserts into one GHashTable from two
 * threads with nothing ordering them are a write-write race, reported with
 * "api": "glib" and both source lines, in an unmodified GLib program.
 *
 * mapsan-expect: write-write-race A B
 * mapsan-overlapping: false
 */
#include <glib.h>
#include <unistd.h>

static GHashTable *table;

static gpointer worker(gpointer data) {
  (void)data;
  usleep(30 * 1000);
  g_hash_table_insert(table, GINT_TO_POINTER(2), GINT_TO_POINTER(2)); /* mapsan-mark: B */
  return NULL;
}

int main(void) {
  table = g_hash_table_new(NULL, NULL);
  GThread *th = g_thread_new("worker", worker, NULL);
  g_hash_table_insert(table, GINT_TO_POINTER(1), GINT_TO_POINTER(1)); /* mapsan-mark: A */
  g_thread_join(th);
  g_hash_table_unref(table);
  return 0;
}
