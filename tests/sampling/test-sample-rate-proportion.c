/*
 * test-sample-rate-proportion.c: sample_rate=100 tracks one map in 100.
 * 100,000 maps are created (and freed) and the tracked ones counted by the
 * draw mapsan records in each map's tool_tag (1 tracked, 2 untracked, see
 * shim/map_hmap.c): 1,000 expected, and with a fair draw the count is
 * within five standard deviations (about 31) of it.
 *
 * mapsan-options: sample_rate=100
 * mapsan-expect: none
 */
#include <hmap.h>

#include <stdio.h>

enum { MAPS = 100000, EXPECTED = 1000, TOLERANCE = 160 };

int main(void) {
  int tracked = 0, untracked = 0;
  for (int i = 0; i < MAPS; i++) {
    hmap *m = hmap_new(&hmap_u64_u64, 0);
    tracked += m->tool_tag == 1;
    untracked += m->tool_tag == 2;
    hmap_free(m);
  }
  printf("%d tracked, %d untracked of %d\n", tracked, untracked, MAPS);
  if (tracked + untracked != MAPS || tracked < EXPECTED - TOLERANCE ||
      tracked > EXPECTED + TOLERANCE) {
    fprintf(stderr, "%d maps tracked of %d at sample_rate=100\n", tracked,
            MAPS);
    return 3;
  }
  return 0;
}
