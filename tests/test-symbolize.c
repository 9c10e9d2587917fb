/*
 * test-symbolize: reports/symbolize.c alone. A frame's strings must stay
 * valid for the whole report, even when the symbolizer rebuilds its module
 * list in the middle of it (a pc in a library loaded since the list was
 * made): the frames resolved before the rebuild keep their module,
 * function and file. Run with MALLOC_PERTURB_ set, so that memory freed
 * under a frame is overwritten at once.
 * Usage: test-symbolize PLUGIN.so
 */
#include "../reports/symbolize.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

static int failures;

static void expect(int ok, const char *what) {
  if (!ok) {
    printf("FAIL: %s\n", what);
    failures++;
  }
}

static __attribute__((noinline)) void here(void) { __asm__ volatile(""); }

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  struct mapsan_frame a[8], b[8];
  mapsan_symbolize_begin();
  size_t n = mapsan_symbolize((uintptr_t)&here, false, a, 8);
  expect(n >= 1 && a[0].function && strcmp(a[0].function, "here") == 0,
         "the function before the rebuild");
  char module[4096];
  snprintf(module, sizeof(module), "%s", a[0].module);
  void *h = dlopen(argv[1], RTLD_NOW);
  expect(h != NULL, "dlopen of the plugin");
  void *sym = h ? dlsym(h, "plugin_write") : NULL;
  expect(sym != NULL, "the plugin's function");
  if (sym) {
    size_t m = mapsan_symbolize((uintptr_t)sym, false, b, 8);
    expect(m >= 1 && b[0].function &&
               strcmp(b[0].function, "plugin_write") == 0,
           "the plugin's function, found by rebuilding the module list");
  }
  /* The first frame, resolved before the rebuild, is intact. */
  expect(a[0].function && strcmp(a[0].function, "here") == 0,
         "the function after the rebuild");
  expect(strcmp(a[0].module, module) == 0, "the module after the rebuild");
  expect(a[0].file && strstr(a[0].file, "test-symbolize.c") != NULL,
         "the file after the rebuild");
  mapsan_symbolize_end();
  printf("%s\n", failures ? "FAIL" : "PASS");
  return failures != 0;
}
