/*
 * test-uau-glib-unregister: the twins of test-uau-glib-lookup that must
 * stay silent. (1) The plugin unregisters before dlclose; the table is
 * used after. (2) A second table still holds the plugin's handlers when
 * it is unloaded, and the program only removes them (by key) and destroys
 * the table, never looking one up: harmless, not a use. (3) A third table
 * holding them is destroyed unused.
 *
 * mapsan-expect: none
 */
#include "uau-test.h"

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  struct uau_plugin pl = uau_load(argv[1], RTLD_NOW);
  GHashTable *clean = uau_table(), *stale = uau_table(), *dropped = uau_table();
  pl.register_glib(clean);
  pl.register_glib(stale);
  pl.register_glib(dropped);
  pl.unregister_glib(clean);
  g_hash_table_insert(clean, g_strdup("gamma"), GINT_TO_POINTER(3));
  if (dlclose(pl.handle) != 0)
    return 2;
  void *g = g_hash_table_lookup(clean, "gamma");
  void *a = g_hash_table_lookup(clean, "alpha");
  printf("clean: gamma %d, alpha %s, size %u\n", GPOINTER_TO_INT(g),
         a ? "found" : "gone", g_hash_table_size(clean));
  gboolean removed = g_hash_table_remove(stale, "alpha");
  removed &= g_hash_table_remove(stale, "beta");
  printf("stale entries removed: %d, size %u\n", removed,
         g_hash_table_size(stale));
  g_hash_table_destroy(stale);
  g_hash_table_destroy(dropped);
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, clean);
  while (g_hash_table_iter_next(&it, &k, &v))
    printf("clean: %s\n", (const char *)k);
  g_hash_table_destroy(clean);
  return 0;
}
