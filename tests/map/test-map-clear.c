/*
 * test-map-clear: hmap_clear removes every entry and keeps the bucket
 * array (as Go's clear), also in the middle of a growth; the map is fully
 * usable afterwards; iterators running across a clear end at their next
 * step without producing anything else; clear of an empty map is a no-op.
 */
#include "map-test.h"

int main(void) {
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  hmap_clear(m); /* empty, no buckets yet */
  CHECK(hmap_len(m) == 0 && m->buckets == NULL);
  for (uint64_t round = 0; round < 4; round++) {
    for (uint64_t i = 0; i < 5000; i++)
      u64_put(m, i * 131 + round, i);
    CHECK_MAP(m);
    void *kept = m->buckets;
    hmap_stats before, after;
    hmap_debug_stats(m, &before);
    hmap_iter it;
    hmap_iter_init(&it, m);
    CHECK(hmap_iter_next(&it));
    hmap_iter it2;
    hmap_iter_init(&it2, m);
    CHECK(hmap_iter_next(&it2));
    hmap_clear(m);
    CHECK(!hmap_iter_next(&it)); /* ended by the clear */
    for (uint64_t i = 0; i < 100; i++) /* even with new entries in place */
      u64_put(m, i, i);
    CHECK(!hmap_iter_next(&it2));
    for (uint64_t i = 0; i < 100; i++)
      CHECK(u64_del(m, i));
    hmap_debug_stats(m, &after);
    CHECK(m->buckets == kept && after.B == before.B);
    CHECK(hmap_len(m) == 0 && !after.growing && after.noverflow == 0);
    CHECK_MAP(m);
    for (uint64_t i = 0; i < 5000; i++)
      CHECK(u64_lookup(m, i * 131 + round) == NULL);
    hmap_iter_init(&it, m);
    CHECK(!hmap_iter_next(&it));
  }
  /* Clear while growing: the old array is released, the new one kept. */
  hmap_stats st;
  uint64_t k = 0;
  do {
    u64_put(m, k++, 1);
    hmap_debug_stats(m, &st);
  } while (!st.growing);
  void *kept = m->buckets;
  hmap_clear(m);
  hmap_debug_stats(m, &st);
  CHECK(!st.growing && m->buckets == kept && hmap_len(m) == 0);
  CHECK_MAP(m);
  for (uint64_t i = 0; i < 20000; i++) {
    u64_put(m, i, i + 1);
    if (i % 1000 == 0)
      CHECK_MAP(m);
  }
  for (uint64_t i = 0; i < 20000; i++)
    CHECK(*u64_lookup(m, i) == i + 1);
  CHECK_MAP(m);
  hmap_free(m);
  printf("ok\n");
  return 0;
}
