/*
 * test-canary-heap-untouched.c: in a canary (sample_rate > 1) mapsan's
 * start-up leaves the program's C heap exactly as it is natively. The
 * program links GLib but not GObject, so some of the GLib names mapsan
 * interposes are absent: a failed dlsym for one of them would malloc an
 * error message and an error record before main (99 bytes with glibc
 * 2.36), and a heap's later layout is chaotic in its early contents
 * (base/elfsym.c). Nor does mapsan's first GHashTable: GLib's table
 * layout is verified by reading the program's first new table, not by
 * building one of its own (shim/map_glib.c), whose freed blocks would stay
 * in malloc's per-thread cache, counted as in use, and move what the
 * program's next allocations get. The program compares the bytes in use
 * and the heap's size at the start of main and after its first table with
 * those of the same program run natively (itself, re-executed without the
 * preload). No map is drawn (sample_rate of a billion): a drawn map's
 * first tracked operation loads libunwind with dlopen, whose loader
 * allocations go to the C heap (7-8 KiB: at sample_rate=100 one run in 50
 * drew one of the two maps and failed here).
 *
 * mapsan-options: sample_rate=1000000000
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

static size_t heap_size(void) {
  struct mallinfo2 mi = mallinfo2();
  return mi.arena;
}

#define FIGURES 3

int main(void) {
  long mine[FIGURES];
  mine[0] = (long)in_use();
  /* The program uses both libraries, so that they are loaded for real. */
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  GHashTable *h = g_hash_table_new(g_direct_hash, g_direct_equal);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 2;
  for (int i = 1; i < 100; i++) /* grows the table: 8 -> 256 slots */
    g_hash_table_insert(h, GINT_TO_POINTER(i), GINT_TO_POINTER(i + 1));
  mine[1] = (long)in_use();
  g_hash_table_destroy(h);
  hmap_free(m);
  mine[2] = (long)heap_size();
  if (native_rerun_child()) {
    printf("%ld %ld %ld\n", mine[0], mine[1], mine[2]);
    return 0;
  }

  if (getenv("LD_PRELOAD") == NULL || strstr(getenv("LD_PRELOAD"), "mapsan") == NULL) {
    fprintf(stderr, "not run under mapsan\n");
    return 3;
  }
  long native[FIGURES];
  if (native_rerun_n(native, FIGURES) != FIGURES) {
    fprintf(stderr, "the native run failed\n");
    return 3;
  }
  static const char *what[FIGURES] = {"bytes in use at main",
                                      "bytes in use after the first table",
                                      "heap size after it"};
  int bad = 0;
  for (int i = 0; i < FIGURES; i++)
    if (native[i] != mine[i]) {
      fprintf(stderr, "%s: %ld under mapsan, %ld natively\n", what[i],
              mine[i], native[i]);
      bad = 1;
    }
  return bad ? 3 : 0;
}
