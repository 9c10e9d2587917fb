/*
 * test-uar-slot-reuse.c: proves that slots given back by the quarantine and
 * handed out again still guard their new arrays. With a 1 MiB budget, a
 * churn of grown and freed maps evicts thousands of arrays (their slots go
 * to the free lists, most of them with their pages given back, since only
 * 128 KiB may stay resident); then two maps X and Y get arrays from reused
 * slots. A stale value pointer into X's released array faults and is
 * reported on map X; Y's array, next to it, stays readable with its value;
 * after a second churn (which evicts X's reported array, made accessible in
 * recoverable mode, and closes it again before reuse), a stale pointer into
 * Y's released array is reported on map Y. The exit summary shows the pool
 * bounded: address space reused (under 60,000 KiB reserved, where 600 maps
 * of fresh slots would take about 180 MiB), at most 128 KiB cached.
 *
 * mapsan-options: quarantine_mb=1:verbosity=1
 * mapsan-expect: use-after-resize USE_X
 * mapsan-expect: use-after-resize USE_Y
 * mapsan-stderr: X=(0x[0-9a-f]+) Y=(0x[0-9a-f]+)[\s\S]*use-after-resize on map \1[\s\S]*use-after-resize on map \2
 * mapsan-stderr: arrays, ([0-9]{1,4}|[1-5][0-9]{4}) KiB mapped, ([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8]) KiB cached
 */
#include "resize-test.h"

#include <stdio.h>
#include <stdlib.h>

static void churn(void) {
  for (int round = 0; round < 300; round++) {
    hmap *m = hmap_new(&hmap_u64_u64, 0);
    fill(m, 0, 2000);
    hmap_free(m);
  }
}

int main(void) {
  churn();
  hmap *x = hmap_new(&hmap_u64_u64, 0);
  hmap *y = hmap_new(&hmap_u64_u64, 0);
  fill(x, 0, 8);
  fill(y, 0, 8);
  fprintf(stderr, "X=%p Y=%p\n", (void *)x, (void *)y);
  uint64_t k = 3;
  uint64_t *vx = hmap_lookup(x, &k), *vy = hmap_lookup(y, &k);
  grow_and_finish(x);
  uint64_t stale = *(volatile uint64_t *)vx; /* mapsan-mark: USE_X */
  if (*(volatile uint64_t *)vy != 3)
    abort(); /* the neighbour's live array must be untouched */
  churn();
  grow_and_finish(y);
  stale += *(volatile uint64_t *)vy; /* mapsan-mark: USE_Y */
  printf("read %llu after growth\n", (unsigned long long)stale);
  hmap_free(x);
  hmap_free(y);
  return 0;
}
