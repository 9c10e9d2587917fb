/*
 * test-uar-stress.c: a program that keeps a value pointer across one
 * insert. At normal sizes the map does not grow there and the bug hides
 * (see test-uar-stress-clean.c, the same program without resize_stress);
 * with resize_stress=1 tracked maps grow far earlier, the array is
 * released, and the stale read is reported.
 *
 * mapsan-options: resize_stress=1
 * mapsan-expect: use-after-resize USE
 */
#include "resize-test.h"

int main(void) {
  hmap *m = hmap_new(&hmap_u64_u64, 16);
  fill(m, 0, 3);
  uint64_t k = 1;
  uint64_t *v = hmap_lookup(m, &k);
  for (uint64_t i = 100; i < 110; i++)
    *(uint64_t *)hmap_assign(m, &i) = i; /* a few inserts: no growth at 16 */
  volatile uint64_t x = *v; /* mapsan-mark: USE */
  (void)x;
  hmap_free(m);
  return 0;
}
