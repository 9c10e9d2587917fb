/*
 * test-ghash-iter-clean.c: the twin of test-ghash-iter-invalidated.c. What
 * GLib allows during an iteration: removing, replacing and stealing through
 * the iterator itself, and overwriting the value of an existing key (GLib
 * does not count that as a structural change). A second iterator started
 * afterwards is valid too. No report.
 *
 * mapsan-expect: none
 */
#include <glib.h>

int main(void) {
  GHashTable *t = g_hash_table_new(NULL, NULL);
  for (int i = 1; i <= 8; i++)
    g_hash_table_insert(t, GINT_TO_POINTER(i), GINT_TO_POINTER(i));
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, t);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    int key = GPOINTER_TO_INT(k);
    if (key == 1)
      g_hash_table_iter_remove(&it);
    else if (key == 2)
      g_hash_table_iter_replace(&it, GINT_TO_POINTER(20));
    else if (key == 3)
      g_hash_table_iter_steal(&it);
    else if (key == 5)
      g_hash_table_insert(t, GINT_TO_POINTER(5), GINT_TO_POINTER(50));
  }
  g_hash_table_insert(t, GINT_TO_POINTER(9), NULL); /* after the loop ended */
  g_hash_table_iter_init(&it, t);
  while (g_hash_table_iter_next(&it, &k, &v))
    ;
  g_assert(g_hash_table_size(t) == 7);
  g_hash_table_unref(t);
  return 0;
}
