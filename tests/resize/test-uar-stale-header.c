/*
 * test-uar-stale-header.c: the C twin of a copied Go map header. A struct
 * holding an embedded map is copied; the original grows, releasing the
 * array the copy still points to; the first call through the copy is
 * reported as use-after-resize at that call (the copy's header is checked
 * against the quarantine when mapsan first meets it), before the library
 * touches the released array.
 *
 * mapsan-expect: use-after-resize USE
 */
#include "resize-test.h"

struct cache {
  hmap entries;
};

int main(void) {
  struct cache a;
  hmap_init(&a.entries, &hmap_u64_u64, 8);
  fill(&a.entries, 0, 8);
  struct cache b = a; /* BUG: copies the map header */
  grow_and_finish(&a.entries);
  uint64_t k = 2;
  volatile void *p = hmap_lookup(&b.entries, &k); /* mapsan-mark: USE */
  (void)p;
  hmap_destroy(&a.entries);
  return 0;
}
