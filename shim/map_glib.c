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
 * Sampling: under sample_rate > 1, an untracked table is marked in the
 * table itself, so that each call on it costs a compare and a tail call,
 * with no shadow lookup (as hmap's tool_tag byte does): the four bytes of
 * padding after the have_big_keys/have_big_values bit-field (offset 28),
 * which GLib never reads or writes, hold a mark (MARK_UNTRACKED,
 * MARK_TRACKED). mapsan writes them only in a live table (at creation, or
 * when it first meets the table and draws "untracked"); a stale mark in
 * reused memory can only make a table untracked, which is a sampling draw,
 * and with sample_rate=1 nothing is ever written.
 * These fields are read at fixed offsets of the 96-byte struct _GHashTable
 * of GLib 2.74 (x86-64). The layout is verified once, before any user
 * table is looked at; if it does not match, iterator invalidation,
 * last-unref detection and marks are off (races are still found).
 *
 * Verified by reading, not by building. The program's first new table,
 * as g_hash_table_new_full returns it, has known contents in every field:
 * 8 slots, modulus 7, mask 7, no nodes, keys and hashes arrays with values
 * sharing keys', reference count 1, version 0, and the functions the
 * program passed. All of them at their 2.74 offsets leaves bytes 28-31 as
 * the bit-field word's padding, which GLib has no name to write. (Building
 * a private table to learn the layout would put ~2 KiB of GLib's allocations
 * in the program's heap at its first table: malloc's per-thread cache kept
 * the freed blocks, and the GHashTable workload of bench/overhead would
 * end with a heap 60 KiB larger.) Only when the first table mapsan meets is
 * one it did not see created does it still build one (layout_probe).
 */
#include <glib.h>
#include <string.h>

#include "../base/interpose.h"
#include "../base/options.h"
#include "../engine/iters.h"
#include "../engine/maps.h"
#include "../engine/profile.h"
#include "../engine/window.h"
#include "../engine/sync.h"
#include "../engine/unload.h"
#include "map_wrap.h"


static bool reborn(uintptr_t addr);
static const struct mapsan_map_api glib_api = {
    .name = "glib", .strict_iters = true, .reborn = reborn};
#define API (&glib_api)

/* struct _GHashTable, GLib 2.74, LP64. */
#define GHT_SIZE_OFF 0 /* gsize: number of slots; changes on resize */
#define GHT_MOD_OFF 8
#define GHT_MASK_OFF 12
#define GHT_NNODES_OFF 16
#define GHT_NOCCUPIED_OFF 20
#define GHT_KEYS_OFF 32
#define GHT_HASHES_OFF 40
#define GHT_VALUES_OFF 48
#define GHT_HASH_FUNC_OFF 56
#define GHT_EQUAL_FUNC_OFF 64
#define GHT_REFCOUNT_OFF 72
#define GHT_VERSION_OFF 76
#define GHT_KEY_DESTROY_OFF 80
#define GHT_VALUE_DESTROY_OFF 88
#define GHT_PAD_OFF 28 /* 4 bytes of padding before the keys pointer */
#define GHT_BIG_OFF 24 /* have_big_keys (bit 0), have_big_values (bit 1) */

static _Atomic int layout; /* 0 unknown, 1 verified, -1 does not match */
/* The fast path's real functions: copied from the real-function table
 * when marks turn on (layout_decide), before untracked_key says a mark
 * can match, so that the fast path jumps through them untested. */
static mapsan_fnptr fast_real[MAPSAN_REAL_COUNT];

static int field(GHashTable *h, size_t off) {
  return __atomic_load_n((int *)((char *)h + off), __ATOMIC_RELAXED);
}

static uintptr_t word_at(GHashTable *h, size_t off) {
  return __atomic_load_n((uintptr_t *)((char *)h + off), __ATOMIC_RELAXED);
}

/* The marks in the padding: constants, so that the fast path compares the
 * padding with one value (a mark derived from the table's address took two
 * more instructions a call). A table mapsan did not see created has
 * whatever its memory held there; if that happens to be a mark, the table
 * is taken as drawn that way: a sampling draw, never a report or a crash.
 * The fast path compares the padding, zero-extended, with untracked_key,
 * which is MARK_UNTRACKED only once marks are on and fast_real is filled,
 * and until then a value no 32-bit padding can equal: so a match also says
 * the real function is there, and it is not tested (map_wrap.h). */
#define MARK_UNTRACKED 0x6d61706eu
#define MARK_TRACKED 0x74726b64u
static _Atomic uint64_t untracked_key = UINT64_MAX;

/* Untracked marks are written and trusted: sample_rate > 1, the padding
 * verified and the fast path's functions resolved (layout_decide). */
static bool marks_on(void) {
  return atomic_load_explicit(&untracked_key, memory_order_relaxed) !=
         UINT64_MAX;
}

/* Every g_hash_table_ function mapsan wraps is in fast_real. */
static bool family_complete(void) {
  static const enum mapsan_real_id ids[] = {
#define MAPSAN_INTERCEPTOR(name, version) MAPSAN_REAL_##name,
#include "../base/interceptors.inc"
#undef MAPSAN_INTERCEPTOR
  };
  static const char *const names[] = {
#define MAPSAN_INTERCEPTOR(name, version) #name,
#include "../base/interceptors.inc"
#undef MAPSAN_INTERCEPTOR
  };
  for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
    if (strncmp(names[i], "g_hash_table_", 13) == 0 && fast_real[ids[i]] == NULL)
      return false;
  return true;
}

/* Records the verdict (l: 1 matches, -1 does not) and whether the padding
 * may hold marks; the first verdict stays. */
static void layout_decide(int l, bool pad_ok) {
  static mapsan_lock decide_lock = MAPSAN_LOCK_INIT;
  mapsan_lock_acquire(&decide_lock);
  if (atomic_load_explicit(&layout, memory_order_relaxed) == 0) {
    bool on = l > 0 && pad_ok && mapsan_opts.sample_rate > 1;
    if (on) {
      mapsan_real_copy_family("g_hash_table_", fast_real);
      on = family_complete();
    }
    if (on)
      atomic_store_explicit(&untracked_key, MARK_UNTRACKED,
                            memory_order_release);
    atomic_store_explicit(&layout, l, memory_order_release);
  }
  mapsan_lock_release(&decide_lock);
}

/* The verdict from a table g_hash_table_new_full(hash, eq, kd, vd) has
 * just returned, before the program has it (see the top). */
static void layout_learn(GHashTable *t, GHashFunc hash, GEqualFunc eq,
                         GDestroyNotify kd, GDestroyNotify vd) {
  /* Not before mapsan is up: a library's constructor may make tables
   * before mapsan's (libgobject's does), when the options and the real
   * functions the verdict turns on are not known yet. */
  if (t == NULL || atomic_load_explicit(&layout, memory_order_acquire) != 0 ||
      !mapsan_hooks_on())
    return;
  uintptr_t keys = word_at(t, GHT_KEYS_OFF);
  uintptr_t hash_func = word_at(t, GHT_HASH_FUNC_OFF);
  bool ok = word_at(t, GHT_SIZE_OFF) == 8 && field(t, GHT_MOD_OFF) == 7 &&
            field(t, GHT_MASK_OFF) == 7 && field(t, GHT_NNODES_OFF) == 0 &&
            field(t, GHT_NOCCUPIED_OFF) == 0 && keys != 0 &&
            word_at(t, GHT_HASHES_OFF) != 0 &&
            word_at(t, GHT_VALUES_OFF) == keys &&
            (hash ? hash_func == (uintptr_t)hash : hash_func != 0) &&
            word_at(t, GHT_EQUAL_FUNC_OFF) == (uintptr_t)eq &&
            field(t, GHT_REFCOUNT_OFF) == 1 && field(t, GHT_VERSION_OFF) == 0 &&
            word_at(t, GHT_KEY_DESTROY_OFF) == (uintptr_t)kd &&
            word_at(t, GHT_VALUE_DESTROY_OFF) == (uintptr_t)vd;
  layout_decide(ok ? 1 : -1, ok);
}

/* The verdict by building a private table, for a first table mapsan did not
 * see created: its fields, the version's steps, and the padding kept
 * through growth, removals, a switch to 64-bit keys and values, and
 * remove_all. */
static void layout_probe(void) {
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
  bool pad_ok = false;
  if (rc0 == 1 && n0 == 0 && size0 == 8) {
    uint32_t *pad = (uint32_t *)((char *)t + GHT_PAD_OFF);
    *pad = 0x5a5aa5a5u;
    for (uintptr_t i = 2; i < 40; i++) /* 8 -> 64 slots, 64-bit keys */
      REAL(g_hash_table_insert)(t, (gpointer)(i << 33), (gpointer)i);
    for (uintptr_t i = 2; i < 30; i++) /* shrinks */
      REAL(g_hash_table_remove)(t, (gpointer)(i << 33));
    size_t size1 = *(size_t *)((char *)t + GHT_SIZE_OFF);
    REAL(g_hash_table_remove_all)(t);
    pad_ok = *pad == 0x5a5aa5a5u && size1 > size0;
    *pad = 0;
  }
  REAL(g_hash_table_unref)(t);
  mapsan_leave();
  int l = (rc0 == 1 && rc1 == 2 && n0 == 0 && n1 == 1 && v1 == v0 + 1 &&
           v2 == v1 && size0 == 8) ? 1 : -1;
  layout_decide(l, pad_ok);
}

static bool layout_ok(void) {
  int l = atomic_load_explicit(&layout, memory_order_acquire);
  if (MAPSAN_LIKELY(l != 0))
    return l > 0;
  layout_probe(); /* two threads may both probe: the first verdict stays */
  return atomic_load_explicit(&layout, memory_order_acquire) > 0;
}

static int version_of(GHashTable *h) {
  return layout_ok() ? field(h, GHT_VERSION_OFF) : 0;
}

static size_t size_of(GHashTable *h) {
  return layout_ok() ? __atomic_load_n((size_t *)((char *)h + GHT_SIZE_OFF),
                                       __ATOMIC_RELAXED)
                     : 0;
}

/* ---- tables created where mapsan cannot see ------------------------------ */

/* libglib creates tables for the program inside itself (g_uri_parse_params,
 * for one), invisibly, and often at the address of a table just freed. A
 * table mapsan saw destroyed whose reference count is 1 or more again is
 * such a new table: GLib leaves a freed table's count at 0. (A stale
 * pointer into memory reused by some other object may then go unreported;
 * a report on a new table would be false.) */
static bool reborn(uintptr_t addr) {
  return layout_ok() && field((GHashTable *)addr, GHT_REFCOUNT_OFF) >= 1;
}

/* ---- the untracked mark (sampling) -------------------------------------- */

/* Where a table's mark is (MARK_UNTRACKED, MARK_TRACKED: see above). */
static _Atomic uint32_t *pad_of(GHashTable *h) {
  return (_Atomic uint32_t *)(void *)((char *)h + GHT_PAD_OFF);
}

#define FAST_REAL(name) ((__typeof__(&name))fast_real[MAPSAN_REAL_##name])

static bool marked_untracked(GHashTable *h) {
  return h != NULL &&
         (uint64_t)atomic_load_explicit(pad_of(h), memory_order_relaxed) ==
             atomic_load_explicit(&untracked_key, memory_order_acquire);
}

static void mark(GHashTable *h, bool is_untracked) {
  if (layout_ok() && marks_on())
    atomic_store_explicit(pad_of(h),
                          is_untracked ? MARK_UNTRACKED : MARK_TRACKED,
                          memory_order_relaxed);
}

/* After a begin that found the table untracked (met for the first time). */
static void note_sampled_out(GHashTable *h, const struct mapsan_op *op) {
  if (op->sampled_out)
    mark(h, true);
}

/* The exported functions are split as in map_hmap.c: the wrapper keeps only
 * "untracked table, real function resolved" and tail-calls; everything else
 * goes to name##_slow with the program's call site. */
#define UNPAREN(...) __VA_ARGS__
#define FAST_OR_SLOW(name, hx, args)                                          \
  MAPSAN_MARKED_OR_SLOW(FAST_REAL(name), marked_untracked(hx), name##_slow,  \
                        UNPAREN args)
/* A drawn table between canary windows, when map health is off: a read
 * checks nothing there (read_begin), so lookup, lookup_extended, contains
 * and size jump to GLib from the wrapper after a few more tests, as an
 * untracked table's do, instead of through the slow half's frame (the
 * single-thread GLib row with its table drawn was 1.97x instructions).
 * The padding is read again rather than reused from marked_untracked's
 * compare, which keeps the untracked path one compare with memory. The
 * call that is due to poll for a window goes the slow way. MARK_TRACKED
 * counts only with marks on, when fast_real is filled. */
static inline bool drawn_between_windows(GHashTable *h) {
  return h != NULL &&
         atomic_load_explicit(pad_of(h), memory_order_relaxed) ==
             MARK_TRACKED &&
         mapsan_no_window_open() && marks_on() &&
         mapsan_between_windows_rest();
}

#define FAST_OR_SLOW_READ(name, hx, args)                                     \
  MAPSAN_MARKED_OR_SLOW(FAST_REAL(name),                                      \
                        marked_untracked(hx) || drawn_between_windows(hx),    \
                        name##_read, UNPAREN args)

#define FAST_OR_SLOW_VOID(name, hx, args)                                     \
  MAPSAN_MARKED_OR_SLOW_VOID(FAST_REAL(name), marked_untracked(hx),           \
                             name##_slow, UNPAREN args)

/* ---- create, reference, destroy ----------------------------------------- */

/* In an exported function: the program's call site (MAPSAN_OP_CALLER). */
#define CALLER_PC ((uintptr_t)__builtin_return_address(0))
#define CALLER_CFA ((uintptr_t)__builtin_dwarf_cfa())

/* A new table: drawn, marked, and given a shadow only if tracked or if
 * marks are off (then the shadow is what remembers it is not). An untracked
 * marked table then costs mapsan nothing more, creation and destruction
 * included, as a project map: no shadow, no table lock, no sync object. */
static GHashTable *created(GHashTable *h, const char *opname, uintptr_t pc,
                           uintptr_t cfa) {
  if (h && mapsan_hooks_on()) {
    bool tracked = mapsan_map_sample();
    mark(h, !tracked);
    if (!tracked && marks_on())
      mapsan_map_forget(h); /* a destroyed table's record at this address */
    else
      mapsan_map_create(h, API, opname, tracked, pc, cfa);
  }
  return h;
}

MAPSAN_EXPORT GHashTable *g_hash_table_new(GHashFunc hash, GEqualFunc eq) {
  GHashTable *h = REAL(g_hash_table_new)(hash, eq);
  layout_learn(h, hash, eq, NULL, NULL);
  return created(h, "new", CALLER_PC, CALLER_CFA);
}

MAPSAN_EXPORT GHashTable *g_hash_table_new_full(GHashFunc hash, GEqualFunc eq,
                                                GDestroyNotify kd,
                                                GDestroyNotify vd) {
  GHashTable *h = REAL(g_hash_table_new_full)(hash, eq, kd, vd);
  layout_learn(h, hash, eq, kd, vd);
  return created(h, "new_full", CALLER_PC, CALLER_CFA);
}

MAPSAN_EXPORT GHashTable *g_hash_table_new_similar(GHashTable *other) {
  return created(REAL(g_hash_table_new_similar)(other), "new_similar",
                 CALLER_PC, CALLER_CFA);
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
static void unref(GHashTable *h, const char *opname, uintptr_t pc,
                  uintptr_t cfa) {
  if (!layout_ok()) {
    mapsan_sync_release((uintptr_t)h);
    REAL(g_hash_table_unref)(h);
    return;
  }
  int *rc = (int *)((char *)h + GHT_REFCOUNT_OFF);
  int old = __atomic_load_n(rc, __ATOMIC_RELAXED);
  for (;;) {
    if (old <= 1) { /* the last (or a bad count: GLib reports it) */
      if (old == 1) {
        /* What the other unrefs released is taken, and the table's clock
         * dropped while the table is still ours, so that a table made at
         * this address later, which another thread may unref at once,
         * starts with a clock of its own (kept, 52,799 of these were 54%
         * of the sync objects left at the end of GLib's gmenumodel
         * /gmenu/dbus/threaded). This unref's own release would be taken
         * back at once: it is not made. */
        mapsan_sync_acquire_forget((uintptr_t)h);
        mapsan_map_destroy(h, API, opname, pc, cfa);
      }
      REAL(g_hash_table_unref)(h);
      return;
    }
    /* Before the decrement that the last unref may see. */
    mapsan_sync_release((uintptr_t)h);
    if (__atomic_compare_exchange_n(rc, &old, old - 1, false,
                                    __ATOMIC_RELEASE, __ATOMIC_RELAXED))
      return;
  }
}

static MAPSAN_NOINLINE void g_hash_table_unref_slow(GHashTable *h,
                                                    uintptr_t pc,
                                                    uintptr_t cfa) {
  if (h == NULL || !mapsan_hooks_on()) {
    REAL(g_hash_table_unref)(h);
    return;
  }
  unref(h, "unref", pc, cfa);
}

MAPSAN_EXPORT void g_hash_table_unref(GHashTable *h) {
  FAST_OR_SLOW_VOID(g_hash_table_unref, h, (h));
}

/* GLib's destroy is remove_all, then unref: done here in those two steps so
 * that the unref goes through the protocol above. */
static MAPSAN_NOINLINE void g_hash_table_destroy_slow(GHashTable *h,
                                                      uintptr_t pc_,
                                                      uintptr_t cfa_) {
  if (h == NULL || !mapsan_hooks_on()) {
    REAL(g_hash_table_destroy)(h);
    return;
  }
  struct mapsan_op op;
  op.caller_pc = pc_;
  op.caller_cfa = cfa_;
  if (mapsan_map_begin(&op, h, API, "destroy", true)) {
    if (field(h, GHT_NNODES_OFF) != 0)
      mapsan_map_modified(&op, NULL);
    mapsan_map_end(&op);
  }
  REAL(g_hash_table_remove_all)(h);
  unref(h, "destroy", pc_, cfa_);
}

MAPSAN_EXPORT void g_hash_table_destroy(GHashTable *h) {
  FAST_OR_SLOW_VOID(g_hash_table_destroy, h, (h));
}

/* ---- writes ------------------------------------------------------------- */


/* The checked part of a write on table h (through iterator it, or NULL),
 * around the real call: write_begin returns false when the call goes
 * straight to the real function (hooks off, a NULL table: reported, an
 * untracked table), and then write_end is not called. */
struct glib_write {
  struct mapsan_op op;
  GHashTable *h;
  GHashTableIter *it;
  int version;
  size_t size;
  /* For the profile (op.prof: the map's, when profiles are on and the
   * layout is verified, else NULL): occupied slots and (unless the result
   * tells the outcome: write_begin) entries before the call. */
  unsigned nnodes, noccupied;
};

/* ---- map health (engine/profile.h) ---------------------------------------
 *
 * Entries are `nnodes`; a write's new keys and removals are its change,
 * and an insert-type write that leaves it unchanged replaced a value.
 * Resizes: `size` (slots) grew or shrank; a same-size rehash (GLib
 * rebuilds the table at the same size to drop tombstones) is a write that
 * left the size alone and cleared two or more tombstones (noccupied -
 * nnodes), which no single insert or removal does otherwise. Bytes: the
 * hashes array (4 bytes a slot), keys (4 or 8 bytes a slot, have_big_keys)
 * and values (the same, unless the table is a set whose values array is
 * its keys array). GHashTable's probe lengths are not kept anywhere a
 * wrapper could read them without probing again: no chain measure. */

/* insert, replace, add, iter_replace: the writes that may find their key
 * and replace its value, told from the others (remove, remove_all, steal,
 * steal_extended, steal_all, foreach_remove, foreach_steal, iter_remove,
 * iter_steal) by a few letters. If you add a write, check it here. */
static bool inserts_key(const char *o) {
  switch (o[0]) {
  case 'a': /* add */
    return true;
  case 'r': /* replace; not remove, remove_all */
    return o[2] == 'p';
  case 'i': /* insert, iter_replace; not iter_remove, iter_steal */
    return o[1] == 'n' || (o[5] == 'r' && o[7] == 'p');
  default:
    return false;
  }
}

/* The storage after a write that resized the table (the slot count
 * changed, or it rehashed at the same size), at the table's first counted
 * write, and once in a while (profile.h). The entry widths and set mode
 * (have_big_keys, have_big_values, a values array apart from the keys)
 * are read here only: a write that widens the entries without resizing is
 * seen at the next of these, unless it moved the values array. */

/* What a write compares with the profile's shape2 (through its guard,
 * profile.h), the value at the last description: the slot count (a power
 * of 2, 8 or more), which a resize changes, mixed with the values array's
 * address, which a set's first distinct value changes (GLib then gives it
 * a values array of its own). */
static inline uint64_t prof_shape2(GHashTable *h, size_t size) {
  return (uint64_t)size ^ word_at(h, GHT_VALUES_OFF);
}
static MAPSAN_NOINLINE void prof_storage(const struct glib_write *w,
                                         size_t size, bool same_size) {
  GHashTable *h = w->h;
  struct mapsan_prof_storage st = {0};
  unsigned big = (unsigned)field(h, GHT_BIG_OFF) & 3;
  bool set = word_at(h, GHT_VALUES_OFF) == word_at(h, GHT_KEYS_OFF);
  st.map = h;
  st.shape = (uint64_t)size << 3 | big << 1 | set;
  st.shape2 = prof_shape2(h, size);
  if (size > w->size)
    st.grows = 1;
  else if (size < w->size)
    st.shrinks = 1;
  else
    st.same_size_grows = same_size;
  st.bytes = (uint64_t)size * (4 + ((big & 1) ? 8 : 4) +
                               (set ? 0 : (big & 2) ? 8 : 4));
  mapsan_profile_storage(w->op.prof, &st);
}

/* After a write that holds n entries now and held before entries before
 * it, with the slot count size now: a same-size rehash (the top of this
 * part) or not, and the storage described if it changed, a sample is due
 * or the table was never described. */
static MAPSAN_NOINLINE void prof_storage_check(const struct glib_write *w,
                                               unsigned before, unsigned n,
                                               size_t size, bool sample) {
  bool same_size = w->noccupied - before >= 2 && size == w->size && n > 0 &&
                   (unsigned)field(w->h, GHT_NOCCUPIED_OFF) == n;
  if (prof_shape2(w->h, size) != mapsan_profile_hot(w->op.prof)->shape2 ||
      same_size || sample)
    prof_storage(w, size, same_size);
}

/* prof_storage_check after one new key (insert) or one removal, reading
 * the entries and slots again (so that the inline part keeps nothing live
 * across its calls). */
static MAPSAN_NOINLINE void prof_storage_check1(const struct glib_write *w,
                                                bool insert, bool sample) {
  unsigned n = (unsigned)field(w->h, GHT_NNODES_OFF);
  size_t size = __atomic_load_n((size_t *)((char *)w->h + GHT_SIZE_OFF),
                                __ATOMIC_RELAXED);
  prof_storage_check(w, insert ? n - 1 : n + 1, n, size, sample);
}

/* A write of a new key or removal whose guard (profile.h) did not match:
 * the profile was released (nothing counted), or the storage was resized,
 * got its own values array or was never described (counted, then
 * described: not a same-size rehash, which moves neither). */
static MAPSAN_NOINLINE void prof_slow(const struct glib_write *w,
                                      bool insert) {
  struct mapsan_profile *p = w->op.prof;
  GHashTable *h = w->h;
  if (!mapsan_profile_owned(p, h))
    return;
  unsigned n = (unsigned)field(h, GHT_NNODES_OFF);
  if (insert)
    mapsan_profile_inserted(p, &w->op, h, n);
  else
    mapsan_profile_removed(p, h, 1, n);
  prof_storage(w, __atomic_load_n((size_t *)((char *)h + GHT_SIZE_OFF),
                                  __ATOMIC_RELAXED),
               false);
}

/* The inline part for one new key (insert) or one removal: the guard
 * compares the profile's owner and the storage's shape word (the slot
 * count, which a resize changes, and the values array) at once; a rehash
 * at the same size leaves fewer occupied slots than before (it clears the
 * tombstones), which no single insert or removal does otherwise (an insert
 * adds one or reuses a tombstone, a removal leaves one):
 * prof_storage_check applies the exact rule. */
static inline void prof_change(const struct glib_write *w, bool insert) {
  GHashTable *h = w->h;
  struct mapsan_profile *p = w->op.prof;
  size_t size = __atomic_load_n((size_t *)((char *)h + GHT_SIZE_OFF),
                                __ATOMIC_RELAXED);
  if (!mapsan_profile_guard_ok(p, h, prof_shape2(h, size))) {
    prof_slow(w, insert);
    return;
  }
  if (MAPSAN_UNLIKELY((unsigned)field(h, GHT_NOCCUPIED_OFF) < w->noccupied))
    prof_storage_check1(w, insert, false);
  unsigned n = (unsigned)field(h, GHT_NNODES_OFF);
  if (MAPSAN_UNLIKELY(insert ? mapsan_profile_inserted(p, &w->op, h, n)
                             : mapsan_profile_removed(p, h, 1, n)))
    prof_storage_check1(w, insert, true);
}

/* insert, replace, add: added is the real call's result, true when the key
 * was new (GLib 2.40 and later), so nothing but the occupied slots is read
 * before the call. A replacement never resizes (GLib resizes after a new
 * key or a removal only). */
static inline void prof_put(const struct glib_write *w, gboolean added) {
  if (!added) {
    mapsan_profile_replaced(w->op.prof, w->h);
    return;
  }
  prof_change(w, true);
}

/* remove, steal, steal_extended: found is the real call's result. */
static inline void prof_del(const struct glib_write *w, gboolean found) {
  if (found)
    prof_change(w, false);
}

/* The other writes (remove_all, steal_all, foreach_remove, foreach_steal,
 * iter_remove, iter_steal, iter_replace): from the entries before and
 * after (write_begin read nnodes then). */
static MAPSAN_NOINLINE void prof_write(const struct glib_write *w) {
  GHashTable *h = w->h;
  struct mapsan_profile *p = w->op.prof;
  if (!mapsan_profile_owned(p, h))
    return;
  unsigned n = (unsigned)field(h, GHT_NNODES_OFF);
  bool sample = false;
  if (n > w->nnodes)
    sample = mapsan_profile_inserted(p, &w->op, h, n);
  else if (n < w->nnodes)
    sample = mapsan_profile_removed(p, h, w->nnodes - n, n);
  else if (inserts_key(w->op.opname))
    mapsan_profile_replaced(p, h);
  size_t size = __atomic_load_n((size_t *)((char *)h + GHT_SIZE_OFF),
                                __ATOMIC_RELAXED);
  /* As prof_change: a resize, a new values array, a sample or fewer
   * occupied slots (a rehash, or a remove_all) call for the check. */
  if (sample || prof_shape2(h, size) != mapsan_profile_hot(p)->shape2 ||
      (unsigned)field(h, GHT_NOCCUPIED_OFF) < w->noccupied)
    prof_storage_check(w, w->nnodes, n, size, sample);
}

enum prof_read { PROF_HIT, PROF_MISS, PROF_ITER };

/* A read's outcome, after the real call, with op as read_begin (or begin)
 * left it: op->prof set when profiles are on and the table is tracked
 * (begun, or drawn and between canary windows). */
static inline void prof_read(const struct mapsan_op *op, enum prof_read what) {
  struct mapsan_profile *p = op->prof;
  if (MAPSAN_LIKELY(p == NULL))
    return;
  if (what == PROF_ITER)
    mapsan_profile_iteration(p);
  else /* indexed: fewer instructions here than mapsan_profile_lookup's */
    MAPSAN_PROFILE_ADD(mapsan_profile_hot(p)->lookups[what == PROF_MISS], 1);
}

/* by_result: the write's outcome is told by its result (prof_put,
 * prof_del), else by the entries before and after (prof_write). */
static bool write_begin(struct glib_write *w, GHashTable *h, GHashTableIter *it,
                        const char *opname, uintptr_t pc, uintptr_t cfa,
                        bool by_result) {
  if (!mapsan_hooks_on())
    return false;
  if (h == NULL) {
    mapsan_map_nil_write(API, opname);
    return false;
  }
  /* A drawn table between windows, not destroyed, no iterator attached:
   * GLib alone. This polls for a window as read_begin does. The bucket-
   * array generation then counts only the resizes of writes that go
   * through the engine (exact within an iterator's life: no write is
   * quiet while one is attached), and a crash inside such a write has it
   * neither in flight nor among the thread's recent operations. */
  if (it == NULL && !mapsan_profile_on && marks_on() &&
      atomic_load_explicit(pad_of(h), memory_order_relaxed) == MARK_TRACKED &&
      mapsan_window_closed() && mapsan_map_write_quiet(h))
    return false;
  w->op.caller_pc = pc;
  w->op.caller_cfa = cfa;
  if (!mapsan_map_begin(&w->op, h, API, opname, true)) {
    note_sampled_out(h, &w->op);
    return false;
  }
  w->h = h;
  w->it = it;
  if (it)
    mapsan_iter_check(&w->op, it);
  bool lay = layout_ok();
  w->version = lay ? field(h, GHT_VERSION_OFF) : 0;
  w->size = lay ? __atomic_load_n((size_t *)((char *)h + GHT_SIZE_OFF),
                                  __ATOMIC_RELAXED)
                : 0;
  if (MAPSAN_UNLIKELY(w->op.prof != NULL)) {
    if (lay) {
      w->noccupied = (unsigned)field(h, GHT_NOCCUPIED_OFF);
      if (!by_result)
        w->nnodes = (unsigned)field(h, GHT_NNODES_OFF);
    } else {
      w->op.prof = NULL; /* the fields read would not be GLib's */
    }
  }
  return true;
}

/* After the real call: a new bucket array is a resize, a new version a
 * structural modification. The caller counts the write for the profile
 * after (w->op.prof set). */
static void write_end(struct glib_write *w) {
  if (size_of(w->h) != w->size)
    mapsan_map_resized(&w->op);
  if (version_of(w->h) != w->version)
    mapsan_map_modified(&w->op, w->it);
  mapsan_map_end(&w->op);
}

/* write_end, then the profile's count by the entries before and after. */
static void write_end_count(struct glib_write *w) {
  write_end(w);
  if (MAPSAN_UNLIKELY(w->op.prof != NULL))
    prof_write(w);
}

static GHashTable *table_of(GHashTableIter *it) {
  return it ? (GHashTable *)it->dummy1 : NULL;
}

/* The writes' fast path (engine/maps.h, mapsan_map_op_fast), in front of
 * their slow halves: a resize is told by the bucket array's size, as
 * write_end tells it; no modification needs telling (no iterator is
 * attached). FAST_OR_SLOW_WRITE calls name##_write. */
#define WRITE_HALF(type, name, opname, params, fparams, args)                 \
  /* A drawn table's quiet write between canary windows (write_begin's     \
   * first test, made without the slow half's frame: an insert into a       \
   * drawn table 114 -> 77 instructions beyond GLib's): GLib alone. A write  \
   * that is not quiet asks the shadow again in write_begin (rare: an       \
   * iterator attached, the table destroyed). */                              \
  static MAPSAN_NOINLINE type name##_drawn params {                           \
    if (mapsan_map_write_quiet(h) && REAL_IF_RESOLVED(name) != NULL)          \
      return REAL_IF_RESOLVED(name) args;                                     \
    return name##_slow(UNPAREN args, pc, cfa);                                \
  }                                                                           \
  static MAPSAN_NOINLINE type name##_fast fparams {                           \
    mapsan_map_op_fast_begin(t_, h, opname, pc);                              \
    size_t size_ = size_of(h);                                                \
    type r_ = REAL_IF_RESOLVED(name) args;                                    \
    if (MAPSAN_UNLIKELY(size_of(h) != size_))                                 \
      mapsan_map_fast_resized(t_);                                            \
    mapsan_map_op_fast_end(t_);                                               \
    return r_;                                                                \
  }                                                                           \
  /* The test and two tail calls: no frame when it fails (the real          \
   * function, resolved here, is read again there: six arguments at most     \
   * go in registers). A drawn table between canary windows goes to its     \
   * own half (a load and a branch in full mode). */                          \
  static MAPSAN_NOINLINE type name##_write params {                           \
    if (!mapsan_map_fast_ops && drawn_between_windows(h))                     \
      return name##_drawn(UNPAREN args, pc, cfa);                             \
    struct mapsan_thread *t_ = mapsan_map_op_fast(h, true);                   \
    if (t_ != NULL && !mapsan_unloads_seen() &&                               \
        REAL_IF_RESOLVED(name) != NULL)                                       \
      return name##_fast(t_, UNPAREN args, pc);                               \
    return name##_slow(UNPAREN args, pc, cfa);                                \
  }
#define FAST_OR_SLOW_WRITE(name, hx, args)                                    \
  MAPSAN_MARKED_OR_SLOW(FAST_REAL(name), marked_untracked(hx), name##_write,  \
                        UNPAREN args)

static MAPSAN_NOINLINE gboolean g_hash_table_insert_slow(GHashTable *h,
                                                         gpointer k, gpointer v,
                                                         uintptr_t pc,
                                                         uintptr_t cfa) {
  struct glib_write w;
  if (!write_begin(&w, h, NULL, "insert", pc, cfa, true))
    return REAL(g_hash_table_insert)(h, k, v);
  gboolean r = REAL(g_hash_table_insert)(h, k, v);
  write_end(&w);
  if (MAPSAN_UNLIKELY(w.op.prof != NULL))
    prof_put(&w, r);
  return r;
}

WRITE_HALF(gboolean, g_hash_table_insert, "insert",
           (GHashTable * h, gpointer k, gpointer v, uintptr_t pc, uintptr_t cfa),
           (struct mapsan_thread * t_, GHashTable * h, gpointer k, gpointer v, uintptr_t pc),
           (h, k, v))

MAPSAN_EXPORT gboolean g_hash_table_insert(GHashTable *h, gpointer k,
                                           gpointer v) {
  FAST_OR_SLOW_WRITE(g_hash_table_insert, h, (h, k, v));
}

static MAPSAN_NOINLINE gboolean g_hash_table_replace_slow(GHashTable *h,
                                                          gpointer k,
                                                          gpointer v,
                                                          uintptr_t pc,
                                                          uintptr_t cfa) {
  struct glib_write w;
  if (!write_begin(&w, h, NULL, "replace", pc, cfa, true))
    return REAL(g_hash_table_replace)(h, k, v);
  gboolean r = REAL(g_hash_table_replace)(h, k, v);
  write_end(&w);
  if (MAPSAN_UNLIKELY(w.op.prof != NULL))
    prof_put(&w, r);
  return r;
}

WRITE_HALF(gboolean, g_hash_table_replace, "replace",
           (GHashTable * h, gpointer k, gpointer v, uintptr_t pc, uintptr_t cfa),
           (struct mapsan_thread * t_, GHashTable * h, gpointer k, gpointer v, uintptr_t pc),
           (h, k, v))

MAPSAN_EXPORT gboolean g_hash_table_replace(GHashTable *h, gpointer k,
                                            gpointer v) {
  FAST_OR_SLOW_WRITE(g_hash_table_replace, h, (h, k, v));
}

static MAPSAN_NOINLINE gboolean g_hash_table_add_slow(GHashTable *h, gpointer k,
                                                      uintptr_t pc,
                                                      uintptr_t cfa) {
  struct glib_write w;
  if (!write_begin(&w, h, NULL, "add", pc, cfa, true))
    return REAL(g_hash_table_add)(h, k);
  gboolean r = REAL(g_hash_table_add)(h, k);
  write_end(&w);
  if (MAPSAN_UNLIKELY(w.op.prof != NULL))
    prof_put(&w, r);
  return r;
}

WRITE_HALF(gboolean, g_hash_table_add, "add",
           (GHashTable * h, gpointer k, uintptr_t pc, uintptr_t cfa),
           (struct mapsan_thread * t_, GHashTable * h, gpointer k, uintptr_t pc),
           (h, k))

MAPSAN_EXPORT gboolean g_hash_table_add(GHashTable *h, gpointer k) {
  FAST_OR_SLOW_WRITE(g_hash_table_add, h, (h, k));
}

static MAPSAN_NOINLINE gboolean g_hash_table_remove_slow(GHashTable *h,
                                                         gconstpointer k,
                                                         uintptr_t pc,
                                                         uintptr_t cfa) {
  struct glib_write w;
  if (!write_begin(&w, h, NULL, "remove", pc, cfa, true))
    return REAL(g_hash_table_remove)(h, k);
  gboolean r = REAL(g_hash_table_remove)(h, k);
  write_end(&w);
  if (MAPSAN_UNLIKELY(w.op.prof != NULL))
    prof_del(&w, r);
  return r;
}

WRITE_HALF(gboolean, g_hash_table_remove, "remove",
           (GHashTable * h, gconstpointer k, uintptr_t pc, uintptr_t cfa),
           (struct mapsan_thread * t_, GHashTable * h, gconstpointer k, uintptr_t pc),
           (h, k))

MAPSAN_EXPORT gboolean g_hash_table_remove(GHashTable *h, gconstpointer k) {
  FAST_OR_SLOW_WRITE(g_hash_table_remove, h, (h, k));
}

static MAPSAN_NOINLINE gboolean g_hash_table_steal_slow(GHashTable *h,
                                                        gconstpointer k,
                                                        uintptr_t pc,
                                                        uintptr_t cfa) {
  struct glib_write w;
  if (!write_begin(&w, h, NULL, "steal", pc, cfa, true))
    return REAL(g_hash_table_steal)(h, k);
  gboolean r = REAL(g_hash_table_steal)(h, k);
  write_end(&w);
  if (MAPSAN_UNLIKELY(w.op.prof != NULL))
    prof_del(&w, r);
  return r;
}

WRITE_HALF(gboolean, g_hash_table_steal, "steal",
           (GHashTable * h, gconstpointer k, uintptr_t pc, uintptr_t cfa),
           (struct mapsan_thread * t_, GHashTable * h, gconstpointer k, uintptr_t pc),
           (h, k))

MAPSAN_EXPORT gboolean g_hash_table_steal(GHashTable *h, gconstpointer k) {
  FAST_OR_SLOW_WRITE(g_hash_table_steal, h, (h, k));
}

static MAPSAN_NOINLINE gboolean g_hash_table_steal_extended_slow(GHashTable *h,
                                                                 gconstpointer k,
                                                                 gpointer *sk,
                                                                 gpointer *sv,
                                                                 uintptr_t pc,
                                                                 uintptr_t cfa) {
  struct glib_write w;
  if (!write_begin(&w, h, NULL, "steal_extended", pc, cfa, true))
    return REAL(g_hash_table_steal_extended)(h, k, sk, sv);
  gboolean r = REAL(g_hash_table_steal_extended)(h, k, sk, sv);
  write_end(&w);
  if (MAPSAN_UNLIKELY(w.op.prof != NULL))
    prof_del(&w, r);
  return r;
}

MAPSAN_EXPORT gboolean g_hash_table_steal_extended(GHashTable *h,
                                                   gconstpointer k,
                                                   gpointer *sk, gpointer *sv) {
  FAST_OR_SLOW(g_hash_table_steal_extended, h, (h, k, sk, sv));
}

static MAPSAN_NOINLINE void g_hash_table_remove_all_slow(GHashTable *h,
                                                         uintptr_t pc,
                                                         uintptr_t cfa) {
  struct glib_write w;
  bool on = write_begin(&w, h, NULL, "remove_all", pc, cfa, false);
  REAL(g_hash_table_remove_all)(h);
  if (on)
    write_end_count(&w);
}

MAPSAN_EXPORT void g_hash_table_remove_all(GHashTable *h) {
  FAST_OR_SLOW_VOID(g_hash_table_remove_all, h, (h));
}

static MAPSAN_NOINLINE void g_hash_table_steal_all_slow(GHashTable *h,
                                                        uintptr_t pc,
                                                        uintptr_t cfa) {
  struct glib_write w;
  bool on = write_begin(&w, h, NULL, "steal_all", pc, cfa, false);
  REAL(g_hash_table_steal_all)(h);
  if (on)
    write_end_count(&w);
}

MAPSAN_EXPORT void g_hash_table_steal_all(GHashTable *h) {
  FAST_OR_SLOW_VOID(g_hash_table_steal_all, h, (h));
}

static MAPSAN_NOINLINE guint g_hash_table_foreach_remove_slow(GHashTable *h,
                                                              GHRFunc f,
                                                              gpointer data,
                                                              uintptr_t pc,
                                                              uintptr_t cfa) {
  struct glib_write w;
  if (!write_begin(&w, h, NULL, "foreach_remove", pc, cfa, false))
    return REAL(g_hash_table_foreach_remove)(h, f, data);
  guint r = REAL(g_hash_table_foreach_remove)(h, f, data);
  write_end_count(&w);
  return r;
}

MAPSAN_EXPORT guint g_hash_table_foreach_remove(GHashTable *h, GHRFunc f,
                                                gpointer data) {
  FAST_OR_SLOW(g_hash_table_foreach_remove, h, (h, f, data));
}

static MAPSAN_NOINLINE guint g_hash_table_foreach_steal_slow(GHashTable *h,
                                                             GHRFunc f,
                                                             gpointer data,
                                                             uintptr_t pc,
                                                             uintptr_t cfa) {
  struct glib_write w;
  if (!write_begin(&w, h, NULL, "foreach_steal", pc, cfa, false))
    return REAL(g_hash_table_foreach_steal)(h, f, data);
  guint r = REAL(g_hash_table_foreach_steal)(h, f, data);
  write_end_count(&w);
  return r;
}

MAPSAN_EXPORT guint g_hash_table_foreach_steal(GHashTable *h, GHRFunc f,
                                               gpointer data) {
  FAST_OR_SLOW(g_hash_table_foreach_steal, h, (h, f, data));
}

static MAPSAN_NOINLINE void g_hash_table_iter_remove_slow(GHashTableIter *it,
                                                          uintptr_t pc,
                                                          uintptr_t cfa) {
  struct glib_write w;
  bool on = write_begin(&w, table_of(it), it, "iter_remove", pc, cfa, false);
  REAL(g_hash_table_iter_remove)(it);
  if (on)
    write_end_count(&w);
}

MAPSAN_EXPORT void g_hash_table_iter_remove(GHashTableIter *it) {
  FAST_OR_SLOW_VOID(g_hash_table_iter_remove, table_of(it), (it));
}

static MAPSAN_NOINLINE void g_hash_table_iter_steal_slow(GHashTableIter *it,
                                                         uintptr_t pc,
                                                         uintptr_t cfa) {
  struct glib_write w;
  bool on = write_begin(&w, table_of(it), it, "iter_steal", pc, cfa, false);
  REAL(g_hash_table_iter_steal)(it);
  if (on)
    write_end_count(&w);
}

MAPSAN_EXPORT void g_hash_table_iter_steal(GHashTableIter *it) {
  FAST_OR_SLOW_VOID(g_hash_table_iter_steal, table_of(it), (it));
}

static MAPSAN_NOINLINE void g_hash_table_iter_replace_slow(GHashTableIter *it,
                                                           gpointer v,
                                                           uintptr_t pc,
                                                           uintptr_t cfa) {
  struct glib_write w;
  bool on = write_begin(&w, table_of(it), it, "iter_replace", pc, cfa, false);
  REAL(g_hash_table_iter_replace)(it, v);
  if (on)
    write_end_count(&w);
}

MAPSAN_EXPORT void g_hash_table_iter_replace(GHashTableIter *it, gpointer v) {
  FAST_OR_SLOW_VOID(g_hash_table_iter_replace, table_of(it), (it, v));
}

/* ---- reads -------------------------------------------------------------- */

/* The checked part of a read of table h: false when the call goes
 * straight to the real function (hooks off, a NULL or untracked table);
 * otherwise the caller ends op after the real call. */
static bool read_begin(struct mapsan_op *op, GHashTable *h, const char *opname,
                       uintptr_t pc, uintptr_t cfa) {
  op->map = NULL;
  /* op->prof: NULL unless the table's profile counts the read (prof_read);
   * begin sets it. */
  if (!mapsan_hooks_on() || h == NULL) {
    op->prof = NULL;
    return false;
  }
  /* A drawn table between canary windows: a read checks nothing there (a
   * write goes to the engine only when the table is destroyed or has an
   * iterator attached: write_begin), and its profile, found by address,
   * counts it. */
  if (marks_on() &&
      atomic_load_explicit(pad_of(h), memory_order_relaxed) == MARK_TRACKED &&
      mapsan_window_closed()) {
    op->prof = MAPSAN_UNLIKELY(mapsan_profile_on) ? mapsan_map_profile(op, h)
                                                  : NULL;
    return false;
  }
  op->caller_pc = pc;
  op->caller_cfa = cfa;
  if (!mapsan_map_begin(op, h, API, opname, false)) {
    note_sampled_out(h, op);
    return false;
  }
  return true;
}

static MAPSAN_NOINLINE gpointer g_hash_table_lookup_slow(GHashTable *h,
                                                         gconstpointer k,
                                                         uintptr_t pc,
                                                         uintptr_t cfa) {
  struct mapsan_op op;
  bool on = read_begin(&op, h, "lookup", pc, cfa);
  gpointer r = REAL(g_hash_table_lookup)(h, k);
  if (on) {
    if (r != NULL) /* the value is handed out; k is the caller's own */
      mapsan_unload_check(&op, &k, sizeof(k), false, &r, sizeof(r));
    mapsan_map_end(&op);
  }
  prof_read(&op, r ? PROF_HIT : PROF_MISS);
  return r;
}

/* The reads' fast path (shim/map_wrap.h), in front of their slow halves:
 * name##_read, which FAST_OR_SLOW_READ calls. */
#define READ_HALF(type, name, opname, params, args)                           \
  static MAPSAN_NOINLINE type name##_read params {                            \
    MAPSAN_READ_FAST(type, name, h, opname, pc, UNPAREN args);                \
    return name##_slow(UNPAREN args, pc, cfa);                                \
  }

READ_HALF(gpointer, g_hash_table_lookup, "lookup",
          (GHashTable * h, gconstpointer k, uintptr_t pc, uintptr_t cfa),
          (h, k))

MAPSAN_EXPORT gpointer g_hash_table_lookup(GHashTable *h, gconstpointer k) {
  FAST_OR_SLOW_READ(g_hash_table_lookup, h, (h, k));
}

static MAPSAN_NOINLINE gboolean g_hash_table_lookup_extended_slow(GHashTable *h,
                                                                  gconstpointer k,
                                                                  gpointer *ok,
                                                                  gpointer *v,
                                                                  uintptr_t pc,
                                                                  uintptr_t cfa) {
  struct mapsan_op op;
  bool on = read_begin(&op, h, "lookup_extended", pc, cfa);
  gboolean r;
  if (!on || !mapsan_unloads_seen()) {
    r = REAL(g_hash_table_lookup_extended)(h, k, ok, v);
  } else {
    /* The entry is checked even when the program asks for neither half. */
    gpointer ok_ = NULL, v_ = NULL;
    r = REAL(g_hash_table_lookup_extended)(h, k, &ok_, &v_);
    if (r) {
      /* The stored key is handed out only when it is not the pointer the
       * caller passed (a table keyed by content): a caller that looks up
       * its own stale pointer (g_direct_hash keyed by a plugin's function,
       * unregistered after dlclose) learns nothing from the map. */
      mapsan_unload_check(&op, &ok_, sizeof(ok_), ok_ != k, &v_, sizeof(v_));
      if (ok)
        *ok = ok_;
      if (v)
        *v = v_;
    }
  }
  if (on)
    mapsan_map_end(&op);
  prof_read(&op, r ? PROF_HIT : PROF_MISS);
  return r;
}

READ_HALF(gboolean, g_hash_table_lookup_extended, "lookup_extended",
          (GHashTable * h, gconstpointer k, gpointer *ok, gpointer *v,
           uintptr_t pc, uintptr_t cfa),
          (h, k, ok, v))

MAPSAN_EXPORT gboolean g_hash_table_lookup_extended(GHashTable *h,
                                                    gconstpointer k,
                                                    gpointer *ok, gpointer *v) {
  FAST_OR_SLOW_READ(g_hash_table_lookup_extended, h, (h, k, ok, v));
}

static MAPSAN_NOINLINE gboolean g_hash_table_contains_slow(GHashTable *h,
                                                           gconstpointer k,
                                                           uintptr_t pc,
                                                           uintptr_t cfa) {
  struct mapsan_op op;
  bool on = read_begin(&op, h, "contains", pc, cfa);
  gboolean r = REAL(g_hash_table_contains)(h, k);
  if (on)
    mapsan_map_end(&op);
  prof_read(&op, r ? PROF_HIT : PROF_MISS);
  return r;
}

READ_HALF(gboolean, g_hash_table_contains, "contains",
          (GHashTable * h, gconstpointer k, uintptr_t pc, uintptr_t cfa),
          (h, k))

MAPSAN_EXPORT gboolean g_hash_table_contains(GHashTable *h, gconstpointer k) {
  FAST_OR_SLOW_READ(g_hash_table_contains, h, (h, k));
}

static MAPSAN_NOINLINE guint g_hash_table_size_slow(GHashTable *h, uintptr_t pc,
                                                    uintptr_t cfa) {
  struct mapsan_op op;
  if (!read_begin(&op, h, "size", pc, cfa))
    return REAL(g_hash_table_size)(h);
  guint r = REAL(g_hash_table_size)(h);
  mapsan_map_end(&op);
  return r;
}

READ_HALF(guint, g_hash_table_size, "size",
          (GHashTable * h, uintptr_t pc, uintptr_t cfa), (h))

MAPSAN_EXPORT guint g_hash_table_size(GHashTable *h) {
  FAST_OR_SLOW_READ(g_hash_table_size, h, (h));
}

static MAPSAN_NOINLINE gpointer g_hash_table_find_slow(GHashTable *h, GHRFunc f,
                                                       gpointer data,
                                                       uintptr_t pc,
                                                       uintptr_t cfa) {
  struct mapsan_op op;
  bool on = read_begin(&op, h, "find", pc, cfa);
  gpointer r = REAL(g_hash_table_find)(h, f, data);
  if (on) {
    if (r != NULL)
      mapsan_unload_check(&op, NULL, 0, false, &r, sizeof(r));
    mapsan_map_end(&op);
  }
  prof_read(&op, PROF_ITER);
  return r;
}

MAPSAN_EXPORT gpointer g_hash_table_find(GHashTable *h, GHRFunc f,
                                         gpointer data) {
  FAST_OR_SLOW(g_hash_table_find, h, (h, f, data));
}

static MAPSAN_NOINLINE GList *g_hash_table_get_keys_slow(GHashTable *h,
                                                         uintptr_t pc,
                                                         uintptr_t cfa) {
  struct mapsan_op op;
  bool on = read_begin(&op, h, "get_keys", pc, cfa);
  GList *r = REAL(g_hash_table_get_keys)(h);
  if (on)
    mapsan_map_end(&op);
  prof_read(&op, PROF_ITER);
  return r;
}

MAPSAN_EXPORT GList *g_hash_table_get_keys(GHashTable *h) {
  FAST_OR_SLOW(g_hash_table_get_keys, h, (h));
}

static MAPSAN_NOINLINE GList *g_hash_table_get_values_slow(GHashTable *h,
                                                           uintptr_t pc,
                                                           uintptr_t cfa) {
  struct mapsan_op op;
  bool on = read_begin(&op, h, "get_values", pc, cfa);
  GList *r = REAL(g_hash_table_get_values)(h);
  if (on)
    mapsan_map_end(&op);
  prof_read(&op, PROF_ITER);
  return r;
}

MAPSAN_EXPORT GList *g_hash_table_get_values(GHashTable *h) {
  FAST_OR_SLOW(g_hash_table_get_values, h, (h));
}

static MAPSAN_NOINLINE gpointer *g_hash_table_get_keys_as_array_slow(GHashTable *h,
                                                                     guint *len,
                                                                     uintptr_t pc,
                                                                     uintptr_t cfa) {
  struct mapsan_op op;
  bool on = read_begin(&op, h, "get_keys_as_array", pc, cfa);
  gpointer *r = REAL(g_hash_table_get_keys_as_array)(h, len);
  if (on)
    mapsan_map_end(&op);
  prof_read(&op, PROF_ITER);
  return r;
}

MAPSAN_EXPORT gpointer *g_hash_table_get_keys_as_array(GHashTable *h,
                                                       guint *len) {
  FAST_OR_SLOW(g_hash_table_get_keys_as_array, h, (h, len));
}

/* foreach hands each entry to the program's function: after a module was
 * unloaded, each goes through unload_each first (engine/unload.h). */
struct unload_foreach {
  struct mapsan_op *op;
  GHFunc f;
  gpointer data;
};

static void unload_each(gpointer k, gpointer v, gpointer arg) {
  struct unload_foreach *c = arg;
  mapsan_unload_check(c->op, &k, sizeof(k), true, &v, sizeof(v));
  c->f(k, v, c->data);
}

static MAPSAN_NOINLINE void g_hash_table_foreach_slow(GHashTable *h, GHFunc f,
                                                      gpointer data,
                                                      uintptr_t pc,
                                                      uintptr_t cfa) {
  if (!mapsan_hooks_on() || h == NULL) {
    REAL(g_hash_table_foreach)(h, f, data);
    return;
  }
  struct mapsan_op op;
  op.caller_pc = pc;
  op.caller_cfa = cfa;
  bool on = mapsan_map_begin(&op, h, API, "foreach", false);
  if (!on)
    note_sampled_out(h, &op);
  if (on && f != NULL && mapsan_unloads_seen()) {
    struct unload_foreach c = {&op, f, data};
    REAL(g_hash_table_foreach)(h, unload_each, &c);
  } else {
    REAL(g_hash_table_foreach)(h, f, data);
  }
  if (on) {
    mapsan_map_end(&op);
    prof_read(&op, PROF_ITER);
  }
}

MAPSAN_EXPORT void g_hash_table_foreach(GHashTable *h, GHFunc f,
                                        gpointer data) {
  FAST_OR_SLOW_VOID(g_hash_table_foreach, h, (h, f, data));
}

static MAPSAN_NOINLINE void g_hash_table_iter_init_slow(GHashTableIter *it,
                                                        GHashTable *h,
                                                        uintptr_t pc,
                                                        uintptr_t cfa) {
  if (!mapsan_hooks_on() || h == NULL || it == NULL) {
    REAL(g_hash_table_iter_init)(it, h);
    return;
  }
  struct mapsan_op op;
  op.caller_pc = pc;
  op.caller_cfa = cfa;
  bool on = mapsan_map_begin(&op, h, API, "iter_init", false);
  if (!on)
    note_sampled_out(h, &op);
  REAL(g_hash_table_iter_init)(it, h);
  if (on) {
    if (layout_ok())
      mapsan_iter_begin(&op, it);
    mapsan_map_end(&op);
    prof_read(&op, PROF_ITER);
  }
}

MAPSAN_EXPORT void g_hash_table_iter_init(GHashTableIter *it, GHashTable *h) {
  FAST_OR_SLOW_VOID(g_hash_table_iter_init, h, (it, h));
}

static MAPSAN_NOINLINE gboolean
g_hash_table_iter_next_slow(GHashTableIter *it, gpointer *k, gpointer *v,
                            uintptr_t pc, uintptr_t cfa) {
  GHashTable *h = table_of(it);
  if (!mapsan_hooks_on() || h == NULL)
    return REAL(g_hash_table_iter_next)(it, k, v);
  struct mapsan_op op;
  op.caller_pc = pc;
  op.caller_cfa = cfa;
  if (!mapsan_map_begin(&op, h, API, "iter_next", false)) {
    note_sampled_out(h, &op);
    return REAL(g_hash_table_iter_next)(it, k, v);
  }
  mapsan_iter_check(&op, it);
  gboolean r;
  if (!mapsan_unloads_seen()) {
    r = REAL(g_hash_table_iter_next)(it, k, v);
  } else { /* the entry is checked even when the program asks for neither */
    gpointer k_ = NULL, v_ = NULL;
    r = REAL(g_hash_table_iter_next)(it, &k_, &v_);
    if (r) {
      mapsan_unload_check(&op, &k_, sizeof(k_), true, &v_, sizeof(v_));
      if (k)
        *k = k_;
      if (v)
        *v = v_;
    }
  }
  if (!r)
    mapsan_iter_end(it);
  mapsan_map_end(&op);
  return r;
}

MAPSAN_EXPORT gboolean g_hash_table_iter_next(GHashTableIter *it,
                                              gpointer *k, gpointer *v) {
  FAST_OR_SLOW(g_hash_table_iter_next, table_of(it), (it, k, v));
}

MAPSAN_EXPORT GHashTable *g_hash_table_iter_get_hash_table(GHashTableIter *it) {
  return REAL(g_hash_table_iter_get_hash_table)(it);
}
