/*
 * test-uau-glib-lookup: the hot-reload incident against GLib. A plugin
 * registers its handlers into a GHashTable (names copied, handlers its own
 * functions) and is dlclose'd without unregistering; the next lookup
 * hands the program a pointer into the unloaded module. Reported as
 * use-after-unload at the lookup, with the value as the stale word, the
 * module, the dlclose stack, and the plugin's insert (its call site in the
 * unloaded module, symbolized from the file). The program does not call
 * it.
 *
 * mapsan-expect: use-after-unload LOOKUP
 * mapsan-unloaded: use-after-unload plugin-uau.so value CLOSE
 * mapsan-field: use-after-unload api "glib"
 * mapsan-stderr: WARNING: mapsan: use-after-unload on map 0x[0-9a-f]+ \(api glib
 * mapsan-stderr: The entry's value holds 0x[0-9a-f]+ \(plugin-uau\.so \(unloaded\)\+0x[0-9a-f]+\), which points into \S*plugin-uau\.so \(unloaded\)
 * mapsan-stderr: Module unloaded \(dlclose\) by thread T1
 * mapsan-stderr: Map created \(new_full\) by thread T1
 * mapsan-stderr: Latest operation on the map from the module's code \(insert[^\n]*\n\s+#0 plugin_register_glib \S*plugin-uau\.c:\d+ \(plugin-uau\.so \(unloaded\)
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
  void *h = g_hash_table_lookup(handlers, "alpha"); /* mapsan-mark: LOOKUP */
  printf("alpha handler %s\n", h ? "found" : "missing");
  return 0;
}
