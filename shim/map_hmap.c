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
 * nil-map-write, then the library aborts as its contract says. The
 * library's own fatal path (hmap_fatal) waits for any report being
 * written, so "concurrent map writes" cannot cut it short.
 *
 * Storage: the library allocates every bucket array through
 * hmap_buckets_alloc/free, which mapsan defines too. Around each real call
 * the wrapper names the map and operation (mapsan_pool_cur), so that the
 * arrays of tracked maps come from the guarded pool and their release goes
 * to the quarantine (engine/quarantine.c: use-after-resize). An array freed
 * later by an iterator that pinned it is released in that iterator's call.
 */
#include <hmap.h>

#include "../base/interpose.h"
#include "../base/options.h"
#include "../reports/report.h"
#include "../engine/maps.h"
#include "../engine/profile.h"
#include "../engine/quarantine.h"
#include "../engine/window.h"
#include "../engine/unload.h"
#include "map_wrap.h"

#include <dlfcn.h>
#include <string.h>

static const struct mapsan_map_api hmap_api = {.name = "hmap"};
#define API (&hmap_api)

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
 * the tag, which is what a copy should do.
 *
 * TAG_UNTRACKED and TAG_TRACKED are written only once the real functions
 * of the fast path are all resolved (fast_ready), so that the wrappers jump
 * through them without testing them for NULL: 5 instructions a call instead
 * of 8 (objdump); a drawn map's calls between windows use them too. A map
 * is tagged by the thread that created or first met it, after fast_ready's
 * stores; any other thread that sees the tag got the map from it through
 * the program's own ordering. */
#define TAG_TRACKED 1
#define TAG_UNTRACKED 2

/* The fast path's real functions, NULL until fast_ready. */
static struct {
  __typeof__(&hmap_assign) assign;
  __typeof__(&hmap_delete) delete;
  __typeof__(&hmap_lookup) lookup;
  __typeof__(&hmap_len) len;
  __typeof__(&hmap_iter_next) iter_next;
} fast;
static _Atomic bool fast_resolved;

static bool fast_ready(void) {
  if (MAPSAN_LIKELY(atomic_load_explicit(&fast_resolved, memory_order_acquire)))
    return true;
  fast.assign = REAL(hmap_assign);
  fast.delete = REAL(hmap_delete);
  fast.lookup = REAL(hmap_lookup);
  fast.len = REAL(hmap_len);
  fast.iter_next = REAL(hmap_iter_next);
  bool ok = fast.assign && fast.delete && fast.lookup && fast.len &&
            fast.iter_next;
  if (ok)
    atomic_store_explicit(&fast_resolved, true, memory_order_release);
  return ok;
}

/* The tag for a map the draw left untracked: 0 (ask the engine, which keeps
 * a sampled-out shadow) only in a library missing a fast-path function. */
static uint8_t untracked_tag(void) { return fast_ready() ? TAG_UNTRACKED : 0; }

static bool untracked(const hmap *m) {
  return m != NULL && m->tool_tag == TAG_UNTRACKED;
}

/* The call goes straight to the library: no map, an untracked one, or
 * hooks off (mapsan's own calls, a finished thread). */
#define PASS_THROUGH(m) ((m) == NULL || untracked(m) || !mapsan_hooks_on())

/* After begin: a map met for the first time remembers its draw, and a
 * header met for the first time (a copy of another map's header) is checked
 * against the quarantine: if its buckets were reclaimed, that is reported
 * here, at the API call, before the library touches them. */
static void note_sampled_out(hmap *m, const struct mapsan_op *op) {
  if (op->sampled_out)
    m->tool_tag = untracked_tag();
}

static void check_first_sight(hmap *m, const struct mapsan_op *op) {
  if (MAPSAN_UNLIKELY(op->first_sight))
    mapsan_pool_check_stale_header(m, m->buckets, op);
}

/* Names the operation for the pool while `call` runs. */
#define WITH_POOL_CTX(ctx_map, is_tracked, opname, op, call)                  \
  WITH_POOL_CTX_AT(ctx_map, is_tracked, opname, (op)->caller_pc,              \
                   (op)->caller_cfa, call)
#define WITH_POOL_CTX_AT(ctx_map, is_tracked, opname, pc, cfa, call)          \
  do {                                                                        \
    struct mapsan_pool_ctx ctx_ = {API, (ctx_map), (is_tracked), (opname),    \
                                   (pc), (cfa)};                              \
    struct mapsan_pool_ctx *saved_ = mapsan_pool_cur;                         \
    mapsan_pool_cur = &ctx_;                                                  \
    call;                                                                     \
    mapsan_pool_cur = saved_;                                                 \
  } while (0)

/* ---- map health (engine/profile.h) ---------------------------------------- */

/* What an operation tells the profile, read from the map's fields around
 * the real call: count (entries); for the storage buckets, oldbuckets, B,
 * noverflow, same_size and bucket_size, and grows and same_size_grows
 * (growths started). These are private fields of the public struct
 * (include/hmap.h): if map/hmap.c changes them, update this. */
enum prof_what { PROF_NONE, PROF_ASSIGN, PROF_DELETE, PROF_CLEAR,
                 PROF_LOOKUP, PROF_ITER };

/* Bucket storage from the map's shape (map/hmap.c: a 64-byte header, 2^B
 * buckets and 2^(B-4) preallocated overflow buckets from B=4, overflow
 * buckets beyond those, and the old array while growing): an estimate
 * that leaves out unused buckets of overflow chunks. */
static uint64_t prof_bytes(const hmap *m) {
  if (m->buckets == NULL)
    return 0;
  size_t nb = (size_t)1 << m->B;
  size_t pre = m->B >= 4 ? nb >> 4 : 0;
  size_t extra = m->noverflow > pre ? m->noverflow - pre : 0;
  size_t old = m->oldbuckets ? (m->same_size ? nb : nb >> 1) : 0;
  return (uint64_t)(64 + (old ? 64 : 0)) +
         (uint64_t)(nb + pre + extra + old) * m->bucket_size;
}

/* The storage's shape, as compared after each insert and removal (through
 * the profile's guard, profile.h): the current and old bucket arrays'
 * addresses mixed, which change when a growth (doubling or same-size)
 * starts and when it ends, also when both happen within one call (a tiny
 * map's growth evacuates all at once: the old array was NULL before and is
 * again after); both are multiples of 8, so the mix never equals the
 * guard's 1 (a profile never described differs: its first insert or
 * removal describes the storage, the first array made included). A clear is
 * described always. The overflow buckets change too often to follow: they
 * are sampled (one change in MAPSAN_PROFILE_SAMPLE, profile.h), so the
 * records' overflow-bucket figures are samples. */
static inline uint64_t prof_shape2(const hmap *m) {
  return (uintptr_t)m->buckets ^ (uintptr_t)m->oldbuckets;
}

static MAPSAN_NOINLINE void prof_storage(const hmap *m,
                                         struct mapsan_profile *p) {
  struct mapsan_prof_storage st = {0};
  st.map = m;
  st.shape = (uintptr_t)m->buckets;
  st.shape2 = prof_shape2(m);
  st.resizes_total = true;
  st.grows = m->grows;
  st.same_size_grows = m->same_size_grows;
  st.bytes = prof_bytes(m);
  st.has_chain = true;
  st.chain = m->noverflow;
  mapsan_profile_storage(p, &st);
}

/* An insert (n entries now), a removal or a clear whose guard did not
 * match: the profile was released (nothing counted), or the storage
 * changed shape or was never described (counted, then described). */
static MAPSAN_NOINLINE void prof_slow(hmap *m, const struct mapsan_op *op,
                                      enum prof_what what, size_t n) {
  struct mapsan_profile *p = op->prof;
  if (!mapsan_profile_owned(p, m))
    return;
  if (what == PROF_ASSIGN) {
    mapsan_profile_inserted(p, op, m, n);
  } else if (what == PROF_DELETE) {
    mapsan_profile_removed(p, m, 1, n);
  } else {
    uint64_t before = MAPSAN_PROFILE_GET(mapsan_profile_hot(p)->size);
    if (before == 0)
      return;
    mapsan_profile_removed(p, m, before, n);
  }
  prof_storage(m, p);
}

/* After the real call, with op->prof set (begin, or found by address for a
 * drawn map between canary windows). Inline: `what` is a constant at each
 * use, so a lookup or a replacement costs one increment, a new key or a
 * removal a few more. Nothing is read before the call: every write of a
 * tracked map is counted, so the profile's size is the map's count before
 * this one (a map met after its creation, first sight, starts at 0: its
 * first assign counts as a new key). The storage and the map's own resize
 * counts are read when the storage's shape changed. */
static inline void prof_after(hmap *m, const struct mapsan_op *op,
                              enum prof_what what, uintptr_t res) {
  struct mapsan_profile *p = op->prof;
  size_t n = m->count;
  bool sample;
  switch (what) {
  case PROF_NONE:
    return;
  case PROF_LOOKUP:
    mapsan_profile_lookup(p, res != 0);
    return;
  case PROF_ITER:
    mapsan_profile_iteration(p);
    return;
  case PROF_ASSIGN:
    /* A plain read of the size, folded into the compare. */
    if (n <= mapsan_profile_hot(p)->size) {
      mapsan_profile_replaced(p, m);
      return;
    }
    if (!mapsan_profile_guard_ok(p, m, prof_shape2(m))) {
      prof_slow(m, op, what, n);
      return;
    }
    sample = mapsan_profile_inserted(p, op, m, n);
    break;
  case PROF_DELETE:
    if (!res)
      return;
    if (!mapsan_profile_guard_ok(p, m, prof_shape2(m))) {
      prof_slow(m, op, what, n);
      return;
    }
    sample = mapsan_profile_removed(p, m, 1, n);
    break;
  case PROF_CLEAR:
    prof_slow(m, op, what, n);
    return;
  }
  if (MAPSAN_UNLIKELY(sample))
    prof_storage(m, p);
}

/* ---- create and destroy --------------------------------------------------- */

/* The map was drawn (tracked or not) before the real call, so that its
 * first bucket array already comes from the right allocator. */
static void created(hmap *m, bool tracked, const char *opname,
                    const struct mapsan_op *op) {
  if (mapsan_opts.sample_rate > 1) {
    /* A drawn map's calls between windows go to the fast path's functions
     * too (drawn_between_windows), so it is tagged only once they are
     * resolved; else 0, and the engine answers for it. */
    m->tool_tag = tracked ? (fast_ready() ? TAG_TRACKED : 0) : untracked_tag();
  }
  if (tracked) {
    mapsan_map_create(m, API, opname, true, op->caller_pc, op->caller_cfa);
    apply_stress(m);
  } else {
    mapsan_map_forget(m);
  }
}

MAPSAN_EXPORT hmap *hmap_new(const hmap_type *t, size_t hint) {
  if (!mapsan_hooks_on())
    return REAL(hmap_new)(t, hint);
  struct mapsan_op op;
  MAPSAN_OP_CALLER(&op);
  bool tracked = mapsan_map_sample();
  hmap *m;
  WITH_POOL_CTX(NULL, tracked, "new", &op, m = REAL(hmap_new)(t, hint));
  if (m) {
    if (tracked)
      mapsan_pool_adopt(m->buckets, m);
    created(m, tracked, "new", &op);
  }
  return m;
}

MAPSAN_EXPORT void hmap_init(hmap *m, const hmap_type *t, size_t hint) {
  if (!mapsan_hooks_on() || m == NULL) {
    REAL(hmap_init)(m, t, hint);
    return;
  }
  struct mapsan_op op;
  MAPSAN_OP_CALLER(&op);
  bool tracked = mapsan_map_sample();
  WITH_POOL_CTX(m, tracked, "init", &op, REAL(hmap_init)(m, t, hint));
  created(m, tracked, "init", &op);
}

MAPSAN_EXPORT void hmap_free(hmap *m) {
  if (PASS_THROUGH(m)) {
    REAL(hmap_free)(m);
    return;
  }
  struct mapsan_op op;
  MAPSAN_OP_CALLER(&op);
  mapsan_map_destroy(m, API, "free", op.caller_pc, op.caller_cfa);
  WITH_POOL_CTX(m, true, "free", &op, REAL(hmap_free)(m));
}

MAPSAN_EXPORT void hmap_destroy(hmap *m) {
  if (PASS_THROUGH(m)) {
    REAL(hmap_destroy)(m);
    return;
  }
  struct mapsan_op op;
  MAPSAN_OP_CALLER(&op);
  mapsan_map_destroy(m, API, "destroy", op.caller_pc, op.caller_cfa);
  WITH_POOL_CTX(m, true, "destroy", &op, REAL(hmap_destroy)(m));
}

/* ---- reads and writes ----------------------------------------------------- */

/* One operation on map `mp` by `call`, whose result type is `type` (void
 * for none), split in two so that an untracked map costs a compare and a
 * tail call, as a canary must. The exported wrapper (MAP_WRAPPER) keeps
 * only that test: the map is untracked and the real function is already
 * resolved; everything else, NULL maps and hooks off included, goes to a
 * separate function (MAP_OP_SLOW) with the program's call site as
 * arguments. As one body, the compiler saved five registers and built a
 * frame before the test: 25 more instructions a call (callgrind).
 * may_alloc: the call can allocate or release a bucket array, so the pool
 * must know the map and operation (lookup and len never do). */
#define MAP_OP_SLOW(type, mp, oname, write, may_alloc, call, pc, cfa, pwhat,  \
                    check)                                                    \
  do {                                                                        \
    hmap *m_ = (mp);                                                          \
    if (PASS_THROUGH(m_))                                                     \
      return call;                                                            \
    struct mapsan_op op;                                                      \
    op.caller_pc = (pc);                                                      \
    op.caller_cfa = (cfa);                                                    \
    if (m_->tool_tag == TAG_TRACKED && mapsan_window_closed()) {              \
      /* A drawn map between canary windows: only the pool needs to know,   \
       * and its profile (found by address). */                              \
      type r_;                                                                \
      if (may_alloc)                                                          \
        WITH_POOL_CTX(m_, true, oname, &op, r_ = call);                      \
      else                                                                    \
        r_ = call;                                                            \
      if ((pwhat) != PROF_NONE && MAPSAN_UNLIKELY(mapsan_profile_on)) {       \
        op.map = NULL;                                                        \
        op.opname = oname;                                                   \
        op.prof = mapsan_map_profile(&op, m_);                                \
        if (op.prof)                                                          \
          prof_after(m_, &op, pwhat, (uintptr_t)r_);                          \
      }                                                                       \
      return r_;                                                              \
    }                                                                         \
    bool on_ = mapsan_map_begin(&op, m_, API, oname, write);                 \
    if (!on_)                                                                 \
      note_sampled_out(m_, &op);                                              \
    else                                                                      \
      check_first_sight(m_, &op);                                             \
    type r_;                                                                  \
    if (may_alloc)                                                            \
      WITH_POOL_CTX(m_, on_, oname, &op, r_ = call);                         \
    else                                                                      \
      r_ = call;                                                              \
    if (on_)                                                                  \
      check(&op, m_, r_);                                                     \
    mapsan_map_end(&op);                                                      \
    if (MAPSAN_UNLIKELY(op.prof != NULL)) /* begin: profiles are on */       \
      prof_after(m_, &op, pwhat, (uintptr_t)r_);                              \
    return r_;                                                                \
  } while (0)

/* The `check` of MAP_OP_SLOW: what a read hands the program, checked for
 * words that point into an unloaded module (engine/unload.h). A lookup
 * that found an entry: the value slot (the key is the caller's own: a
 * caller that looks up a stale pointer of its own, to unregister it after
 * dlclose, learns nothing from the map); an iteration step, the key and
 * value slots (it->key, it->val). */
#define NO_CHECK(op, m, r) ((void)(r))

static void check_lookup(struct mapsan_op *op, hmap *m, void *slot,
                         const void *key) {
  if (slot != NULL)
    mapsan_unload_check(op, key, m->key_size, false, slot, m->val_size);
}
/* In lookup_slow, whose key is `key`. */
#define CHECK_LOOKUP(op, m, r) check_lookup(op, m, r, key)

static void check_iter(struct mapsan_op *op, hmap *m, bool more,
                       hmap_iter *it) {
  if (more)
    mapsan_unload_check(op, it->key, m->key_size, true, it->val, m->val_size);
}
/* In iter_next_slow, whose iterator is `it`. */
#define CHECK_ITER(op, m, r) check_iter(op, m, r, it)

#define MAP_WRAPPER(fn, mp, slow, ...)                                        \
  MAPSAN_MARKED_OR_SLOW(fast.fn, untracked(mp), slow, __VA_ARGS__)

/* A drawn map between canary windows, when map health is off and hooks
 * are on: nothing to check, so a read (lookup, len) costs the untracked
 * map's compare and jump plus a few tests, not the slow half's frame (20
 * instructions a lookup; bench/run's 4-thread row with a map drawn was
 * 1.14x), and a write goes to DRAWN_WRITE's lean half. In full mode the
 * window word ends it at its second test. The call that is due to poll for
 * a window goes the slow way, so that the wrapper makes no call of its own
 * (a frame for it would cost every untracked call two instructions). A map
 * is tagged tracked only once fast_ready (created). */
static inline bool drawn_between_windows(const hmap *m) {
  /* The tag read again, not reused from untracked()'s compare: a register
   * for it would cost the untracked path a load and a compare instead of
   * one compare with memory. */
  return m != NULL &&
         __atomic_load_n(&m->tool_tag, __ATOMIC_RELAXED) == TAG_TRACKED &&
         mapsan_no_window_open() && mapsan_hooks_on() &&
         mapsan_between_windows_rest();
}

/* A drawn map's write between windows: only the pool must know the map
 * (its bucket arrays come from the guarded pool), so the wrapper jumps to
 * a lean half that names it and calls the library, not to the slow half
 * (about 60 instructions a write; the lock-bound row with its one map
 * drawn was 1.39x). */
#define DRAWN_WRITE(fn, type, oname, params, args)                            \
  static MAPSAN_NOINLINE type fn##_drawn params {                             \
    type r_;                                                                  \
    WITH_POOL_CTX_AT(m, true, oname, pc, cfa, r_ = fast.fn args);             \
    return r_;                                                                \
  }
DRAWN_WRITE(assign, void *, "assign",
            (hmap * m, const void *key, uintptr_t pc, uintptr_t cfa), (m, key))
DRAWN_WRITE(delete, bool, "delete",
            (hmap * m, const void *key, uintptr_t pc, uintptr_t cfa), (m, key))

/* The writes' fast path (engine/maps.h, mapsan_map_op_fast), in front of
 * their slow halves: the pool is told the operation around the call, as
 * the slow half tells it (the library allocates and frees bucket arrays
 * inside it). */
#define FAST_WRITE(fn, type, oname, params, args)                             \
  static MAPSAN_NOINLINE type fn##_fast(hmap *m, const void *key,             \
                                        uintptr_t pc, uintptr_t cfa,          \
                                        struct mapsan_thread *t_,             \
                                        __typeof__(&hmap_##fn) real_) {       \
    mapsan_map_op_fast_begin(t_, m, oname, pc);                               \
    type r_;                                                                  \
    WITH_POOL_CTX_AT(m, true, oname, pc, cfa, r_ = real_ args);               \
    mapsan_map_op_fast_end(t_);                                               \
    return r_;                                                                \
  }                                                                           \
  /* The test and two tail calls: no frame when it fails. */                  \
  static MAPSAN_NOINLINE type fn##_write params {                             \
    struct mapsan_thread *t_ = mapsan_map_op_fast(m, true);                   \
    __typeof__(&hmap_##fn) real_;                                             \
    if (t_ != NULL && !mapsan_unloads_seen() &&                               \
        (real_ = REAL_IF_RESOLVED(hmap_##fn)) != NULL)                        \
      return fn##_fast(m, key, pc, cfa, t_, real_);                           \
    return fn##_slow(m, key, pc, cfa);                                        \
  }

#define MAP_WRAPPER_WRITE(fn, mp, slow, ...)                                  \
  do {                                                                        \
    if (MAPSAN_LIKELY(untracked(mp)))                                         \
      return fast.fn(__VA_ARGS__);                                            \
    return (drawn_between_windows(mp) ? fn##_drawn : slow)(                   \
        __VA_ARGS__, (uintptr_t)__builtin_return_address(0),                  \
        (uintptr_t)__builtin_dwarf_cfa());                                    \
  } while (0)

#define MAP_WRAPPER_READ(fn, mp, slow, ...)                                   \
  MAPSAN_MARKED_OR_SLOW(fast.fn,                                              \
                        untracked(mp) || drawn_between_windows(mp), slow,     \
                        __VA_ARGS__)

static MAPSAN_NOINLINE void *assign_slow(hmap *m, const void *key,
                                         uintptr_t pc, uintptr_t cfa) {
  if (m == NULL && mapsan_hooks_on())
    mapsan_map_nil_write(API, "assign"); /* then the library aborts */
  MAP_OP_SLOW(void *, m, "assign", true, true, REAL(hmap_assign)(m, key), pc,
              cfa, PROF_ASSIGN, NO_CHECK);
}

static MAPSAN_NOINLINE bool delete_slow(hmap *m, const void *key,
                                        uintptr_t pc, uintptr_t cfa) {
  MAP_OP_SLOW(bool, m, "delete", true, true, REAL(hmap_delete)(m, key), pc,
              cfa, PROF_DELETE, NO_CHECK);
}

static MAPSAN_NOINLINE void *lookup_slow(hmap *m, const void *key,
                                         uintptr_t pc, uintptr_t cfa) {
  MAP_OP_SLOW(void *, m, "lookup", false, false, REAL(hmap_lookup)(m, key),
              pc, cfa, PROF_LOOKUP, CHECK_LOOKUP);
}

static MAPSAN_NOINLINE size_t len_slow(hmap *m, uintptr_t pc,
                                       uintptr_t cfa) {
  MAP_OP_SLOW(size_t, m, "len", false, false, REAL(hmap_len)(m), pc, cfa,
              PROF_NONE, NO_CHECK);
}

FAST_WRITE(assign, void *, "assign",
           (hmap * m, const void *key, uintptr_t pc, uintptr_t cfa), (m, key))
FAST_WRITE(delete, bool, "delete",
           (hmap * m, const void *key, uintptr_t pc, uintptr_t cfa), (m, key))

/* The reads' fast path (shim/map_wrap.h), in front of their slow halves. */
static MAPSAN_NOINLINE void *lookup_read(hmap *m, const void *key,
                                         uintptr_t pc, uintptr_t cfa) {
  MAPSAN_READ_FAST(void *, hmap_lookup, m, "lookup", pc, m, key);
  return lookup_slow(m, key, pc, cfa);
}

static MAPSAN_NOINLINE size_t len_read(hmap *m, uintptr_t pc, uintptr_t cfa) {
  MAPSAN_READ_FAST(size_t, hmap_len, m, "len", pc, m);
  return len_slow(m, pc, cfa);
}

static MAPSAN_NOINLINE bool iter_next_slow(hmap_iter *it, uintptr_t pc,
                                           uintptr_t cfa) {
  MAP_OP_SLOW(bool, it->map, "iter_next", false, true, REAL(hmap_iter_next)(it),
              pc, cfa, PROF_NONE, CHECK_ITER);
}

MAPSAN_EXPORT void *hmap_assign(hmap *m, const void *key) {
  MAP_WRAPPER_WRITE(assign, m, assign_write, m, key);
}

MAPSAN_EXPORT bool hmap_delete(hmap *m, const void *key) {
  MAP_WRAPPER_WRITE(delete, m, delete_write, m, key);
}

/* clear returns nothing: give MAP_OP an int. */
static int clear_call(hmap *m) {
  REAL(hmap_clear)(m);
  return 0;
}

MAPSAN_EXPORT void hmap_clear(hmap *m) {
  if (PASS_THROUGH(m)) {
    REAL(hmap_clear)(m);
    return;
  }
  struct mapsan_op op;
  MAPSAN_OP_CALLER(&op);
  bool on = mapsan_map_begin(&op, m, API, "clear", true);
  if (!on)
    note_sampled_out(m, &op);
  WITH_POOL_CTX(m, on, "clear", &op, clear_call(m));
  mapsan_map_end(&op);
  if (MAPSAN_UNLIKELY(op.prof != NULL))
    prof_after(m, &op, PROF_CLEAR, 0);
}

MAPSAN_EXPORT void *hmap_lookup(hmap *m, const void *key) {
  MAP_WRAPPER_READ(lookup, m, lookup_read, m, key);
}

MAPSAN_EXPORT size_t hmap_len(hmap *m) {
  MAP_WRAPPER_READ(len, m, len_read, m);
}

MAPSAN_EXPORT void hmap_iter_init(hmap_iter *it, hmap *m) {
  if (PASS_THROUGH(m)) {
    REAL(hmap_iter_init)(it, m);
    return;
  }
  struct mapsan_op op;
  MAPSAN_OP_CALLER(&op);
  bool on = mapsan_map_begin(&op, m, API, "iter_init", false);
  if (!on)
    note_sampled_out(m, &op);
  WITH_POOL_CTX(m, on, "iter_init", &op, REAL(hmap_iter_init)(it, m));
  mapsan_map_end(&op);
  if (MAPSAN_UNLIKELY(op.prof != NULL))
    prof_after(m, &op, PROF_ITER, 0);
}

MAPSAN_EXPORT bool hmap_iter_next(hmap_iter *it) {
  MAP_WRAPPER(iter_next, it->map, iter_next_slow, it);
}

MAPSAN_EXPORT void hmap_iter_stop(hmap_iter *it) {
  if (!mapsan_hooks_on()) {
    REAL(hmap_iter_stop)(it);
    return;
  }
  struct mapsan_op op;
  MAPSAN_OP_CALLER(&op);
  WITH_POOL_CTX(NULL, false, "iter_stop", &op, REAL(hmap_iter_stop)(it));
}

/* ---- the library's hooks -------------------------------------------------- */

MAPSAN_EXPORT void *hmap_buckets_alloc(size_t size) {
  if (mapsan_hooks_on()) {
    void *p = mapsan_pool_alloc(size);
    if (p)
      return p;
  }
  return REAL(hmap_buckets_alloc)(size);
}

MAPSAN_EXPORT void hmap_buckets_free(void *p, size_t size) {
  /* Even with hooks off: pool memory must never reach the C heap. */
  if (mapsan_pool_free(p, size))
    return;
  REAL(hmap_buckets_free)(p, size);
}

MAPSAN_EXPORT void hmap_fatal(const char *msg) {
  if (mapsan_hooks_on())
    mapsan_report_wait_idle();
  REAL(hmap_fatal)(msg);
  __builtin_unreachable();
}
