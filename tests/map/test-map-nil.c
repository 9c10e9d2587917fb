/*
 * test-map-nil: every read, delete, clear and iteration on a NULL map is
 * legal and behaves as on an empty map (Go's nil map rules); freeing and
 * destroying NULL are no-ops. (A write through NULL is fatal: see
 * test-map-fatal.)
 */
#include "map-test.h"

int main(void) {
  hmap *m = NULL;
  uint64_t k = 1;
  CHECK(hmap_lookup(m, &k) == NULL);
  CHECK(hmap_len(m) == 0);
  CHECK(!hmap_delete(m, &k));
  hmap_clear(m);
  hmap_iter it;
  hmap_iter_init(&it, m);
  CHECK(!hmap_iter_next(&it));
  CHECK(!hmap_iter_next(&it));
  hmap_iter_stop(&it);
  hmap_iter_init(&it, m);
  hmap_iter_stop(&it);
  CHECK(hmap_check_invariants(m, NULL, 0));
  hmap_set_grow_stress(m, true);
  hmap_free(m);
  hmap_destroy(m);
  /* And an empty, never-written map behaves the same. */
  m = hmap_new(&hmap_u64_u64, 0);
  CHECK(hmap_lookup(m, &k) == NULL && hmap_len(m) == 0 &&
        !hmap_delete(m, &k));
  hmap_iter_init(&it, m);
  CHECK(!hmap_iter_next(&it));
  hmap_free(m);
  printf("ok\n");
  return 0;
}
