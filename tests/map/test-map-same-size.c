/*
 * test-map-same-size: a delete-heavy workload that leaves overflow buckets
 * behind triggers a same-size growth, which compacts the chains without
 * changing the number of buckets, and the map stays correct throughout.
 *
 * The map is held near a fixed size (about 6 entries per bucket, below the
 * 6.5 that would double it) while keys are replaced: each step deletes a
 * random live key and inserts a fresh one. A fresh key can only reuse a hole
 * in its own chain, so full chains grow overflow buckets while holes pile up
 * elsewhere; once overflow buckets reach the bucket count, a same-size
 * growth must start. The test asserts it happened, that B did not change,
 * and that overflow buckets were reclaimed.
 */
#include "map-test.h"

enum { B = 6, LIVE = 6 << B, STEPS = 60000 };

int main(void) {
  test_rng r = {42};
  static uint64_t live[LIVE];
  hmap *m = hmap_new(&hmap_u64_u64, LIVE);
  for (size_t i = 0; i < LIVE; i++) {
    live[i] = rng_next(&r);
    u64_put(m, live[i], i);
  }
  CHECK_MAP(m);
  hmap_stats st;
  hmap_debug_stats(m, &st);
  CHECK(st.B == B);
  size_t max_ovf = 0;
  bool saw_growing = false;
  for (size_t step = 0; step < STEPS; step++) {
    size_t i = (size_t)rng_below(&r, LIVE);
    CHECK(u64_del(m, live[i]));
    live[i] = rng_next(&r);
    u64_put(m, live[i], i);
    hmap_debug_stats(m, &st);
    if (st.noverflow > max_ovf)
      max_ovf = st.noverflow;
    saw_growing |= st.same_size_growing;
    if (step % 64 == 0 || st.growing)
      CHECK_MAP(m);
    CHECK(hmap_len(m) == LIVE);
  }
  hmap_debug_stats(m, &st);
  printf("same-size growths %lu, doublings %lu, max overflow %zu, now %zu, "
         "B %u\n", st.same_size_grows, st.grows, max_ovf, st.noverflow, st.B);
  CHECK(st.same_size_grows > 0);
  CHECK(saw_growing);
  CHECK(st.grows == 0 && st.B == B);
  CHECK(max_ovf >= (size_t)1 << B);
  for (size_t i = 0; i < LIVE; i++) {
    uint64_t *v = u64_lookup(m, live[i]);
    CHECK(v != NULL && *v == i);
  }
  CHECK_MAP(m);
  hmap_free(m);
  printf("ok\n");
  return 0;
}
