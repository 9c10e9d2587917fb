/*
 * test-growth-cache-evict.c: a cache with eviction is not a leak. It holds
 * at most 64 entries and evicts the oldest before each new one beyond
 * that; 1000 distinct keys go through it. With growth_limit=100 nothing is
 * reported, and the profile says it does not only grow (936 removals).
 * The same on GLib's table, created at GNEW.
 *
 * mapsan-options: growth_limit=100:map_profile=1
 * mapsan-expect: none
 * mapsan-profile: NEW only_grows=false size=64 peak_size=64 inserts=1000 removals=936 lookups_hit=0 lookups_miss=1000
 * mapsan-profile: GNEW only_grows=false size=64 peak_size=64 inserts=1000 removals=936 lookups_hit=0 lookups_miss=1000
 */
#include <hmap.h>

#include <glib.h>
#include <stdint.h>

#define CAP 64

int main(void) {
  hmap *cache = hmap_new(&hmap_u64_u64, 0); /* mapsan-mark: NEW */
  GHashTable *gcache = g_hash_table_new(NULL, NULL); /* mapsan-mark: GNEW */
  for (uint64_t k = 1; k <= 1000; k++) {
    if (hmap_lookup(cache, &k) == NULL) { /* a miss: fetch and insert */
      if (k > CAP) {
        uint64_t oldest = k - CAP;
        hmap_delete(cache, &oldest);
      }
      *(uint64_t *)hmap_assign(cache, &k) = k * k;
    }
    if (g_hash_table_lookup(gcache, GSIZE_TO_POINTER(k)) == NULL) {
      if (k > CAP)
        g_hash_table_remove(gcache, GSIZE_TO_POINTER(k - CAP));
      g_hash_table_insert(gcache, GSIZE_TO_POINTER(k), GSIZE_TO_POINTER(k * k));
    }
  }
  return hmap_len(cache) == CAP && g_hash_table_size(gcache) == CAP ? 0 : 1;
}
