/*
 * test-profile-periodic.c: with map_profile_period=1 a long-running process
 * writes its maps' records every second, not only at exit: a map that
 * grows by a key a millisecond for 2.3 s has at least two periodic records
 * (final: false), in time order, before the final one.
 *
 * mapsan-options: map_profile=1:map_profile_period=1
 * mapsan-expect: none
 * mapsan-profile-periodic: NEW 2
 * mapsan-profile: NEW only_grows=true
 */
#include <hmap.h>

#include <stdint.h>
#include <time.h>

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(void) {
  hmap *m = hmap_new(&hmap_u64_u64, 0); /* mapsan-mark: NEW */
  long end = now_ms() + 2300;
  for (uint64_t k = 0; now_ms() < end; k++) {
    *(uint64_t *)hmap_assign(m, &k) = k;
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
  }
  return 0;
}
