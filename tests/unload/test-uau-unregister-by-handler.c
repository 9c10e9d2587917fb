/*
 * test-uau-unregister-by-handler: the unregister idiom after dlclose that
 * must stay silent. Two registries keyed by the plugin's handler (its
 * function pointer: GHashTable with g_direct_hash, libhmap's u64 keys),
 * each handler's value a heap string or a count. After the plugin is
 * unloaded the host unregisters what it still holds, the way hosts do:
 * look the handler up (lookup, lookup_extended asking for the stored key,
 * which is the caller's own pointer), then remove it. The maps hand out
 * nothing of the module's: the key is the caller's, the values live.
 * (test-uau-glib-lookup is the twin that must be reported: a lookup that
 * hands out a stale value.)
 *
 * mapsan-expect: none
 */
#include "uau-test.h"

#include <stdint.h>

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  struct uau_plugin pl = uau_load(argv[1], RTLD_NOW);
  void *fn;
  memcpy(&fn, &pl.alpha, sizeof(fn));
  GHashTable *names = g_hash_table_new_full(g_direct_hash, g_direct_equal,
                                            NULL, g_free);
  g_hash_table_insert(names, fn, g_strdup("alpha"));
  hmap *counts = hmap_new(&hmap_u64_u64, 0);
  uint64_t key = (uint64_t)(uintptr_t)fn;
  *(uint64_t *)hmap_assign(counts, &key) = 7;
  if (dlclose(pl.handle) != 0)
    return 2;

  const char *name = g_hash_table_lookup(names, fn);
  gpointer stored = NULL, value = NULL;
  gboolean found = g_hash_table_lookup_extended(names, fn, &stored, &value);
  printf("glib: %s, extended %d, same key %d\n", name ? name : "(none)",
         found, stored == fn);
  if (name != NULL)
    g_hash_table_remove(names, fn);

  uint64_t *slot = hmap_lookup(counts, &key);
  printf("hmap: %llu\n", slot ? (unsigned long long)*slot : 0ULL);
  if (slot != NULL)
    hmap_delete(counts, &key);
  printf("left: %u %zu\n", g_hash_table_size(names), hmap_len(counts));
  g_hash_table_destroy(names);
  hmap_free(counts);
  return 0;
}
