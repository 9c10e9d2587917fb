/*
 * test-uau-stale-key: a stale key string reached by a lookup of another
 * key. The plugin registers its own .rodata name "alpha" as a key of a
 * table whose hash is the name's first letter (a weak hash, so that names
 * collide); after dlclose the program looks up "apple", whose hash
 * matches, and GLib compares the stale key with it: the compare reads the
 * unloaded module's range (reserved) and faults. Two reports: the fault,
 * taken inside the lookup, is use-after-unload with the map (its creation
 * stack), the faulting stack through the lookup, the data address named
 * and the dlclose stack; then the crash-time report (use-after-unload too,
 * the lookup in flight). SIGSEGV kept (natively the range is unmapped).
 *
 * mapsan-expect-in-stack: use-after-unload LOOKUP
 * mapsan-unloaded: use-after-unload plugin-uau.so address CLOSE
 * mapsan-unloaded: use-after-unload plugin-uau.so address CLOSE
 * mapsan-crash-inflight: lookup LOOKUP
 * mapsan-stderr: The operation touched 0x[0-9a-f]+ \(plugin-uau\.so \(unloaded\)\+0x[0-9a-f]+\), which points into
 * mapsan-stderr: Map created \(new\) by thread T1
 * mapsan-stderr: The faulting address 0x[0-9a-f]+ lies in \S*plugin-uau\.so \(unloaded\)
 * mapsan-exit: signal:SEGV
 */
#include "uau-test.h"

static guint first_letter(gconstpointer k) {
  return (guint)(unsigned char)((const char *)k)[0];
}

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  struct uau_plugin pl = uau_load(argv[1], RTLD_NOW);
  GHashTable *names = g_hash_table_new(first_letter, g_str_equal);
  fprintf(stderr, "mapsan-test-map=%p\n", (void *)names);
  pl.register_glib_rodata(names);
  if (dlclose(pl.handle) != 0) /* mapsan-mark: CLOSE */
    return 2;
  void *v = g_hash_table_lookup(names, "apple"); /* mapsan-mark: LOOKUP */
  printf("apple %s\n", v ? "found" : "missing");
  return 0;
}
