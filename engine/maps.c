/*
 * maps.c: map shadows, their table, and the access rules. See maps.h for
 * the model; this comment covers memory and concurrency.
 *
 * The table maps an address to its shadow. It is a chained hash whose
 * bucket array is published through one pointer and only ever replaced by a
 * larger one. Readers walk it without locks. Writers (create, evict,
 * re-create) hold table_lock and bump table_seq before and after changing
 * it; a reader whose walk found nothing re-checks table_seq and walks again
 * if a writer was active, so a tracked map is never missed. A hit is
 * re-validated under the shadow's own lock before anything is recorded.
 * Replaced bucket arrays are kept (never freed): together at most the size
 * of the current one, so the table's memory is bounded by twice its peak.
 *
 * Shadows are type-stable: they are never returned to the C heap but go to
 * a free list and are reused, so a racy reader holding a stale shadow reads
 * valid memory (and a different key, which it notices). Destroyed maps stay
 * in the table, marked, for use-after-destroy reports, in a FIFO of
 * MAPSAN_DESTROYED_KEPT; the oldest is evicted and recycled. Memory is thus
 * bounded by the peak number of live maps plus that FIFO.
 *
 * Lock order: table_lock, then a shadow's lock; the registry and depot locks
 * are taken inside either; no engine lock is held while a report is built.
 */
#include "maps.h"
#include "../base/alloc.h"
#include "../base/fifo.h"
#include "../base/presence.h"

#include "../reports/report.h"
#include "../stacks/stack.h"
#include "iters.h"
#include "once.h"
#include "profile.h"
#include "sync.h"
#include "window.h"

#include "../base/options.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAPSAN_DESTROYED_KEPT 4096

struct read_entry {
  mapsan_epoch epoch;
  uint64_t once; /* the once window it was made in (once.h), 0: none */
  struct mapsan_access_rec acc;
};

/* The shadow begins with the fields the inline begin reads (maps.h). */
struct mapsan_map {
  MAPSAN_MAP_HOT_FIELDS
  const struct mapsan_map_api *api;
  struct mapsan_access_rec created;
  /* Last write: the owner. w_once and r_once: the once window (once.h) the
   * write or the single read was made in, 0 for none. */
  uint64_t w_once;
  /* The canary window (window.c) the records below were made in: a record
   * of another window is never compared with (it is dropped first). */
  uint64_t window;
  struct mapsan_access_rec w;
  /* Reads since the last write: one epoch (r_epoch, r), or when readers
   * were concurrent, one entry per thread slot (rs, rs_cap; r_epoch is then
   * MAPSAN_READ_SHARED). */
  uint64_t r_once;
  struct mapsan_access_rec r;
  struct read_entry *rs;
  uint32_t rs_cap;
  /* Operations in flight: operation ids (struct mapsan_op), 0 = none.
   * Each is set by an operation's begin and cleared by its end if it still
   * holds that id; ids are never reused, so a word that holds an id names
   * an operation that has begun and not ended. */
  _Atomic uint64_t inflight_writer;
  _Atomic uint64_t inflight_reader;
  /* Lockset hint: Boyer-Moore majority of the innermost lock at writes. */
  uintptr_t usual_lock;
  uint32_t usual_votes;
  uint32_t usual_writes;
  uint32_t usual_total; /* all writes since usual_lock became the candidate */
  struct mapsan_access_rec destroy;
  union {                          /* a shadow is in one of them at most */
    struct mapsan_fifo_link fifo;  /* the destroyed FIFO */
    struct mapsan_map *free_next;  /* the free list */
  };
  /* Iterators (iters.c): structural modifications since creation, the last
   * one's record (kept only while an iterator is live), live iterators. */
  _Atomic uint64_t mod_gen;
  struct mapsan_access_rec last_mod;
  bool strict_iters; /* the API says a modification invalidates iterators */
  /* Storage generations seen through mapsan_map_resized (APIs whose storage
   * mapsan does not allocate, such as GLib's): 0 at creation. */
  _Atomic uint64_t bucket_gen;
};
#define SAME_OFFSET(f)                                                        \
  _Static_assert(offsetof(struct mapsan_map, f) ==                            \
                     offsetof(struct mapsan_map_hot, f),                      \
                 "shadow's hot fields moved: " #f)
SAME_OFFSET(key);
SAME_OFFSET(sampled_out);
SAME_OFFSET(destroyed);
SAME_OFFSET(w_epoch);
SAME_OFFSET(r_epoch);
SAME_OFFSET(prof);
SAME_OFFSET(live_iters);
SAME_OFFSET(w_section);

/* r_epoch value marking shared-read mode; no real epoch has it. */
#define MAPSAN_READ_SHARED UINT64_MAX

struct table {
  uint32_t mask;
  struct mapsan_map *_Atomic slot[];
};

static mapsan_lock table_lock = MAPSAN_LOCK_INIT;
static _Atomic uint32_t table_seq;
static struct table *_Atomic cur_table;
/* Replaced bucket arrays, kept for readers still walking them. */
static struct retired_table {
  struct table *t;
  struct retired_table *next;
} *retired;
static uint32_t live_count;
/* Which addresses may have a shadow: a map creation that is not drawn
 * drops a destroyed map's shadow at its address, and almost never finds
 * one (base/presence.h). */
static struct mapsan_presence present MAPSAN_BIG;
static struct mapsan_map *free_list;
static struct mapsan_fifo destroyed_fifo;

/* Read without table_lock: the summary runs at exit, which another
 * thread's map operation must not be able to hold up. */
size_t mapsan_maps_held(void) {
  return __atomic_load_n(&live_count, __ATOMIC_RELAXED);
}

static uint32_t hash_addr(uintptr_t a) {
  return (uint32_t)(((uint64_t)a * 0x9e3779b97f4a7c15ull) >> 32);
}

/* ---- table -------------------------------------------------------------- */

static struct mapsan_map *lookup(uintptr_t addr) {
  for (;;) {
    uint32_t seq = atomic_load_explicit(&table_seq, memory_order_acquire);
    struct table *t = atomic_load_explicit(&cur_table, memory_order_acquire);
    if (t == NULL)
      return NULL;
    struct mapsan_map *m = atomic_load_explicit(
        &t->slot[hash_addr(addr) & t->mask], memory_order_acquire);
    for (; m; m = atomic_load_explicit(&m->next, memory_order_acquire))
      if (atomic_load_explicit(&m->key, memory_order_relaxed) == addr)
        return m;
    atomic_thread_fence(memory_order_acquire);
    if (!(seq & 1) &&
        atomic_load_explicit(&table_seq, memory_order_relaxed) == seq)
      return NULL;
    __builtin_ia32_pause();
  }
}

static void seq_begin(void) {
  atomic_fetch_add_explicit(&table_seq, 1, memory_order_relaxed);
  atomic_thread_fence(memory_order_release);
}

static void seq_end(void) {
  atomic_fetch_add_explicit(&table_seq, 1, memory_order_release);
}

/* table_lock held, between seq_begin and seq_end. */
static void grow_locked(void) {
  struct table *old = cur_table;
  uint32_t size = old ? (old->mask + 1) * 2 : 256;
  struct table *t = mapsan_calloc(1, sizeof(*t) + size * sizeof(t->slot[0]));
  MAPSAN_CHECK(t != NULL);
  t->mask = size - 1;
  if (old) {
    for (uint32_t i = 0; i <= old->mask; i++) {
      struct mapsan_map *m = old->slot[i];
      while (m) {
        struct mapsan_map *next = m->next;
        uint32_t j = hash_addr(m->key) & t->mask;
        atomic_store_explicit(&m->next, t->slot[j], memory_order_relaxed);
        t->slot[j] = m;
        m = next;
      }
    }
    struct retired_table *r = mapsan_malloc(sizeof(*r));
    MAPSAN_CHECK(r != NULL);
    r->t = old;
    r->next = retired;
    retired = r;
  }
  atomic_store_explicit(&cur_table, t, memory_order_release);
}

/* table_lock held, between seq_begin and seq_end. */
static void unlink_locked(struct mapsan_map *m) {
  struct table *t = cur_table;
  struct mapsan_map *_Atomic *pp = &t->slot[hash_addr(m->key) & t->mask];
  while (*pp && *pp != m)
    pp = &(*pp)->next;
  if (*pp == m) {
    atomic_store_explicit(pp, m->next, memory_order_release);
    live_count--;
    mapsan_presence_count(&present, m->key, -1);
  }
}

static void fifo_remove_locked(struct mapsan_map *m) {
  if (mapsan_fifo_linked(&destroyed_fifo, &m->fifo))
    mapsan_fifo_remove(&destroyed_fifo, &m->fifo);
}

/* Unlinks m and puts it on the free list. table_lock held, in seq. */
static void evict_locked(struct mapsan_map *m) {
  unlink_locked(m);
  if (atomic_load_explicit(&m->destroyed, memory_order_relaxed))
    fifo_remove_locked(m);
  /* A racing user may hold the shadow lock: wait for it before reuse. */
  mapsan_lock_acquire(&m->lock);
  atomic_store_explicit(&m->key, 0, memory_order_relaxed);
  struct mapsan_profile *prof =
      atomic_exchange_explicit(&m->prof, NULL, memory_order_relaxed);
  mapsan_lock_release(&m->lock);
  mapsan_profile_release(prof);
  m->free_next = free_list;
  free_list = m;
}

/* Creates the shadow of addr, replacing any old one. */
/* With replace false (first sight), a live shadow already there wins: two
 * threads may see a map for the first time at once. */
static struct mapsan_map *insert(uintptr_t addr, const struct mapsan_map_api *api,
                                 const struct mapsan_access_rec *created,
                                 mapsan_epoch created_epoch,
                                 uint64_t created_once, bool replace,
                                 bool sampled_out) {
  /* A tracked map's profile is made with its shadow, so that begin only
   * hands it over (profile.h). */
  struct mapsan_profile *prof = NULL;
  if (MAPSAN_UNLIKELY(mapsan_profile_on) && !sampled_out)
    prof = mapsan_profile_new(addr, api->name, created);
  mapsan_lock_acquire(&table_lock);
  seq_begin();
  struct table *t = cur_table;
  if (t) {
    struct mapsan_map *m = t->slot[hash_addr(addr) & t->mask];
    while (m && m->key != addr)
      m = m->next;
    if (m && !replace &&
        !atomic_load_explicit(&m->destroyed, memory_order_relaxed)) {
      seq_end();
      mapsan_lock_release(&table_lock);
      mapsan_profile_release(prof);
      return m;
    }
    if (m)
      evict_locked(m);
  }
  if (t == NULL || live_count + 1 > t->mask + 1)
    grow_locked();
  t = cur_table;
  struct mapsan_map *m = free_list;
  if (m) {
    free_list = m->free_next;
  } else {
    m = mapsan_calloc(1, sizeof(*m));
    MAPSAN_CHECK(m != NULL);
  }
  mapsan_lock_acquire(&m->lock);
  m->api = api;
  atomic_store_explicit(&m->destroyed, false, memory_order_relaxed);
  m->created = *created;
  m->w = *created;
  atomic_store_explicit(&m->w_epoch, created_epoch, memory_order_relaxed);
  m->w_once = created_once;
  m->window = atomic_load_explicit(&mapsan_window_gen, memory_order_relaxed);
  memset(&m->r, 0, sizeof(m->r));
  atomic_store_explicit(&m->r_epoch, 0, memory_order_relaxed);
  m->r_once = 0;
  atomic_store_explicit(&m->inflight_writer, 0, memory_order_relaxed);
  atomic_store_explicit(&m->inflight_reader, 0, memory_order_relaxed);
  m->usual_lock = 0;
  m->usual_votes = m->usual_writes = m->usual_total = 0;
  memset(&m->destroy, 0, sizeof(m->destroy));
  m->fifo.prev = m->fifo.next = NULL;
  atomic_store_explicit(&m->mod_gen, 0, memory_order_relaxed);
  memset(&m->last_mod, 0, sizeof(m->last_mod));
  atomic_store_explicit(&m->live_iters, 0, memory_order_relaxed);
  m->strict_iters = api->strict_iters;
  atomic_store_explicit(&m->bucket_gen, 0, memory_order_relaxed);
  m->sampled_out = sampled_out;
  atomic_store_explicit(&m->prof, prof, memory_order_release);
  atomic_store_explicit(&m->key, addr, memory_order_relaxed);
  mapsan_lock_release(&m->lock);
  uint32_t j = hash_addr(addr) & t->mask;
  atomic_store_explicit(&m->next, t->slot[j], memory_order_relaxed);
  atomic_store_explicit(&t->slot[j], m, memory_order_release);
  live_count++;
  mapsan_presence_count(&present, addr, 1);
  seq_end();
  mapsan_lock_release(&table_lock);
  return m;
}

/* ---- access records --------------------------------------------------- */

static void fill_access(struct mapsan_access_rec *a,
                        const struct mapsan_thread *t, uint32_t stack,
                        const char *opname, bool write) {
  a->thread = t->num;
  a->stack = stack;
  a->op = opname;
  a->write = write;
  a->nlocks = mapsan_thread_nheld(t);
  /* Innermost first; with held_lost the innermost are not known. */
  uint32_t kept = t->held_lost ? 0 : t->nheld;
  for (uint32_t i = 0; i < MAPSAN_REPORT_MAX_LOCKS; i++)
    a->locks[i] = i < kept ? t->held[kept - 1 - i].addr : 0;
  a->op_id = 0;
}

/* ---- reports ------------------------------------------------------------ */

static void report_init(struct mapsan_report *r, enum mapsan_kind kind,
                        const struct mapsan_map_api *api, uintptr_t addr) {
  memset(r, 0, sizeof(*r));
  r->kind = kind;
  r->api = api->name;
  r->map = addr;
  r->generation = -1;
  r->current_generation = -1;
}

/* ---- sampling ------------------------------------------------------------
 *
 * sample_rate=N tracks one map in N, drawn when the map is created or first
 * seen. As GWP-ASan draws its allocations, each thread counts down the maps
 * left before its next tracked one, and draws that gap, uniform in
 * [1, 2N-1] (mean N), from a per-thread xorshift generator only when the
 * count runs out: a map creation pays a decrement and a branch (a draw on
 * every creation was 27 instructions, a tenth of mapsan's cost in GLib's
 * `actions` test between canary windows, which makes 460,000 tables). No
 * shared write. An untracked map still has a shadow, marked sampled_out, so
 * that a lookup answers at once; APIs with a spare field (hmap's tool_tag,
 * GLib's padding) remember the draw in the map itself and skip even the
 * lookup. */

static MAPSAN_TLS uint64_t sample_state;
static MAPSAN_TLS uint64_t sample_skip; /* maps until the next tracked one;
                                           0: none tracked yet on this thread */

static uint64_t sample_next(void) {
  uint64_t x = sample_state;
  if (MAPSAN_UNLIKELY(x == 0)) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    x = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)(uintptr_t)&sample_state ^
        (uint64_t)ts.tv_sec;
    x |= 1;
  }
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  sample_state = x;
  return x;
}

/* Until a thread's first tracked map, each map is drawn on its own with
 * probability 1/rate (x uniform over [1, 2^64): below 2^64 / rate), so
 * that a thread making few maps is sampled at the stated rate too (a first
 * gap drawn like the others would track its first map with probability
 * 1/(2N-1)); from then on, gaps. */
static MAPSAN_NOINLINE bool sample_draw_slow(uint64_t rate) {
  bool hit = sample_skip != 0 || sample_next() <= UINT64_MAX / rate;
  if (hit) {
    sample_skip = 1 + sample_next() % (2 * rate - 1);
    mapsan_window_drawn(); /* the map operations' wrappers back: window.c */
  }
  return hit;
}

static inline bool sample_draw(void) {
  long rate = mapsan_opts.sample_rate;
  if (MAPSAN_LIKELY(rate <= 1))
    return true;
  if (MAPSAN_LIKELY(sample_skip > 1)) {
    sample_skip--;
    return false;
  }
  return sample_draw_slow((uint64_t)rate);
}

bool mapsan_map_sample(void) { return sample_draw(); }

/* ---- create / destroy --------------------------------------------------- */

void mapsan_map_create(const void *addr, const struct mapsan_map_api *api,
                       const char *opname, bool tracked, uintptr_t pc,
                       uintptr_t cfa) {
  struct mapsan_thread *t = mapsan_thread_current();
  if (t == NULL || addr == NULL)
    return;
  struct mapsan_access_rec a = {0};
  mapsan_epoch e = 0;
  if (tracked) {
    /* Outside a canary window the creation is remembered for reports but
     * is not an access to compare with. */
    if (mapsan_window_track(t)) {
      mapsan_thread_access(t);
      e = mapsan_thread_epoch(t);
    }
    fill_access(&a, t, mapsan_stack_capture_from(pc, cfa), opname, true);
  }
  insert((uintptr_t)addr, api, &a, e, mapsan_once_window(t), true, !tracked);
}

void mapsan_map_forget(const void *addr) {
  uintptr_t key = (uintptr_t)addr;
  if (!mapsan_presence_maybe(&present, key))
    return;
  struct mapsan_map *m = lookup(key);
  if (m == NULL)
    return;
  mapsan_lock_acquire(&table_lock);
  seq_begin();
  if (m->key == key)
    evict_locked(m);
  seq_end();
  mapsan_lock_release(&table_lock);
}

/* Drops the shadow of a sampled-out map (its destroy, or its creation
 * with tracking off). */
static void forget_sampled_out(struct mapsan_map *m, uintptr_t addr) {
  mapsan_lock_acquire(&table_lock);
  seq_begin();
  if (m->key == addr && m->sampled_out)
    evict_locked(m);
  seq_end();
  mapsan_lock_release(&table_lock);
}

void mapsan_map_destroy(const void *addr, const struct mapsan_map_api *api,
                        const char *opname, uintptr_t pc, uintptr_t cfa) {
  struct mapsan_map *sm = lookup((uintptr_t)addr);
  if (sm && sm->sampled_out) {
    forget_sampled_out(sm, (uintptr_t)addr);
    return;
  }
  struct mapsan_op op;
  op.caller_pc = pc;
  op.caller_cfa = cfa;
  if (!mapsan_map_begin(&op, addr, api, opname, true))
    return;
  mapsan_map_end(&op);
  struct mapsan_thread *t = mapsan_thread_current();
  struct mapsan_map *m = op.map;
  struct mapsan_access_rec a;
  fill_access(&a, t, mapsan_stack_capture_from(pc, cfa), opname, true);
  mapsan_lock_acquire(&table_lock);
  seq_begin();
  mapsan_lock_acquire(&m->lock);
  bool ours = m->key == (uintptr_t)addr &&
              !atomic_load_explicit(&m->destroyed, memory_order_relaxed);
  struct mapsan_profile *prof = NULL;
  if (ours) {
    m->destroy = a;
    atomic_store_explicit(&m->destroyed, true, memory_order_release);
    prof = atomic_exchange_explicit(&m->prof, NULL, memory_order_relaxed);
  }
  mapsan_lock_release(&m->lock);
  mapsan_profile_release(prof);
  if (ours) {
    mapsan_fifo_push(&destroyed_fifo, &m->fifo);
    if (destroyed_fifo.count > MAPSAN_DESTROYED_KEPT)
      evict_locked(MAPSAN_FIFO_ENTRY(destroyed_fifo.head, struct mapsan_map,
                                     fifo));
  }
  seq_end();
  mapsan_lock_release(&table_lock);
}

/* ---- the access rules --------------------------------------------------- */

struct finding {
  bool found;
  enum mapsan_kind kind;
  struct mapsan_access_rec prev;
};

static void note(struct finding *f, enum mapsan_kind kind,
                 const struct mapsan_access_rec *prev) {
  if (f->found)
    return;
  f->found = true;
  f->kind = kind;
  f->prev = *prev;
}

/* Makes room in the shared-read array for slot. Shadow lock held. */
static void rs_reserve(struct mapsan_map *m, uint32_t slot) {
  if (slot < m->rs_cap)
    return;
  uint32_t cap = m->rs_cap ? m->rs_cap : 8;
  while (cap <= slot)
    cap *= 2;
  struct read_entry *rs = mapsan_realloc(m->rs, cap * sizeof(*rs));
  MAPSAN_CHECK(rs != NULL);
  memset(rs + m->rs_cap, 0, (cap - m->rs_cap) * sizeof(*rs));
  m->rs = rs;
  m->rs_cap = cap;
}

static void rs_clear(struct mapsan_map *m) {
  if (m->rs)
    memset(m->rs, 0, m->rs_cap * sizeof(*m->rs));
}

static void vote_lock(struct mapsan_map *m, const struct mapsan_thread *t) {
  m->usual_total++; /* every write counts in the share, locked or not */
  if (t->nheld == 0 || t->held_lost > 0) /* innermost unknown */
    return;
  uintptr_t lk = t->held[t->nheld - 1].addr;
  if (lk == m->usual_lock) {
    m->usual_votes++;
    m->usual_writes++;
  } else if (m->usual_votes == 0) {
    m->usual_lock = lk;
    m->usual_votes = 1;
    m->usual_writes = 1;
    m->usual_total = 1;
  } else {
    m->usual_votes--;
  }
}

/* The access recorded at epoch e, in once window `once` (0: none), happens
 * before t's current point: ordered by happens-before, or published by the
 * close of its once window (once.c, rule 2). */
static bool before(const struct mapsan_thread *t, mapsan_epoch e,
                   uint64_t once) {
  return mapsan_thread_ordered(t, e) ||
         (MAPSAN_UNLIKELY(once != 0) && mapsan_once_closed(e, once));
}

/* Does the check and, when the map's record changes and a stack is
 * needed but *stack is 0, returns false without changing anything: the
 * caller captures one outside the lock and calls again. Shadow lock held. */
static bool check_locked(struct mapsan_map *m, struct mapsan_thread *t,
                         const struct mapsan_op *op, uint32_t *stack,
                         struct finding *f) {
  const char *opname = op->opname;
  bool write = op->write;
  mapsan_epoch e = mapsan_thread_epoch(t);
  uint64_t once = mapsan_once_window(t);
  if (MAPSAN_UNLIKELY(m->window != t->window_gen)) {
    /* Made in another canary window: nothing of this one orders them. */
    atomic_store_explicit(&m->w_epoch, 0, memory_order_relaxed);
    if (atomic_load_explicit(&m->r_epoch, memory_order_relaxed) ==
        MAPSAN_READ_SHARED)
      rs_clear(m);
    atomic_store_explicit(&m->r_epoch, 0, memory_order_relaxed);
    m->w_once = m->r_once = 0;
    m->window = t->window_gen;
  }
  mapsan_epoch w = atomic_load_explicit(&m->w_epoch, memory_order_relaxed);
  mapsan_epoch r = atomic_load_explicit(&m->r_epoch, memory_order_relaxed);
  if (write) {
    if (w == e)
      return true; /* another access of this epoch got here first */
    if (*stack == 0)
      return false;
    if (!before(t, w, m->w_once))
      note(f, MAPSAN_KIND_WRITE_WRITE_RACE, &m->w);
    if (r == MAPSAN_READ_SHARED) {
      for (uint32_t s = 0; s < m->rs_cap; s++)
        if (m->rs[s].epoch && !before(t, m->rs[s].epoch, m->rs[s].once))
          note(f, MAPSAN_KIND_READ_WRITE_RACE, &m->rs[s].acc);
      rs_clear(m);
    } else if (r != 0 && !before(t, r, m->r_once)) {
      note(f, MAPSAN_KIND_READ_WRITE_RACE, &m->r);
    }
    fill_access(&m->w, t, *stack, opname, true);
    m->w_once = once;
    m->w.op_id = op->id;
    vote_lock(m, t);
    atomic_store_explicit(&m->w_section, t->sections, memory_order_relaxed);
    atomic_store_explicit(&m->r_epoch, 0, memory_order_relaxed);
    atomic_store_explicit(&m->w_epoch, e, memory_order_release);
    return true;
  }
  /* A read. After this thread's own write of this epoch, a read adds
   * nothing: whatever races with it races with that write. */
  if (r == e || w == e)
    return true;
  if (r == MAPSAN_READ_SHARED && t->slot < m->rs_cap &&
      m->rs[t->slot].epoch == e)
    return true;
  if (*stack == 0)
    return false;
  if (!before(t, w, m->w_once))
    note(f, MAPSAN_KIND_READ_WRITE_RACE, &m->w);
  if (r == MAPSAN_READ_SHARED) {
    rs_reserve(m, t->slot);
    m->rs[t->slot].epoch = e;
    m->rs[t->slot].once = once;
    fill_access(&m->rs[t->slot].acc, t, *stack, opname, false);
    m->rs[t->slot].acc.op_id = op->id;
  } else if (r == 0 || before(t, r, m->r_once)) {
    fill_access(&m->r, t, *stack, opname, false);
    m->r_once = once;
    m->r.op_id = op->id;
    atomic_store_explicit(&m->r_epoch, e, memory_order_release);
  } else {
    /* Two unordered readers: keep both, one entry per slot. */
    uint32_t rslot = mapsan_epoch_slot(r);
    rs_reserve(m, rslot > t->slot ? rslot : t->slot);
    rs_clear(m);
    m->rs[rslot].epoch = r;
    m->rs[rslot].once = m->r_once;
    m->rs[rslot].acc = m->r;
    m->rs[t->slot].epoch = e;
    m->rs[t->slot].once = once;
    fill_access(&m->rs[t->slot].acc, t, *stack, opname, false);
    m->rs[t->slot].acc.op_id = op->id;
    atomic_store_explicit(&m->r_epoch, MAPSAN_READ_SHARED,
                          memory_order_release);
  }
  return true;
}

/* Adds the stack where the lock was first seen, once a report. */
static void add_lock_stack(struct mapsan_report *rep, uintptr_t lock) {
  if (lock == 0)
    return;
  for (int i = 0; i < rep->nstacks; i++)
    if (rep->stacks[i].role == MAPSAN_ROLE_LOCK_CREATED &&
        rep->stacks[i].object == lock)
      return;
  struct mapsan_access_rec lk = {0};
  lk.stack = mapsan_sync_create_stack(lock);
  struct mapsan_report_stack *s =
      mapsan_report_add(rep, MAPSAN_ROLE_LOCK_CREATED, &lk);
  s->object = lock;
  s->lock_kind = mapsan_sync_lock_kind(lock);
}

static MAPSAN_NOINLINE void slow_path(struct mapsan_map *m, uintptr_t addr,
                                      struct mapsan_thread *t,
                                      const struct mapsan_op *op,
                                      uint64_t inflight_w,
                                      uint64_t inflight_r) {
  const char *opname = op->opname;
  bool write = op->write;
  uint32_t stack = 0;
  struct finding f = {0};
  uintptr_t usual_lock = 0;
  uint32_t usual_writes = 0, usual_total = 0;
  /* Here the map's record nearly always changes (a new epoch of this
   * thread), so the stack is captured first, outside the lock, and one pass
   * suffices; the call-site cache makes it cheap. A read's stack is shown
   * only as the earlier access of a race, and while the process has had one
   * thread none of its accesses can race (a later thread is created after
   * them): then reads are recorded without a stack (GLib's gmenumodel
   * random test, single-threaded and lock-heavy, captured on most of its
   * ~5M map calls). Writes keep theirs: an iterator report shows the last
   * modification, in the same thread. */
  if (!write && !atomic_load_explicit(&mapsan_multithreaded,
                                      memory_order_relaxed))
    stack = UINT32_MAX;
  else
    stack = mapsan_stack_capture_from(op->caller_pc, op->caller_cfa);
  if (stack == 0)
    stack = UINT32_MAX; /* depot full: record without a stack */
  mapsan_sync_follow(t);
  for (int attempt = 0; attempt < 2; attempt++) {
    mapsan_lock_acquire(&m->lock);
    if (m->key != addr) { /* recycled under us: the map is gone */
      mapsan_lock_release(&m->lock);
      return;
    }
    bool done = check_locked(m, t, op, &stack, &f);
    usual_lock = m->usual_lock;
    usual_writes = m->usual_writes;
    usual_total = m->usual_total;
    mapsan_lock_release(&m->lock);
    if (done)
      break;
    stack = mapsan_stack_capture_from(op->caller_pc, op->caller_cfa);
    if (stack == 0)
      stack = UINT32_MAX; /* depot full: record without a stack */
  }
  mapsan_sync_publish(t);
  if (!f.found)
    return;
  struct mapsan_report rep;
  report_init(&rep, f.kind, m->api, addr);
  /* A proof, not a guess: the operation that made the earlier access was
   * still in flight when this one began (the words were read then). */
  rep.overlapping = f.prev.op_id != 0 && (f.prev.op_id == inflight_w ||
                                          f.prev.op_id == inflight_r);
  struct mapsan_access_rec cur;
  fill_access(&cur, t, stack == UINT32_MAX ? 0 : stack, opname, write);
  mapsan_report_add(&rep, MAPSAN_ROLE_CURRENT, &cur)->show_locks = true;
  if (f.prev.stack == UINT32_MAX)
    f.prev.stack = 0;
  mapsan_report_add(&rep, MAPSAN_ROLE_PREVIOUS, &f.prev)->show_locks = true;
  mapsan_report_add(&rep, MAPSAN_ROLE_MAP_CREATED, &m->created);
  /* The hint: the map is usually written under a lock that one of the two
   * accesses, the current or the previous one, did not hold. The previous
   * one's locks are known from its record: it skipped the lock only when
   * all it held were kept and none is the lock. */
  bool holds = false;
  for (uint32_t i = 0; i < t->nheld; i++)
    holds |= t->held[i].addr == usual_lock;
  bool prev_skips = f.prev.nlocks <= MAPSAN_REPORT_MAX_LOCKS;
  for (uint32_t i = 0; i < MAPSAN_REPORT_MAX_LOCKS && i < f.prev.nlocks; i++)
    prev_skips &= f.prev.locks[i] != 0 && f.prev.locks[i] != usual_lock;
  if (usual_lock && usual_writes >= 2 && (!holds || prev_skips)) {
    rep.usual_lock = usual_lock;
    rep.usual_lock_writes = usual_writes;
    rep.usual_lock_total = usual_total;
    rep.usual_lock_skipped_current = !holds;
    rep.usual_lock_skipped_previous = prev_skips;
    add_lock_stack(&rep, usual_lock);
  }
  /* Where each other lock the two accesses held was first seen. */
  for (uint32_t i = 0; i < MAPSAN_REPORT_MAX_LOCKS && i < cur.nlocks; i++)
    add_lock_stack(&rep, cur.locks[i]);
  for (uint32_t i = 0; i < MAPSAN_REPORT_MAX_LOCKS && i < f.prev.nlocks; i++)
    add_lock_stack(&rep, f.prev.locks[i]);
  mapsan_report_submit(&rep);
}

static MAPSAN_NOINLINE struct mapsan_map *first_sight(uintptr_t addr,
                                                      const struct mapsan_map_api *api) {
  /* A map created before mapsan started, or by a path we do not see: its
   * creation is unknown, and it is ordered before everything. */
  struct mapsan_access_rec none = {0};
  none.op = "unknown";
  return insert(addr, api, &none, 0, 0, false, !sample_draw());
}

static MAPSAN_COLD MAPSAN_NOINLINE void report_destroyed(
    struct mapsan_map *m, uintptr_t addr, struct mapsan_thread *t,
    const char *opname, bool write) {
  struct mapsan_report rep;
  struct mapsan_access_rec cur, destroy, created;
  fill_access(&cur, t, mapsan_stack_capture(), opname, write);
  mapsan_lock_acquire(&m->lock);
  bool same = m->key == addr;
  destroy = m->destroy;
  created = m->created;
  const struct mapsan_map_api *api = m->api;
  mapsan_lock_release(&m->lock);
  if (!same)
    return;
  report_init(&rep, MAPSAN_KIND_USE_AFTER_DESTROY, api, addr);
  mapsan_report_add(&rep, MAPSAN_ROLE_CURRENT, &cur);
  mapsan_report_add(&rep, MAPSAN_ROLE_PREVIOUS, &destroy);
  mapsan_report_add(&rep, MAPSAN_ROLE_MAP_CREATED, &created);
  mapsan_report_submit(&rep);
}

/* A map recorded as destroyed is called on again: if its API can create
 * maps where mapsan cannot see and its probe says a live map sits at the
 * address now, the record is of the dead one: forget it. */
static MAPSAN_NOINLINE bool reborn(uintptr_t key, const struct mapsan_map_api *api) {
  if (api->reborn == NULL || !api->reborn(key))
    return false;
  mapsan_map_forget((const void *)key);
  return true;
}

/* Operation ids: unique in the process, never 0. Each thread takes a block
 * of OP_ID_BLOCK from one process-wide counter (one shared write per block,
 * not per operation: platform-notes.md, costs) and hands them out in
 * order. 64 bits do not wrap. */
#define OP_ID_BLOCK 4096
static _Atomic uint64_t op_id_blocks = 1;

static inline uint64_t op_id_next(struct mapsan_thread *t) {
  if (MAPSAN_UNLIKELY(t->op_next == t->op_end)) {
    t->op_next = atomic_fetch_add_explicit(&op_id_blocks, OP_ID_BLOCK,
                                           memory_order_relaxed);
    t->op_end = t->op_next + OP_ID_BLOCK;
  }
  return t->op_next++;
}

MAPSAN_NOINLINE void mapsan_map_vote_again(struct mapsan_map *m,
                                           uintptr_t key,
                                           struct mapsan_thread *t) {
  mapsan_lock_acquire(&m->lock);
  if (m->key == key &&
      atomic_load_explicit(&m->w_epoch, memory_order_relaxed) ==
          mapsan_thread_epoch(t)) {
    vote_lock(m, t);
    atomic_store_explicit(&m->w_section, t->sections, memory_order_relaxed);
  }
  mapsan_lock_release(&m->lock);
}

/* begin for m, the live shadow of a tracked map at key. */
static inline bool begin_tracked(struct mapsan_op *op, struct mapsan_thread *t,
                                 struct mapsan_map *m, uintptr_t key,
                                 bool write) {
  op->map = m;
  /* Made with the shadow when profiles are on (insert); NULL otherwise. */
  op->prof = atomic_load_explicit(&m->prof, memory_order_acquire);
  op->t = t;
  op->id = 0;
  op->write = write;
  if (MAPSAN_UNLIKELY(!mapsan_window_track(t))) {
    /* Canary mode between windows: the access goes unchecked, and is not
     * announced in flight (nothing is compared with it). */
    mapsan_thread_note_begin(t, key, op->opname, op->caller_pc);
    return true;
  }
  /* The operations in flight on m as this one begins, for `overlapping`;
   * then this one is announced. */
  uint64_t id = op_id_next(t);
  uint64_t inflight_w =
      atomic_load_explicit(&m->inflight_writer, memory_order_relaxed);
  uint64_t inflight_r =
      atomic_load_explicit(&m->inflight_reader, memory_order_relaxed);
  atomic_store_explicit(write ? &m->inflight_writer : &m->inflight_reader, id,
                        memory_order_relaxed);
  op->id = id;
  mapsan_thread_access(t);
  mapsan_thread_note_begin(t, key, op->opname, op->caller_pc);
  /* The fast path: this thread's current epoch is already recorded. */
  mapsan_epoch e = mapsan_thread_epoch(t);
  mapsan_epoch w = atomic_load_explicit(&m->w_epoch, memory_order_acquire);
  t->cache_fresh = t->map_cache == m;
  if (w == e) {
    if (write && MAPSAN_UNLIKELY(atomic_load_explicit(
                     &m->w_section, memory_order_relaxed) != t->sections))
      mapsan_map_vote_again(m, key, t);
    return true;
  }
  if (!write && atomic_load_explicit(&m->r_epoch, memory_order_acquire) == e)
    return true;
  slow_path(m, key, t, op, inflight_w, inflight_r);
  return true;
}

/* begin without the thread's cached shadow: the table, a first sight, a
 * map not drawn, a destroyed one. */
static MAPSAN_NOINLINE bool begin_lookup(struct mapsan_op *op,
                                         struct mapsan_thread *t,
                                         uintptr_t key,
                                         const struct mapsan_map_api *api,
                                         bool write) {
  struct mapsan_map *m = lookup(key);
  if (MAPSAN_UNLIKELY(m == NULL)) {
    m = first_sight(key, api);
    op->first_sight = true;
  }
  if (m->sampled_out) {
    op->sampled_out = true;
    op->prof = NULL;
    return false;
  }
  if (MAPSAN_UNLIKELY(
                 atomic_load_explicit(&m->destroyed, memory_order_acquire))) {
    if (!reborn(key, api)) {
      report_destroyed(m, key, t, op->opname, write);
      op->prof = NULL;
      return false;
    }
    m = first_sight(key, api); /* the dead map's record is forgotten */
    op->first_sight = true;
    if (m->sampled_out) {
      op->sampled_out = true;
      op->prof = NULL;
      return false;
    }
  }
  /* The shadow before its address: the inline begin (maps.h) trusts a
   * matching address to come with a shadow, also in a signal handler that
   * interrupts this thread between the two stores. */
  t->map_cache = m;
  atomic_signal_fence(memory_order_seq_cst);
  t->map_cache_key = key;
  return begin_tracked(op, t, m, key, write);
}

bool mapsan_map_begin_cached(struct mapsan_op *op, const char *opname,
                             bool write) {
  struct mapsan_thread *t = mapsan_cur_thread;
  op->opname = opname;
  op->sampled_out = false;
  op->first_sight = false;
  return begin_tracked(op, t, t->map_cache, t->map_cache_key, write);
}

MAPSAN_HIDDEN bool mapsan_map_fast_ops;

void mapsan_map_fast_ops_init(void) {
  mapsan_map_fast_ops = mapsan_window_always && !mapsan_profile_on &&
                        atomic_load(&mapsan_active);
}

void mapsan_map_fast_resized(struct mapsan_thread *t) {
  atomic_fetch_add_explicit(&t->map_cache->bucket_gen, 1,
                            memory_order_relaxed);
}

/* Not the thread's cached shadow (maps.h: a cached shadow is used only
 * while it still holds the address, since a recycled shadow's key is
 * cleared first, evict_locked, and while it is drawn and not destroyed). */
bool mapsan_map_begin_full(struct mapsan_op *op, const void *addr,
                           const struct mapsan_map_api *api,
                           const char *opname, bool write) {
  op->map = NULL; /* and op->prof NULL on every return of false below */
  op->opname = opname;
  op->sampled_out = false;
  op->first_sight = false;
  struct mapsan_thread *t = mapsan_thread_current();
  if (MAPSAN_UNLIKELY(t == NULL || addr == NULL)) {
    op->prof = NULL;
    return false;
  }
  return begin_lookup(op, t, (uintptr_t)addr, api, write);
}

/* The end of an operation begin announced (op->id: not between canary
 * windows, not the inline begin's). */
void mapsan_map_end_announced(struct mapsan_op *op) {
  struct mapsan_map *m = op->map;
  _Atomic uint64_t *word = op->write ? &m->inflight_writer
                                     : &m->inflight_reader;
  if (atomic_load_explicit(word, memory_order_relaxed) == op->id)
    atomic_store_explicit(word, 0, memory_order_release);
}

MAPSAN_COLD void mapsan_map_nil_write(const struct mapsan_map_api *api,
                                      const char *opname) {
  struct mapsan_thread *t = mapsan_thread_current();
  if (t == NULL)
    return;
  struct mapsan_report rep;
  struct mapsan_access_rec cur;
  fill_access(&cur, t, mapsan_stack_capture(), opname, true);
  report_init(&rep, MAPSAN_KIND_NIL_MAP_WRITE, api, 0);
  mapsan_report_add(&rep, MAPSAN_ROLE_CURRENT, &cur);
  mapsan_report_submit(&rep);
}

/* ---- iterator support (iters.c) ------------------------------------------ */

void mapsan_map_modified(struct mapsan_op *op, const void *via_iter) {
  struct mapsan_map *m = op->map;
  if (m == NULL || !m->strict_iters)
    return;
  /* No live iterator: nothing to invalidate, and an iterator created later
   * starts from the generation current then. */
  if (atomic_load_explicit(&m->live_iters, memory_order_acquire) == 0)
    return;
  struct mapsan_thread *t = mapsan_thread_current();
  if (t == NULL)
    return;
  /* From the call site, through the call-site cache (stacks/stack.c): a
   * program that writes while it iterates pays this at every write (GLib's
   * installed `hash` test: 15,000 libunwind walks were a third of its
   * instructions in full mode). */
  struct mapsan_access_rec a;
  fill_access(&a, t, mapsan_stack_capture_from(op->caller_pc, op->caller_cfa),
              op->opname, true);
  mapsan_lock_acquire(&m->lock);
  uint64_t gen = atomic_load_explicit(&m->mod_gen, memory_order_relaxed) + 1;
  m->last_mod = a;
  atomic_store_explicit(&m->mod_gen, gen, memory_order_release);
  mapsan_lock_release(&m->lock);
  if (via_iter)
    mapsan_iter_modified_through(via_iter, m, gen);
}

uint64_t mapsan_map_iter_attach(struct mapsan_map *m, int delta) {
  mapsan_lock_acquire(&m->lock);
  if (delta > 0)
    atomic_fetch_add_explicit(&m->live_iters, 1, memory_order_release);
  else if (atomic_load_explicit(&m->live_iters, memory_order_relaxed) > 0)
    atomic_fetch_sub_explicit(&m->live_iters, 1, memory_order_release);
  uint64_t gen = atomic_load_explicit(&m->mod_gen, memory_order_relaxed);
  mapsan_lock_release(&m->lock);
  return gen;
}

bool mapsan_map_write_quiet(const void *addr) {
  struct mapsan_map *m = lookup((uintptr_t)addr);
  return m != NULL && !m->sampled_out &&
         !atomic_load_explicit(&m->destroyed, memory_order_acquire) &&
         atomic_load_explicit(&m->live_iters, memory_order_acquire) == 0;
}

void mapsan_map_set_strict_iters(const void *addr) {
  struct mapsan_map *m = lookup((uintptr_t)addr);
  if (m == NULL)
    return;
  mapsan_lock_acquire(&m->lock);
  if (m->key == (uintptr_t)addr)
    m->strict_iters = true;
  mapsan_lock_release(&m->lock);
}

void mapsan_map_resized(struct mapsan_op *op) {
  if (op->map)
    atomic_fetch_add_explicit(&op->map->bucket_gen, 1, memory_order_relaxed);
}

uint64_t mapsan_map_bucket_gen(struct mapsan_map *m) {
  return atomic_load_explicit(&m->bucket_gen, memory_order_relaxed);
}

uint64_t mapsan_map_gen(struct mapsan_map *m) {
  return atomic_load_explicit(&m->mod_gen, memory_order_acquire);
}

bool mapsan_map_describe(struct mapsan_map *m, uintptr_t key,
                         struct mapsan_map_info *out) {
  mapsan_lock_acquire(&m->lock);
  bool same = m->key == key;
  if (same) {
    out->api = m->api;
    out->created = m->created;
    out->last_mod = m->last_mod;
  }
  mapsan_lock_release(&m->lock);
  return same;
}

uintptr_t mapsan_map_key(struct mapsan_map *m) {
  return atomic_load_explicit(&m->key, memory_order_relaxed);
}

/* ---- map health (profile.c) --------------------------------------------- */

struct mapsan_profile *mapsan_map_profile(const struct mapsan_op *op,
                                          const void *addr) {
  uintptr_t key = (uintptr_t)addr;
  struct mapsan_map *m = op->map ? op->map : lookup(key);
  if (m == NULL || m->sampled_out)
    return NULL;
  return atomic_load_explicit(&m->prof, memory_order_acquire);
}

bool mapsan_map_describe_at(uintptr_t addr, struct mapsan_map_info *out) {
  struct mapsan_map *m = lookup(addr);
  return m != NULL && mapsan_map_describe(m, addr, out);
}

/* ---- fork --------------------------------------------------------------- */

void mapsan_maps_fork_prepare(void) { mapsan_lock_acquire(&table_lock); }
void mapsan_maps_fork_parent(void) { mapsan_lock_release(&table_lock); }

void mapsan_maps_fork_child(void) {
  /* Threads that held a shadow lock are gone: free every shadow lock, and
   * forget in-flight operations of threads that no longer exist. */
  mapsan_lock_reset(&table_lock);
  struct table *t = cur_table;
  if (t == NULL)
    return;
  for (uint32_t i = 0; i <= t->mask; i++) {
    for (struct mapsan_map *m = t->slot[i]; m; m = m->next) {
      mapsan_lock_reset(&m->lock);
      atomic_store_explicit(&m->inflight_writer, 0, memory_order_relaxed);
      atomic_store_explicit(&m->inflight_reader, 0, memory_order_relaxed);
    }
  }
}
