/*
 * map_hmap.c: the project's map API (include/hmap.h) under the engine.
 *
 * Each exported function is classified once, here:
 *   create:  hmap_new, hmap_init
 *   destroy: hmap_free, hmap_destroy
 *   write:   hmap_assign, hmap_delete, hmap_clear
 *   read:    hmap_lookup, hmap_len, hmap_iter_init, hmap_iter_next
 *   neither: hmap_iter_stop (touches only the iterator; the map may be gone)
 * The map API lets the iterating thread write, as Go does, so iteration is
 * an ordinary read and is never "invalidated". NULL maps: reads, delete
 * and clear are legal no-ops, as in Go; an assign is reported as
 * nil-map-write, then the library aborts as its contract says. The library's own fatal path (hmap_fatal) waits for any
 * report being written, so "concurrent map writes" cannot cut it short.
 */
#include <hmap.h>

#include "../preload/interpose.h"
#include "../preload/options.h"
#include "../reports/report.h"
#include "maps.h"

#include <dlfcn.h>
#include <string.h>

#define API MAPSAN_API_HMAP

/* resize_stress=1: ask the library to grow early and often. Looked up by
 * name so that libmapsan does not depend on libhmap. */
static void apply_stress(hmap *m) {
  static void (*set_stress)(hmap *, bool);
  if (!mapsan_opts.resize_stress || m == NULL)
    return;
  if (set_stress == NULL) {
    void *p = dlsym(RTLD_DEFAULT, "hmap_set_grow_stress");
    memcpy(&set_stress, &p, sizeof(p));
  }
  if (set_stress)
    set_stress(m, true);
}

/* hmap's tool_tag byte, under sample_rate > 1: the draw, kept in the map so
 * that an untracked map costs one compare and nothing else. 0 (the only
 * value with sample_rate=1) means "ask the engine". A copied header copies
 * the tag, which is what a copy should do. */
#define TAG_TRACKED 1
#define TAG_UNTRACKED 2

static bool untracked(const hmap *m) {
  return m != NULL && m->tool_tag == TAG_UNTRACKED;
}

static void create(hmap *m, const char *opname) {
  bool tracked = mapsan_map_sample();
  if (mapsan_opts.sample_rate > 1)
    m->tool_tag = tracked ? TAG_TRACKED : TAG_UNTRACKED;
  if (tracked) {
    mapsan_map_create(m, API, opname, true);
    apply_stress(m);
  } else {
    mapsan_map_forget(m);
  }
}

MAPSAN_EXPORT hmap *hmap_new(const hmap_type *t, size_t hint) {
  hmap *m = REAL(hmap_new)(t, hint);
  if (m && mapsan_hooks_on())
    create(m, "new");
  return m;
}

MAPSAN_EXPORT void hmap_init(hmap *m, const hmap_type *t, size_t hint) {
  REAL(hmap_init)(m, t, hint);
  if (m && mapsan_hooks_on())
    create(m, "init");
}

MAPSAN_EXPORT void hmap_free(hmap *m) {
  if (m && !untracked(m) && mapsan_hooks_on())
    mapsan_map_destroy(m, API, "free");
  REAL(hmap_free)(m);
}

MAPSAN_EXPORT void hmap_destroy(hmap *m) {
  if (m && !untracked(m) && mapsan_hooks_on())
    mapsan_map_destroy(m, API, "destroy");
  REAL(hmap_destroy)(m);
}

/* After begin on a map met for the first time: remember its draw. */
static void note_sampled_out(hmap *m, const struct mapsan_op *op) {
  if (op->sampled_out)
    m->tool_tag = TAG_UNTRACKED;
}

/* A write: nil check, then begin/end around the real call. */
#define WRITE_OP(opname, call)                                                \
  do {                                                                        \
    if (untracked(m) || !mapsan_hooks_on())                                   \
      return call;                                                            \
    if (m == NULL) {                                                          \
      mapsan_map_nil_write(API, opname);                                      \
      return call;                                                            \
    }                                                                         \
    struct mapsan_op op;                                                      \
    MAPSAN_OP_CALLER(&op);                                                    \
    if (!mapsan_map_begin(&op, m, API, opname, true))                         \
      note_sampled_out(m, &op);                                               \
    __typeof__(call) r_ = call;                                               \
    mapsan_map_end(&op);                                                      \
    return r_;                                                                \
  } while (0)

#define READ_OP(opname, map, call)                                            \
  do {                                                                        \
    if ((map) == NULL || untracked(map) || !mapsan_hooks_on())                \
      return call;                                                            \
    struct mapsan_op op;                                                      \
    MAPSAN_OP_CALLER(&op);                                                    \
    if (!mapsan_map_begin(&op, map, API, opname, false))                      \
      note_sampled_out(map, &op);                                             \
    __typeof__(call) r_ = call;                                               \
    mapsan_map_end(&op);                                                      \
    return r_;                                                                \
  } while (0)

MAPSAN_EXPORT void *hmap_assign(hmap *m, const void *key) {
  WRITE_OP("assign", REAL(hmap_assign)(m, key));
}

MAPSAN_EXPORT bool hmap_delete(hmap *m, const void *key) {
  if (m == NULL) /* legal, as in Go: a no-op */
    return REAL(hmap_delete)(m, key);
  WRITE_OP("delete", REAL(hmap_delete)(m, key));
}

MAPSAN_EXPORT void hmap_clear(hmap *m) {
  if (m == NULL || untracked(m) || !mapsan_hooks_on()) {
    REAL(hmap_clear)(m);
    return;
  }
  struct mapsan_op op;
  MAPSAN_OP_CALLER(&op);
  mapsan_map_begin(&op, m, API, "clear", true);
  REAL(hmap_clear)(m);
  mapsan_map_end(&op);
}

MAPSAN_EXPORT void *hmap_lookup(hmap *m, const void *key) {
  READ_OP("lookup", m, REAL(hmap_lookup)(m, key));
}

MAPSAN_EXPORT size_t hmap_len(hmap *m) {
  READ_OP("len", m, REAL(hmap_len)(m));
}

MAPSAN_EXPORT void hmap_iter_init(hmap_iter *it, hmap *m) {
  if (m == NULL || untracked(m) || !mapsan_hooks_on()) {
    REAL(hmap_iter_init)(it, m);
    return;
  }
  struct mapsan_op op;
  MAPSAN_OP_CALLER(&op);
  mapsan_map_begin(&op, m, API, "iter_init", false);
  REAL(hmap_iter_init)(it, m);
  mapsan_map_end(&op);
}

MAPSAN_EXPORT bool hmap_iter_next(hmap_iter *it) {
  READ_OP("iter_next", it->map, REAL(hmap_iter_next)(it));
}

MAPSAN_EXPORT void hmap_iter_stop(hmap_iter *it) { REAL(hmap_iter_stop)(it); }

MAPSAN_EXPORT void hmap_fatal(const char *msg) {
  if (mapsan_hooks_on())
    mapsan_report_wait_idle();
  REAL(hmap_fatal)(msg);
  __builtin_unreachable();
}
