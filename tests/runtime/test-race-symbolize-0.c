/*
 * test-race-symbolize-0.c: with symbolize=0 mapsan never symbolizes in the
 * process: the report's frames keep module, offset and build_id only (no
 * function, no file:line; mapsan-report --symbolize fills them in later),
 * and libdw is never loaded. The program looks at its own mappings after
 * the report and says which of libdw and libdebuginfod are mapped. The race
 * itself is test-race-rw-lookup's; its marks cannot be matched (no lines),
 * so the expectation is the kind alone.
 *
 * mapsan-options: symbolize=0
 * mapsan-expect: read-write-race
 * mapsan-frames-unsymbolized: true
 * mapsan-frames-build-id: true
 * mapsan-stderr: mapped: libdw=0 libdebuginfod=0
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static hmap *m;

static void *writer(void *arg) {
  (void)arg;
  rt_sleep_ms(50);
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m, &k) = 2;
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
  pthread_t th;
  pthread_create(&th, NULL, writer, NULL);
  RT_CHECK(hmap_lookup(m, &k) != NULL);
  pthread_join(th, NULL); /* the report is written by now */
  print_mapped();
  hmap_free(m);
  return 0;
}
