/*
 * test-uar-after-free.c: a value pointer used after hmap_free released the
 * map's storage: the array is in quarantine, the read faults and is
 * reported as use-after-resize (the "resize" being the free).
 *
 * mapsan-expect: use-after-resize USE
 */
#include "resize-test.h"

int main(void) {
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  fill(m, 0, 8);
  uint64_t k = 1;
  volatile uint64_t *v = hmap_lookup(m, &k);
  hmap_free(m);
  return *v == 1 ? 0 : 0; /* mapsan-mark: USE */
}
