/*
 * test-uar-stale-header.c: the C twin of a copied Go map header. A struct
 * holding an embedded map is copied; the original grows, releasing the
 * array the copy still points to; a lookup through the copy touches the
 * released array inside the library and is reported as use-after-resize,
 * with the program's call in the faulting stack.
 *
 * mapsan-expect-in-stack: use-after-resize USE
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
