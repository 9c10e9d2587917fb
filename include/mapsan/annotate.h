/*
 * mapsan/annotate.h: tell mapsan about synchronization it cannot see, and
 * put an in-house map API under it. Header only, no link dependency.
 *
 * How the macros find mapsan. libmapsan.so carries an ELF note (name
 * "mapsan", type MAPSAN_ANNOTATE_NOTE_TYPE) whose descriptor is the offset
 * from itself to a table of its annotation functions (struct
 * mapsan_annotate_api). The first macro a translation unit runs walks the
 * loaded objects' note segments once (dl_iterate_phdr, in libc on every
 * glibc and in static programs) and caches the table, or "absent", in a
 * static of that unit; every later macro is one load and one predictable
 * branch, and without mapsan it calls nothing. Why not weak functions
 * (`if (fn) fn()`): in a non-PIE executable an undefined weak function
 * resolves to 0 at link time with no dynamic relocation, so the test is
 * always false even when mapsan is preloaded. Why not dlsym: a failed
 * lookup (mapsan absent) allocates with the program's malloc and replaces
 * the program's pending dlerror() message, and before glibc 2.34 it needs
 * -ldl. The walk takes the loader's lock: the first macro of a unit must
 * not run in a signal handler. The mapsan_annotate_* functions stay
 * exported, for programs built with earlier versions of this header.
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

/* The functions behind the macros; their table is what the macros find.
 * A newer libmapsan may append members: `size` is the size of its table. */
struct mapsan_annotate_api {
  unsigned version; /* MAPSAN_ANNOTATE_API_VERSION */
  unsigned size;    /* sizeof the library's table */
  void (*happens_before)(const volatile void *addr);
  void (*happens_after)(const volatile void *addr);
  void (*map_create)(const volatile void *map);
  void (*map_destroy)(const volatile void *map);
  void (*map_begin)(const volatile void *map, int write);
  void (*map_end)(const volatile void *map);
  void (*map_nil_write)(void);
  void (*map_strict_iterators)(const volatile void *map);
  void (*map_iter)(const volatile void *map, const volatile void *it,
                   int what);
  void (*map_iter_write_begin)(const volatile void *map,
                               const volatile void *it);
  void (*map_buckets)(const volatile void *map,
                      const volatile void *old_buckets,
                      const volatile void *new_buckets);
};

#define MAPSAN_ANNOTATE_API_VERSION 1
#define MAPSAN_ANNOTATE_NOTE_TYPE 0x6e61736d /* "msan" */

#define MAPSAN_ITER_BEGIN_ 0
#define MAPSAN_ITER_NEXT_ 1
#define MAPSAN_ITER_END_ 2

#if defined(__linux__) && defined(__GNUC__)
/* dl_iterate_phdr and struct dl_phdr_info are declared by <link.h> only
 * under _GNU_SOURCE, which a header cannot define: the leading members of
 * the structure (stable since the interface exists) and the function under
 * a name of our own. */
#include <link.h>
#include <stddef.h>

struct mapsan_phdr_info_ {
  ElfW(Addr) addr;
  const char *name;
  const ElfW(Phdr) *phdr;
  ElfW(Half) phnum;
};

extern int mapsan_dl_iterate_phdr_(int (*cb)(struct mapsan_phdr_info_ *,
                                             size_t, void *),
                                   void *data) __asm__("dl_iterate_phdr");

static inline int mapsan_annotate_find_(struct mapsan_phdr_info_ *info,
                                        size_t size, void *data) {
  (void)size;
  for (ElfW(Half) i = 0; i < info->phnum; i++) {
    const ElfW(Phdr) *ph = &info->phdr[i];
    if (ph->p_type != PT_NOTE)
      continue;
    size_t align = ph->p_align == 8 ? 8 : 4;
    const char *p = (const char *)(info->addr + ph->p_vaddr);
    const char *end = p + ph->p_memsz;
    while (p + 12 <= end) {
      const unsigned *h = (const unsigned *)(const void *)p;
      const char *name = p + 12;
      const char *desc = name + ((h[0] + align - 1) & ~(align - 1));
      const char *next = desc + ((h[1] + align - 1) & ~(align - 1));
      if (next > end)
        break;
      if (h[0] == 7 && h[1] >= 4 && h[2] == MAPSAN_ANNOTATE_NOTE_TYPE &&
          name[0] == 'm' && name[1] == 'a' && name[2] == 'p' &&
          name[3] == 's' && name[4] == 'a' && name[5] == 'n' &&
          name[6] == 0) {
        const struct mapsan_annotate_api *api =
            (const struct mapsan_annotate_api *)(const void *)(
                desc + *(const int *)(const void *)desc);
        if (api->version == MAPSAN_ANNOTATE_API_VERSION &&
            api->size >= sizeof(*api)) {
          *(const struct mapsan_annotate_api **)data = api;
          return 1;
        }
      }
      p = next;
    }
  }
  return 0;
}

/* mapsan's table, or NULL when mapsan is not loaded (looked up once). */
static inline const struct mapsan_annotate_api *mapsan_annotate_api_(void) {
  static unsigned long cache; /* 0: not looked up, 1: absent, or the table */
  unsigned long v = __atomic_load_n(&cache, __ATOMIC_ACQUIRE);
  if (__builtin_expect(v == 0, 0)) {
    const struct mapsan_annotate_api *api = 0;
    mapsan_dl_iterate_phdr_(mapsan_annotate_find_, (void *)&api);
    v = api ? (unsigned long)api : 1;
    __atomic_store_n(&cache, v, __ATOMIC_RELEASE);
  }
  return v == 1 ? 0 : (const struct mapsan_annotate_api *)v;
}

#define MAPSAN_ANNOTATE_CALL_(fn, ...)                                        \
  do {                                                                        \
    const struct mapsan_annotate_api *mapsan_api_ = mapsan_annotate_api_();  \
    if (mapsan_api_)                                                          \
      mapsan_api_->fn(__VA_ARGS__);                                           \
  } while (0)
#else
#define MAPSAN_ANNOTATE_CALL_(fn, ...)                                        \
  do {                                                                        \
  } while (0)
#endif

#define MAPSAN_HAPPENS_BEFORE(addr)                                           \
  MAPSAN_ANNOTATE_CALL_(happens_before, (addr))
#define MAPSAN_HAPPENS_AFTER(addr)                                            \
  MAPSAN_ANNOTATE_CALL_(happens_after, (addr))
#define MAPSAN_MAP_CREATE(m) MAPSAN_ANNOTATE_CALL_(map_create, (m))
#define MAPSAN_MAP_DESTROY(m) MAPSAN_ANNOTATE_CALL_(map_destroy, (m))
#define MAPSAN_MAP_READ_BEGIN(m) MAPSAN_ANNOTATE_CALL_(map_begin, (m), 0)
#define MAPSAN_MAP_READ_END(m) MAPSAN_ANNOTATE_CALL_(map_end, (m))
#define MAPSAN_MAP_WRITE_BEGIN(m) MAPSAN_ANNOTATE_CALL_(map_begin, (m), 1)
#define MAPSAN_MAP_WRITE_END(m) MAPSAN_ANNOTATE_CALL_(map_end, (m))
#define MAPSAN_MAP_STRICT_ITERATORS(m)                                        \
  MAPSAN_ANNOTATE_CALL_(map_strict_iterators, (m))
#define MAPSAN_MAP_ITER_BEGIN(m, it)                                          \
  MAPSAN_ANNOTATE_CALL_(map_iter, (m), (it), MAPSAN_ITER_BEGIN_)
#define MAPSAN_MAP_ITER_NEXT(m, it)                                           \
  MAPSAN_ANNOTATE_CALL_(map_iter, (m), (it), MAPSAN_ITER_NEXT_)
#define MAPSAN_MAP_ITER_END(m, it)                                            \
  MAPSAN_ANNOTATE_CALL_(map_iter, (m), (it), MAPSAN_ITER_END_)
#define MAPSAN_MAP_ITER_WRITE_BEGIN(m, it)                                    \
  MAPSAN_ANNOTATE_CALL_(map_iter_write_begin, (m), (it))
#define MAPSAN_MAP_BUCKETS(m, old, new)                                       \
  MAPSAN_ANNOTATE_CALL_(map_buckets, (m), (old), (new))
#define MAPSAN_MAP_WRITE_NIL() MAPSAN_ANNOTATE_CALL_(map_nil_write, )

#ifdef __cplusplus
}
#endif
#endif
