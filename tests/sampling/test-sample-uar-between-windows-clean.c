/*
 * test-sample-uar-between-windows-clean: the twin of
 * test-sample-uar-between-windows that must stay silent: the same maps,
 * drawn or not, grown the same way between windows, and each value read
 * through a pointer looked up again after the growth, as the API allows.
 * Nothing is reported, though a drawn map's arrays come from the guarded
 * pool and its old arrays sit in quarantine.
 *
 * (The twin's text follows.) In a canary (sample_rate=2, the default
 * budget: this program ends long before its first window could open, so
 * every call on a drawn map is made between windows), a drawn map's bucket
 * arrays still come from the guarded pool: its writes name the map to the
 * pool on their way to the library (shim/map_hmap.c, DRAWN_WRITE). Of 32
 * maps, each filled, a value pointer kept, grown and then read through the
 * stale pointer, the drawn ones (none drawn: 2^-32) fault on the reclaimed
 * array and are reported as use-after-resize at that line.
 *
 * mapsan-options: sample_rate=2
 * mapsan-expect: none
 */
#include "../resize/resize-test.h"

#include <stdio.h>

#define MAPS 32

int main(void) {
  uint64_t sum = 0;
  for (int i = 0; i < MAPS; i++) {
    hmap *m = hmap_new(&hmap_u64_u64, 0);
    fill(m, 0, 8);
    /* The array v points into is made by a growth on the lean path (the
     * thread's first call on a drawn map goes through the slow half). */
    grow_and_finish(m);
    uint64_t k = 3;
    uint64_t *v = hmap_lookup(m, &k);
    grow_and_finish(m);
    v = hmap_lookup(m, &k); /* the array now holding the value */
    sum += *(volatile uint64_t *)v;
    hmap_free(m);
  }
  printf("read %llu after growth\n", (unsigned long long)sum);
  return 0;
}
