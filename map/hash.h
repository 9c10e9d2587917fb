/*
 * hash.h: libhmap's seeded hash functions, inline so that the map's fast
 * paths (u64 and string keys) hash without an indirect call.
 *
 * The construction is a "multiply and fold": the 128-bit product of two
 * 64-bit words, high half xor low half. Two folds of (key ^ seed ^ K0) by
 * odd constants give every output bit a dependence on every input bit, which
 * is all the map needs (it uses the low B bits for the bucket and the top 8
 * bits for the top hash). Strings are consumed 16 bytes per fold; the tail
 * is read with overlapping loads so that no byte is read twice out of
 * bounds. Not a cryptographic hash; the per-map random seed only makes
 * collisions hard to choose from outside.
 *
 * If you change these, re-run bench/bench-map and tests/map/test-map-hash.
 */
#ifndef HMAP_HASH_H
#define HMAP_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Odd constants with about half their bits set, no structure. */
#define HMAP_K0 UINT64_C(0x8ebc6af09c88c6e3)
#define HMAP_K1 UINT64_C(0xa0761d6478bd642f)
#define HMAP_K2 UINT64_C(0xe7037ed1a0b428db)
#define HMAP_K3 UINT64_C(0x589965cc75374cc3)

__extension__ typedef unsigned __int128 hmap_u128;

/* Multiply and fold: high half xor low half of a * b. */
static inline uint64_t hmap_fold(uint64_t a, uint64_t b) {
  hmap_u128 r = (hmap_u128)a * b;
  return (uint64_t)(r >> 64) ^ (uint64_t)r;
}

static inline uint64_t hmap_read8(const unsigned char *p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

static inline uint64_t hmap_read4(const unsigned char *p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

/* The integer mix used for 8-byte keys. Two folds: with one, keys that
 * differ only in their top 16 bits skew the top hash byte (seen by
 * tests/map/test-map-hash). */
static inline uint64_t hmap_mix_u64(uint64_t x, uint64_t seed) {
  return hmap_fold(hmap_fold(x ^ seed ^ HMAP_K0, HMAP_K1) ^ HMAP_K2, HMAP_K3);
}

/* Hash of len bytes at data (byte order of the machine). */
static inline uint64_t hmap_mix_bytes(const void *data, size_t len,
                                      uint64_t seed) {
  const unsigned char *p = data;
  size_t n = len;
  uint64_t h = seed ^ HMAP_K0;
  uint64_t a, b;

  while (n > 16) {
    h = hmap_fold(hmap_read8(p) ^ HMAP_K1, hmap_read8(p + 8) ^ h);
    p += 16;
    n -= 16;
  }
  if (n > 8) { /* 9..16: two overlapping 8-byte words */
    a = hmap_read8(p);
    b = hmap_read8(p + n - 8);
  } else if (n >= 4) { /* 4..8: two overlapping 4-byte words */
    a = hmap_read4(p);
    b = hmap_read4(p + n - 4);
  } else if (n > 0) { /* 1..3: first, middle and last byte */
    a = (uint64_t)p[0] | (uint64_t)p[n >> 1] << 8 | (uint64_t)p[n - 1] << 16;
    b = 0;
  } else {
    a = b = 0;
  }
  h = hmap_fold(a ^ HMAP_K2 ^ h, b ^ HMAP_K3 ^ (uint64_t)len);
  return hmap_fold(h ^ HMAP_K1, (uint64_t)len ^ HMAP_K2);
}

#endif /* HMAP_HASH_H */
