/*
 * test-uau-glib-hash-func: a table the plugin made, with the plugin's own
 * hash and compare functions, outlives the plugin. The program's next
 * lookup makes GLib call the stale hash function: the call faults in the
 * unloaded module's reserved range (natively it would run whatever was
 * mapped there, or fault). Reported inside the lookup as use-after-unload
 * with the pc named and the table's creation stack (in the plugin, named
 * after it), then at crash time; SIGSEGV kept.
 *
 * mapsan-expect-in-stack: use-after-unload LOOKUP
 * mapsan-unloaded: use-after-unload plugin-uau.so pc CLOSE
 * mapsan-unloaded: use-after-unload plugin-uau.so pc CLOSE
 * mapsan-stderr: The operation called 0x[0-9a-f]+ \(plugin-uau\.so \(unloaded\)\+0x[0-9a-f]+\)
 * mapsan-stderr: Map created \(new_full\) by thread T1[^\n]*\n\s+#0 plugin_new_table \S*plugin-uau\.c:\d+ \(plugin-uau\.so \(unloaded\)
 * mapsan-exit: signal:SEGV
 */
#include "uau-test.h"

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  struct uau_plugin pl = uau_load(argv[1], RTLD_NOW);
  GHashTable *(*new_table)(void);
  void *p = uau_sym(pl.handle, "plugin_new_table");
  memcpy(&new_table, &p, sizeof(p));
  GHashTable *names = new_table();
  if (dlclose(pl.handle) != 0) /* mapsan-mark: CLOSE */
    return 2;
  gboolean has = g_hash_table_contains(names, "alpha"); /* mapsan-mark: LOOKUP */
  printf("alpha %s\n", has ? "present" : "absent");
  return 0;
}
