/*
 * test-ghash-clean-invisible-reuse.c: libglib creates tables for the
 * program inside itself, where mapsan cannot see the creation
 * (g_uri_parse_params here), and the allocator hands a freed table's
 * address to a later one. The program frees tables (mapsan records each as
 * destroyed) until it gets one at the address of a freed one from the same
 * invisible path: calls on it are on a live table, not a use after
 * destroy (GLib's own test `uri` does this). No report.
 *
 * mapsan-expect: none
 */
#include <glib.h>

#include <stdio.h>

int main(void) {
  /* Tables made and freed until one lands where an earlier one died. */
  enum { MAX = 1000 };
  static GHashTable *dead[MAX];
  for (int i = 0; i < MAX; i++) {
    GHashTable *h = g_uri_parse_params("a=1&b=2", -1, "&", G_URI_PARAMS_NONE,
                                       NULL);
    if (h == NULL)
      return 3;
    for (int j = 0; j < i; j++) {
      if (dead[j] == h) { /* a live table where mapsan saw one destroyed */
        if (g_hash_table_size(h) != 2 ||
            g_strcmp0(g_hash_table_lookup(h, "b"), "2") != 0)
          return 3;
        g_hash_table_unref(h);
        return 0;
      }
    }
    g_hash_table_unref(h); /* the last reference: destroyed */
    dead[i] = h;
  }
  fprintf(stderr, "test assumption failed: no address reuse\n");
  return 3;
}
