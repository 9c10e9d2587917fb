/*
 * test-ghash-iter-invalidated.c: proves that a GHashTableIter used after a
 * structural change not made through it is reported as
 * iterator-invalidated, with the stack of the change and of the use, even
 * though everything happens in one thread (no race): GLib's contract is
 * broken, and GLib itself only prints a warning without stacks.
 *
 * mapsan-expect: iterator-invalidated USE MOD
 */
#include <glib.h>

int main(void) {
  GHashTable *t = g_hash_table_new(NULL, NULL);
  for (int i = 1; i <= 8; i++)
    g_hash_table_insert(t, GINT_TO_POINTER(i), GINT_TO_POINTER(i));
  GHashTableIter it;
  gpointer k, v;
  int n = 0;
  g_hash_table_iter_init(&it, t);
  while (g_hash_table_iter_next(&it, &k, &v)) { /* mapsan-mark: USE */
    if (n++ == 2)
      g_hash_table_insert(t, GINT_TO_POINTER(100), NULL); /* mapsan-mark: MOD */
  }
  g_hash_table_unref(t);
  return 0;
}
