/*
 * test-uau-reload-crash: the whole hot-reload incident against GLib. The
 * plugin registers its handlers, is dlclose'd and loaded again from the
 * same path (natively often at the same address), and the program looks
 * up a handler and calls it. mapsan reports the lookup (use-after-unload,
 * the value), and, since the old range is reserved, the new version was
 * mapped elsewhere and the stale call faults: a crash-time report of kind
 * use-after-unload says the pc lies in the unloaded module and gives its
 * dlclose stack. The process then dies of SIGSEGV, as the fault makes it.
 *
 * mapsan-expect: use-after-unload LOOKUP
 * mapsan-unloaded: use-after-unload plugin-uau.so value CLOSE
 * mapsan-unloaded: use-after-unload plugin-uau.so pc CLOSE
 * mapsan-stderr: WARNING: mapsan: use-after-unload: SIGSEGV
 * mapsan-stderr: The faulting pc 0x[0-9a-f]+ lies in \S*plugin-uau\.so \(unloaded\)
 * mapsan-stderr: SUMMARY: mapsan: use-after-unload SIGSEGV \(plugin-uau\.so \(unloaded\)\+0x
 * mapsan-expect-in-stack: use-after-unload CALL
 * mapsan-exit: signal:SEGV
 */
#include "uau-test.h"

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  struct uau_plugin pl = uau_load(argv[1], RTLD_NOW);
  GHashTable *handlers = uau_table();
  pl.register_glib(handlers);
  if (dlclose(pl.handle) != 0) /* mapsan-mark: CLOSE */
    return 2;
  struct uau_plugin next = uau_load(argv[1], RTLD_NOW); /* the new version */
  printf("reloaded %s\n", next.handle ? "yes" : "no");
  fflush(stdout);
  uau_handler f =
      uau_as_handler(g_hash_table_lookup(handlers, "alpha")); /* mapsan-mark: LOOKUP */
  printf("alpha(1) = %d\n", f(1)); /* mapsan-mark: CALL */
  return 0;
}
