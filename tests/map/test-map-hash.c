/*
 * test-map-hash: the built-in hashes spread structured keys evenly over
 * the bits the map uses: the low B bits (bucket index) and the top 8 bits
 * (top hash). For sequential, strided and random u64 keys and for similar
 * strings, a chi-square statistic over 1024 buckets and over the 256 top
 * hash values must stay near its degrees of freedom (within 5 sigma), for
 * several seeds; different seeds give different hashes.
 */
#include "map-test.h"

#include <math.h>
#include <string.h>

enum { NKEYS = 1 << 16, NB = 1024 };

static double chi2(const unsigned *counts, size_t n, double expect) {
  double s = 0;
  for (size_t i = 0; i < n; i++) {
    double d = counts[i] - expect;
    s += d * d / expect;
  }
  return s;
}

static void check_spread(const char *what, const uint64_t *h) {
  static unsigned low[NB], top[256];
  memset(low, 0, sizeof low);
  memset(top, 0, sizeof top);
  for (size_t i = 0; i < NKEYS; i++) {
    low[h[i] & (NB - 1)]++;
    top[h[i] >> 56]++;
  }
  double cl = chi2(low, NB, (double)NKEYS / NB);
  double ct = chi2(top, 256, (double)NKEYS / 256);
  double ll = NB - 1 + 5 * sqrt(2.0 * (NB - 1));
  double lt = 255 + 5 * sqrt(2.0 * 255);
  printf("%-24s chi2 low %7.1f (limit %.0f)  top %6.1f (limit %.0f)\n", what,
         cl, ll, ct, lt);
  CHECK(cl < ll && ct < lt);
}

int main(void) {
  static uint64_t h[NKEYS];
  static const unsigned shifts[] = {0, 3, 10, 20, 32, 40, 48};
  static const uint64_t seeds[] = {0, 1, UINT64_C(0xdeadbeefcafef00d)};
  char what[64];
  for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++) {
    for (size_t j = 0; j < sizeof shifts / sizeof shifts[0]; j++) {
      for (uint64_t i = 0; i < NKEYS; i++) {
        uint64_t k = i << shifts[j];
        h[i] = hmap_u64_u64.hash(&k, seeds[s]);
      }
      snprintf(what, sizeof what, "u64 i<<%u seed %zu", shifts[j], s);
      check_spread(what, h);
    }
    test_rng r = {s};
    for (uint64_t i = 0; i < NKEYS; i++) {
      uint64_t k = rng_next(&r);
      h[i] = hmap_u64_u64.hash(&k, seeds[s]);
    }
    snprintf(what, sizeof what, "u64 random seed %zu", s);
    check_spread(what, h);
    static char buf[NKEYS][32];
    for (uint64_t i = 0; i < NKEYS; i++) {
      snprintf(buf[i], sizeof buf[i], "%s%llu", s == 1 ? "user:session:" : "",
               (unsigned long long)i);
      const char *k = buf[i];
      h[i] = hmap_str_ptr.hash(&k, seeds[s]);
    }
    snprintf(what, sizeof what, "strings seed %zu", s);
    check_spread(what, h);
  }
  uint64_t k = 12345;
  CHECK(hmap_u64_u64.hash(&k, 1) != hmap_u64_u64.hash(&k, 2));
  CHECK(hmap_hash_bytes("abc", 3, 1) != hmap_hash_bytes("abc", 3, 2));
  CHECK(hmap_hash_bytes("abc", 3, 1) != hmap_hash_bytes("abd", 3, 1));
  printf("ok\n");
  return 0;
}
