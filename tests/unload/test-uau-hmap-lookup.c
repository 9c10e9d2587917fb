/*
 * test-uau-hmap-lookup: the hot-reload incident against libhmap
 * (hmap_str_ptr: name -> handler). The plugin registers copied names and
 * its own handlers and is dlclose'd; a lookup returns the slot of a
 * handler in the unloaded module: reported at the lookup, the value's
 * word named stale, with the dlclose stack.
 *
 * mapsan-expect: use-after-unload LOOKUP
 * mapsan-unloaded: use-after-unload plugin-uau.so value CLOSE
 * mapsan-field: use-after-unload api "hmap"
 * mapsan-stderr: Map created \(new\) by thread T1
 */
#include "uau-test.h"

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  struct uau_plugin pl = uau_load(argv[1], RTLD_NOW);
  hmap *handlers = hmap_new(&hmap_str_ptr, 0);
  pl.register_hmap(handlers, false);
  if (dlclose(pl.handle) != 0) /* mapsan-mark: CLOSE */
    return 2;
  const char *name = "alpha";
  void **slot = hmap_lookup(handlers, &name); /* mapsan-mark: LOOKUP */
  printf("alpha handler %s\n", slot && *slot ? "found" : "missing");
  return 0;
}
