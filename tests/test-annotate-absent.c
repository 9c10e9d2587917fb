/*
 * test-annotate-absent.c: without mapsan, the annotation macros of
 * include/mapsan/annotate.h do nothing the program could notice: every
 * macro runs (the first of them looks mapsan up), the program's heap is
 * unchanged (mallinfo2), a pending dlerror() message is still the
 * program's own, and the lookup answers "absent". Built as a PIE, a
 * non-PIE and (where libc.a exists) a static executable, and run natively.
 * Exit 0 = pass.
 */
#include <mapsan/annotate.h>

#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

static int sync_word, map_word, iter_word;

#define CHECK(cond)                                                           \
  do {                                                                        \
    if (!(cond)) {                                                            \
      fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond);              \
      return 1;                                                               \
    }                                                                         \
  } while (0)

int main(void) {
  /* A failure of the program's own, whose message it has not read yet. */
  void *h = dlopen("libmapsan-test-does-not-exist.so", RTLD_NOW);
  CHECK(h == NULL);
  struct mallinfo2 before = mallinfo2();
  MAPSAN_HAPPENS_BEFORE(&sync_word);
  MAPSAN_HAPPENS_AFTER(&sync_word);
  MAPSAN_MAP_CREATE(&map_word);
  MAPSAN_MAP_STRICT_ITERATORS(&map_word);
  MAPSAN_MAP_WRITE_BEGIN(&map_word);
  MAPSAN_MAP_BUCKETS(&map_word, NULL, &iter_word);
  MAPSAN_MAP_WRITE_END(&map_word);
  MAPSAN_MAP_READ_BEGIN(&map_word);
  MAPSAN_MAP_READ_END(&map_word);
  MAPSAN_MAP_ITER_BEGIN(&map_word, &iter_word);
  MAPSAN_MAP_ITER_NEXT(&map_word, &iter_word);
  MAPSAN_MAP_ITER_WRITE_BEGIN(&map_word, &iter_word);
  MAPSAN_MAP_WRITE_END(&map_word);
  MAPSAN_MAP_ITER_END(&map_word, &iter_word);
  MAPSAN_MAP_DESTROY(&map_word);
  MAPSAN_MAP_WRITE_NIL();
  struct mallinfo2 after = mallinfo2();
  CHECK(before.uordblks == after.uordblks && before.arena == after.arena);
#if defined(__linux__) && defined(__GNUC__)
  CHECK(mapsan_annotate_api_() == NULL);
#endif
  const char *e = dlerror();
  CHECK(e != NULL && strstr(e, "libmapsan-test-does-not-exist") != NULL);
  return 0;
}
