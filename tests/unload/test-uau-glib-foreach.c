/*
 * test-uau-glib-foreach: g_hash_table_foreach hands each entry to the
 * program's function; after the plugin that registered the handlers was
 * dlclose'd, the first stale entry handed over is reported (the value's
 * word), with the foreach call in the current stack. The program's
 * function still gets every entry, unchanged.
 *
 * mapsan-expect-in-stack: use-after-unload FOREACH
 * mapsan-unloaded: use-after-unload plugin-uau.so value CLOSE
 */
#include "uau-test.h"

static void count(gpointer k, gpointer v, gpointer data) {
  (void)k;
  *(int *)data += v != NULL;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  struct uau_plugin pl = uau_load(argv[1], RTLD_NOW);
  GHashTable *handlers = uau_table();
  pl.register_glib(handlers);
  if (dlclose(pl.handle) != 0) /* mapsan-mark: CLOSE */
    return 2;
  int n = 0;
  g_hash_table_foreach(handlers, count, &n); /* mapsan-mark: FOREACH */
  printf("%d handlers\n", n);
  return 0;
}
