/*
 * test-ghash-iter-generation.c: an insert during a GLib iteration that
 * makes the table grow is reported as iterator-invalidated naming the
 * storage generation the iterator started on (0) and the table's current
 * one (1: one resize since).
 *
 * mapsan-expect: iterator-invalidated USE MOD
 * mapsan-field: iterator-invalidated generation 0
 * mapsan-field: iterator-invalidated current_generation 1
 * mapsan-field: iterator-invalidated api "glib"
 */
#include <glib.h>

int main(void) {
  GHashTable *t = g_hash_table_new(NULL, NULL);
  for (int i = 1; i <= 5; i++) /* 8 slots: 5 entries, no resize yet */
    g_hash_table_insert(t, GINT_TO_POINTER(i), GINT_TO_POINTER(i));
  GHashTableIter it;
  gpointer k, v;
  int n = 0;
  g_hash_table_iter_init(&it, t);
  while (g_hash_table_iter_next(&it, &k, &v)) { /* mapsan-mark: USE */
    if (n++ == 0)
      for (int i = 100; i < 110; i++) /* grows the table */
        g_hash_table_insert(t, GINT_TO_POINTER(i), NULL); /* mapsan-mark: MOD */
  }
  g_hash_table_unref(t);
  return 0;
}
