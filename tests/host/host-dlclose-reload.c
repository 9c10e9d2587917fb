/*
 * host-dlclose-reload: a service that reloads its plugin (the plugin of
 * host-dlclose-report) 300 times, each version writing the program's map
 * through its own code, then unloaded; what the program sees of dlopen,
 * dlclose, dlerror and errno, and its map, is the same under mapsan (whose
 * unload log reserves the old ranges, so the versions load elsewhere).
 * The addresses themselves are not printed: they differ, as they may.
 *
 * host-reports: none
 */
#include <hmap.h>

#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  int failures = 0;
  for (uint64_t i = 0; i < 300; i++) {
    void *h = dlopen(argv[1], RTLD_NOW);
    if (h == NULL) {
      printf("dlopen: %s\n", dlerror());
      return 1;
    }
    void (*write)(hmap *, uint64_t);
    void *p = dlsym(h, "plugin_write");
    memcpy(&write, &p, sizeof(p));
    write(m, i);
    errno = 1234;
    int r = dlclose(h);
    failures += r != 0 || errno != 1234 || dlerror() != NULL;
  }
  printf("%zu entries, %d failures\n", hmap_len(m), failures);
  return 0;
}
