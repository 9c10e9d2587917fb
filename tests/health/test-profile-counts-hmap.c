/*
 * test-profile-counts-hmap.c: the profile's counters are exact on a
 * scripted workload on the project's map: 100 new keys from site A, 20
 * overwrites from site B, 30 removals of present keys and 5 of absent ones,
 * 50 lookups that hit and 25 that miss, 3 iterations; lengths are not
 * counted. The map grew 4 times (load 6.5: at 9, 14, 27 and 53 entries)
 * and has no overflow bucket. A second map (OTHER), only read, is
 * described too, with its own counts.
 *
 * mapsan-options: map_profile=1
 * mapsan-expect: none
 * mapsan-profile: NEW size=70 peak_size=100 inserts=100 replacements=20 removals=30 lookups_hit=50 lookups_miss=25 iterations=3 grows=4 same_size_grows=0 shrinks=0 only_grows=false api="hmap"
 * mapsan-profile-site: NEW A 100
 * mapsan-profile: OTHER size=1 inserts=1 lookups_hit=0 lookups_miss=7 only_grows=true
 */
#include <hmap.h>

#include <stdint.h>

int main(void) {
  hmap *m = hmap_new(&hmap_u64_u64, 0); /* mapsan-mark: NEW */
  hmap *other = hmap_new(&hmap_u64_u64, 0); /* mapsan-mark: OTHER */
  uint64_t one = 1;
  *(uint64_t *)hmap_assign(other, &one) = 1;
  for (uint64_t k = 0; k < 100; k++)
    *(uint64_t *)hmap_assign(m, &k) = k; /* mapsan-mark: A */
  for (uint64_t k = 0; k < 20; k++)
    *(uint64_t *)hmap_assign(m, &k) += 1; /* mapsan-mark: B */
  for (uint64_t k = 0; k < 30; k++)
    hmap_delete(m, &k);
  for (uint64_t k = 1000; k < 1005; k++)
    hmap_delete(m, &k);
  uint64_t sum = 0;
  for (uint64_t k = 50; k < 100; k++)
    sum += *(uint64_t *)hmap_lookup(m, &k);
  for (uint64_t k = 2000; k < 2025; k++)
    sum += hmap_lookup(m, &k) != NULL;
  for (int i = 0; i < 3; i++) {
    hmap_iter it;
    hmap_iter_init(&it, m);
    while (hmap_iter_next(&it))
      sum++;
  }
  for (uint64_t k = 5; k < 12; k++)
    sum += hmap_lookup(other, &k) != NULL;
  sum += hmap_len(m) + hmap_len(other);
  return sum > 0 ? 0 : 1;
}
