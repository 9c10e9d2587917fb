/*
 * stack.c: unwinding and the stack depot. See stack.h.
 *
 * The depot is an open hash table of ids (power-of-two size, linear
 * probing) over records allocated from mmap'ed chunks. Inserts take one
 * lock; a per-thread cache of recently interned stacks answers repeats
 * without it.
 *
 * Capture is the engine's main cost: the map's record changes once per
 * (map, thread, epoch), and in lock-heavy code every unlock starts a new
 * epoch. Unwinding costs ~100 instructions a frame even with libunwind's
 * cached fast path. So a wrapper passes its call site: the return address
 * into the program and the canonical frame address (the program's stack
 * pointer at the call). On a full capture, the return address of every
 * frame is also located on the stack (a forward scan from the cfa, frames
 * in order), and the slots remembered. The next capture from the same pc
 * and cfa reads those slots: if each still holds the same return address,
 * the stack is the same and its id is reused; one load a frame instead of
 * an unwind. A call chain that differs must differ in some return address
 * or in its frame sizes, which move the slots; the remaining blind spot is
 * a different chain whose slots happen to hold stale copies of exactly the
 * old return addresses at exactly the old places, which needs frames of
 * identical sizes and leftover stack contents, and then only a report's
 * deeper frames would be wrong. Stacks that cannot be located this way
 * (signal stacks, frames the walk below cannot cross) are unwound every
 * time.
 *
 * A miss of the cache walks the stack with the frame sizes frames.c
 * learned (one unw_step unwind for a return address never seen), which
 * gives the slots exactly; libunwind's unw_backtrace and the forward scan
 * remain for stacks the walk cannot cross. Measured on GLib's `actions`
 * in full mode (callgrind): 15.9 G instructions before the walk, 11.6 G
 * with it, 9.3 G with eight entries a set (native: 4.2 G).
 *
 * libunwind is not linked: the first unwind loads it (unwind.h).
 */
#include "stack.h"
#include "../base/alloc.h"

#include "../base/base.h"

#include "frames.h"
#include "unwind.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct depot_rec {
  uint64_t hash;
  uint32_t n;
  uintptr_t pcs[]; /* n frames */
};

static mapsan_lock depot_lock = MAPSAN_LOCK_INIT;
static struct depot_rec **recs; /* recs[id], id >= 1 */
static uint32_t nrecs, recs_cap;
static uint32_t *table; /* ids; 0 = empty */
static uint32_t table_mask;
static char *chunk;
static size_t chunk_left;
static size_t depot_bytes;

static uint64_t hash_pcs(const uintptr_t *pcs, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull ^ n;
  for (size_t i = 0; i < n; i++) {
    h ^= pcs[i];
    h *= 0x100000001b3ull;
    h ^= h >> 29;
  }
  return h;
}

static void *depot_alloc(size_t size) {
  size = (size + 15) & ~(size_t)15;
  if (size > chunk_left) {
    size_t csize = size > (1u << 20) ? size : (1u << 20);
    void *p = mmap(NULL, csize, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
      return NULL;
    chunk = p;
    chunk_left = csize;
    depot_bytes += csize;
  }
  void *r = chunk;
  chunk += size;
  chunk_left -= size;
  return r;
}

static bool grow_table_locked(void) {
  uint32_t size = table ? (table_mask + 1) * 2 : 4096;
  uint32_t *t = mapsan_calloc(size, sizeof(*t));
  if (t == NULL)
    return false;
  for (uint32_t id = 1; id <= nrecs; id++) {
    uint32_t i = (uint32_t)recs[id]->hash & (size - 1);
    while (t[i])
      i = (i + 1) & (size - 1);
    t[i] = id;
  }
  mapsan_free(table);
  table = t;
  table_mask = size - 1;
  return true;
}

/* Two per-thread caches, allocated at a thread's first capture (not in
 * TLS: glibc clears a thread's static TLS at its start, so 3 KiB there
 * were 3 KiB more of every thread's stack resident, and of a canary's
 * memory in each thread, capturing or not).
 *
 * In front of the depot: a thread that captures the same stack again (a
 * loop) finds it without the depot lock. Entries point at immutable depot
 * records, and a hit compares the frames, so it is exact. */
#define TCACHE_SIZE 128
struct tcache_ent {
  uint64_t hash;
  const struct depot_rec *rec;
  uint32_t id;
};

/* The call-site cache (see the top of this file): sets of eight entries,
 * so that one call site (pc, cfa) reached through several call chains
 * (a helper called from a few places, at the same depth) keeps each. */
#define SCACHE_SETS 64      /* a thread */
#define SCACHE_WAYS 8       /* GLib's `actions` in full mode reaches some
                               call sites through 5 to 8 chains: with 1 way
                               (and 128 sets) it walked or unwound 55% of
                               its 4.4 M captures, with 4 ways 41%, with 8
                               0.05%; 16 ways (32 sets) no better */
#define SCACHE_FRAMES 48    /* deeper stacks are not cached */
#define SCACHE_SCAN (64 << 10) /* bytes scanned above the cfa */
_Static_assert(SCACHE_SCAN / sizeof(uintptr_t) <= 65536, "offsets are 16-bit");

struct scache_ent {
  uintptr_t pc, cfa;
  const struct depot_rec *rec; /* the stack: frame i+1 is rec->pcs[i + 1] */
  uint32_t id;
  uint32_t n;
  uint16_t off[SCACHE_FRAMES]; /* slot of frame i+1, in words from cfa
                                  (< SCACHE_SCAN / 8) */
};

struct scache {
  uintptr_t stack_lo, stack_hi; /* this thread's stack; 0 if unknown */
  struct scache_ent ent[SCACHE_SETS][SCACHE_WAYS];
  uint8_t next[SCACHE_SETS]; /* the way a miss fills, round robin */
  struct tcache_ent interned[TCACHE_SIZE];
};

static MAPSAN_TLS struct scache *scache;
static struct scache *scache_get(void);

static uint32_t intern_locked_path(const uintptr_t *pcs, size_t n, uint64_t h,
                                   const struct depot_rec **out);

/* mapsan_stack_intern, also giving the record (NULL if none). */
static uint32_t intern_rec(const uintptr_t *pcs, size_t n,
                           const struct depot_rec **rec) {
  *rec = NULL;
  if (n == 0)
    return 0;
  uint64_t h = hash_pcs(pcs, n);
  /* Not scache_get(): this also runs in the guarded pool's fault handler,
   * which must not allocate; a thread's first capture allocates (below). */
  struct scache *c = scache;
  struct tcache_ent *e =
      c ? &c->interned[h & (TCACHE_SIZE - 1)] : NULL;
  if (e && e->hash == h && e->rec && e->rec->n == n &&
      !memcmp(e->rec->pcs, pcs, n * sizeof(*pcs))) {
    *rec = e->rec;
    return e->id;
  }
  uint32_t id = intern_locked_path(pcs, n, h, rec);
  if (*rec && e) {
    e->hash = h;
    e->rec = *rec;
    e->id = id;
  }
  return id;
}

uint32_t mapsan_stack_intern(const uintptr_t *pcs, size_t n) {
  const struct depot_rec *rec;
  return intern_rec(pcs, n, &rec);
}

static uint32_t intern_locked_path(const uintptr_t *pcs, size_t n, uint64_t h,
                                   const struct depot_rec **out) {
  uint32_t id = 0;
  mapsan_lock_acquire(&depot_lock);
  if (table == NULL && !grow_table_locked())
    goto out;
  for (uint32_t i = (uint32_t)h & table_mask;; i = (i + 1) & table_mask) {
    uint32_t cand = table[i];
    if (cand == 0)
      break;
    struct depot_rec *r = recs[cand];
    if (r->hash == h && r->n == n && !memcmp(r->pcs, pcs, n * sizeof(*pcs))) {
      id = cand;
      *out = r;
      goto out;
    }
  }
  if (depot_bytes > MAPSAN_DEPOT_MAX_BYTES)
    goto out;
  if ((nrecs + 1) * 2 > table_mask + 1 && !grow_table_locked())
    goto out;
  if (nrecs + 1 >= recs_cap) {
    uint32_t cap = recs_cap ? recs_cap * 2 : 4096;
    struct depot_rec **nr = mapsan_realloc(recs, cap * sizeof(*nr));
    if (nr == NULL)
      goto out;
    recs = nr;
    recs_cap = cap;
  }
  struct depot_rec *r = depot_alloc(sizeof(*r) + n * sizeof(*pcs));
  if (r == NULL)
    goto out;
  r->hash = h;
  r->n = (uint32_t)n;
  memcpy(r->pcs, pcs, n * sizeof(*pcs));
  id = ++nrecs;
  recs[id] = r;
  *out = r;
  uint32_t i = (uint32_t)h & table_mask;
  while (table[i])
    i = (i + 1) & table_mask;
  table[i] = id;
out:
  mapsan_lock_release(&depot_lock);
  return id;
}

/* Unwinds and keeps the program's frames: our own (the wrapper and engine
 * on top, the thread and main trampolines below) never matter to the user
 * and would only make the depot larger. Returns the count: 0 when
 * libunwind cannot be loaded. The first call loads it (unwind.h). */
static size_t unwind(uintptr_t *pcs) {
  /* Room for mapsan's own frames on top, so that a deep stack keeps as
   * many of the program's frames as the frame walk gives it (one stack,
   * one id, whichever path took it). */
  void *buf[MAPSAN_STACK_MAX_FRAMES + 16];
  if (MAPSAN_UNLIKELY(!mapsan_unwind_load()))
    return 0;
  mapsan_enter(); /* libunwind may take locks we intercept */
  int n = mapsan_unwind_backtrace(buf, MAPSAN_STACK_MAX_FRAMES + 16);
  mapsan_leave();
  size_t kept = 0;
  for (int i = 0; i < n && kept < MAPSAN_STACK_MAX_FRAMES; i++)
    if (!mapsan_is_runtime_pc((uintptr_t)buf[i]))
      pcs[kept++] = (uintptr_t)buf[i];
  return kept;
}

uint32_t mapsan_stack_capture(void) {
  scache_get();
  uintptr_t pcs[MAPSAN_STACK_MAX_FRAMES];
  size_t n = unwind(pcs);
  return mapsan_stack_intern(pcs, n);
}

uint32_t mapsan_stack_capture_if_loaded(void) {
  return mapsan_unwind_ready() ? mapsan_stack_capture() : 0;
}

/* ---- the call-site cache (see the top of this file) -------------------- */

static struct scache *scache_get(void) {
  if (MAPSAN_LIKELY(scache != NULL))
    return scache;
  mapsan_enter();
  struct scache *c = mapsan_calloc(1, sizeof(*c));
  pthread_attr_t attr;
  if (c && pthread_getattr_np(pthread_self(), &attr) == 0) {
    void *lo;
    size_t size;
    if (pthread_attr_getstack(&attr, &lo, &size) == 0) {
      c->stack_lo = (uintptr_t)lo;
      c->stack_hi = (uintptr_t)lo + size;
    }
    pthread_attr_destroy(&attr);
  }
  mapsan_leave();
  scache = c;
  return c;
}

void mapsan_stack_thread_exit(void) {
  mapsan_unwind_thread_exit();
  mapsan_free(scache);
  scache = NULL;
}

/* Remembers in e the slots of the stack rec, called from pc with CFA
 * cfa, slots[i] holding its frame i. */
static void scache_fill(struct scache_ent *e, uintptr_t pc, uintptr_t cfa,
                        uint32_t id, const struct depot_rec *rec,
                        const uintptr_t *slots) {
  e->pc = 0;
  size_t n = rec ? rec->n : 0;
  if (n == 0 || n - 1 > SCACHE_FRAMES || rec->pcs[0] != pc)
    return;
  for (size_t i = 1; i < n; i++) {
    uintptr_t off = (slots[i] - cfa) / sizeof(uintptr_t);
    if (slots[i] < cfa || off >= SCACHE_SCAN / sizeof(uintptr_t))
      return;
    e->off[i - 1] = (uint16_t)off;
  }
  e->n = (uint32_t)(n - 1);
  e->id = id;
  e->rec = rec;
  e->cfa = cfa;
  e->pc = pc;
}

/* The frame walk's miss: a frame never learned. One unw_step unwind
 * learns the frames' sizes (frames.c), then the walk is tried again; a
 * count, or a MAPSAN_WALK_ answer. Not in a signal handler, where the
 * unwind may meet frames libunwind cannot step cheaply: the old path. */
static MAPSAN_NOINLINE int learn_and_walk(uintptr_t pc, uintptr_t cfa,
                                          const struct scache *c,
                                          uintptr_t *pcs, uintptr_t *slots) {
  /* Out of line: its 1.7 KiB of frames would otherwise be every capture's
   * stack, hits included. libunwind's stepping and the table's mmap may
   * set errno, which is the program's. */
  struct mapsan_frame f[MAPSAN_STACK_MAX_FRAMES + 16];
  bool complete;
  if (mapsan_in_signal() || MAPSAN_UNLIKELY(!mapsan_unwind_load()))
    return MAPSAN_WALK_NO;
  int saved = errno;
  mapsan_enter(); /* libunwind may take locks we intercept */
  int n = mapsan_unwind_frames(f, MAPSAN_STACK_MAX_FRAMES + 16, &complete);
  mapsan_leave();
  mapsan_frames_learn(f, n, complete);
  errno = saved;
  return mapsan_frames_walk(pc, cfa, c->stack_lo, c->stack_hi, pcs, slots,
                            MAPSAN_STACK_MAX_FRAMES);
}

uint32_t mapsan_stack_capture_from(uintptr_t pc, uintptr_t cfa) {
  struct scache *c = pc && cfa ? scache_get() : NULL;
  if (c == NULL || cfa < c->stack_lo || cfa >= c->stack_hi)
    return mapsan_stack_capture();
  uint32_t set = ((pc >> 4) ^ (cfa >> 4) * 0x9e3779b1u) & (SCACHE_SETS - 1);
  const uintptr_t *w = (const uintptr_t *)cfa;
  for (int way = 0; way < SCACHE_WAYS; way++) {
    const struct scache_ent *e = &c->ent[set][way];
    if (e->pc != pc || e->cfa != cfa)
      continue;
    const uintptr_t *want = e->rec->pcs + 1;
    uint32_t i = 0;
    while (i < e->n && w[e->off[i]] == want[i])
      i++;
    if (i == e->n)
      return e->id;
  }
  struct scache_ent *e = &c->ent[set][c->next[set]++ % SCACHE_WAYS];
  uintptr_t pcs[MAPSAN_STACK_MAX_FRAMES], slots[MAPSAN_STACK_MAX_FRAMES];
  const struct depot_rec *rec;
  int walked = mapsan_frames_walk(pc, cfa, c->stack_lo, c->stack_hi, pcs,
                                  slots, MAPSAN_STACK_MAX_FRAMES);
  if (walked == MAPSAN_WALK_UNKNOWN)
    walked = learn_and_walk(pc, cfa, c, pcs, slots);
  if (walked > 0) {
    uint32_t id = intern_rec(pcs, (size_t)walked, &rec);
    scache_fill(e, pc, cfa, id, rec, slots);
    return id;
  }
  /* Frames the table cannot walk: libunwind, and the return addresses
   * located by a forward scan from the cfa (frames in order). */
  size_t n = unwind(pcs);
  uint32_t id = intern_rec(pcs, n, &rec);
  e->pc = 0;
  if (id == 0 || n == 0 || n - 1 > SCACHE_FRAMES || pcs[0] != pc)
    return id;
  uintptr_t limit = c->stack_hi - cfa;
  if (limit > SCACHE_SCAN)
    limit = SCACHE_SCAN;
  size_t words = limit / sizeof(uintptr_t), at = 0;
  slots[0] = cfa - sizeof(uintptr_t);
  for (size_t i = 1; i < n; i++) {
    while (at < words && w[at] != pcs[i])
      at++;
    if (at == words)
      return id;
    slots[i] = cfa + at * sizeof(uintptr_t);
    at++;
  }
  scache_fill(e, pc, cfa, id, rec, slots);
  return id;
}

size_t mapsan_stack_get(uint32_t id, const uintptr_t **pcs) {
  mapsan_lock_acquire(&depot_lock);
  size_t n = 0;
  if (id != 0 && id <= nrecs) {
    *pcs = recs[id]->pcs;
    n = recs[id]->n;
  }
  mapsan_lock_release(&depot_lock);
  return n;
}

void mapsan_stack_fork_prepare(void) { mapsan_lock_acquire(&depot_lock); }
void mapsan_stack_fork_parent(void) { mapsan_lock_release(&depot_lock); }
void mapsan_stack_fork_child(void) {
  mapsan_lock_reset(&depot_lock);
  mapsan_frames_fork_child();
}
