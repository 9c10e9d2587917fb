/*
 * test-uau-hmap-iter-key: a plugin registers names from its own .rodata
 * as keys (hmap_str_ptr stores the pointer) and is dlclose'd; iterating
 * the map hands the program a key that points into the unloaded module.
 * Reported at the iteration step, the key's word named stale (the key is
 * checked before the value). The program does not read the key.
 *
 * mapsan-expect: use-after-unload NEXT
 * mapsan-unloaded: use-after-unload plugin-uau.so key CLOSE
 * mapsan-stderr: The entry's key holds 0x[0-9a-f]+ \(plugin-uau\.so \(unloaded\)\+0x[0-9a-f]+\), which points into
 */
#include "uau-test.h"

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  struct uau_plugin pl = uau_load(argv[1], RTLD_NOW);
  hmap *handlers = hmap_new(&hmap_str_ptr, 0);
  pl.register_hmap(handlers, true);
  if (dlclose(pl.handle) != 0) /* mapsan-mark: CLOSE */
    return 2;
  hmap_iter it;
  int n = 0;
  hmap_iter_init(&it, handlers);
  while (hmap_iter_next(&it)) /* mapsan-mark: NEXT */
    n++;
  printf("%d entries\n", n);
  return 0;
}
