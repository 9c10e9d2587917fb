/*
 * map-test.h: helpers shared by the libhmap tests: a CHECK macro that says
 * where and what failed, a fixed-seed generator, and the invariant check
 * that every test runs after its mutations.
 */
#ifndef MAP_TEST_H
#define MAP_TEST_H

#include "hmap.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                         \
  do {                                                                      \
    if (!(cond)) {                                                          \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,      \
              #cond);                                                       \
      abort();                                                              \
    }                                                                       \
  } while (0)

/* Runs hmap_check_invariants and fails with its reason. */
#define CHECK_MAP(m)                                                        \
  do {                                                                      \
    char why_[256];                                                         \
    if (!hmap_check_invariants((m), why_, sizeof why_)) {                   \
      fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__,  \
              why_);                                                        \
      abort();                                                              \
    }                                                                       \
  } while (0)

/* splitmix64: deterministic keys from a fixed seed. */
typedef struct test_rng {
  uint64_t s;
} test_rng;

static inline uint64_t rng_next(test_rng *r) {
  uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static inline uint64_t rng_below(test_rng *r, uint64_t n) {
  return rng_next(r) % n;
}

static inline uint64_t *u64_lookup(hmap *m, uint64_t k) {
  return hmap_lookup(m, &k);
}

static inline void u64_put(hmap *m, uint64_t k, uint64_t v) {
  uint64_t *slot = hmap_assign(m, &k);
  *slot = v;
}

static inline bool u64_del(hmap *m, uint64_t k) { return hmap_delete(m, &k); }

#endif
