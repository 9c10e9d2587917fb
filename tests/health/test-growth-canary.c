/*
 * test-growth-canary.c: growth_limit and the profile in canary mode. 96
 * registries (48 on GLib's table, 48 on the project's map) each leak 150
 * entries; at sample_rate=4 about one in four is drawn (none of 48: odds
 * 1e-6), and a drawn one is counted on every call, between checking
 * windows too (which the short run barely opens): each API's leak is
 * reported once (its registries' reports share a signature) and a drawn
 * map's profile has every insert.
 *
 * mapsan-options: sample_rate=4:growth_limit=100:map_profile=1
 * mapsan-expect: unbounded-growth REG
 * mapsan-expect: unbounded-growth GREG
 * mapsan-profile: NEW size=150 inserts=150 removals=0 only_grows=true
 * mapsan-profile: GNEW size=150 inserts=150 removals=0 only_grows=true
 */
#include <hmap.h>

#include <glib.h>
#include <stdint.h>

#define MAPS 48

int main(void) {
  hmap *reg[MAPS];
  GHashTable *greg[MAPS];
  for (int i = 0; i < MAPS; i++) {
    reg[i] = hmap_new(&hmap_u64_u64, 0); /* mapsan-mark: NEW */
    greg[i] = g_hash_table_new(NULL, NULL); /* mapsan-mark: GNEW */
  }
  for (uint64_t k = 1; k <= 150; k++)
    for (int i = 0; i < MAPS; i++) {
      *(uint64_t *)hmap_assign(reg[i], &k) = k; /* mapsan-mark: REG */
      g_hash_table_insert(greg[i], GSIZE_TO_POINTER(k), NULL); /* mapsan-mark: GREG */
    }
  return 0;
}
