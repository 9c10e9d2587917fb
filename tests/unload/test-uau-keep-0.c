/*
 * test-uau-keep-0: unload_keep=0 turns the rule off: a lookup that hands
 * the program a handler of an unloaded plugin is not reported, and
 * nothing is reserved.
 *
 * mapsan-options: unload_keep=0
 * mapsan-expect: none
 */
#include "uau-test.h"

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  struct uau_plugin pl = uau_load(argv[1], RTLD_NOW);
  GHashTable *handlers = uau_table();
  pl.register_glib(handlers);
  if (dlclose(pl.handle) != 0)
    return 2;
  printf("alpha handler %s\n",
         g_hash_table_lookup(handlers, "alpha") ? "found" : "missing");
  return 0;
}
