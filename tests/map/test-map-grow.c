/*
 * test-map-grow: growth is correct at every size boundary.
 *
 * Inserts keys 0..N one at a time (N crosses many doublings, from the lazy
 * first bucket to B = 10), checking every invariant after every insertion
 * and, at each size, that every key inserted so far is found with its value
 * and that absent keys are not. Then deletes them one at a time, checking
 * again after every deletion. Done for sequential keys, scattered keys, maps
 * made with a size hint, and in grow-stress mode (load factor 1 and forced
 * same-size growths), where growth happens at nearly every step.
 */
#include "map-test.h"

#include <string.h>

enum { N = 3000 };

static uint64_t key_of(unsigned mode, uint64_t i) {
  return mode == 0 ? i : i * UINT64_C(0x9e3779b97f4a7c15) ^ 0xabcdef;
}

static void run(unsigned mode, size_t hint, bool stress) {
  hmap *m = hmap_new(&hmap_u64_u64, hint);
  CHECK(m != NULL);
  hmap_set_grow_stress(m, stress);
  CHECK_MAP(m);
  for (uint64_t i = 0; i < N; i++) {
    u64_put(m, key_of(mode, i), i * 7 + 1);
    CHECK_MAP(m);
    CHECK(hmap_len(m) == i + 1);
    /* All keys so far, at sizes near powers of two, and a few always. */
    bool full = (i & (i + 1)) == 0 || (i + 1) % 13 == 0 || i < 100;
    uint64_t from = full ? 0 : i;
    for (uint64_t j = from; j <= i; j++) {
      uint64_t *v = u64_lookup(m, key_of(mode, j));
      CHECK(v != NULL && *v == j * 7 + 1);
    }
    CHECK(u64_lookup(m, key_of(mode, i + 1)) == NULL);
  }
  hmap_stats st;
  hmap_debug_stats(m, &st);
  CHECK(stress ? st.grows >= 10 : st.grows >= (hint ? 0u : 9u));
  if (stress)
    CHECK(st.same_size_grows > 0);
  /* Re-assigning existing keys changes values, not the count. */
  for (uint64_t i = 0; i < N; i += 3)
    u64_put(m, key_of(mode, i), i);
  CHECK(hmap_len(m) == N);
  CHECK_MAP(m);
  for (uint64_t i = 0; i < N; i++) {
    CHECK(u64_del(m, key_of(mode, i)));
    CHECK(!u64_del(m, key_of(mode, i)));
    CHECK_MAP(m);
    CHECK(hmap_len(m) == N - i - 1);
    if (i % 97 == 0)
      for (uint64_t j = i + 1; j < N; j++)
        CHECK(u64_lookup(m, key_of(mode, j)) != NULL);
  }
  hmap_free(m);
}

int main(void) {
  for (unsigned mode = 0; mode < 2; mode++) {
    run(mode, 0, false);
    run(mode, 0, true);
    run(mode, 1000, false);
  }
  printf("ok\n");
  return 0;
}
