/*
 * test-map-hooks: every byte of every bucket array goes through
 * hmap_buckets_alloc / hmap_buckets_free, and a definition of them outside
 * libhmap.so takes over, as a preloaded tool's would.
 *
 * This executable links the shared libhmap and defines both hooks itself;
 * the library reaches them through the PLT, so ours are called. They record
 * every live block: each free must name a live block with the size it was
 * allocated with, and nothing may be live at the end. Growth, same-size
 * growth (stress mode), overflow chunks, clear and iterator pinning are all
 * exercised; an array pinned by an iterator must not be freed until the
 * iterator ends.
 */
#include "map-test.h"

#include <string.h>

enum { MAX_LIVE = 4096 };

static struct block {
  void *p;
  size_t size;
} live[MAX_LIVE];
static size_t nlive, nalloc, nfree;

void *hmap_buckets_alloc(size_t size) {
  size_t rounded = (size + 63) & ~(size_t)63;
  void *p = aligned_alloc(64, rounded);
  CHECK(p != NULL && nlive < MAX_LIVE);
  memset(p, 0xa5, size); /* the map must not rely on zeroed memory */
  live[nlive].p = p;
  live[nlive].size = size;
  nlive++;
  nalloc++;
  return p;
}

void hmap_buckets_free(void *p, size_t size) {
  for (size_t i = 0; i < nlive; i++) {
    if (live[i].p == p) {
      CHECK(live[i].size == size);
      live[i] = live[--nlive];
      nfree++;
      memset(p, 0x5a, size); /* a use after free shows up as garbage */
      free(p);
      return;
    }
  }
  CHECK(!"hmap_buckets_free of a block that is not live");
}

static bool is_live(void *p) {
  for (size_t i = 0; i < nlive; i++)
    if (live[i].p == p)
      return true;
  return false;
}

static void workload(bool stress) {
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  hmap_set_grow_stress(m, stress);
  test_rng r = {stress ? 11u : 10u};
  for (uint64_t i = 0; i < 20000; i++) {
    u64_put(m, rng_below(&r, 30000), i);
    if (i % 3 == 0)
      u64_del(m, rng_below(&r, 30000));
  }
  CHECK_MAP(m);
  /* Pinning: the start array outlives growth until the iterator ends. */
  hmap_iter it;
  hmap_iter_init(&it, m);
  CHECK(hmap_iter_next(&it));
  void *start = m->buckets;
  /* Write until the map no longer uses the start array (it reads the
   * private oldbuckets field: the map is done with an array when it is
   * neither the current nor the old one). */
  for (uint64_t k = 100000; m->buckets == start || m->oldbuckets == start;
       k++)
    u64_put(m, k, k);
  CHECK(is_live(start));
  while (hmap_iter_next(&it))
    ;
  CHECK(!is_live(start));
  CHECK_MAP(m);
  hmap_clear(m);
  void *kept = m->buckets;
  for (uint64_t k = 0; k < 1000; k++)
    u64_put(m, k * 64, k); /* reuse the overflow supply */
  CHECK_MAP(m);
  CHECK(is_live(kept));
  hmap_free(m);
}

int main(void) {
  workload(false);
  workload(true);
  hmap embedded;
  hmap_init(&embedded, &hmap_str_ptr, 500);
  CHECK(embedded.buckets != NULL && is_live(embedded.buckets));
  hmap_destroy(&embedded);
  printf("%zu allocations, %zu frees, %zu live\n", nalloc, nfree, nlive);
  CHECK(nalloc > 50 && nalloc == nfree && nlive == 0);
  printf("ok\n");
  return 0;
}
