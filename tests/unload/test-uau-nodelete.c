/*
 * test-uau-nodelete: modules that dlclose does not unmap are not
 * unloaded. (1) A plugin opened with RTLD_NODELETE stays mapped after its
 * dlclose. (2) A plugin opened twice and closed once is still loaded.
 * Maps still holding their handlers and names are looked up, iterated
 * and called through: no report, and the calls work.
 *
 * mapsan-expect: none
 * mapsan-crash: none
 */
#include "uau-test.h"

int main(int argc, char **argv) {
  if (argc < 3)
    return 2;
  /* argv[1] and argv[2]: two copies of the plugin (two modules). */
  struct uau_plugin kept = uau_load(argv[1], RTLD_NOW | RTLD_NODELETE);
  struct uau_plugin twice = uau_load(argv[2], RTLD_NOW);
  void *again = dlopen(argv[2], RTLD_NOW);
  GHashTable *t1 = uau_table(), *t2 = uau_table();
  hmap *m2 = hmap_new(&hmap_str_ptr, 0);
  kept.register_glib(t1);
  twice.register_glib(t2);
  twice.register_hmap(m2, true);
  if (dlclose(kept.handle) != 0 || dlclose(twice.handle) != 0)
    return 2;
  uau_handler a = uau_as_handler(g_hash_table_lookup(t1, "alpha"));
  uau_handler b = uau_as_handler(g_hash_table_lookup(t2, "alpha"));
  const char *name = "alpha";
  void **slot = hmap_lookup(m2, &name);
  uau_handler c = uau_as_handler(*slot);
  printf("alpha: %d %d %d\n", a(1), b(2), c(3));
  hmap_iter it;
  hmap_iter_init(&it, m2);
  while (hmap_iter_next(&it))
    printf("m2: %s\n", *(const char *const *)it.key);
  dlclose(again);
  return 0;
}
