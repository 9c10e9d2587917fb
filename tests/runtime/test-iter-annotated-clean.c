/*
 * test-iter-annotated-clean.c: the twin of test-iter-annotated-invalidated.c:
 * the same strict-iterator map, iterated while entries are removed only
 * through the iterator, and modified only after the iteration ended: no
 * report.
 *
 * mapsan-expect: none
 */
#include <mapsan/annotate.h>

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* A toy open-addressing set of small integers. */
struct toyset {
  uint8_t used[64];
};

struct toyiter {
  struct toyset *s;
  int pos;
};

static void toy_init(struct toyset *s) {
  memset(s, 0, sizeof(*s));
  MAPSAN_MAP_CREATE(s);
  MAPSAN_MAP_STRICT_ITERATORS(s);
}

static void toy_add(struct toyset *s, int v) {
  MAPSAN_MAP_WRITE_BEGIN(s);
  s->used[v & 63] = 1;
  MAPSAN_MAP_WRITE_END(s);
}

static void toy_iter_init(struct toyiter *it, struct toyset *s) {
  MAPSAN_MAP_ITER_BEGIN(s, it);
  it->s = s;
  it->pos = -1;
}

static bool toy_iter_next(struct toyiter *it) {
  MAPSAN_MAP_ITER_NEXT(it->s, it);
  while (++it->pos < 64)
    if (it->s->used[it->pos])
      return true;
  MAPSAN_MAP_ITER_END(it->s, it);
  return false;
}

static void toy_iter_remove(struct toyiter *it) {
  MAPSAN_MAP_ITER_WRITE_BEGIN(it->s, it);
  it->s->used[it->pos] = 0;
  MAPSAN_MAP_WRITE_END(it->s);
}

int main(void) {
  struct toyset s;
  toy_init(&s);
  for (int i = 0; i < 10; i++)
    toy_add(&s, i);
  struct toyiter it;
  toy_iter_init(&it, &s);
  int n = 0;
  while (toy_iter_next(&it)) {
    if (n == 2)
      toy_iter_remove(&it); /* through the iterator: fine */
    n++;
  }
  toy_add(&s, 40); /* after the end: fine */
  return 0;
}
