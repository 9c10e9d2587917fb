/*
 * addr_hash.h: uthash for tables keyed by an address (sync objects,
 * iterators). uthash's default hash and compare work byte by byte: 107
 * instructions a lookup, measured with callgrind, the largest cost of a
 * lock in canary mode. An address needs one multiply and one compare.
 * Include this instead of <uthash.h>; keys must be a uintptr_t.
 */
#ifndef MAPSAN_ADDR_HASH_H
#define MAPSAN_ADDR_HASH_H

#include "base.h"

#define uthash_fatal(msg) MAPSAN_CHECK(!msg)
#define HASH_FUNCTION(keyptr, keylen, hashv)                                  \
  ((hashv) = (unsigned)((*(const uintptr_t *)(keyptr) *                       \
                         0x9e3779b97f4a7c15ull) >> 32))
#define HASH_KEYCMP(a, b, n)                                                  \
  (*(const uintptr_t *)(a) != *(const uintptr_t *)(b))
#include "alloc.h"

/* uthash's own allocations come from mapsan's allocator too (alloc.c). */
#define uthash_malloc(sz) mapsan_malloc(sz)
#define uthash_free(ptr, sz) mapsan_free(ptr)
#include <uthash.h>

#endif
