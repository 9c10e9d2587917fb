/*
 * test-uau-hmap-unregister: the silent twins of test-uau-hmap-lookup.
 * (1) The plugin unregisters before dlclose; the map is looked up and
 * iterated after. (2) A map still holding the handlers at the unload has
 * them deleted by name, then is freed, without a lookup of them. (3) A
 * map holding them is freed unused.
 *
 * mapsan-expect: none
 */
#include "uau-test.h"

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  struct uau_plugin pl = uau_load(argv[1], RTLD_NOW);
  hmap *clean = hmap_new(&hmap_str_ptr, 0), *stale = hmap_new(&hmap_str_ptr, 0);
  hmap *dropped = hmap_new(&hmap_str_ptr, 0);
  pl.register_hmap(clean, false);
  pl.register_hmap(stale, false);
  pl.register_hmap(dropped, true);
  pl.unregister_hmap(clean);
  const char *gamma = "gamma";
  *(void **)hmap_assign(clean, &gamma) = &gamma;
  if (dlclose(pl.handle) != 0)
    return 2;
  const char *alpha = "alpha", *beta = "beta";
  printf("clean: alpha %s, gamma %s\n", hmap_lookup(clean, &alpha) ? "found" : "gone",
         hmap_lookup(clean, &gamma) ? "found" : "gone");
  hmap_iter it;
  hmap_iter_init(&it, clean);
  while (hmap_iter_next(&it))
    printf("clean: %s\n", *(const char *const *)it.key);
  printf("stale: deleted %d %d, len %zu\n", hmap_delete(stale, &alpha),
         hmap_delete(stale, &beta), hmap_len(stale));
  hmap_free(stale);
  hmap_free(dropped);
  hmap_free(clean);
  return 0;
}
