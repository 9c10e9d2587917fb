/*
 * test-uau-hmap-reload-crash: the hot-reload incident against libhmap:
 * dlclose, dlopen again, a lookup returns the stale handler (reported)
 * and the call faults in the reserved range of the unloaded module
 * (crash-time use-after-unload report, the pc named); SIGSEGV kept.
 *
 * mapsan-expect: use-after-unload LOOKUP
 * mapsan-unloaded: use-after-unload plugin-uau.so value CLOSE
 * mapsan-unloaded: use-after-unload plugin-uau.so pc CLOSE
 * mapsan-expect-in-stack: use-after-unload CALL
 * mapsan-exit: signal:SEGV
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
  struct uau_plugin next = uau_load(argv[1], RTLD_NOW);
  printf("reloaded %s\n", next.handle ? "yes" : "no");
  fflush(stdout);
  const char *name = "alpha";
  void **slot = hmap_lookup(handlers, &name); /* mapsan-mark: LOOKUP */
  uau_handler f = uau_as_handler(*slot);
  printf("alpha(1) = %d\n", f(1)); /* mapsan-mark: CALL */
  return 0;
}
