/*
 * hmap.c: libhmap, a hash map on the design of the Go runtime's map
 * (runtime/map.go before the Swiss tables, Go 1.20). Written for mapsan;
 * usable on its own.
 *
 * ==== Terminology ====
 *
 * A map is an array of 2^B buckets (the "bucket array"). A bucket holds 8
 * slots: 8 top-hash bytes, a pointer to an overflow bucket, then 8 keys and
 * 8 values, all inline with the sizes of the map's hmap_type, in one of two
 * layouts chosen once per map (map_init):
 *
 *     +0   tophash[8]     one byte per slot (below)
 *     +8   overflow       next bucket of the chain, or NULL
 *     +16  pairs:  {key, value}[8]     when that needs no padding (u64->u64,
 *                                      string->pointer): a hit then reads
 *                                      key and value from one cache line;
 *          arrays: keys[8], values[8]  otherwise (Go's layout: no padding
 *                                      between a key and a smaller value).
 *
 * key_of()/val_of() hide the difference (key_stride, val_off, val_stride).
 *
 * The low B bits of a key's 64-bit hash select its bucket; the top 8 bits
 * (raised above the sentinels) are its "top hash", stored in the slot so that
 * a probe compares keys only when the top hashes match. A bucket that fills
 * up gets an overflow bucket chained to it. A slot's tophash byte is either a
 * top hash (>= TOP_MIN) or a sentinel saying the slot is empty or evacuated.
 *
 * Every bucket array is one allocation from hmap_buckets_alloc: a 64-byte
 * array header (pin state, overflow supply), the 2^B buckets, then 2^(B-4)
 * preallocated overflow buckets when B >= 4. More overflow buckets come in
 * "chunks", also allocated through the hook and owned by the array: they are
 * released with it. So an array and everything chained from it live and die
 * together, and map->buckets is exactly the pointer the hook returned.
 *
 * ==== Lookup ====
 *
 * Hash the key, pick its home bucket (in the old array if the map is growing
 * and that old bucket is not evacuated yet), and walk the chain comparing top
 * hashes, 8 at a time with word operations, and keys where they match. An
 * empty slot marked TOP_EMPTY_REST ends the walk early: nothing follows it.
 * probe_chain() is the one lookup core; lookup, assign, delete, iteration and
 * the invariant checker all use it.
 *
 * ==== Growth ====
 *
 * When an insertion of a new key would make the average load exceed 6.5
 * entries per bucket, the map grows: it allocates an array twice as large,
 * keeps the current one as `oldbuckets`, and moves ("evacuates") entries
 * incrementally. Old bucket i splits into new buckets i ("X") and i + 2^oldB
 * ("Y") according to the hash bit that the larger mask adds. Each write while
 * growing evacuates the old bucket it is about to use plus the next one not
 * yet evacuated (grow_work), so the work per write is bounded: two old chains
 * plus at most EVAC_MARK_SCAN top-hash reads to advance `nevacuate`. After
 * the last old bucket is evacuated the old array is retired (released, or
 * released later by the last iterator that pins it, below).
 *
 * An evacuated old slot keeps its key and value; its tophash becomes
 * TOP_EVAC_X or TOP_EVAC_Y (the entry lives on in that half) or
 * TOP_EVAC_EMPTY (it was empty). An old bucket is evacuated iff its first
 * tophash holds an evacuation mark (evacuation marks every slot of a chain).
 *
 * ==== Same-size growth ====
 *
 * Deletions leave holes that later insertions of *other* keys may not reuse
 * (a key can only go to its own chain), so overflow buckets can pile up while
 * the load stays low. When the number of overflow buckets reaches the number
 * of buckets (Go's tooManyOverflowBuckets, counted exactly here), the map
 * "grows" into a new array of the same size: the same evacuation, every old
 * bucket i going to new bucket i, compacting the chains.
 *
 * ==== Why 6.5 ====
 *
 * Measured for u64 -> u64 (144-byte buckets) with uniformly random keys, at
 * the largest load before growth, by a simulation of exactly this layout
 * (bench/load-factor.py). %overflow = overflow buckets per 100 buckets;
 * bytes/entry = bucket memory per entry; hit = key comparisons per
 * successful lookup (the top hashes filter the rest); miss = buckets walked
 * by an unsuccessful lookup.
 *
 *     load  %overflow  bytes/entry  hit keys  miss buckets
 *     4.0      2.0        36.7       1.008       1.02
 *     5.0      6.7        30.7       1.010       1.07
 *     6.0     15.2        27.6       1.012       1.15
 *     6.5     20.8        26.8       1.013       1.21
 *     7.0     27.4        26.2       1.014       1.27
 *     8.0     41.1        25.4       1.016       1.41
 *
 * Below 5 memory per entry rises fast; above 7 overflow buckets (a second
 * cache line per chain) and miss walks grow fast. Between 6 and 7 the trade
 * is flat (each half step saves under a byte per entry and costs about six
 * more overflow buckets per 100); 6.5, Go's value, sits in the middle.
 *
 * ==== Iteration rules ====
 *
 * The rules the iterator code cites as (I1)..(I6):
 *
 * (I1) An iterator remembers the array it started on (it->buckets) and its
 *      B, and visits every bucket index of that array once, starting at a
 *      random index and at a random slot offset within each bucket.
 * (I2) If the map is growing and the current B equals the iterator's B, the
 *      iterator started during this growth, or a same-size growth started
 *      after it: for bucket index i it reads old bucket i & oldmask while
 *      that one is not evacuated, and otherwise bucket i of its own array.
 * (I3) Reading an unevacuated old bucket of a doubling growth, it produces
 *      only the entries whose hash selects index i in its own array (the
 *      other half belongs to the sibling index, visited separately).
 * (I4) A slot marked TOP_EVAC_X/Y was moved after the iterator started: the
 *      entry's current copy is looked up in the map; if absent it was
 *      deleted and is skipped. Otherwise the slot is the entry itself.
 * (I5) Together, every entry present for the whole iteration is produced
 *      exactly once, whatever the iterating thread writes meanwhile; an
 *      entry added meanwhile may or may not be produced.
 * (I6) hmap_clear bumps clear_seq; an iterator that sees it changed ends
 *      (no entry present at its start survives a clear).
 *
 * ==== The writing flag ====
 *
 * Go's cheap overlap check, followed to the letter. A write: (1) checks that
 * `writing` is clear, else fatal "concurrent map writes"; (2) hashes the key
 * (user code, may be slow); (3) sets the flag (xor); (4) mutates; (5)
 * re-checks the flag, fatal if another writer cleared it meanwhile; (6)
 * clears it. Reads (lookup, len) check it and die with "concurrent map read
 * and map write"; iteration steps with "concurrent map iteration and map
 * write". The flag is read and written with relaxed atomics: the check is
 * deliberately racy, and relaxed accesses make that race defined behaviour
 * while compiling to plain loads and stores. It catches overlaps, not races:
 * that is mapsan's job.
 *
 * ==== Bucket-array hooks and iterator pinning ====
 *
 * Every array and overflow chunk is allocated with hmap_buckets_alloc and
 * released with hmap_buckets_free with the same size, always through the
 * dynamic linker (map/hooks.c), so a preloaded tool can quarantine released
 * arrays. Like Go's garbage collector keeping an array alive for a live
 * iterator, an iterator pins the array it started on and, while it scans a
 * bucket of another array (I2), that array too. The array header holds one
 * atomic word, state = pins * PIN_ONE | RETIRED:
 *
 *   - pin:    state += PIN_ONE                 (only while the array is live)
 *   - retire: old = state |= RETIRED; if old == 0, release now
 *   - unpin:  old = state -= PIN_ONE; if old == PIN_ONE | RETIRED, release
 *
 * Exactly one of the retiring writer and the pinning readers sees the last
 * transition, so an array is released exactly once, by whoever leaves it
 * last, and never while pinned. Several threads may iterate (and pin) at
 * once; only the writer retires, and writes do not overlap other operations.
 */
#include "hmap.h"

#include "hash.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define ALWAYS_INLINE inline __attribute__((always_inline))
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ==================================================================== */
/* Constants                                                            */
/* ==================================================================== */

enum {
  BUCKET_BITS = 3,
  BUCKET_CNT = 1 << BUCKET_BITS, /* slots per bucket */
  LOAD_NUM = 13,                 /* maximum average load is LOAD_NUM / */
  LOAD_DEN = 2,                  /*   LOAD_DEN = 6.5 entries per bucket */
  OVF_OFF = 8,                   /* offset of the overflow pointer */
  KEYS_OFF = 16,                 /* offset of key 0 */
  ARRAY_HDR = 64,                /* array/chunk header before bucket 0 */
  EVAC_MARK_SCAN = 1024,         /* max old buckets checked per advance */
  STRESS_GROW_EVERY = 32,        /* stress: same-size growth per new keys */
  PREALLOC_MIN_B = 4,            /* B from which overflow is preallocated */
};

/* Top-hash sentinels (a slot's tophash byte below TOP_MIN). */
enum {
  TOP_EMPTY_REST = 0, /* empty, and so are all later slots and overflows */
  TOP_EMPTY_ONE = 1,  /* empty */
  TOP_EVAC_X = 2,     /* entry evacuated to the first half of the new array */
  TOP_EVAC_Y = 3,     /* entry evacuated to the second half */
  TOP_EVAC_EMPTY = 4, /* empty, and the bucket is evacuated */
  TOP_MIN = 5,        /* smallest top hash of a full slot */
};

/* Fast paths, chosen once per map from its descriptor. */
enum key_kind { KIND_GENERIC, KIND_U64, KIND_STR };

/* iter->check_bucket when no filtering by hash is needed (I3). */
#define NO_CHECK SIZE_MAX

/* Pin state word of an array header. */
#define PIN_RETIRED ((size_t)1)
#define PIN_ONE ((size_t)2)

/* An impossibility: report file:line and the condition, then abort. */
#define HMAP_CHECK(cond)                                                    \
  do {                                                                      \
    if (UNLIKELY(!(cond)))                                                  \
      check_failed(__FILE__, __LINE__, #cond);                              \
  } while (0)

static void check_failed(const char *file, int line, const char *cond)
    __attribute__((noreturn, cold));
static void check_failed(const char *file, int line, const char *cond) {
  char msg[256];
  snprintf(msg, sizeof msg, "bad map state: %s:%d: %s", file, line, cond);
  hmap_fatal(msg);
}

/* ==================================================================== */
/* Process-wide counters (hmap_debug_counters)                          */
/* ==================================================================== */

static atomic_ulong n_arrays_allocated, n_arrays_freed, n_frees_deferred,
    n_deferred_freed;

static void count(atomic_ulong *c) {
  atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* ==================================================================== */
/* Randomness: per-thread generator for seeds and iteration starts      */
/* ==================================================================== */

static _Thread_local uint64_t rng_state;

static uint64_t rand64(void) {
  if (UNLIKELY(rng_state == 0)) {
    uint64_t s = 0;
    if (getrandom(&s, sizeof s, GRND_NONBLOCK) != (ssize_t)sizeof s) {
      struct timespec ts;
      clock_gettime(CLOCK_MONOTONIC, &ts);
      s = (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 32 ^
          (uint64_t)(uintptr_t)&ts;
    }
    rng_state = s | 1;
  }
  rng_state += HMAP_K1;
  return hmap_fold(rng_state, rng_state ^ HMAP_K2);
}

/* ==================================================================== */
/* Descriptors                                                          */
/* ==================================================================== */

static uint64_t u64_hash(const void *key, uint64_t seed) {
  uint64_t k;
  memcpy(&k, key, sizeof k);
  return hmap_mix_u64(k, seed);
}

static bool u64_equal(const void *a, const void *b) {
  return memcmp(a, b, sizeof(uint64_t)) == 0;
}

static inline const char *str_of(const void *key) {
  const char *s;
  memcpy(&s, key, sizeof s);
  return s;
}

static inline uint64_t str_hash_inline(const void *key, uint64_t seed) {
  const char *s = str_of(key);
  return hmap_mix_bytes(s, strlen(s), seed);
}

static uint64_t str_hash(const void *key, uint64_t seed) {
  return str_hash_inline(key, seed);
}

static inline bool str_equal_inline(const void *a, const void *b) {
  const char *x = str_of(a), *y = str_of(b);
  return x == y || strcmp(x, y) == 0;
}

static bool str_equal(const void *a, const void *b) {
  return str_equal_inline(a, b);
}

const hmap_type hmap_u64_u64 = {sizeof(uint64_t), sizeof(uint64_t), u64_hash,
                                u64_equal};
const hmap_type hmap_str_ptr = {sizeof(const char *), sizeof(void *),
                                str_hash, str_equal};

uint64_t hmap_hash_bytes(const void *data, size_t len, uint64_t seed) {
  return hmap_mix_bytes(data, len, seed);
}

static enum key_kind kind_of(const hmap_type *t) {
  if (t->hash == u64_hash && t->equal == u64_equal &&
      t->key_size == sizeof(uint64_t))
    return KIND_U64;
  if (t->hash == str_hash && t->equal == str_equal &&
      t->key_size == sizeof(const char *))
    return KIND_STR;
  return KIND_GENERIC;
}

/* ==================================================================== */
/* Bucket layout accessors (all pointer arithmetic lives here)          */
/* ==================================================================== */

/* A bucket is addressed as `char *`; its fields only through these. */

/* The bucket array header, at the start of every array allocation. */
typedef struct array_hdr {
  atomic_size_t state;          /* pins * PIN_ONE | PIN_RETIRED */
  size_t size;                  /* bytes given to hmap_buckets_alloc */
  struct ovf_chunk *chunks;     /* extra overflow chunks, oldest first */
  struct ovf_chunk *chunk_cur;  /* chunk the supply is in; NULL: prealloc */
  char *ovf_next, *ovf_end;     /* unused overflow buckets of the supply */
  char *prealloc, *prealloc_end; /* preallocated overflow region */
} array_hdr;

/* The header of an extra overflow chunk, owned by one array. */
typedef struct ovf_chunk {
  struct ovf_chunk *next;
  size_t size;     /* bytes given to hmap_buckets_alloc */
  size_t nbuckets; /* buckets after the header */
} ovf_chunk;

_Static_assert(sizeof(array_hdr) <= ARRAY_HDR, "array header too large");
_Static_assert(sizeof(ovf_chunk) <= ARRAY_HDR, "chunk header too large");

static inline array_hdr *hdr_of(void *array) { return array; }

static inline size_t nbuckets_of(unsigned B) { return (size_t)1 << B; }
static inline size_t bucket_mask(unsigned B) { return nbuckets_of(B) - 1; }

/* Bucket i of an array (or of a chunk: both have ARRAY_HDR headers). */
static inline char *bucket_at(const hmap *m, void *array, size_t i) {
  return (char *)array + ARRAY_HDR + i * m->bucket_size;
}

static inline uint8_t *tophash(char *b) { return (uint8_t *)b; }

static inline char *overflow_of(const char *b) {
  char *o;
  memcpy(&o, b + OVF_OFF, sizeof o);
  return o;
}

static inline void set_overflow(char *b, char *o) {
  memcpy(b + OVF_OFF, &o, sizeof o);
}

/* Key and value of slot i (layouts: design comment). */
static inline char *key_of(const hmap *m, char *b, unsigned i) {
  return b + KEYS_OFF + i * m->key_stride;
}

static inline char *val_of(const hmap *m, char *b, unsigned i) {
  return b + m->val_off + i * m->val_stride;
}

/* An empty bucket: no entries, no overflow. */
static inline void bucket_reset(char *b) {
  memset(b, 0, KEYS_OFF);
}

/* memcpy/memset of a key or value: the common 8-byte size inline, other
 * sizes through the library calls. */
static inline void copy_slot(void *dst, const void *src, size_t n) {
  if (n == sizeof(uint64_t)) {
    uint64_t t;
    memcpy(&t, src, sizeof t);
    memcpy(dst, &t, sizeof t);
  } else {
    memcpy(dst, src, n);
  }
}

static inline void zero_slot(void *dst, size_t n) {
  if (n == sizeof(uint64_t))
    memset(dst, 0, sizeof(uint64_t));
  else
    memset(dst, 0, n);
}

static inline bool is_empty(uint8_t top) { return top <= TOP_EMPTY_ONE; }

/* An old bucket is evacuated iff its first slot holds an evacuation mark. */
static inline bool evacuated(char *b) {
  uint8_t t = tophash(b)[0];
  return t > TOP_EMPTY_ONE && t < TOP_MIN;
}

static inline uint8_t top_of(uint64_t hash) {
  uint8_t t = (uint8_t)(hash >> 56);
  return t < TOP_MIN ? (uint8_t)(t + TOP_MIN) : t;
}

/* Largest power of two dividing size, at most 16: the alignment any type
 * of that size can need. */
static size_t align_for(size_t size) {
  size_t a = size & (~size + 1);
  return (size == 0 || a > 16) ? 16 : a;
}

static size_t round_up(size_t n, size_t a) { return (n + a - 1) & ~(a - 1); }

/* ---- The 8 top hashes as one word ---------------------------------- */

#define BYTES_LO UINT64_C(0x0101010101010101)
#define BYTES_7F UINT64_C(0x7f7f7f7f7f7f7f7f)
#define BYTES_FE UINT64_C(0xfefefefefefefefe)

/* Little-endian load, so that byte i of the bucket is bits 8i..8i+7. */
static inline uint64_t tophash_word(const char *b) {
  uint64_t w;
  memcpy(&w, b, sizeof w);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  w = __builtin_bswap64(w);
#endif
  return w;
}

/* Bit 8i+7 set exactly for the zero bytes i of w. */
static inline uint64_t zero_bytes(uint64_t w) {
  return ~(((w & BYTES_7F) + BYTES_7F) | w | BYTES_7F);
}

static inline unsigned first_byte(uint64_t mask) {
  return (unsigned)__builtin_ctzll(mask) >> 3;
}

/* Bit 8i+7 set for the slots i that hold an entry: a top hash, or an
 * evacuated entry (TOP_EVAC_X/Y); not for the empty and TOP_EVAC_EMPTY. */
static inline uint64_t occupied(uint64_t w) {
  uint64_t empty = zero_bytes(w & BYTES_FE) |
                   zero_bytes(w ^ (BYTES_LO * TOP_EVAC_EMPTY));
  return ~empty & (BYTES_LO << 7);
}

/* Byte j of the result is byte (j + k) % 8 of w. */
static inline uint64_t rotate_bytes(uint64_t w, unsigned k) {
  unsigned r = 8 * (k & 7);
  return r == 0 ? w : w >> r | w << (64 - r);
}

/* ==================================================================== */
/* Hashing and comparing, specialized per kind                          */
/* ==================================================================== */

static ALWAYS_INLINE uint64_t key_hash(const hmap *m, const void *key,
                                       enum key_kind kind) {
  switch (kind) {
  case KIND_U64: {
    uint64_t k;
    memcpy(&k, key, sizeof k);
    return hmap_mix_u64(k, m->seed);
  }
  case KIND_STR:
    return str_hash_inline(key, m->seed);
  case KIND_GENERIC:
    return m->type->hash(key, m->seed);
  }
  __builtin_unreachable();
}

static ALWAYS_INLINE bool key_equal(const hmap *m, const void *a,
                                    const void *b, enum key_kind kind) {
  switch (kind) {
  case KIND_U64:
    return memcmp(a, b, sizeof(uint64_t)) == 0;
  case KIND_STR:
    return str_equal_inline(a, b);
  case KIND_GENERIC:
    return m->type->equal(a, b);
  }
  __builtin_unreachable();
}

static ALWAYS_INLINE size_t key_size_of(const hmap *m, enum key_kind kind) {
  switch (kind) {
  case KIND_U64:
    return sizeof(uint64_t);
  case KIND_STR:
    return sizeof(const char *);
  case KIND_GENERIC:
    return m->key_size;
  }
  __builtin_unreachable();
}

/* Not specialized: for evacuation and iteration (once per entry moved). */
static uint64_t hash_any(const hmap *m, const void *key) {
  switch ((enum key_kind)m->kind) {
  case KIND_U64:
    return key_hash(m, key, KIND_U64);
  case KIND_STR:
    return key_hash(m, key, KIND_STR);
  case KIND_GENERIC:
    return key_hash(m, key, KIND_GENERIC);
  }
  __builtin_unreachable();
}

/* ==================================================================== */
/* Bucket arrays: allocation, overflow supply, retire and pins          */
/* ==================================================================== */

static void *hook_alloc(size_t size) {
  void *p = hmap_buckets_alloc(size);
  if (p == NULL)
    hmap_fatal("out of memory allocating map buckets");
  HMAP_CHECK(((uintptr_t)p & 15) == 0);
  count(&n_arrays_allocated);
  return p;
}

static void hook_free(void *p, size_t size) {
  count(&n_arrays_freed);
  hmap_buckets_free(p, size);
}

/* A new array of 2^B empty buckets for m's layout. */
static void *array_new(const hmap *m, unsigned B) {
  HMAP_CHECK(B < 8 * sizeof(size_t) - 8);
  size_t nb = nbuckets_of(B);
  size_t npre = B >= PREALLOC_MIN_B ? nb >> 4 : 0;
  size_t total = nb + npre;
  if (total > (SIZE_MAX - ARRAY_HDR) / m->bucket_size)
    hmap_fatal("out of memory allocating map buckets");
  size_t size = ARRAY_HDR + total * m->bucket_size;
  void *a = hook_alloc(size);
  array_hdr *h = hdr_of(a);
  atomic_init(&h->state, 0);
  h->size = size;
  h->chunks = h->chunk_cur = NULL;
  h->prealloc = h->ovf_next = bucket_at(m, a, nb);
  h->prealloc_end = h->ovf_end = bucket_at(m, a, total);
  for (size_t i = 0; i < nb; i++)
    bucket_reset(bucket_at(m, a, i));
  return a;
}

/* Releases an array and its chunks (through the hooks, with their sizes). */
static void array_release(void *a) {
  array_hdr *h = hdr_of(a);
  ovf_chunk *c = h->chunks;
  while (c != NULL) {
    ovf_chunk *next = c->next;
    hook_free(c, c->size);
    c = next;
  }
  hook_free(a, h->size);
}

/* The map no longer uses array a: release it now, or let the last iterator
 * that pins it do so. */
static void array_retire(void *a) {
  array_hdr *h = hdr_of(a);
  size_t old = atomic_fetch_or_explicit(&h->state, PIN_RETIRED,
                                        memory_order_acq_rel);
  HMAP_CHECK((old & PIN_RETIRED) == 0);
  if (old == 0)
    array_release(a);
  else
    count(&n_frees_deferred);
}

/* Only on a live (not retired) array, i.e. one the map still uses. */
static void array_pin(void *a) {
  atomic_fetch_add_explicit(&hdr_of(a)->state, PIN_ONE, memory_order_relaxed);
}

/* Does not touch the map: the map may be gone. */
static void array_unpin(void *a) {
  size_t old = atomic_fetch_sub_explicit(&hdr_of(a)->state, PIN_ONE,
                                         memory_order_acq_rel);
  HMAP_CHECK(old >= PIN_ONE);
  if (old == (PIN_ONE | PIN_RETIRED)) {
    count(&n_deferred_freed);
    array_release(a);
  }
}

/* Makes the clear array reuse its overflow buckets from the start. The
 * chunks stay allocated (an iterator may still be inside one). */
static void array_reset_supply(void *a) {
  array_hdr *h = hdr_of(a);
  h->chunk_cur = NULL;
  h->ovf_next = h->prealloc;
  h->ovf_end = h->prealloc_end;
}

/* Chains a fresh overflow bucket after b, which is in m's current array. */
static char *new_overflow(hmap *m, char *b) {
  array_hdr *h = hdr_of(m->buckets);
  if (h->ovf_next == h->ovf_end) {
    ovf_chunk *c = h->chunk_cur != NULL ? h->chunk_cur->next : h->chunks;
    if (c == NULL) {
      size_t n = nbuckets_of(m->B) >> 3;
      if (n == 0)
        n = 1;
      size_t size = ARRAY_HDR + n * m->bucket_size;
      c = hook_alloc(size);
      c->next = NULL;
      c->size = size;
      c->nbuckets = n;
      if (h->chunk_cur != NULL)
        h->chunk_cur->next = c;
      else
        h->chunks = c;
    }
    h->chunk_cur = c;
    h->ovf_next = bucket_at(m, c, 0);
    h->ovf_end = bucket_at(m, c, c->nbuckets);
  }
  char *o = h->ovf_next;
  h->ovf_next += m->bucket_size;
  bucket_reset(o);
  set_overflow(b, o);
  m->noverflow++;
  return o;
}

/* ==================================================================== */
/* The writing flag                                                     */
/* ==================================================================== */

static inline uint8_t writing_get(const hmap *m) {
  return __atomic_load_n(&m->writing, __ATOMIC_RELAXED);
}

static inline void writing_set(hmap *m, uint8_t v) {
  __atomic_store_n(&m->writing, v, __ATOMIC_RELAXED);
}

/* Steps (3) and (5)+(6) of the protocol (design comment). */
static inline void write_begin(hmap *m) {
  writing_set(m, writing_get(m) ^ 1);
}

static inline void write_end(hmap *m) {
  uint8_t w = writing_get(m);
  if (UNLIKELY((w & 1) == 0))
    hmap_fatal("concurrent map writes");
  writing_set(m, (uint8_t)(w & ~1u));
}

static inline void check_no_writer(const hmap *m, const char *msg) {
  if (UNLIKELY(writing_get(m) & 1))
    hmap_fatal(msg);
}

/* ==================================================================== */
/* The lookup core                                                      */
/* ==================================================================== */

typedef struct probe {
  char *b;          /* bucket holding the key, NULL if absent */
  unsigned i;       /* its slot */
  char *empty_b;    /* first empty slot of the chain (want_empty), or NULL */
  unsigned empty_i;
  char *last;       /* last bucket walked */
} probe;

/* Walks the chain starting at bucket b for key with top hash top. With
 * want_empty, also finds the first empty slot (for insertion). Stops at the
 * first TOP_EMPTY_REST: no slot after it is used. */
static ALWAYS_INLINE void probe_chain(const hmap *m, char *b, const void *key,
                                      uint8_t top, enum key_kind kind,
                                      bool want_empty, probe *p) {
  uint64_t pattern = BYTES_LO * top;
  p->b = NULL;
  p->empty_b = NULL;
  p->empty_i = 0;
  for (;;) {
    uint64_t w = tophash_word(b);
    for (uint64_t hit = zero_bytes(w ^ pattern); hit != 0; hit &= hit - 1) {
      unsigned i = first_byte(hit);
      if (LIKELY(key_equal(m, key, key_of(m, b, i), kind))) {
        p->b = b;
        p->i = i;
        p->last = b;
        return;
      }
    }
    if (want_empty && p->empty_b == NULL) {
      uint64_t e = zero_bytes(w & BYTES_FE);
      if (e != 0) {
        p->empty_b = b;
        p->empty_i = first_byte(e);
      }
    }
    p->last = b;
    if (zero_bytes(w) != 0) /* a TOP_EMPTY_REST */
      return;
    char *o = overflow_of(b);
    if (o == NULL)
      return;
    b = o;
  }
}

/* The bucket where a reader finds hash: the old one while unevacuated. */
static inline char *read_home(const hmap *m, uint64_t hash) {
  size_t mask = bucket_mask(m->B);
  if (m->oldbuckets != NULL) {
    size_t omask = m->same_size ? mask : mask >> 1;
    char *ob = bucket_at(m, m->oldbuckets, hash & omask);
    if (!evacuated(ob))
      return ob;
  }
  return bucket_at(m, m->buckets, hash & mask);
}

static ALWAYS_INLINE void find(const hmap *m, const void *key,
                               enum key_kind kind, probe *p) {
  uint64_t hash = key_hash(m, key, kind);
  probe_chain(m, read_home(m, hash), key, top_of(hash), kind, false, p);
}

/* Not specialized: for iteration and the invariant checker. */
static void find_any(const hmap *m, const void *key, probe *p) {
  switch ((enum key_kind)m->kind) {
  case KIND_U64:
    find(m, key, KIND_U64, p);
    return;
  case KIND_STR:
    find(m, key, KIND_STR, p);
    return;
  case KIND_GENERIC:
    find(m, key, KIND_GENERIC, p);
    return;
  }
}

/* ==================================================================== */
/* Growth                                                               */
/* ==================================================================== */

static inline bool growing(const hmap *m) { return m->oldbuckets != NULL; }

/* Would n entries exceed the maximum load of m's bucket count? */
static inline bool over_load(const hmap *m, size_t n) {
  if (m->stress)
    return n > nbuckets_of(m->B);
  return n > BUCKET_CNT && n > LOAD_NUM * (nbuckets_of(m->B) / LOAD_DEN);
}

/* Go's tooManyOverflowBuckets, with an exact count. */
static inline bool too_many_overflow(const hmap *m) {
  return m->noverflow >= nbuckets_of(m->B);
}

static inline bool stress_due(const hmap *m) {
  return m->stress && m->stress_inserts >= STRESS_GROW_EVERY;
}

/* Old buckets before this growth: the distance between X and Y. */
static inline size_t old_nbuckets(const hmap *m) {
  return m->same_size ? nbuckets_of(m->B) : nbuckets_of(m->B) >> 1;
}

/* Starts a growth: doubling if m is over its load, else same-size. */
static void hash_grow(hmap *m) {
  bool bigger = over_load(m, m->count + 1);
  void *a = array_new(m, m->B + bigger);
  m->oldbuckets = m->buckets;
  m->buckets = a;
  m->B = (uint8_t)(m->B + bigger);
  m->same_size = !bigger;
  m->nevacuate = 0;
  m->noverflow = 0;
  m->stress_inserts = 0;
  if (bigger)
    m->grows++;
  else
    m->same_size_grows++;
}

/* Ends a growth once every old bucket is evacuated. */
static void grow_done(hmap *m) {
  void *old = m->oldbuckets;
  m->oldbuckets = NULL;
  m->same_size = 0;
  m->nevacuate = 0;
  array_retire(old);
}

/* Advances nevacuate past evacuated buckets, reading at most
 * EVAC_MARK_SCAN of them (bounded work per write). */
static void advance_evacuation_mark(hmap *m, size_t newbit) {
  m->nevacuate++;
  size_t stop = m->nevacuate + EVAC_MARK_SCAN;
  if (stop > newbit)
    stop = newbit;
  while (m->nevacuate != stop &&
         evacuated(bucket_at(m, m->oldbuckets, m->nevacuate)))
    m->nevacuate++;
  if (m->nevacuate == newbit)
    grow_done(m);
}

typedef struct evac_dst {
  char *b;    /* current destination bucket */
  unsigned i; /* next free slot in b */
} evac_dst;

/* Moves old bucket oi's chain to the new array: X = same index, Y = index
 * + old_nbuckets (doubling only). Keys and values stay readable in the old
 * slots for iterators (I4). */
static ALWAYS_INLINE void evacuate(hmap *m, size_t oi, enum key_kind kind) {
  char *b = bucket_at(m, m->oldbuckets, oi);
  size_t newbit = old_nbuckets(m);
  if (!evacuated(b)) {
    size_t ks = key_size_of(m, kind), vs = m->val_size;
    evac_dst d[2] = {{bucket_at(m, m->buckets, oi), 0}, {NULL, 0}};
    if (!m->same_size)
      d[1].b = bucket_at(m, m->buckets, oi + newbit);
    for (; b != NULL; b = overflow_of(b)) {
      uint8_t *th = tophash(b);
      for (unsigned i = 0; i < BUCKET_CNT; i++) {
        uint8_t top = th[i];
        if (is_empty(top)) {
          th[i] = TOP_EVAC_EMPTY;
          continue;
        }
        HMAP_CHECK(top >= TOP_MIN);
        char *k = key_of(m, b, i);
        unsigned y = 0;
        if (!m->same_size)
          y = (key_hash(m, k, kind) & newbit) != 0;
        th[i] = (uint8_t)(TOP_EVAC_X + y);
        evac_dst *dst = &d[y];
        if (dst->i == BUCKET_CNT) {
          dst->b = new_overflow(m, dst->b);
          dst->i = 0;
        }
        tophash(dst->b)[dst->i] = top;
        copy_slot(key_of(m, dst->b, dst->i), k, ks);
        copy_slot(val_of(m, dst->b, dst->i), val_of(m, b, i), vs);
        dst->i++;
      }
    }
  }
  if (oi == m->nevacuate)
    advance_evacuation_mark(m, newbit);
}

/* The bounded work of one write while growing: the old bucket that feeds
 * new bucket bi, plus the first one not yet evacuated. */
static ALWAYS_INLINE void grow_work_kind(hmap *m, size_t bi,
                                         enum key_kind kind) {
  evacuate(m, bi & (old_nbuckets(m) - 1), kind);
  if (growing(m))
    evacuate(m, m->nevacuate, kind);
}

/* One out-of-line copy per kind, shared by assign and delete. */
static void __attribute__((noinline)) grow_work(hmap *m, size_t bi,
                                                enum key_kind kind) {
  switch (kind) {
  case KIND_U64:
    grow_work_kind(m, bi, KIND_U64);
    return;
  case KIND_STR:
    grow_work_kind(m, bi, KIND_STR);
    return;
  case KIND_GENERIC:
    grow_work_kind(m, bi, KIND_GENERIC);
    return;
  }
}

/* ==================================================================== */
/* Create and destroy                                                   */
/* ==================================================================== */

static void map_init(hmap *m, const hmap_type *t, size_t hint) {
  HMAP_CHECK(t != NULL && t->hash != NULL && t->equal != NULL);
  memset(m, 0, sizeof *m);
  m->type = t;
  m->kind = (uint8_t)kind_of(t);
  m->seed = rand64();
  size_t ks = t->key_size, vs = t->val_size;
  size_t ka = align_for(ks), va = align_for(vs);
  size_t ba = ka > va ? ka : va;
  HMAP_CHECK(ks < (1u << 24) && vs < (1u << 24));
  size_t kstride, voff, vstride, end;
  if (vs > 0 && ks % va == 0 && vs % ka == 0) { /* pairs: no padding */
    kstride = vstride = ks + vs;
    voff = KEYS_OFF + ks;
    end = KEYS_OFF + BUCKET_CNT * kstride;
  } else { /* arrays */
    kstride = ks;
    vstride = vs;
    voff = round_up(KEYS_OFF + BUCKET_CNT * ks, va);
    end = voff + BUCKET_CNT * vs;
  }
  size_t bsize = round_up(end, ba < 8 ? 8 : ba);
  HMAP_CHECK(bsize <= UINT32_MAX);
  m->key_size = (uint32_t)ks;
  m->val_size = (uint32_t)vs;
  m->key_stride = (uint32_t)kstride;
  m->val_stride = (uint32_t)vstride;
  m->val_off = (uint32_t)voff;
  m->bucket_size = (uint32_t)bsize;
  /* The smallest B whose maximum load holds hint entries. */
  unsigned B = 0;
  while (over_load(m, hint)) {
    B++;
    m->B = (uint8_t)B;
  }
  if (B > 0)
    m->buckets = array_new(m, B);
}

static void map_destroy(hmap *m) {
  check_no_writer(m, "concurrent map writes");
  if (m->oldbuckets != NULL)
    array_retire(m->oldbuckets);
  if (m->buckets != NULL)
    array_retire(m->buckets);
  memset(m, 0, sizeof *m);
}

hmap *hmap_new(const hmap_type *t, size_t hint) {
  hmap *m = malloc(sizeof *m);
  if (m != NULL)
    map_init(m, t, hint);
  return m;
}

void hmap_free(hmap *m) {
  if (m == NULL)
    return;
  map_destroy(m);
  free(m);
}

void hmap_init(hmap *m, const hmap_type *t, size_t hint) {
  HMAP_CHECK(m != NULL);
  map_init(m, t, hint);
}

void hmap_destroy(hmap *m) {
  if (m != NULL)
    map_destroy(m);
}

void hmap_set_grow_stress(hmap *m, bool on) {
  if (m != NULL)
    m->stress = on;
}

/* ==================================================================== */
/* Reads                                                                */
/* ==================================================================== */

static ALWAYS_INLINE void *lookup_kind(hmap *m, const void *key,
                                       enum key_kind kind) {
  probe p;
  find(m, key, kind, &p);
  return p.b != NULL ? val_of(m, p.b, p.i)
                     : NULL;
}

void *hmap_lookup(hmap *m, const void *key) {
  if (m == NULL || m->count == 0)
    return NULL;
  check_no_writer(m, "concurrent map read and map write");
  switch ((enum key_kind)m->kind) {
  case KIND_U64:
    return lookup_kind(m, key, KIND_U64);
  case KIND_STR:
    return lookup_kind(m, key, KIND_STR);
  case KIND_GENERIC:
    return lookup_kind(m, key, KIND_GENERIC);
  }
  __builtin_unreachable();
}

size_t hmap_len(hmap *m) {
  if (m == NULL)
    return 0;
  check_no_writer(m, "concurrent map read and map write");
  return m->count;
}

/* ==================================================================== */
/* Writes                                                               */
/* ==================================================================== */

static ALWAYS_INLINE void *assign_kind(hmap *m, const void *key,
                                       enum key_kind kind) {
  size_t ks = key_size_of(m, kind), vs = m->val_size;
  uint64_t hash = key_hash(m, key, kind); /* (2) user code may run */
  uint8_t top = top_of(hash);
  write_begin(m);                         /* (3) */
  if (m->buckets == NULL)
    m->buckets = array_new(m, m->B);
  char *v;
  for (;;) {
    size_t bi = hash & bucket_mask(m->B);
    if (growing(m))
      grow_work(m, bi, kind);
    probe p;
    probe_chain(m, bucket_at(m, m->buckets, bi), key, top, kind, true, &p);
    if (p.b != NULL) {
      v = val_of(m, p.b, p.i);
      break;
    }
    if (!growing(m) && (over_load(m, m->count + 1) || too_many_overflow(m) ||
                        stress_due(m))) {
      hash_grow(m);
      continue; /* the home bucket moved: probe again */
    }
    if (p.empty_b == NULL) {
      p.empty_b = new_overflow(m, p.last);
      p.empty_i = 0;
    }
    tophash(p.empty_b)[p.empty_i] = top;
    copy_slot(key_of(m, p.empty_b, p.empty_i), key, ks);
    v = val_of(m, p.empty_b, p.empty_i);
    zero_slot(v, vs);
    m->count++;
    m->stress_inserts += m->stress;
    break;
  }
  write_end(m); /* (5), (6) */
  return v;
}

void *hmap_assign(hmap *m, const void *key) {
  if (UNLIKELY(m == NULL))
    hmap_fatal("assignment to entry in nil map");
  check_no_writer(m, "concurrent map writes"); /* (1) */
  switch ((enum key_kind)m->kind) {
  case KIND_U64:
    return assign_kind(m, key, KIND_U64);
  case KIND_STR:
    return assign_kind(m, key, KIND_STR);
  case KIND_GENERIC:
    return assign_kind(m, key, KIND_GENERIC);
  }
  __builtin_unreachable();
}

/* Slot i of b was just emptied. If nothing used follows it, turn it and the
 * run of TOP_EMPTY_ONE before it into TOP_EMPTY_REST, walking back through
 * the chain that starts at b0, so that probes stop early. */
static void mark_empty_rest(char *b0, char *b, unsigned i) {
  if (i == BUCKET_CNT - 1) {
    char *o = overflow_of(b);
    if (o != NULL && tophash(o)[0] != TOP_EMPTY_REST)
      return;
  } else if (tophash(b)[i + 1] != TOP_EMPTY_REST) {
    return;
  }
  for (;;) {
    tophash(b)[i] = TOP_EMPTY_REST;
    if (i == 0) {
      if (b == b0)
        return;
      char *c = b;
      for (b = b0; overflow_of(b) != c; b = overflow_of(b))
        ;
      i = BUCKET_CNT - 1;
    } else {
      i--;
    }
    if (tophash(b)[i] != TOP_EMPTY_ONE)
      return;
  }
}

static ALWAYS_INLINE bool delete_kind(hmap *m, const void *key,
                                      enum key_kind kind) {
  uint64_t hash = key_hash(m, key, kind); /* (2) */
  write_begin(m);                         /* (3) */
  size_t bi = hash & bucket_mask(m->B);
  if (growing(m))
    grow_work(m, bi, kind);
  char *b0 = bucket_at(m, m->buckets, bi);
  probe p;
  probe_chain(m, b0, key, top_of(hash), kind, false, &p);
  if (p.b != NULL) {
    tophash(p.b)[p.i] = TOP_EMPTY_ONE;
    mark_empty_rest(b0, p.b, p.i);
    m->count--;
    if (m->count == 0) /* as Go: a fresh seed for an empty map */
      m->seed = rand64();
  }
  write_end(m); /* (5), (6) */
  return p.b != NULL;
}

bool hmap_delete(hmap *m, const void *key) {
  if (m == NULL || m->count == 0)
    return false;
  check_no_writer(m, "concurrent map writes"); /* (1) */
  switch ((enum key_kind)m->kind) {
  case KIND_U64:
    return delete_kind(m, key, KIND_U64);
  case KIND_STR:
    return delete_kind(m, key, KIND_STR);
  case KIND_GENERIC:
    return delete_kind(m, key, KIND_GENERIC);
  }
  __builtin_unreachable();
}

void hmap_clear(hmap *m) {
  if (m == NULL || m->count == 0)
    return;
  check_no_writer(m, "concurrent map writes");
  write_begin(m);
  if (growing(m))
    grow_done(m); /* nothing in it is live any more */
  for (size_t i = 0; i < nbuckets_of(m->B); i++)
    bucket_reset(bucket_at(m, m->buckets, i));
  array_reset_supply(m->buckets);
  m->noverflow = 0;
  m->count = 0;
  m->stress_inserts = 0;
  m->seed = rand64();
  m->clear_seq++; /* (I6) */
  write_end(m);
}

/* ==================================================================== */
/* Iteration                                                            */
/* ==================================================================== */

/* Releases the iterator's pins; never touches the map. */
static void iter_finish(hmap_iter *it) {
  if (it->cur_array != NULL)
    array_unpin(it->cur_array);
  if (it->buckets != NULL)
    array_unpin(it->buckets);
  it->cur_array = it->buckets = it->bptr = NULL;
  it->key = NULL;
  it->val = NULL;
}

/* The iterator is about to keep a bucket of array a in bptr: pin a unless
 * it is the start array (pinned for the whole iteration) or pinned already.
 * a is one the map uses, so it is live. */
static void iter_hold(hmap_iter *it, void *a) {
  if (a == it->cur_array)
    return;
  if (a == it->buckets)
    a = NULL;
  else
    array_pin(a);
  if (it->cur_array != NULL)
    array_unpin(it->cur_array);
  it->cur_array = a;
}

void hmap_iter_init(hmap_iter *it, hmap *m) {
  memset(it, 0, sizeof *it);
  it->map = m;
  if (m == NULL || m->count == 0)
    return; /* it->buckets == NULL: hmap_iter_next returns false */
  check_no_writer(m, "concurrent map iteration and map write");
  uint64_t r = rand64();
  it->B = m->B;
  it->buckets = m->buckets;
  array_pin(it->buckets);
  it->start_bucket = r & bucket_mask(m->B);
  it->bucket = it->start_bucket;
  it->offset = (uint8_t)((r >> 56) & (BUCKET_CNT - 1));
  it->check_bucket = NO_CHECK;
  it->clear_seq = m->clear_seq;
}

/* Entries of bucket b still to produce, from the iterator's position i:
 * bit 8j+7 says that slot (j + offset) % 8, the j-th in this iterator's
 * order, holds an entry (live or evacuated). */
static inline uint64_t iter_todo(const hmap_iter *it, char *b, unsigned i) {
  uint64_t todo = rotate_bytes(occupied(tophash_word(b)), it->offset);
  return todo & (i < BUCKET_CNT ? ~UINT64_C(0) << (8 * i) : 0);
}

/* The general step: next bucket, old buckets, evacuated entries. */
static bool __attribute__((noinline)) iter_advance(hmap_iter *it, hmap *m) {
  char *b = it->bptr;
  size_t bucket = it->bucket, check = it->check_bucket;
  unsigned i = it->i;
  for (;;) {
    if (b == NULL) {
      if (bucket == it->start_bucket && it->wrapped) { /* (I1) */
        iter_finish(it);
        return false;
      }
      void *a = it->buckets;
      b = bucket_at(m, a, bucket);
      check = NO_CHECK;
      if (growing(m) && it->B == m->B) { /* (I2) */
        size_t omask = old_nbuckets(m) - 1;
        char *ob = bucket_at(m, m->oldbuckets, bucket & omask);
        if (!evacuated(ob)) {
          a = m->oldbuckets;
          b = ob;
          /* Decided now, not per slot: a same-size growth may start while
           * we are still inside this doubling growth's old bucket. */
          check = m->same_size ? NO_CHECK : bucket;
        }
      }
      iter_hold(it, a);
      if (++bucket == nbuckets_of(it->B)) {
        bucket = 0;
        it->wrapped = 1;
      }
      i = 0;
    }
    for (uint64_t todo = iter_todo(it, b, i); todo != 0; todo &= todo - 1) {
      i = first_byte(todo);
      unsigned s = (i + it->offset) & (BUCKET_CNT - 1);
      uint8_t top = tophash(b)[s];
      char *k = key_of(m, b, s);
      if (check != NO_CHECK &&
          (hash_any(m, k) & bucket_mask(it->B)) != check)
        continue; /* (I3) */
      if (top == TOP_EVAC_X || top == TOP_EVAC_Y) { /* (I4) */
        probe p;
        find_any(m, k, &p);
        if (p.b == NULL)
          continue; /* deleted since */
        it->key = key_of(m, p.b, p.i);
        it->val = val_of(m, p.b, p.i);
      } else {
        it->key = k;
        it->val = val_of(m, b, s);
      }
      it->bptr = b;
      it->bucket = bucket;
      it->i = (uint8_t)(i + 1);
      it->check_bucket = check;
      return true;
    }
    b = overflow_of(b);
    i = 0;
  }
}

bool hmap_iter_next(hmap_iter *it) {
  if (it->buckets == NULL)
    return false;
  hmap *m = it->map;
  check_no_writer(m, "concurrent map iteration and map write");
  if (m->clear_seq != it->clear_seq) { /* (I6) */
    iter_finish(it);
    return false;
  }
  /* Fast path: the next live entry of the current bucket, which needs no
   * filtering (I3) and was not moved (I4). */
  char *b = it->bptr;
  if (LIKELY(b != NULL && it->check_bucket == NO_CHECK)) {
    uint64_t todo = iter_todo(it, b, it->i);
    if (todo != 0) {
      unsigned i = first_byte(todo);
      unsigned s = (i + it->offset) & (BUCKET_CNT - 1);
      if (LIKELY(tophash(b)[s] >= TOP_MIN)) {
        it->key = key_of(m, b, s);
        it->val = val_of(m, b, s);
        it->i = (uint8_t)(i + 1);
        return true;
      }
    }
  }
  return iter_advance(it, m);
}

void hmap_iter_stop(hmap_iter *it) {
  if (it != NULL && it->buckets != NULL)
    iter_finish(it);
}

/* ==================================================================== */
/* Debugging: invariants, statistics, counters                          */
/* ==================================================================== */

static bool failf(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool failf(char *why, size_t whylen, const char *fmt, ...) {
  if (whylen > 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
  }
  return false;
}

#define FAIL(...) return failf(why, whylen, __VA_ARGS__)

/* Checks the chain of a bucket that holds live entries (not evacuated):
 * TOP_EMPTY_REST only followed by TOP_EMPTY_REST, no evacuation marks,
 * every entry's top hash and home index right and found by the lookup core
 * at this very slot (so no duplicates). Adds entries and overflow buckets. */
static bool check_live_chain(const hmap *m, char *b, size_t index,
                             size_t mask, size_t *entries, size_t *ovf,
                             char *why, size_t whylen) {
  bool rest = false;
  for (char *c = b; c != NULL; c = overflow_of(c)) {
    if (c != b)
      (*ovf)++;
    for (unsigned i = 0; i < BUCKET_CNT; i++) {
      uint8_t top = tophash(c)[i];
      if (rest && top != TOP_EMPTY_REST)
        FAIL("bucket %zu: slot after TOP_EMPTY_REST has tophash %u", index,
             top);
      if (top == TOP_EMPTY_REST) {
        rest = true;
        continue;
      }
      if (top == TOP_EMPTY_ONE)
        continue;
      if (top < TOP_MIN)
        FAIL("bucket %zu: live bucket has evacuation mark %u", index, top);
      char *k = key_of(m, c, i);
      uint64_t h = hash_any(m, k);
      if (top_of(h) != top)
        FAIL("bucket %zu slot %u: tophash %u, key hashes to %u", index, i,
             top, top_of(h));
      if ((h & mask) != index)
        FAIL("bucket %zu slot %u: key belongs in bucket %zu", index, i,
             (size_t)(h & mask));
      probe p;
      find_any(m, k, &p);
      if (p.b != c || p.i != i)
        FAIL("bucket %zu slot %u: lookup finds another slot (duplicate?)",
             index, i);
      (*entries)++;
    }
  }
  return true;
}

bool hmap_check_invariants(const hmap *m, char *why, size_t whylen) {
  if (whylen > 0)
    why[0] = '\0';
  if (m == NULL)
    return true;
  if (writing_get(m) & 1)
    FAIL("writing flag set");
  if (m->buckets == NULL) {
    if (m->count != 0 || m->oldbuckets != NULL)
      FAIL("no buckets but count %zu / oldbuckets %p", m->count,
           m->oldbuckets);
    return true;
  }
  if (m->same_size && m->oldbuckets == NULL)
    FAIL("same-size flag without oldbuckets");
  if (atomic_load(&hdr_of(m->buckets)->state) & PIN_RETIRED)
    FAIL("current array is retired");
  size_t nb = nbuckets_of(m->B), mask = bucket_mask(m->B);
  size_t entries = 0, ovf = 0;
  size_t oldn = growing(m) ? old_nbuckets(m) : 0;
  for (size_t i = 0; i < nb; i++) {
    char *b = bucket_at(m, m->buckets, i);
    if (growing(m)) {
      char *ob = bucket_at(m, m->oldbuckets, i & (oldn - 1));
      if (!evacuated(ob)) {
        /* Writes evacuate before using a new bucket: it must be unused. */
        if (tophash(b)[0] != TOP_EMPTY_REST || overflow_of(b) != NULL)
          FAIL("new bucket %zu used before old bucket %zu evacuated", i,
               i & (oldn - 1));
      }
    }
    if (!check_live_chain(m, b, i, mask, &entries, &ovf, why, whylen))
      return false;
  }
  if (ovf != m->noverflow)
    FAIL("%zu overflow buckets chained, noverflow %zu", ovf, m->noverflow);
  if (growing(m)) {
    if (atomic_load(&hdr_of(m->oldbuckets)->state) & PIN_RETIRED)
      FAIL("old array is retired");
    if (m->nevacuate >= oldn)
      FAIL("nevacuate %zu >= old buckets %zu while growing", m->nevacuate,
           oldn);
    size_t omask = oldn - 1, dummy = 0;
    for (size_t i = 0; i < oldn; i++) {
      char *b = bucket_at(m, m->oldbuckets, i);
      if (!evacuated(b)) {
        if (i < m->nevacuate)
          FAIL("old bucket %zu < nevacuate %zu not evacuated", i,
               m->nevacuate);
        if (!check_live_chain(m, b, i, omask, &entries, &dummy, why, whylen))
          return false;
        continue;
      }
      for (char *c = b; c != NULL; c = overflow_of(c)) {
        for (unsigned s = 0; s < BUCKET_CNT; s++) {
          uint8_t top = tophash(c)[s];
          if (top != TOP_EVAC_X && top != TOP_EVAC_Y && top != TOP_EVAC_EMPTY)
            FAIL("evacuated old bucket %zu slot %u has tophash %u", i, s,
                 top);
          if (top == TOP_EVAC_EMPTY)
            continue;
          if (m->same_size && top == TOP_EVAC_Y)
            FAIL("old bucket %zu: TOP_EVAC_Y in a same-size growth", i);
          uint64_t h = hash_any(m, key_of(m, c, s));
          if (!m->same_size && ((h & oldn) != 0) != (top == TOP_EVAC_Y))
            FAIL("old bucket %zu slot %u: wrong evacuation half", i, s);
        }
      }
    }
  } else if (m->nevacuate != 0) {
    FAIL("nevacuate %zu while not growing", m->nevacuate);
  }
  if (entries != m->count)
    FAIL("%zu live entries, count %zu", entries, m->count);
  return true;
}

void hmap_debug_stats(const hmap *m, hmap_stats *st) {
  memset(st, 0, sizeof *st);
  if (m == NULL)
    return;
  st->count = m->count;
  st->B = m->B;
  st->buckets = m->buckets != NULL ? nbuckets_of(m->B) : 0;
  st->noverflow = m->noverflow;
  st->nevacuate = m->nevacuate;
  st->growing = growing(m);
  st->same_size_growing = growing(m) && m->same_size;
  st->grows = m->grows;
  st->same_size_grows = m->same_size_grows;
}

void hmap_debug_counters(hmap_counters *c) {
  c->arrays_allocated = atomic_load_explicit(&n_arrays_allocated,
                                             memory_order_relaxed);
  c->arrays_freed = atomic_load_explicit(&n_arrays_freed,
                                         memory_order_relaxed);
  c->frees_deferred = atomic_load_explicit(&n_frees_deferred,
                                           memory_order_relaxed);
  c->deferred_freed = atomic_load_explicit(&n_deferred_freed,
                                           memory_order_relaxed);
}
