/*
 * test-alloc.c: mapsan's own allocator (base/alloc.c), linked alone. Every
 * size from 1 to 4,096 bytes and every 61st to 40,000 (past the largest
 * class, 32 KiB), and a large one: the block is 16-byte
 * aligned, holds its size (filled with a pattern that is checked after
 * all the others are written, so no two blocks overlap), calloc zeroes,
 * realloc keeps the contents; a freed block of a size class comes back
 * for the next allocation of that class; the bytes mapped grow in 64 KiB
 * chunks and a large block's mapping is returned by free. Two threads do
 * the same at once.
 */
#include "../base/alloc.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c)                                                              \
  do {                                                                        \
    if (!(c)) {                                                               \
      fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #c);                 \
      exit(1);                                                                \
    }                                                                         \
  } while (0)

#define MAXSZ 40000

/* The n-th size tried: 1..4096, then steps of 61. */
static size_t size_at(size_t n) { return n <= 4096 ? n : 4096 + (n - 4096) * 61; }
#define NSIZES (4096 + (MAXSZ - 4096) / 61)

static unsigned char pat(size_t size, size_t i, int seed) {
  return (unsigned char)(size * 31 + i * 7 + (size_t)seed);
}

static void *exercise(void *arg) {
  int seed = (int)(intptr_t)arg;
  static _Thread_local unsigned char *blocks[NSIZES + 1];
  for (size_t k = 1; k <= NSIZES; k++) {
    size_t n = size_at(k);
    unsigned char *p = n % 3 ? mapsan_malloc(n) : mapsan_calloc(n, 1);
    CHECK(p != NULL);
    CHECK((uintptr_t)p % 16 == 0);
    for (size_t i = 0; i < n; i++) {
      if (n % 3 == 0)
        CHECK(p[i] == 0);
      p[i] = pat(n, i, seed);
    }
    blocks[k] = p;
  }
  for (size_t k = 1; k <= NSIZES; k++)
    for (size_t i = 0, n = size_at(k); i < n; i++)
      CHECK(blocks[k][i] == pat(n, i, seed));
  for (size_t k = 1; k <= NSIZES; k += 37) {
    size_t n = size_at(k);
    unsigned char *q = mapsan_realloc(blocks[k], n * 2 + 1);
    CHECK(q != NULL && (uintptr_t)q % 16 == 0);
    for (size_t i = 0; i < n; i++)
      CHECK(q[i] == pat(n, i, seed));
    blocks[k] = q;
  }
  for (size_t k = 1; k <= NSIZES; k++)
    mapsan_free(blocks[k]);
  return NULL;
}

int main(void) {
  CHECK(mapsan_malloc(SIZE_MAX) == NULL);
  mapsan_free(NULL);

  /* A freed block is the next one of its class (LIFO free lists). */
  void *a = mapsan_malloc(300);
  mapsan_free(a);
  CHECK(mapsan_malloc(330) == a); /* 300 and 330 (+16) share the 384 class */

  size_t before = mapsan_alloc_mapped_bytes();
  void *big = mapsan_malloc(1 << 20);
  CHECK(big != NULL && (uintptr_t)big % 16 == 0);
  memset(big, 0xab, 1 << 20);
  CHECK(mapsan_alloc_mapped_bytes() >= before + (1 << 20));
  mapsan_free(big);
  CHECK(mapsan_alloc_mapped_bytes() == before);

  /* A large block of up to 512 KiB is kept when freed and handed out
   * again, zeroed: no munmap (a TLB flush on every CPU) for each thread's
   * call-site cache. Larger ones are unmapped (checked above). */
  char *mid = mapsan_malloc(100 << 10);
  CHECK(mid != NULL);
  memset(mid, 0xcd, 100 << 10);
  size_t kept = mapsan_alloc_kept_bytes(), mapped = mapsan_alloc_mapped_bytes();
  mapsan_free(mid);
  CHECK(mapsan_alloc_kept_bytes() > kept);
  CHECK(mapsan_alloc_mapped_bytes() == mapped);
  char *again = mapsan_calloc(1, 100 << 10);
  CHECK(again == mid);
  for (size_t i = 0; i < (100 << 10); i++)
    CHECK(again[i] == 0);
  CHECK(mapsan_alloc_kept_bytes() == kept);
  mapsan_free(again);

  pthread_t th[2];
  for (int i = 0; i < 2; i++)
    CHECK(pthread_create(&th[i], NULL, exercise, (void *)(intptr_t)(i + 1)) == 0);
  for (int i = 0; i < 2; i++)
    CHECK(pthread_join(th[i], NULL) == 0);
  CHECK((mapsan_alloc_mapped_bytes() - mapsan_alloc_kept_bytes()) %
            (64 << 10) == 0);

  exercise((void *)(intptr_t)3); /* everything freed is reused */
  return 0;
}
