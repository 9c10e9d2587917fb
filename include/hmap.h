/*
 * hmap.h: libhmap, a hash map on the Go runtime's map design.
 *
 * This header is the API; map/hmap.c owns the representation and opens with
 * the design comment (buckets of 8 slots with top-hash bytes, overflow
 * buckets, load factor 6.5, incremental growth, Go's iteration rules).
 *
 * Keys and values are stored inline in the buckets, with the sizes given by
 * an hmap_type descriptor, and are passed by address. hmap_assign and
 * hmap_lookup return a pointer to the value slot inside the bucket array: it
 * is valid only until the next write (assign, delete, clear, destroy) to the
 * map, because a write may move entries to a new bucket array.
 *
 * Thread-safety, as in Go: any number of concurrent reads (lookup, len,
 * iteration); a write must not overlap with any other operation on the same
 * map. The map catches overlapping operations cheaply with a writing flag
 * and aborts with "fatal error: concurrent map writes" (or "... read and map
 * write", "... iteration and map write"); the check is best-effort, not a
 * race detector. A write through a NULL map aborts with "assignment to entry
 * in nil map"; every other operation on a NULL map behaves as on an empty map.
 *
 * Interposition: a preloaded tool (mapsan) may define every function below,
 * including hmap_buckets_alloc/hmap_buckets_free/hmap_fatal, which the
 * library always calls through the dynamic linker. The library never calls
 * its own public functions, so a wrapper sees each user call exactly once.
 */
#ifndef HMAP_H
#define HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Marks the public API; libhmap is built with hidden visibility by default. */
#if defined(__GNUC__)
#define HMAP_EXPORT __attribute__((visibility("default")))
#define HMAP_NORETURN __attribute__((noreturn))
#else
#define HMAP_EXPORT
#define HMAP_NORETURN
#endif

/* ---- Key/value descriptors ------------------------------------------- */

/* Describes the keys and values of a map. hash must mix in seed and depend
 * only on the key's contents; equal must be reflexive, symmetric and agree
 * with hash. Both receive pointers to keys as stored (key_size bytes). Slots
 * are aligned to the largest power of two dividing each size (at most 16). */
typedef struct hmap_type {
  size_t key_size, val_size; /* bytes stored inline per slot */
  uint64_t (*hash)(const void *key, uint64_t seed);
  bool (*equal)(const void *a, const void *b);
} hmap_type;

/* uint64_t -> uint64_t. Copies with another val_size keep the fast path. */
HMAP_EXPORT extern const hmap_type hmap_u64_u64;
/* const char * -> void *: the key slot holds the pointer, the string's
 * contents are hashed and compared; the string must outlive its entry. */
HMAP_EXPORT extern const hmap_type hmap_str_ptr;

/* The library's seeded 64-bit hash of len bytes (a wyhash-style mix);
 * for descriptors of other fixed-size keys. */
HMAP_EXPORT uint64_t hmap_hash_bytes(const void *data, size_t len,
                                     uint64_t seed);

/* ---- The map ---------------------------------------------------------- */

/* A complete type so that a map can be embedded by value (hmap_init). Only
 * `buckets` and `tool_tag` are part of the API; every other field is
 * private to map/hmap.c. Copying an hmap by value makes two headers share
 * one bucket array: a bug, like copying a mutex (mapsan detects it). */
typedef struct hmap {
  /* The current bucket array: the exact pointer that hmap_buckets_alloc
   * returned for it (an array header, 2^B buckets, then preallocated
   * overflow buckets). NULL until the first write of a map made with a
   * small hint. A tool compares it with the arrays it saw allocated and
   * freed to detect stale copies of a header. */
  void *buckets;
  /* Private. */
  void *oldbuckets;           /* previous array; non-NULL only while growing */
  const struct hmap_type *type;
  size_t count;               /* live entries; hmap_len */
  size_t nevacuate;           /* old buckets below this are evacuated */
  size_t noverflow;           /* overflow buckets used by the current array */
  uint64_t seed;              /* hash seed, random per map (reset on clear) */
  uint32_t clear_seq;         /* bumped by clear: ends running iterators */
  uint32_t stress_inserts;    /* new keys since the last forced growth */
  uint32_t grows, same_size_grows; /* statistics (hmap_debug_stats) */
  uint32_t key_size, val_size;     /* copies of the descriptor's sizes */
  uint32_t key_stride, val_off, val_stride, bucket_size; /* bucket layout */
  uint8_t B;                  /* log2 of the number of buckets */
  uint8_t writing;            /* the writing flag; relaxed atomics only */
  uint8_t same_size;          /* growing without doubling; only while growing */
  uint8_t stress;             /* hmap_set_grow_stress */
  uint8_t kind;               /* fast path chosen from the descriptor */
  /* Reserved for a preloaded tool (mapsan); zeroed by new/init, never read
   * by the library. */
  uint8_t tool_tag;
} hmap;

/* A heap map for hint entries without growth. Returns NULL only if the
 * header cannot be allocated (bucket-array failure is fatal). */
HMAP_EXPORT hmap *hmap_new(const hmap_type *t, size_t hint);
/* Releases m and its bucket arrays (an array still pinned by an iterator is
 * released when that iterator ends). m may be NULL. A write. */
HMAP_EXPORT void hmap_free(hmap *m);
/* Initializes an embedded map; the hmap_new of a map you own. */
HMAP_EXPORT void hmap_init(hmap *m, const hmap_type *t, size_t hint);
/* Releases an embedded map's arrays; m is zeroed and must be re-initialized
 * before reuse. A write. */
HMAP_EXPORT void hmap_destroy(hmap *m);

/* Write: the value slot of key, created (value zeroed) if absent. Valid
 * until the next write to m. m == NULL is fatal. */
HMAP_EXPORT void *hmap_assign(hmap *m, const void *key);
/* Read: the value slot of key, or NULL. Same validity. */
HMAP_EXPORT void *hmap_lookup(hmap *m, const void *key);
/* Write: removes key; true if it was present. */
HMAP_EXPORT bool hmap_delete(hmap *m, const void *key);
/* Write: removes every entry, keeping the bucket array (as Go's clear).
 * Iterators running on m end at their next step. */
HMAP_EXPORT void hmap_clear(hmap *m);
/* Read: the number of entries. */
HMAP_EXPORT size_t hmap_len(hmap *m);

/* ---- Iteration -------------------------------------------------------- */

/* Go's semantics: the iterating thread may write to the map meanwhile;
 * every entry present for the whole iteration is produced exactly once; an
 * entry added meanwhile may or may not be produced; a deleted entry not yet
 * reached is not produced. Order is random (random start bucket and slot).
 * An iterator pins the bucket arrays it reads, so growth cannot release them
 * under it, until hmap_iter_next returns false or hmap_iter_stop. Several
 * threads may iterate one map at once (iteration is a read). */
typedef struct hmap_iter {
  const void *key; /* the current entry, valid until the next write */
  void *val;
  /* Private. */
  hmap *map;
  void *buckets;     /* the array the iteration started on (pinned) */
  void *cur_array;   /* the array holding bptr when not `buckets` (pinned) */
  void *bptr;        /* the bucket being scanned; NULL between buckets */
  size_t start_bucket, bucket, check_bucket;
  uint32_t clear_seq;
  uint8_t B, offset, i, wrapped;
} hmap_iter;

/* Read: starts iterating m (may be NULL). Does not produce an entry. */
HMAP_EXPORT void hmap_iter_init(hmap_iter *it, hmap *m);
/* Read: advances; false at the end (the iterator is then released). */
HMAP_EXPORT bool hmap_iter_next(hmap_iter *it);
/* Releases what the iterator holds when leaving a loop early. Does not
 * touch the map (it may already be freed). No-op after the end. */
HMAP_EXPORT void hmap_iter_stop(hmap_iter *it);

/* ---- Hooks for tools -------------------------------------------------- */

/* Every byte of every bucket array (including overflow buckets) is
 * allocated and released through these two functions, each release with
 * the size given at allocation. The default uses aligned_alloc(64). A
 * preloaded library may define them; the result must be 64-byte aligned.
 * hmap_buckets_alloc returns NULL on failure (the map then aborts). */
HMAP_EXPORT void *hmap_buckets_alloc(size_t size);
HMAP_EXPORT void hmap_buckets_free(void *p, size_t size);

/* Every fatal error goes through here: prints "fatal error: <msg>" and a
 * backtrace to stderr, then abort(). A preloaded tool may define it. */
HMAP_EXPORT HMAP_NORETURN void hmap_fatal(const char *msg);

/* Stress mode for tools and tests: when on, m grows when count exceeds the
 * number of buckets (load factor 1 instead of 6.5) and makes a same-size
 * growth after every 32 new keys, so that pointers kept across a write
 * (stale slot pointers) point into released arrays quickly. Entries and
 * semantics are unchanged; only speed and memory suffer. m may be NULL. */
HMAP_EXPORT void hmap_set_grow_stress(hmap *m, bool on);

/* ---- Debugging -------------------------------------------------------- */

/* Walks m and checks every structural invariant (count, bucket placement,
 * top hashes, no duplicates, evacuation marks, overflow accounting). Returns
 * true if all hold; otherwise false with a reason in why (if whylen > 0).
 * A read; O(entries), for tests. */
HMAP_EXPORT bool hmap_check_invariants(const hmap *m, char *why,
                                       size_t whylen);

typedef struct hmap_stats {
  size_t count, buckets, noverflow, nevacuate;
  unsigned B;
  bool growing, same_size_growing;
  unsigned long grows, same_size_grows; /* growths started so far */
} hmap_stats;
/* Fills *st with m's shape (all zero for NULL). A read. */
HMAP_EXPORT void hmap_debug_stats(const hmap *m, hmap_stats *st);

/* Process-wide counters of bucket-array events (relaxed atomics; updated
 * only when arrays are allocated or released, never per entry). */
typedef struct hmap_counters {
  unsigned long arrays_allocated, arrays_freed; /* incl. overflow chunks */
  unsigned long frees_deferred;  /* arrays retired while pinned */
  unsigned long deferred_freed;  /* of those, freed by their last unpin */
} hmap_counters;
HMAP_EXPORT void hmap_debug_counters(hmap_counters *c);

#ifdef __cplusplus
}
#endif

#endif /* HMAP_H */
