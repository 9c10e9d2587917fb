/*
 * test-map-large: a map of one million entries: every key found with its
 * value, absent keys not found, iteration produces each entry once, half
 * deleted, and every invariant holds at the end of each phase.
 */
#include "map-test.h"

#include <string.h>

enum { N = 1000000 };

int main(void) {
  static uint64_t keys[N];
  static unsigned char seen[N];
  test_rng r = {7};
  for (size_t i = 0; i < N; i++)
    keys[i] = rng_next(&r) << 20 | i; /* unique: low bits are i */
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  for (size_t i = 0; i < N; i++)
    u64_put(m, keys[i], i);
  CHECK(hmap_len(m) == N);
  CHECK_MAP(m);
  for (size_t i = 0; i < N; i++) {
    uint64_t *v = u64_lookup(m, keys[i]);
    CHECK(v != NULL && *v == i);
    CHECK(u64_lookup(m, keys[i] ^ (UINT64_C(1) << 19)) == NULL);
  }
  hmap_iter it;
  size_t n = 0;
  hmap_iter_init(&it, m);
  while (hmap_iter_next(&it)) {
    uint64_t v = *(const uint64_t *)it.val;
    CHECK(v < N && *(const uint64_t *)it.key == keys[v] && !seen[v]);
    seen[v] = 1;
    n++;
  }
  CHECK(n == N);
  for (size_t i = 0; i < N; i += 2)
    CHECK(u64_del(m, keys[i]));
  CHECK(hmap_len(m) == N / 2);
  CHECK_MAP(m);
  for (size_t i = 0; i < N; i++)
    CHECK((u64_lookup(m, keys[i]) != NULL) == (i % 2 == 1));
  hmap_stats st;
  hmap_debug_stats(m, &st);
  printf("B %u, %zu overflow buckets, %lu grows\n", st.B, st.noverflow,
         st.grows);
  hmap_free(m);
  printf("ok\n");
  return 0;
}
