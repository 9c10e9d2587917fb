/*
 * map_glib.c: GLib's GHashTable under the engine, with no change to GLib
 * or to the program.
 *
 * Each function of ghash.h (GLib 2.74) is classified once, here:
 *   create:  new, new_full, new_similar
 *   destroy: destroy (a write, then the unref below); unref of the last
 *            reference
 *   write:   insert, replace, add, remove, steal, steal_extended,
 *            remove_all, steal_all, foreach_remove, foreach_steal,
 *            iter_remove, iter_steal, iter_replace (the last three through
 *            an iterator, which they keep valid)
 *   read:    lookup, lookup_extended, contains, size, find, foreach,
 *            get_keys, get_values, get_keys_as_array, iter_init, iter_next
 *   neither: ref (see below), iter_get_hash_table
 * Calls from inside libglib to these functions are bound directly
 * (-Bsymbolic-functions) and invisible: tables used only inside libglib are
 * not watched. Tables created before mapsan started are met on first use.
 *
 * Iterators: GLib invalidates a GHashTableIter on any structural change
 * not made through it, and it bumps the table's `version` exactly then
 * (a new key, a removal, remove_all of a non-empty table, an iterator's
 * own remove/replace/steal; not an overwrite of an existing key's value).
 * mapsan follows GLib to the letter by comparing `version` before and after
 * each write made by the writing thread itself, and checks every iterator
 * use before GLib's own (non-fatal, stack-less) check runs.
 *
 * References: an unref is a release on the table, and the unref that drops
 * the last reference acquires all of them before it destroys the table, as
 * with any atomic reference count; so sharing a table by reference and
 * letting the last user free it is not a race. "Last" is decided by doing
 * GLib's own decrement of `ref_count` (see unref below).
 *
 * Resizes: a change of `size` (the slot count) across a write is a new
 * storage generation, named in iterator-invalidated reports.
 *
 * These fields are read at fixed offsets of the 96-byte struct _GHashTable
 * of GLib 2.74 (x86-64). The layout is verified once, on a private table,
 * before any user table is looked at; if it does not match, iterator
 * invalidation and last-unref detection are off (races are still found).
 */
#include <glib.h>

#include "../preload/interpose.h"
#include "iters.h"
#include "maps.h"
#include "sync.h"

#define API MAPSAN_API_GLIB

/* struct _GHashTable, GLib 2.74, LP64. */
#define GHT_SIZE_OFF 0 /* gsize: number of slots; changes on resize */
#define GHT_NNODES_OFF 16
#define GHT_REFCOUNT_OFF 72
#define GHT_VERSION_OFF 76

static _Atomic int layout; /* 0 unknown, 1 verified, -1 does not match */

static int field(GHashTable *h, size_t off) {
  return __atomic_load_n((int *)((char *)h + off), __ATOMIC_RELAXED);
}

static bool layout_ok(void) {
  int l = atomic_load_explicit(&layout, memory_order_acquire);
  if (MAPSAN_LIKELY(l != 0))
    return l > 0;
  mapsan_enter();
  GHashTable *t = REAL(g_hash_table_new)(NULL, NULL);
  int rc0 = field(t, GHT_REFCOUNT_OFF), v0 = field(t, GHT_VERSION_OFF);
  size_t size0 = *(size_t *)((char *)t + GHT_SIZE_OFF);
  int n0 = field(t, GHT_NNODES_OFF);
  REAL(g_hash_table_insert)(t, GINT_TO_POINTER(1), GINT_TO_POINTER(1));
  int v1 = field(t, GHT_VERSION_OFF), n1 = field(t, GHT_NNODES_OFF);
  REAL(g_hash_table_replace)(t, GINT_TO_POINTER(1), GINT_TO_POINTER(2));
  int v2 = field(t, GHT_VERSION_OFF);
  REAL(g_hash_table_ref)(t);
  int rc1 = field(t, GHT_REFCOUNT_OFF);
  REAL(g_hash_table_unref)(t);
  REAL(g_hash_table_unref)(t);
  mapsan_leave();
  l = (rc0 == 1 && rc1 == 2 && n0 == 0 && n1 == 1 && v1 == v0 + 1 &&
       v2 == v1 && size0 == 8) ? 1 : -1;
  atomic_store_explicit(&layout, l, memory_order_release);
  return l > 0;
}

static int version_of(GHashTable *h) {
  return layout_ok() ? field(h, GHT_VERSION_OFF) : 0;
}

static size_t size_of(GHashTable *h) {
  return layout_ok() ? __atomic_load_n((size_t *)((char *)h + GHT_SIZE_OFF),
                                       __ATOMIC_RELAXED)
                     : 0;
}

/* ---- create, reference, destroy ----------------------------------------- */

static GHashTable *created(GHashTable *h, const char *opname) {
  if (h && mapsan_hooks_on())
    mapsan_map_create(h, API, opname, mapsan_map_sample());
  return h;
}

MAPSAN_EXPORT GHashTable *g_hash_table_new(GHashFunc hash, GEqualFunc eq) {
  return created(REAL(g_hash_table_new)(hash, eq), "new");
}

MAPSAN_EXPORT GHashTable *g_hash_table_new_full(GHashFunc hash, GEqualFunc eq,
                                                GDestroyNotify kd,
                                                GDestroyNotify vd) {
  return created(REAL(g_hash_table_new_full)(hash, eq, kd, vd), "new_full");
}

MAPSAN_EXPORT GHashTable *g_hash_table_new_similar(GHashTable *other) {
  return created(REAL(g_hash_table_new_similar)(other), "new_similar");
}

MAPSAN_EXPORT GHashTable *g_hash_table_ref(GHashTable *h) {
  return REAL(g_hash_table_ref)(h);
}

/* The unref protocol. Every unref releases on the table; the one that drops
 * the last reference acquires first and is checked as a write that destroys
 * the table. Which one is last is decided by doing GLib's decrement here,
 * with the same atomic compare-and-swap on `ref_count` that
 * g_hash_table_unref does when other references remain (it does nothing
 * else then); only the last reference goes to the real function, which
 * destroys the table. (Reading the count and then calling the real function
 * would let two threads both see 2 and neither acquire.) */
static void unref(GHashTable *h, const char *opname) {
  mapsan_sync_release((uintptr_t)h);
  if (!layout_ok()) {
    REAL(g_hash_table_unref)(h);
    return;
  }
  int *rc = (int *)((char *)h + GHT_REFCOUNT_OFF);
  int old = __atomic_load_n(rc, __ATOMIC_RELAXED);
  for (;;) {
    if (old <= 1) { /* the last (or a bad count: GLib reports it) */
      if (old == 1) {
        mapsan_sync_acquire((uintptr_t)h);
        mapsan_map_destroy(h, API, opname);
      }
      REAL(g_hash_table_unref)(h);
      return;
    }
    if (__atomic_compare_exchange_n(rc, &old, old - 1, false,
                                    __ATOMIC_RELEASE, __ATOMIC_RELAXED))
      return;
  }
}

MAPSAN_EXPORT void g_hash_table_unref(GHashTable *h) {
  if (h == NULL || !mapsan_hooks_on()) {
    REAL(g_hash_table_unref)(h);
    return;
  }
  unref(h, "unref");
}

/* GLib's destroy is remove_all, then unref: done here in those two steps so
 * that the unref goes through the protocol above. */
MAPSAN_EXPORT void g_hash_table_destroy(GHashTable *h) {
  if (h == NULL || !mapsan_hooks_on()) {
    REAL(g_hash_table_destroy)(h);
    return;
  }
  struct mapsan_op op;
  MAPSAN_OP_CALLER(&op);
  if (mapsan_map_begin(&op, h, API, "destroy", true)) {
    if (field(h, GHT_NNODES_OFF) != 0)
      mapsan_map_modified(&op, NULL);
    mapsan_map_end(&op);
  }
  REAL(g_hash_table_remove_all)(h);
  unref(h, "destroy");
}

/* ---- writes ------------------------------------------------------------- */

/* A write on h by `call`; `it` is the iterator it goes through, or NULL. */
#define GLIB_WRITE(opname, h, it, call)                                       \
  do {                                                                        \
    if (!mapsan_hooks_on())                                                   \
      return call;                                                            \
    if ((h) == NULL) {                                                        \
      mapsan_map_nil_write(API, opname);                                      \
      return call;                                                            \
    }                                                                         \
    struct mapsan_op op;                                                      \
    MAPSAN_OP_CALLER(&op);                                                    \
    if (!mapsan_map_begin(&op, h, API, opname, true))                         \
      return call;                                                            \
    if (it)                                                                   \
      mapsan_iter_check(&op, it);                                             \
    int v0_ = version_of(h);                                                  \
    size_t s0_ = size_of(h);                                                  \
    __typeof__(call) r_ = call;                                               \
    if (size_of(h) != s0_)                                                    \
      mapsan_map_resized(&op);                                                \
    if (version_of(h) != v0_)                                                 \
      mapsan_map_modified(&op, it);                                           \
    mapsan_map_end(&op);                                                      \
    return r_;                                                                \
  } while (0)

/* The same for functions returning void. */
#define GLIB_WRITE_VOID(opname, h, it, call)                                  \
  do {                                                                        \
    if (!mapsan_hooks_on()) {                                                 \
      call;                                                                   \
      return;                                                                 \
    }                                                                         \
    if ((h) == NULL) {                                                        \
      mapsan_map_nil_write(API, opname);                                      \
      call;                                                                   \
      return;                                                                 \
    }                                                                         \
    struct mapsan_op op;                                                      \
    MAPSAN_OP_CALLER(&op);                                                    \
    if (!mapsan_map_begin(&op, h, API, opname, true)) {                       \
      call;                                                                   \
      return;                                                                 \
    }                                                                         \
    if (it)                                                                   \
      mapsan_iter_check(&op, it);                                             \
    int v0_ = version_of(h);                                                  \
    size_t s0_ = size_of(h);                                                  \
    call;                                                                     \
    if (h != NULL && size_of(h) != s0_)                                       \
      mapsan_map_resized(&op);                                                \
    if (h != NULL && version_of(h) != v0_)                                    \
      mapsan_map_modified(&op, it);                                           \
    mapsan_map_end(&op);                                                      \
  } while (0)

#define NO_ITER ((GHashTableIter *)NULL)

MAPSAN_EXPORT gboolean g_hash_table_insert(GHashTable *h, gpointer k,
                                           gpointer v) {
  GLIB_WRITE("insert", h, NO_ITER, REAL(g_hash_table_insert)(h, k, v));
}

MAPSAN_EXPORT gboolean g_hash_table_replace(GHashTable *h, gpointer k,
                                            gpointer v) {
  GLIB_WRITE("replace", h, NO_ITER, REAL(g_hash_table_replace)(h, k, v));
}

MAPSAN_EXPORT gboolean g_hash_table_add(GHashTable *h, gpointer k) {
  GLIB_WRITE("add", h, NO_ITER, REAL(g_hash_table_add)(h, k));
}

MAPSAN_EXPORT gboolean g_hash_table_remove(GHashTable *h, gconstpointer k) {
  GLIB_WRITE("remove", h, NO_ITER, REAL(g_hash_table_remove)(h, k));
}

MAPSAN_EXPORT gboolean g_hash_table_steal(GHashTable *h, gconstpointer k) {
  GLIB_WRITE("steal", h, NO_ITER, REAL(g_hash_table_steal)(h, k));
}

MAPSAN_EXPORT gboolean g_hash_table_steal_extended(GHashTable *h,
                                                   gconstpointer k,
                                                   gpointer *sk, gpointer *sv) {
  GLIB_WRITE("steal_extended", h, NO_ITER,
             REAL(g_hash_table_steal_extended)(h, k, sk, sv));
}

MAPSAN_EXPORT void g_hash_table_remove_all(GHashTable *h) {
  GLIB_WRITE_VOID("remove_all", h, NO_ITER, REAL(g_hash_table_remove_all)(h));
}

MAPSAN_EXPORT void g_hash_table_steal_all(GHashTable *h) {
  GLIB_WRITE_VOID("steal_all", h, NO_ITER, REAL(g_hash_table_steal_all)(h));
}

MAPSAN_EXPORT guint g_hash_table_foreach_remove(GHashTable *h, GHRFunc f,
                                                gpointer data) {
  GLIB_WRITE("foreach_remove", h, NO_ITER,
             REAL(g_hash_table_foreach_remove)(h, f, data));
}

MAPSAN_EXPORT guint g_hash_table_foreach_steal(GHashTable *h, GHRFunc f,
                                               gpointer data) {
  GLIB_WRITE("foreach_steal", h, NO_ITER,
             REAL(g_hash_table_foreach_steal)(h, f, data));
}

static GHashTable *table_of(GHashTableIter *it) {
  return it ? (GHashTable *)it->dummy1 : NULL;
}

MAPSAN_EXPORT void g_hash_table_iter_remove(GHashTableIter *it) {
  GHashTable *h = table_of(it);
  GLIB_WRITE_VOID("iter_remove", h, it, REAL(g_hash_table_iter_remove)(it));
}

MAPSAN_EXPORT void g_hash_table_iter_steal(GHashTableIter *it) {
  GHashTable *h = table_of(it);
  GLIB_WRITE_VOID("iter_steal", h, it, REAL(g_hash_table_iter_steal)(it));
}

MAPSAN_EXPORT void g_hash_table_iter_replace(GHashTableIter *it, gpointer v) {
  GHashTable *h = table_of(it);
  GLIB_WRITE_VOID("iter_replace", h, it,
                  REAL(g_hash_table_iter_replace)(it, v));
}

/* ---- reads -------------------------------------------------------------- */

#define GLIB_READ(opname, h, call)                                            \
  do {                                                                        \
    if (!mapsan_hooks_on() || (h) == NULL)                                    \
      return call;                                                            \
    struct mapsan_op op;                                                      \
    MAPSAN_OP_CALLER(&op);                                                    \
    if (!mapsan_map_begin(&op, h, API, opname, false))                        \
      return call;                                                            \
    __typeof__(call) r_ = call;                                               \
    mapsan_map_end(&op);                                                      \
    return r_;                                                                \
  } while (0)

MAPSAN_EXPORT gpointer g_hash_table_lookup(GHashTable *h, gconstpointer k) {
  GLIB_READ("lookup", h, REAL(g_hash_table_lookup)(h, k));
}

MAPSAN_EXPORT gboolean g_hash_table_lookup_extended(GHashTable *h,
                                                    gconstpointer k,
                                                    gpointer *ok, gpointer *v) {
  GLIB_READ("lookup_extended", h,
            REAL(g_hash_table_lookup_extended)(h, k, ok, v));
}

MAPSAN_EXPORT gboolean g_hash_table_contains(GHashTable *h, gconstpointer k) {
  GLIB_READ("contains", h, REAL(g_hash_table_contains)(h, k));
}

MAPSAN_EXPORT guint g_hash_table_size(GHashTable *h) {
  GLIB_READ("size", h, REAL(g_hash_table_size)(h));
}

MAPSAN_EXPORT gpointer g_hash_table_find(GHashTable *h, GHRFunc f,
                                         gpointer data) {
  GLIB_READ("find", h, REAL(g_hash_table_find)(h, f, data));
}

MAPSAN_EXPORT void g_hash_table_foreach(GHashTable *h, GHFunc f,
                                        gpointer data) {
  if (!mapsan_hooks_on() || h == NULL) {
    REAL(g_hash_table_foreach)(h, f, data);
    return;
  }
  struct mapsan_op op;
  MAPSAN_OP_CALLER(&op);
  bool on = mapsan_map_begin(&op, h, API, "foreach", false);
  REAL(g_hash_table_foreach)(h, f, data);
  if (on)
    mapsan_map_end(&op);
}

MAPSAN_EXPORT GList *g_hash_table_get_keys(GHashTable *h) {
  GLIB_READ("get_keys", h, REAL(g_hash_table_get_keys)(h));
}

MAPSAN_EXPORT GList *g_hash_table_get_values(GHashTable *h) {
  GLIB_READ("get_values", h, REAL(g_hash_table_get_values)(h));
}

MAPSAN_EXPORT gpointer *g_hash_table_get_keys_as_array(GHashTable *h,
                                                       guint *len) {
  GLIB_READ("get_keys_as_array", h,
            REAL(g_hash_table_get_keys_as_array)(h, len));
}

MAPSAN_EXPORT void g_hash_table_iter_init(GHashTableIter *it, GHashTable *h) {
  if (!mapsan_hooks_on() || h == NULL || it == NULL) {
    REAL(g_hash_table_iter_init)(it, h);
    return;
  }
  struct mapsan_op op;
  MAPSAN_OP_CALLER(&op);
  bool on = mapsan_map_begin(&op, h, API, "iter_init", false);
  REAL(g_hash_table_iter_init)(it, h);
  if (on) {
    if (layout_ok())
      mapsan_iter_begin(&op, it);
    mapsan_map_end(&op);
  }
}

MAPSAN_EXPORT gboolean g_hash_table_iter_next(GHashTableIter *it,
                                              gpointer *k, gpointer *v) {
  GHashTable *h = table_of(it);
  if (!mapsan_hooks_on() || h == NULL)
    return REAL(g_hash_table_iter_next)(it, k, v);
  struct mapsan_op op;
  MAPSAN_OP_CALLER(&op);
  if (!mapsan_map_begin(&op, h, API, "iter_next", false))
    return REAL(g_hash_table_iter_next)(it, k, v);
  mapsan_iter_check(&op, it);
  gboolean r = REAL(g_hash_table_iter_next)(it, k, v);
  if (!r)
    mapsan_iter_end(it);
  mapsan_map_end(&op);
  return r;
}

MAPSAN_EXPORT GHashTable *g_hash_table_iter_get_hash_table(GHashTableIter *it) {
  return REAL(g_hash_table_iter_get_hash_table)(it);
}
