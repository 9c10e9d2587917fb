/*
 * test-uar-stress-clean.c: test-uar-stress.c without resize_stress: at
 * normal sizes the map (sized for 16 entries by its hint) never grows
 * while the pointer is held, so there is nothing to report: the bug only
 * shows under stress, which is what the knob is for.
 *
 * mapsan-expect: none
 */
#include "resize-test.h"

int main(void) {
  hmap *m = hmap_new(&hmap_u64_u64, 16);
  fill(m, 0, 3);
  uint64_t k = 1;
  uint64_t *v = hmap_lookup(m, &k);
  for (uint64_t i = 100; i < 110; i++)
    *(uint64_t *)hmap_assign(m, &i) = i; /* a few inserts: no growth at 16 */
  volatile uint64_t x = *v;
  (void)x;
  hmap_free(m);
  return 0;
}
