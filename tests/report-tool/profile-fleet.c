/*
 * profile-fleet.c: the program check_report_tool.py's `profile` case runs
 * under mapsan with map_profile=1 on two "hosts": a handler registry on
 * GLib's table that leaks (keyed by a fresh closure's address formatted as
 * a string: 120 registrations, none deduplicated), and a cache on the
 * project's map that evicts (at most 64 entries), busy enough that the
 * periodic records (map_profile_period=1) come out during its 1.2 s.
 */
#include <hmap.h>

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static GHashTable *registry;

static void handler(void) {}

struct closure {
  void (*fn)(void);
};

static void register_handler(void (*fn)(void)) {
  struct closure *closure = g_new(struct closure, 1);
  closure->fn = fn;
  g_hash_table_insert(registry, g_strdup_printf("%p", (void *)closure), /* profile-fleet: REGISTER */
                      closure);
}

int main(void) {
  registry = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free); /* profile-fleet: REGISTRY */
  hmap *cache = hmap_new(&hmap_u64_u64, 0); /* profile-fleet: CACHE */
  uint64_t next = 0, hits = 0;
  for (int round = 0; round < 120; round++) {
    register_handler(handler);
    for (int i = 0; i < 200; i++) {
      uint64_t k = next % 100;
      if (hmap_lookup(cache, &k)) {
        hits++;
      } else {
        if (hmap_len(cache) >= 64) {
          hmap_iter it;
          hmap_iter_init(&it, cache);
          hmap_iter_next(&it);
          uint64_t victim = *(const uint64_t *)it.key;
          hmap_iter_stop(&it);
          hmap_delete(cache, &victim);
        }
        *(uint64_t *)hmap_assign(cache, &k) = next;
      }
      next += 7;
    }
    struct timespec ms = {0, 10 * 1000000};
    nanosleep(&ms, NULL);
  }
  printf("%llu\n", (unsigned long long)hits);
  return 0;
}
