/*
 * test-map-evacuate: incremental evacuation interleaved with every kind of
 * operation keeps the map equal to a reference model.
 *
 * Random inserts, overwrites, deletes, lookups and complete iterations over
 * a universe of keys, with the map checked against a reference array and
 * every invariant checked after every mutation. Growth-stress mode makes
 * growths (doubling and same-size) overlap with most operations; the test
 * asserts that many operations ran while a growth was in progress.
 */
#include "map-test.h"

#include <string.h>

enum { UNIVERSE = 1500, OPS = 40000 };

static uint64_t keys[UNIVERSE];
static bool present[UNIVERSE];
static uint64_t value[UNIVERSE];
static unsigned char seen[UNIVERSE];

static void full_iteration(hmap *m, size_t expect) {
  memset(seen, 0, sizeof seen);
  hmap_iter it;
  size_t n = 0;
  hmap_iter_init(&it, m);
  while (hmap_iter_next(&it)) {
    uint64_t k, v;
    memcpy(&k, it.key, sizeof k);
    memcpy(&v, it.val, sizeof v);
    size_t idx = (size_t)(v >> 32);
    CHECK(idx < UNIVERSE && keys[idx] == k && present[idx]);
    CHECK(value[idx] == v);
    CHECK(seen[idx]++ == 0);
    n++;
  }
  CHECK(n == expect);
}

static void run(uint64_t seed, bool stress) {
  test_rng r = {seed};
  for (size_t i = 0; i < UNIVERSE; i++)
    keys[i] = rng_next(&r);
  memset(present, 0, sizeof present);
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  hmap_set_grow_stress(m, stress);
  size_t live = 0, while_growing = 0;
  for (uint64_t op = 0; op < OPS; op++) {
    size_t idx = (size_t)rng_below(&r, UNIVERSE);
    /* Phases: grow for a while, then shrink, so that both happen. */
    unsigned bias = (op / 5000) % 2 == 0 ? 70 : 30;
    unsigned dice = (unsigned)rng_below(&r, 100);
    hmap_stats st;
    hmap_debug_stats(m, &st);
    while_growing += st.growing;
    if (dice < bias) {
      uint64_t v = (uint64_t)idx << 32 | (op & 0xffffffff);
      u64_put(m, keys[idx], v);
      live += !present[idx];
      present[idx] = true;
      value[idx] = v;
      CHECK_MAP(m);
    } else if (dice < 95) {
      CHECK(u64_del(m, keys[idx]) == present[idx]);
      live -= present[idx];
      present[idx] = false;
      CHECK_MAP(m);
    } else if (dice < 99) {
      uint64_t *v = u64_lookup(m, keys[idx]);
      CHECK(present[idx] ? v != NULL && *v == value[idx] : v == NULL);
    } else {
      full_iteration(m, live);
    }
    CHECK(hmap_len(m) == live);
  }
  for (size_t i = 0; i < UNIVERSE; i++) {
    uint64_t *v = u64_lookup(m, keys[i]);
    CHECK(present[i] ? v != NULL && *v == value[i] : v == NULL);
  }
  full_iteration(m, live);
  hmap_stats st;
  hmap_debug_stats(m, &st);
  printf("seed %llu stress %d: %zu ops while growing, %lu grows, %lu "
         "same-size\n", (unsigned long long)seed, stress, while_growing,
         st.grows, st.same_size_grows);
  CHECK(while_growing > (stress ? OPS / 4 : 100));
  hmap_free(m);
}

int main(void) {
  run(1, false);
  run(2, true);
  run(3, true);
  printf("ok\n");
  return 0;
}
