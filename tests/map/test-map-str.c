/*
 * test-map-str: string keys (hmap_str_ptr) are hashed and compared by
 * contents, the key slot keeps the caller's pointer, and a descriptor of
 * our own (generic path: 16-byte keys, 24-byte values, user hash) works
 * the same way as the built-in fast paths.
 */
#include "map-test.h"

#include <string.h>

enum { N = 5000 };

static char names[N][24], copies[N][24];

/* A generic descriptor: 16-byte keys {a, b}, 24-byte values. */
typedef struct pair {
  uint64_t a, b;
} pair;

static uint64_t pair_hash(const void *k, uint64_t seed) {
  return hmap_hash_bytes(k, sizeof(pair), seed);
}

static bool pair_equal(const void *x, const void *y) {
  return memcmp(x, y, sizeof(pair)) == 0;
}

static const hmap_type pair_type = {sizeof(pair), 24, pair_hash, pair_equal};

static void strings(void) {
  hmap *m = hmap_new(&hmap_str_ptr, 0);
  for (size_t i = 0; i < N; i++) {
    snprintf(names[i], sizeof names[i], "key-%zu-%s", i, i % 3 ? "x" : "");
    memcpy(copies[i], names[i], sizeof names[i]);
    const char *k = names[i];
    void **v = hmap_assign(m, &k);
    CHECK(*v == NULL);
    *v = names[i];
    if (i < 300)
      CHECK_MAP(m);
  }
  CHECK_MAP(m);
  CHECK(hmap_len(m) == N);
  /* Lookups through other pointers with equal contents. */
  for (size_t i = 0; i < N; i++) {
    const char *k = copies[i];
    void **v = hmap_lookup(m, &k);
    CHECK(v != NULL && *v == names[i]);
  }
  const char *absent[] = {"", "key-", "key-1-", "key-5000-x", "KEY-1-x"};
  for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++)
    CHECK(hmap_lookup(m, &absent[i]) == NULL);
  /* The empty string is a key like any other. */
  const char *empty = "";
  *(void **)hmap_assign(m, &empty) = copies[0];
  CHECK(hmap_lookup(m, &absent[0]) != NULL);
  CHECK(hmap_delete(m, &absent[0]));
  /* Iteration: the key slot holds the pointer that was inserted. */
  size_t n = 0;
  hmap_iter it;
  hmap_iter_init(&it, m);
  while (hmap_iter_next(&it)) {
    const char *k = *(const char *const *)it.key;
    CHECK(k == *(char **)it.val);
    CHECK(k >= names[0] && k <= names[N - 1]);
    n++;
  }
  CHECK(n == N);
  for (size_t i = 0; i < N; i += 2) {
    const char *k = copies[i];
    CHECK(hmap_delete(m, &k));
  }
  CHECK_MAP(m);
  CHECK(hmap_len(m) == N / 2);
  for (size_t i = 0; i < N; i++) {
    const char *k = names[i];
    CHECK((hmap_lookup(m, &k) != NULL) == (i % 2 == 1));
  }
  hmap_free(m);
}

static void generic(void) {
  hmap *m = hmap_new(&pair_type, 10);
  for (uint64_t i = 0; i < N; i++) {
    pair k = {i, ~i};
    unsigned char *v = hmap_assign(m, &k);
    CHECK(((uintptr_t)v & 7) == 0);
    for (int j = 0; j < 24; j++)
      CHECK(v[j] == 0);
    memset(v, (int)(i & 0xff), 24);
  }
  CHECK_MAP(m);
  for (uint64_t i = 0; i < N; i++) {
    pair k = {i, ~i}, other = {i, i};
    unsigned char *v = hmap_lookup(m, &k);
    CHECK(v != NULL && v[0] == (i & 0xff) && v[23] == (i & 0xff));
    CHECK(hmap_lookup(m, &other) == NULL || i == ~i);
  }
  for (uint64_t i = 0; i < N; i += 3) {
    pair k = {i, ~i};
    CHECK(hmap_delete(m, &k));
  }
  CHECK_MAP(m);
  hmap_free(m);
}

int main(void) {
  strings();
  generic();
  printf("ok\n");
  return 0;
}
