/*
 * test-uar-iter-val.c: it->val, kept after the iteration ended and the map
 * grew, points into a released array: reported as use-after-resize.
 *
 * mapsan-expect: use-after-resize USE
 */
#include "resize-test.h"

int main(void) {
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  fill(m, 0, 8);
  hmap_iter it;
  uint64_t *kept = NULL;
  for (hmap_iter_init(&it, m); hmap_iter_next(&it);)
    kept = it.val;
  grow_and_finish(m);
  volatile uint64_t x = *kept; /* mapsan-mark: USE */
  (void)x;
  hmap_free(m);
  return 0;
}
