/*
 * test-canary-heap-untouched.c: in a canary (sample_rate > 1) mapsan's
 * start-up leaves the program's C heap exactly as it is natively. The
 * program links GLib but not GObject, so some of the GLib names mapsan
 * interposes are absent: a failed dlsym for one of them would malloc an
 * error message and an error record before main (99 bytes with glibc
 * 2.36), and a heap's later layout is chaotic in its early contents
 * (preload/elfsym.c). The program compares the bytes in use at the start of
 * main with those of the same program run natively (itself, re-executed
 * without the preload).
 *
 * mapsan-options: sample_rate=100
 * mapsan-expect: none
 */
#include "native-rerun.h"

#include <glib.h>
#include <hmap.h>

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static size_t in_use(void) {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks;
}

int main(void) {
  size_t mine = in_use();
  if (native_rerun_child()) {
    printf("%zu\n", mine);
    return 0;
  }
  /* The program uses both libraries, so that they are loaded for real. */
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  GHashTable *h = g_hash_table_new(g_direct_hash, g_direct_equal);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 2;
  g_hash_table_insert(h, GINT_TO_POINTER(1), GINT_TO_POINTER(2));
  g_hash_table_destroy(h);
  hmap_free(m);

  if (getenv("LD_PRELOAD") == NULL || strstr(getenv("LD_PRELOAD"), "mapsan") == NULL) {
    fprintf(stderr, "not run under mapsan\n");
    return 3;
  }
  long native = native_rerun();
  if (native < 0) {
    fprintf(stderr, "the native run failed\n");
    return 3;
  }
  if ((size_t)native != mine) {
    fprintf(stderr, "heap in use at main: %zu bytes under mapsan, %ld natively\n",
            mine, native);
    return 3;
  }
  return 0;
}
