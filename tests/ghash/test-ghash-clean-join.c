/*
 * test-ghash-clean-join.c: the twin of test-ghash-race-ww.c: the main
 * thread inserts only after joining the worker (g_thread_join orders it),
 * and every read and write API on the table is used once. No report.
 *
 * mapsan-expect: none
 */
#include <glib.h>
#include <unistd.h>

static GHashTable *table;

static gpointer worker(gpointer data) {
  (void)data;
  g_hash_table_insert(table, GINT_TO_POINTER(2), GINT_TO_POINTER(2));
  g_hash_table_replace(table, GINT_TO_POINTER(3), GINT_TO_POINTER(3));
  g_hash_table_add(table, GINT_TO_POINTER(4));
  return NULL;
}

static void visit(gpointer k, gpointer v, gpointer d) {
  (void)k, (void)v;
  (*(int *)d)++;
}

static gboolean odd(gpointer k, gpointer v, gpointer d) {
  (void)v, (void)d;
  return GPOINTER_TO_INT(k) & 1;
}

int main(void) {
  table = g_hash_table_new(NULL, NULL);
  GThread *th = g_thread_new("worker", worker, NULL);
  g_thread_join(th);
  g_hash_table_insert(table, GINT_TO_POINTER(1), GINT_TO_POINTER(1));
  int n = 0;
  g_hash_table_foreach(table, visit, &n);
  g_assert(g_hash_table_size(table) == 4 && n == 4);
  g_assert(g_hash_table_contains(table, GINT_TO_POINTER(2)));
  g_assert(g_hash_table_lookup(table, GINT_TO_POINTER(3)) == GINT_TO_POINTER(3));
  gpointer ok, ov;
  g_assert(g_hash_table_lookup_extended(table, GINT_TO_POINTER(1), &ok, &ov));
  g_assert(g_hash_table_find(table, odd, NULL) != NULL);
  GList *keys = g_hash_table_get_keys(table), *vals = g_hash_table_get_values(table);
  guint len;
  gpointer *arr = g_hash_table_get_keys_as_array(table, &len);
  g_free(arr);
  g_list_free(keys);
  g_list_free(vals);
  g_assert(g_hash_table_foreach_remove(table, odd, NULL) == 2);
  g_assert(g_hash_table_remove(table, GINT_TO_POINTER(2)));
  g_assert(g_hash_table_steal(table, GINT_TO_POINTER(4)));
  g_hash_table_remove_all(table);
  GHashTable *similar = g_hash_table_new_similar(table);
  g_hash_table_destroy(similar);
  g_hash_table_unref(table);
  return 0;
}
