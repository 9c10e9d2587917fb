/*
 * test-clean-nil-map-reads.c: the clean twin of test-race-nil-map-write.c.
 * As in Go, every operation but a write of an entry is legal on a NULL map
 * and behaves as on an empty map: lookup, len, delete, clear, iteration
 * (and iter_stop). None of them is a nil-map-write. No report.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <hmap.h>

#include <stdint.h>

static hmap *volatile m; /* never created */

int main(void) {
  uint64_t k = 1;
  RT_CHECK(hmap_lookup(m, &k) == NULL);
  RT_CHECK(hmap_len(m) == 0);
  RT_CHECK(!hmap_delete(m, &k));
  hmap_clear(m);
  hmap_iter it;
  hmap_iter_init(&it, m);
  RT_CHECK(!hmap_iter_next(&it));
  hmap_iter_init(&it, m);
  hmap_iter_stop(&it);
  return 0;
}
