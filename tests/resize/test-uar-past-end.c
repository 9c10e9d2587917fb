/*
 * test-uar-past-end.c: proves that a stale access just past a reclaimed
 * bucket array — on the PROT_NONE page after its pages — is reported as
 * use-after-resize of that array, not as a plain crash. A map of one key
 * has a one-page array (the pool puts an array at the start of its
 * pages); the test reads the word that starts the next page, through the
 * stale value pointer, after growth released the array. Recoverable mode
 * then reopens that page too, so the read completes and the program exits
 * (status 66).
 *
 * mapsan-expect: use-after-resize PAST
 */
#include "resize-test.h"

#include <stdio.h>

int main(void) {
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  fill(m, 0, 1);
  uint64_t k = 0;
  uint64_t *v = hmap_lookup(m, &k);
  uintptr_t next_page = ((uintptr_t)v | 4095) + 1;
  grow_and_finish(m);
  uint64_t stale = *(volatile uint64_t *)next_page; /* mapsan-mark: PAST */
  printf("read %llu past the stale array\n", (unsigned long long)stale);
  hmap_free(m);
  return 0;
}
