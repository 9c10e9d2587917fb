/*
 * mapsan/annotate.h: tell mapsan about synchronization it cannot see, and
 * put an in-house map API under it. Header only, no link dependency: each
 * macro calls a weak function that exists only when libmapsan.so is
 * preloaded, so without mapsan it costs one predictable branch.
 *
 * Synchronization (lock-free code):
 *   MAPSAN_HAPPENS_BEFORE(addr)  a release on addr (before publishing)
 *   MAPSAN_HAPPENS_AFTER(addr)   an acquire on addr (after observing)
 *
 * An in-house map (m is its address, which identifies it):
 *   MAPSAN_MAP_CREATE(m)              after creating or initializing it
 *   MAPSAN_MAP_DESTROY(m)             before destroying it
 *   MAPSAN_MAP_READ_BEGIN(m) ... MAPSAN_MAP_READ_END(m)    around a read
 *   MAPSAN_MAP_WRITE_BEGIN(m) ... MAPSAN_MAP_WRITE_END(m)  around a write
 *   MAPSAN_MAP_WRITE_NIL()            a write through a NULL map
 * Iteration (each call is a read of m):
 *   MAPSAN_MAP_ITER_BEGIN(m, it)      iterator `it` starts on m
 *   MAPSAN_MAP_ITER_NEXT(m, it)       `it` is used (advanced, dereferenced)
 *   MAPSAN_MAP_ITER_END(m, it)        `it` is done (no access)
 * By default, as in Go and in hmap, writes do not invalidate iterators.
 * A map whose API forbids modification during iteration says so once:
 *   MAPSAN_MAP_STRICT_ITERATORS(m)    after MAPSAN_MAP_CREATE
 * and then every write invalidates its live iterators, except a write
 * made through the iterator itself, annotated as
 *   MAPSAN_MAP_ITER_WRITE_BEGIN(m, it) ... MAPSAN_MAP_WRITE_END(m)
 * Storage:
 *   MAPSAN_MAP_BUCKETS(m, old, new)   m's storage moved from `old` to `new`
 *                                     (a resize): a new generation, named
 *                                     in iterator-invalidated reports
 * Begin/end pairs nest properly per thread (up to 8 deep).
 */
#ifndef MAPSAN_ANNOTATE_H
#define MAPSAN_ANNOTATE_H

#ifdef __cplusplus
extern "C" {
#endif

void mapsan_annotate_happens_before(const volatile void *addr)
    __attribute__((weak));
void mapsan_annotate_happens_after(const volatile void *addr)
    __attribute__((weak));
void mapsan_annotate_map_create(const volatile void *map) __attribute__((weak));
void mapsan_annotate_map_destroy(const volatile void *map)
    __attribute__((weak));
void mapsan_annotate_map_begin(const volatile void *map, int write)
    __attribute__((weak));
void mapsan_annotate_map_end(const volatile void *map) __attribute__((weak));
void mapsan_annotate_map_nil_write(void) __attribute__((weak));
void mapsan_annotate_map_strict_iterators(const volatile void *map)
    __attribute__((weak));
void mapsan_annotate_map_iter(const volatile void *map,
                              const volatile void *it, int what)
    __attribute__((weak));
void mapsan_annotate_map_iter_write_begin(const volatile void *map,
                                          const volatile void *it)
    __attribute__((weak));

void mapsan_annotate_map_buckets(const volatile void *map,
                                 const volatile void *old_buckets,
                                 const volatile void *new_buckets)
    __attribute__((weak));

#define MAPSAN_ITER_BEGIN_ 0
#define MAPSAN_ITER_NEXT_ 1
#define MAPSAN_ITER_END_ 2

#define MAPSAN_ANNOTATE_CALL_(fn, ...)                                        \
  do {                                                                        \
    if (fn)                                                                   \
      fn(__VA_ARGS__);                                                        \
  } while (0)

#define MAPSAN_HAPPENS_BEFORE(addr)                                           \
  MAPSAN_ANNOTATE_CALL_(mapsan_annotate_happens_before, (addr))
#define MAPSAN_HAPPENS_AFTER(addr)                                            \
  MAPSAN_ANNOTATE_CALL_(mapsan_annotate_happens_after, (addr))
#define MAPSAN_MAP_CREATE(m) MAPSAN_ANNOTATE_CALL_(mapsan_annotate_map_create, (m))
#define MAPSAN_MAP_DESTROY(m)                                                 \
  MAPSAN_ANNOTATE_CALL_(mapsan_annotate_map_destroy, (m))
#define MAPSAN_MAP_READ_BEGIN(m)                                              \
  MAPSAN_ANNOTATE_CALL_(mapsan_annotate_map_begin, (m), 0)
#define MAPSAN_MAP_READ_END(m) MAPSAN_ANNOTATE_CALL_(mapsan_annotate_map_end, (m))
#define MAPSAN_MAP_WRITE_BEGIN(m)                                             \
  MAPSAN_ANNOTATE_CALL_(mapsan_annotate_map_begin, (m), 1)
#define MAPSAN_MAP_WRITE_END(m)                                               \
  MAPSAN_ANNOTATE_CALL_(mapsan_annotate_map_end, (m))
#define MAPSAN_MAP_STRICT_ITERATORS(m)                                        \
  MAPSAN_ANNOTATE_CALL_(mapsan_annotate_map_strict_iterators, (m))
#define MAPSAN_MAP_ITER_BEGIN(m, it)                                          \
  MAPSAN_ANNOTATE_CALL_(mapsan_annotate_map_iter, (m), (it), MAPSAN_ITER_BEGIN_)
#define MAPSAN_MAP_ITER_NEXT(m, it)                                           \
  MAPSAN_ANNOTATE_CALL_(mapsan_annotate_map_iter, (m), (it), MAPSAN_ITER_NEXT_)
#define MAPSAN_MAP_ITER_END(m, it)                                            \
  MAPSAN_ANNOTATE_CALL_(mapsan_annotate_map_iter, (m), (it), MAPSAN_ITER_END_)
#define MAPSAN_MAP_ITER_WRITE_BEGIN(m, it)                                    \
  MAPSAN_ANNOTATE_CALL_(mapsan_annotate_map_iter_write_begin, (m), (it))
#define MAPSAN_MAP_BUCKETS(m, old, new)                                       \
  MAPSAN_ANNOTATE_CALL_(mapsan_annotate_map_buckets, (m), (old), (new))
#define MAPSAN_MAP_WRITE_NIL()                                                \
  do {                                                                        \
    if (mapsan_annotate_map_nil_write)                                        \
      mapsan_annotate_map_nil_write();                                        \
  } while (0)

#ifdef __cplusplus
}
#endif
#endif
