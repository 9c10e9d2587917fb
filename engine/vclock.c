/*
 * vclock.c: growth, join and copy of vector clocks. See vclock.h.
 */
#include "vclock.h"
#include "../base/alloc.h"

#include "../base/base.h"

#include <stdlib.h>
#include <string.h>

void mapsan_vclock_reserve(mapsan_vclock *v, uint32_t n) {
  if (n <= v->n)
    return;
  if (n > v->cap) {
    uint32_t cap = v->cap ? v->cap : 4;
    while (cap < n)
      cap *= 2;
    uint64_t *c = mapsan_realloc(v->c, cap * sizeof(*c));
    MAPSAN_CHECK(c != NULL);
    v->c = c;
    v->cap = cap;
  }
  memset(v->c + v->n, 0, (n - v->n) * sizeof(*v->c));
  v->n = n;
}

int mapsan_vclock_join(mapsan_vclock *dst, const mapsan_vclock *src) {
  int changed = 0;
  mapsan_vclock_reserve(dst, src->n);
  for (uint32_t i = 0; i < src->n; i++) {
    if (src->c[i] > dst->c[i]) {
      dst->c[i] = src->c[i];
      changed = 1;
    }
  }
  return changed;
}

int mapsan_vclock_join_le(mapsan_vclock *dst, const mapsan_vclock *src) {
  int le = 1;
  mapsan_vclock_reserve(dst, src->n);
  for (uint32_t i = 0; i < src->n; i++) {
    if (src->c[i] > dst->c[i])
      dst->c[i] = src->c[i];
    else if (src->c[i] < dst->c[i])
      le = 0;
  }
  for (uint32_t i = src->n; i < dst->n && le; i++)
    if (dst->c[i] != 0)
      le = 0;
  return le;
}

void mapsan_vclock_copy(mapsan_vclock *dst, const mapsan_vclock *src) {
  mapsan_vclock_reserve(dst, src->n);
  if (src->n)
    memcpy(dst->c, src->c, src->n * sizeof(*src->c));
  if (dst->n > src->n)
    memset(dst->c + src->n, 0, (dst->n - src->n) * sizeof(*dst->c));
}

void mapsan_vclock_free(mapsan_vclock *v) {
  mapsan_free(v->c);
  v->c = NULL;
  v->n = v->cap = 0;
}
