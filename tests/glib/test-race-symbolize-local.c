/*
 * test-race-symbolize-local.c: with symbolize=1 (the default) mapsan
 * symbolizes from local files only, even when DEBUGINFOD_URLS is set: a
 * canary must not wait on the network. The writer runs in a GThread, so
 * the reported stacks pass through libglib (g_thread_proxy, g_thread_new),
 * which has no local debug information here (no -dbgsym package): libdw's
 * standard search would end with a debuginfod query for it (loading
 * libdebuginfod, libcurl, ...); mapsan's search stops at the local files
 * (reports/symbolize.c). The URL points at a port nothing listens on. The
 * program's own frames are still symbolized (its debug information is in
 * the binary) and libdw is loaded, libdebuginfod not.
 *
 * mapsan-env: DEBUGINFOD_URLS=http://127.0.0.1:9
 * mapsan-expect: read-write-race R W
 * mapsan-frames-build-id: true
 * mapsan-stderr: mapped: libdw=1 libdebuginfod=0
 */
#include "runtime-test.h"

#include <glib.h>
#include <hmap.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static hmap *m;

static gpointer writer(gpointer arg) {
  (void)arg;
  rt_sleep_ms(50);
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: W */
  return NULL;
}

/* Says on stderr whether libdw and libdebuginfod are in this process. */
static void print_mapped(void) {
  FILE *f = fopen("/proc/self/maps", "re");
  RT_CHECK(f != NULL);
  char line[4096];
  int dw = 0, dbgd = 0;
  while (fgets(line, sizeof(line), f)) {
    dw |= strstr(line, "/libdw") != NULL;
    dbgd |= strstr(line, "/libdebuginfod") != NULL;
  }
  fclose(f);
  fprintf(stderr, "mapped: libdw=%d libdebuginfod=%d\n", dw, dbgd);
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1;
  GThread *th = g_thread_new("writer", writer, NULL);
  RT_CHECK(hmap_lookup(m, &k) != NULL); /* mapsan-mark: R */
  g_thread_join(th); /* the report is written by now */
  print_mapped();
  hmap_free(m);
  return 0;
}
