/*
 * test-uar-value-write.c: the same as test-uar-value-read.c with a write
 * through the stale pointer: reported as use-after-resize at that line, the
 * access marked as a write; the program continues.
 *
 * mapsan-expect: use-after-resize USE
 */
#include "resize-test.h"

int main(void) {
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  fill(m, 0, 8);
  uint64_t k = 5;
  uint64_t *v = hmap_assign(m, &k);
  grow_and_finish(m);
  *v = 42; /* mapsan-mark: USE */
  hmap_free(m);
  return 0;
}
