/*
 * test-iter-annotated-invalidated.c: proves that an annotated in-house map
 * that declares strict iterators gets iterator-invalidated when it is
 * modified during an iteration (here by the same thread, properly, which
 * is not a race: the API's contract is what is broken), with the stack of
 * the modification and of the use; a write through the iterator itself
 * (ITER_WRITE) does not invalidate it. The set "resizes" (annotated with
 * MAPSAN_MAP_BUCKETS) when it passes 10 entries, so the report names
 * storage generation 0, where the iterator started, and 1, the current.
 *
 * mapsan-expect: iterator-invalidated USE MOD
 * mapsan-field: iterator-invalidated generation 0
 * mapsan-field: iterator-invalidated current_generation 1
 */
#include <mapsan/annotate.h>

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* A toy open-addressing set of small integers. */
struct toyset {
  uint8_t used[64];
  int count;
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
  MAPSAN_MAP_WRITE_BEGIN(s); /* mapsan-mark: MOD */
  if (!s->used[v & 63] && ++s->count == 11) /* "grows": new storage */
    MAPSAN_MAP_BUCKETS(s, s->used, s->used);
  s->used[v & 63] = 1;
  MAPSAN_MAP_WRITE_END(s);
}

static void toy_iter_init(struct toyiter *it, struct toyset *s) {
  MAPSAN_MAP_ITER_BEGIN(s, it);
  it->s = s;
  it->pos = -1;
}

static bool toy_iter_next(struct toyiter *it) {
  MAPSAN_MAP_ITER_NEXT(it->s, it); /* mapsan-mark: USE */
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
    if (n == 4)
      toy_add(&s, 40); /* invalidates it */
    n++;
  }
  return 0;
}
