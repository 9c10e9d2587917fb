/*
 * test-uar-value-read.c: proves that reading through a value pointer kept
 * across growth — the pointer hmap_assign returned, valid only until the
 * next write — faults on the reclaimed bucket array at its first access and
 * is reported as use-after-resize at that line, with the resize that
 * released the array and the allocation; then (recoverable mode) the
 * program continues and exits, with status 66.
 *
 * mapsan-expect: use-after-resize USE
 */
#include "resize-test.h"

#include <stdio.h>

int main(void) {
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  fill(m, 0, 8);
  uint64_t k = 3;
  uint64_t *v = hmap_lookup(m, &k);
  grow_and_finish(m);
  uint64_t stale = *(volatile uint64_t *)v; /* mapsan-mark: USE */
  printf("read %llu after growth\n", (unsigned long long)stale);
  hmap_free(m);
  return 0;
}
