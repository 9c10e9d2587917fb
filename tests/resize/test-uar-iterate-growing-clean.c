/*
 * test-uar-iterate-growing-clean.c: an iterator pins the bucket arrays it
 * reads (docs/USAGE.md), so iterating while the iterating thread
 * writes enough to grow the map several times never touches a released
 * array in mapsan's pool: no report, and every entry present throughout is
 * produced exactly once.
 *
 * mapsan-options: resize_stress=1
 * mapsan-expect: none
 */
#include "resize-test.h"

#include <stdlib.h>

int main(void) {
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  fill(m, 0, 64);
  char seen[64] = {0};
  hmap_iter it;
  uint64_t next = 1000;
  for (hmap_iter_init(&it, m); hmap_iter_next(&it);) {
    uint64_t k = *(const uint64_t *)it.key;
    if (k < 64) {
      if (seen[k]++)
        return 1; /* produced twice */
    }
    for (int i = 0; i < 8; i++, next++)
      *(uint64_t *)hmap_assign(m, &next) = next;
  }
  for (int i = 0; i < 64; i++)
    if (!seen[i])
      return 2;
  hmap_free(m);
  return 0;
}
