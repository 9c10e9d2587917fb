/* Helpers shared by the use-after-resize tests. */
#ifndef RESIZE_TEST_H
#define RESIZE_TEST_H

#include <hmap.h>

#include <stdint.h>

/* Inserts keys [from, to) into m. */
static inline void fill(hmap *m, uint64_t from, uint64_t to) {
  for (uint64_t k = from; k < to; k++)
    *(uint64_t *)hmap_assign(m, &k) = k;
}

/* Grows m until the array that was current when called has been fully
 * evacuated and released: twice the entries, then enough writes to finish
 * incremental evacuation. */
static inline void grow_and_finish(hmap *m) {
  uint64_t n = hmap_len(m);
  fill(m, 1000000, 1000000 + 4 * n + 64);
}

#endif
