/*
 * test-race-nil-map-write.c: hmap_assign on a NULL map is reported as a
 * nil-map-write at the call, and then the library aborts as its contract
 * says ("assignment to entry in nil map"); the report is out before it.
 *
 * mapsan-expect: nil-map-write A
 * mapsan-exit: abort
 * mapsan-stderr: assignment to entry in nil map
 * mapsan-stderr: WARNING: mapsan: nil-map-write
 */
#include "runtime-test.h"

#include <hmap.h>

#include <stdint.h>

static hmap *volatile m; /* never created */

int main(void) {
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: A */
  fprintf(stderr, "not reached\n");
  return 1;
}
