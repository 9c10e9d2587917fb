/*
 * test-uau-map-fixed: mapsan never unmaps what is not its own. The
 * program maps a page of its own (MAP_FIXED) where an unloaded plugin was,
 * over mapsan's reservation, and writes to it; then two more reloads push
 * that module out of the unload log (unload_keep=1), which releases its
 * reservation only if the range is still mapsan's anonymous PROT_NONE
 * mapping. The program's page must survive with its contents.
 *
 * mapsan-options: unload_keep=1
 * mapsan-expect: none
 */
#include "uau-test.h"

#include <sys/mman.h>

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  /* libhmap and GLib loaded by the program: the plugin is then the only
   * module its dlclose unmaps, and the log's one entry. */
  hmap_free(hmap_new(&hmap_u64_u64, 0));
  g_free(g_strdup("glib"));
  struct uau_plugin pl = uau_load(argv[1], RTLD_NOW);
  void *fn;
  memcpy(&fn, &pl.alpha, sizeof(fn));
  Dl_info info;
  if (!dladdr(fn, &info) || dlclose(pl.handle) != 0)
    return 2;
  char *page = mmap(info.dli_fbase, 4096, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  if (page == MAP_FAILED)
    return 2;
  strcpy(page, "the program's own page");
  for (int i = 0; i < 2; i++) {
    struct uau_plugin again = uau_load(argv[1], RTLD_NOW);
    if (dlclose(again.handle) != 0)
      return 2;
  }
  /* Unmapped, the page faults; unmapped and reused by the next load of
   * the plugin, it holds the plugin's ELF header. */
  printf("%s\n", page);
  return strcmp(page, "the program's own page") == 0 ? 0 : 1;
}
