/*
 * test-ghash-use-after-destroy.c: the twin of
 * test-ghash-clean-invisible-reuse.c: a table the program destroyed and
 * then uses through its stale pointer, with nothing created at that
 * address since. Its reference count is 0, as GLib left it, so it is not
 * mistaken for a table libglib created there unseen: use-after-destroy,
 * with the use and the destroy.
 *
 * mapsan-expect: use-after-destroy USE DESTROY
 */
#include <glib.h>

#include <stdio.h>

int main(void) {
  GHashTable *h = g_hash_table_new(NULL, NULL);
  g_hash_table_insert(h, GINT_TO_POINTER(1), GINT_TO_POINTER(1));
  g_hash_table_unref(h); /* mapsan-mark: DESTROY */
  guint n = g_hash_table_size(h); /* mapsan-mark: USE */
  printf("size after destroy: %u\n", n);
  return 0;
}
