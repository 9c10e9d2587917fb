/*
 * quarantine.c: the guarded pool of bucket arrays and its quarantine.
 *
 * Terms. A *slot* is a range of 2^c pages (c >= 1, its *class*) of address
 * space reserved PROT_NONE; its last page is its *guard*. A *record* (one
 * of MAX_RECORDS) owns one slot for good once first used, and describes the
 * array in it. An array of n pages goes in a slot of the smallest class
 * with 2^c >= n + 1, at the start of its first n pages; the page after
 * them is PROT_NONE whatever the class, so that a stale access just past
 * a quarantined array faults and is attributed to it even when the array
 * fills its pages.
 *
 * Life of an array. Serving one (mapsan_pool_alloc) takes a free record of
 * the class, else a record never used with a slot carved from the class's
 * reservation (CHUNK_BYTES of address space reserved at once), else trades
 * a free record's slot of another class in; then one mprotect makes the n
 * pages READ|WRITE. Each allocation is a new generation of its map's
 * storage, recorded with the map, the allocation stack and its number.
 * When the map library releases the array (growth finished evacuating it,
 * clear, free or destroy, or the last iterator pinning it moved on), one
 * mprotect makes the pages PROT_NONE and the record enters a FIFO
 * quarantine, with the stack and operation that released it. Past the
 * quarantine's budget (7/8 of quarantine_mb, and half the records) the
 * oldest are evicted: the record becomes free and its slot goes on a free
 * list of its class, still PROT_NONE. A free slot is *warm* (its pages
 * stay resident, so the next array there costs no page fault and no
 * zeroing) while warm slots hold at most quarantine_mb / WARM_SHARE bytes,
 * else *cold* (MADV_DONTNEED gives the pages back). Free lists are LIFO,
 * warm first. Nothing is ever unmapped but a slot traded to another class.
 * The library needs no zeroed memory (it initializes every bucket), so a
 * reused slot's old contents are harmless.
 *
 * A slot's guard carries MADV_DONTDUMP, a mapping flag its neighbours lack:
 * the guard never merges with the array's pages before it or the next
 * slot's after it, so the array's pages are a mapping of their own whose
 * protection mprotect flips in place; splitting and re-merging mappings at
 * every serve and release was most of the kernel's cost for small arrays.
 *
 * A stale pointer into a quarantined array faults at its first access. The
 * SIGSEGV handler asks mapsan_quarantine_fault, which scans the record
 * table without locks (a record is quarantined, with every field set,
 * before its pages close, and unpublished before its slot is reused;
 * records never move), and if the address is in a quarantined array or
 * the page after it, reports use-after-resize: the faulting access (read
 * or write, from the page-fault error code), the map, the stale generation
 * and the map's current one, the release stack and the allocation stack.
 * In recoverable mode (halt_on_error=0) the array's pages and the one after
 * are then made accessible again (under pool_lock, unless it was evicted
 * meanwhile), so the program goes on, and that generation is not reported
 * twice; eviction closes them again before the slot goes back to a free
 * list. Once evicted, a range may hold another array: a stale pointer into
 * it is no longer caught (as when the kernel reused an unmapped range),
 * and faults on the new array's release are reported against the new
 * array.
 *
 * The report itself is built by the ordinary report path, which allocates
 * and locks: the faulting thread is in the program's own code touching the
 * program's stale pointer, so it holds none of mapsan's locks; it could
 * hold a malloc arena lock only if the stale access were inside malloc,
 * which it is not. It may hold the dynamic loader's lock, or another thread
 * may (inside dlopen, dl_iterate_phdr, a library constructor), so the path
 * loads nothing and takes none of the loader's locks: what it needs is
 * loaded when the first array enters the quarantine, outside any signal
 * (prepare_fault_path: libunwind, libdw), and in the handler
 * (mapsan_in_signal) the loaders decline, the unwinder finds objects
 * without dl_iterate_phdr (stacks/unwind.c) and the symbolizer without
 * dladdr or debuginfod (reports/symbolize.c).
 *
 * Memory: resident, the live arrays (whole pages) plus at most
 * quarantine_mb for released ones (quarantined and warm); address space,
 * each slot up to twice its array plus a guard page, never returned (the
 * peak of each class is kept for reuse). Mappings: every slot is at most
 * two (array pages, guard; three while a smaller array leaves pages of a
 * larger class unused), plus a reservation per class, so the pool uses at
 * most about 2 * MAX_RECORDS = 16,384 of the kernel's vm.max_map_count
 * (65530 by default). Maps not tracked (sample_rate) never use the pool;
 * with quarantine_mb=0 no map does.
 *
 * Cost, measured on the growth-heavy benchmark (bench/overhead grow
 * 5000000: 50 maps grown to 100,000 keys, about 1,800 arrays and overflow
 * chunks), mapsan full mode against the same with quarantine_mb=0, medians
 * of 9-11 runs of CPU time (user + sys; the pool off pays 59,000 page
 * faults itself, as malloc hands back and refetches memory):
 *
 *   design                                        on/off   page faults
 *   mmap + guard mprotect per array, munmap at     1.37x      70,000
 *     eviction (before this design)
 *   slots, evicted slots all cold (DONTNEED)       1.24x      70,600
 *   slots, warm share 1/16 of quarantine_mb        1.11x      41,700
 *   slots, warm share 1/8 (this design)            0.97x      15,800
 *
 * Peak RSS: 64 MB with the pool, 10 MB without (the quarantine holds its
 * budget). Per array, two mprotects remain; for tiny maps (bench/overhead
 * tiny 200000: maps created, given 3 keys and freed) that is about 3 us a
 * map: 0.63 s of CPU, against 2.40 s with mmap per array, 1.47 s with
 * slots whose mappings split and merged, and 0.07 s with the pool off.
 */
#include "quarantine.h"

#include "../base/fifo.h"
#include "../base/options.h"
#include "../reports/report.h"
#include "../stacks/stack.h"
#include "../stacks/unwind.h"
#include "maps.h"
#include "thread.h"

#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define MAX_RECORDS 8192 /* see "Memory" above: vm.max_map_count is 65530 */
#define PAGE 4096u
#define NCLASS 40 /* slot classes: 2^1 .. 2^39 pages */
/* Address space reserved at once for the slots of one class smaller than
 * this (a class at least this large reserves each slot on its own). */
#define CHUNK_BYTES ((size_t)4 << 20)
/* The share of quarantine_mb that holds evicted slots whose pages stay
 * resident (warm), for reuse without page faults; the quarantine proper
 * has the rest. */
#define WARM_SHARE 8

enum rec_state {
  REC_FREE = 0,   /* no array; the record's slot (if any) is on a free list */
  REC_RESERVED,   /* being handed out or released by one thread */
  REC_LIVE,       /* served to the map library */
  REC_QUARANTINE, /* released; pages PROT_NONE */
  REC_REPORTED,   /* released, faulted on, reported (recoverable mode:
                     made accessible) */
};

/* A record owns one slot for good (from its first use; only a record taken
 * for another class trades its slot in): 2^cls pages at lo, PROT_NONE but
 * for the array's pages [lo, hi) while it is live. */
struct pool_rec {
  _Atomic uintptr_t lo, hi; /* the array's pages [lo, hi); lo = slot base */
  _Atomic int state;        /* enum rec_state */
  size_t size;              /* bytes the library asked for */
  const struct mapsan_map_api *api;
  uintptr_t map;
  uint64_t generation;
  struct mapsan_access_rec alloc;   /* the operation that allocated it */
  struct mapsan_access_rec release; /* the one that released it */
  struct mapsan_fifo_link fifo; /* the quarantine, oldest first */
  uint32_t next;    /* free list, index + 1 */
  size_t touched;   /* pages of the slot that may be resident */
  uint8_t cls;      /* slot class */
  bool warm;        /* on a warm free list (touched pages counted in warm_bytes) */
};

static struct pool_rec recs[MAX_RECORDS] MAPSAN_BIG;
/* One past the highest record used: every record below it has a slot. */
static _Atomic uint32_t rec_limit;
static mapsan_lock pool_lock = MAPSAN_LOCK_INIT;
MAPSAN_FORK_LEAF(pool_lock)
static struct mapsan_fifo quarantine; /* of REC_QUARANTINE and REC_REPORTED */
/* Free records by slot class, LIFO through `next`, index + 1: warm ones
 * (pages resident, PROT_NONE) and cold ones (pages given back). */
static uint32_t warm_list[NCLASS], cold_list[NCLASS];
static struct {
  uintptr_t next, end; /* the class's reservation being carved */
} chunk[NCLASS];
static size_t live_arrays, live_bytes, q_arrays, q_bytes, warm_bytes,
    reserved_bytes;
static _Atomic size_t nreports;

/* Index of live arrays by start address: open addressing with linear
 * probing and backward-shift deletion, under pool_lock. Values are record
 * index + 1; 0 is empty. */
#define INDEX_SIZE (2 * MAX_RECORDS)
static uint32_t live_index[INDEX_SIZE] MAPSAN_BIG;

static uint32_t index_home(uintptr_t lo) {
  return (uint32_t)(((lo >> 12) * 0x9e3779b97f4a7c15ull) >> 50) % INDEX_SIZE;
}

static void index_add(uint32_t idx) {
  uint32_t i = index_home(recs[idx].lo);
  while (live_index[i])
    i = (i + 1) % INDEX_SIZE;
  live_index[i] = idx + 1;
}

static uint32_t *index_find(uintptr_t lo) {
  for (uint32_t i = index_home(lo); live_index[i]; i = (i + 1) % INDEX_SIZE)
    if (recs[live_index[i] - 1].lo == lo)
      return &live_index[i];
  return NULL;
}

static void index_remove(uint32_t *slot) {
  uint32_t i = (uint32_t)(slot - live_index);
  live_index[i] = 0;
  for (uint32_t j = (i + 1) % INDEX_SIZE; live_index[j]; j = (j + 1) % INDEX_SIZE) {
    uint32_t h = index_home(recs[live_index[j] - 1].lo);
    /* Move j back to i if its home is not in (i, j]. */
    if ((j > i && (h <= i || h > j)) || (j < i && (h <= i && h > j))) {
      live_index[i] = live_index[j];
      live_index[j] = 0;
      i = j;
    }
  }
}

/* Per-map generation counters: a tiny open table keyed by map address. */
#define GEN_SLOTS 4096
static struct {
  uintptr_t map;
  uint64_t gen;
} gens[GEN_SLOTS] MAPSAN_BIG;

MAPSAN_TLS struct mapsan_pool_ctx *mapsan_pool_cur;

static size_t pages_of(size_t size) { return (size + PAGE - 1) / PAGE * PAGE; }

/* pool_lock held. */
static uint64_t next_generation(uintptr_t map, bool bump) {
  uint32_t i = (uint32_t)((map >> 4) * 0x9e3779b1u) % GEN_SLOTS;
  for (uint32_t n = 0; n < GEN_SLOTS; n++, i = (i + 1) % GEN_SLOTS) {
    if (gens[i].map == map || gens[i].map == 0) {
      gens[i].map = map;
      if (bump)
        gens[i].gen++;
      return gens[i].gen;
    }
  }
  /* Full: reuse the home slot (generations of that map restart). */
  i = (uint32_t)((map >> 4) * 0x9e3779b1u) % GEN_SLOTS;
  gens[i].map = map;
  gens[i].gen = bump ? 1 : 0;
  return gens[i].gen;
}

static void fill(struct mapsan_access_rec *a, const struct mapsan_pool_ctx *c,
                 bool write) {
  memset(a, 0, sizeof(*a));
  struct mapsan_thread *t = mapsan_thread_current();
  a->thread = t ? t->num : 0;
  a->stack = mapsan_stack_capture_from(c->pc, c->cfa);
  a->op = c->op;
  a->write = write;
}

/* ---- slots ---------------------------------------------------------------- */

static size_t slot_bytes(unsigned cls) { return (size_t)PAGE << cls; }

/* The smallest class whose slots hold npages and at least one guard page. */
static unsigned class_of(size_t npages) {
  unsigned c = 1;
  while (c < NCLASS && ((size_t)1 << c) < npages + 1)
    c++;
  return c;
}

/* A new slot of class cls, PROT_NONE, carved from the class's reservation
 * (reserving more address space when it is used up); 0 if mmap fails.
 * pool_lock held (a reservation is rare: one per CHUNK_BYTES of slots). */
static uintptr_t carve_locked(unsigned cls) {
  size_t sz = slot_bytes(cls);
  if (chunk[cls].end - chunk[cls].next < sz) {
    size_t len = sz < CHUNK_BYTES ? CHUNK_BYTES : sz;
    void *p = mmap(NULL, len, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
      return 0;
    /* The rest of the old reservation stays unused address space. */
    chunk[cls].next = (uintptr_t)p;
    chunk[cls].end = (uintptr_t)p + len;
    reserved_bytes += len;
  }
  uintptr_t base = chunk[cls].next;
  chunk[cls].next += sz;
  /* The last page of a slot is its permanent guard, marked so that its
   * mapping never merges with the pages before it (nor those after it,
   * the next slot's): a small array's pages are then one mapping of their
   * own, whose protection mprotect flips in place, without splitting or
   * merging mappings (the bulk of its cost). Guards hold nothing worth
   * dumping anyway. */
  madvise((void *)(base + sz - PAGE), PAGE, MADV_DONTDUMP);
  return base;
}

static size_t warm_budget(void) {
  return ((size_t)mapsan_opts.quarantine_mb << 20) / WARM_SHARE;
}

/* Pops a free record from *list; pool_lock held. */
static struct pool_rec *pop_locked(uint32_t *list) {
  struct pool_rec *r = &recs[*list - 1];
  *list = r->next;
  if (r->warm)
    warm_bytes -= (size_t)r->touched * PAGE;
  r->warm = false;
  return r;
}

/* Puts r (PROT_NONE, state REC_FREE) on its class's free list: warm while
 * the warm share has room, else its pages are given back (MADV_DONTNEED;
 * they read back as zeros, which the library does not need) and it goes
 * cold. pool_lock held. */
static void put_free_locked(struct pool_rec *r) {
  size_t bytes = (size_t)r->touched * PAGE;
  size_t warm_max = warm_budget();
  uint32_t idx = (uint32_t)(r - recs) + 1;
  if (bytes > 0 && warm_bytes + bytes <= warm_max) {
    r->warm = true;
    warm_bytes += bytes;
    r->next = warm_list[r->cls];
    warm_list[r->cls] = idx;
    return;
  }
  if (bytes > 0)
    madvise((void *)r->lo, bytes, MADV_DONTNEED);
  r->touched = 0;
  r->warm = false;
  r->next = cold_list[r->cls];
  cold_list[r->cls] = idx;
}

/* A record with a PROT_NONE slot of class cls, moved to REC_RESERVED for
 * the caller, or NULL (no record left, or no address space). Prefers a
 * warm slot of the class, then a cold one, then a record never used, then
 * trades the slot of a free record of another class in. pool_lock held. */
static struct pool_rec *take_locked(unsigned cls) {
  struct pool_rec *r = NULL;
  if (warm_list[cls])
    r = pop_locked(&warm_list[cls]);
  else if (cold_list[cls])
    r = pop_locked(&cold_list[cls]);
  else if (rec_limit < MAX_RECORDS) {
    uintptr_t base = carve_locked(cls);
    if (base == 0)
      return NULL;
    r = &recs[rec_limit];
    atomic_store_explicit(&r->lo, base, memory_order_relaxed);
    r->cls = (uint8_t)cls;
    r->touched = 0;
    r->warm = false;
    atomic_store_explicit(&rec_limit, rec_limit + 1, memory_order_release);
  } else {
    uint32_t *list = NULL;
    for (unsigned k = 0; k < NCLASS && list == NULL; k++)
      if (cold_list[k])
        list = &cold_list[k];
    for (unsigned k = 0; k < NCLASS && list == NULL; k++)
      if (warm_list[k])
        list = &warm_list[k];
    if (list == NULL)
      return NULL; /* every record is live or quarantined */
    uintptr_t base = carve_locked(cls);
    if (base == 0)
      return NULL;
    r = pop_locked(list);
    munmap((void *)r->lo, slot_bytes(r->cls));
    reserved_bytes -= slot_bytes(r->cls);
    atomic_store_explicit(&r->lo, base, memory_order_relaxed);
    r->cls = (uint8_t)cls;
    r->touched = 0;
  }
  atomic_store_explicit(&r->state, REC_RESERVED, memory_order_relaxed);
  return r;
}

/* Evicts the oldest quarantined arrays while over budget, in bytes or in
 * records (a quarantine of small arrays must leave room for live ones):
 * their records become free and their slots go to the free lists.
 * pool_lock held. */
static void trim_locked(void) {
  size_t budget = ((size_t)mapsan_opts.quarantine_mb << 20) - warm_budget();
  while ((q_bytes > budget || q_arrays > MAX_RECORDS / 2) && quarantine.head) {
    struct pool_rec *r = MAPSAN_FIFO_ENTRY(mapsan_fifo_pop(&quarantine),
                                           struct pool_rec, fifo);
    uintptr_t lo = r->lo, hi = r->hi;
    q_arrays--;
    q_bytes -= hi - lo;
    /* Unpublish first: the fault scan must not match a range that will be
     * handed out again. A reported array was made accessible, with the
     * page after it: close them. */
    int st = atomic_exchange_explicit(&r->state, REC_FREE, memory_order_acq_rel);
    if (st == REC_REPORTED)
      mprotect((void *)lo, hi - lo + PAGE, PROT_NONE);
    put_free_locked(r);
  }
}

/* ---- serving and releasing arrays ------------------------------------------ */

void *mapsan_pool_alloc(size_t size) {
  struct mapsan_pool_ctx *c = mapsan_pool_cur;
  if (c == NULL || !c->tracked || size == 0 || mapsan_opts.quarantine_mb == 0)
    return NULL;
  if (size > ((size_t)1 << (NCLASS - 2)) * PAGE)
    return NULL; /* no class this large */
  size_t len = pages_of(size);
  size_t npages = len / PAGE;
  unsigned cls = class_of(npages);
  struct mapsan_access_rec alloc;
  fill(&alloc, c, true);
  mapsan_lock_acquire(&pool_lock);
  struct pool_rec *r = take_locked(cls);
  mapsan_lock_release(&pool_lock);
  if (r == NULL)
    return NULL; /* the library allocates normally */
  /* The record is ours (REC_RESERVED): the system calls run unlocked. */
  uintptr_t base = atomic_load_explicit(&r->lo, memory_order_relaxed);
  if (mprotect((void *)base, len, PROT_READ | PROT_WRITE) != 0) {
    mapsan_lock_acquire(&pool_lock);
    atomic_store_explicit(&r->state, REC_FREE, memory_order_relaxed);
    put_free_locked(r);
    mapsan_lock_release(&pool_lock);
    return NULL;
  }
  /* Pages a larger earlier array left resident past this one go back. */
  if (r->touched > npages)
    madvise((void *)(base + len), (r->touched - npages) * PAGE, MADV_DONTNEED);
  r->touched = npages;
  mapsan_lock_acquire(&pool_lock);
  r->size = size;
  r->api = c->api;
  r->map = (uintptr_t)c->map;
  r->generation = next_generation(r->map, true);
  r->alloc = alloc;
  memset(&r->release, 0, sizeof(r->release));
  r->next = 0;
  atomic_store_explicit(&r->hi, base + len, memory_order_relaxed);
  atomic_store_explicit(&r->state, REC_LIVE, memory_order_release);
  index_add((uint32_t)(r - recs));
  live_arrays++;
  live_bytes += len;
  mapsan_lock_release(&pool_lock);
  return (void *)base;
}

/* Loads, once and outside any signal handler, what reporting a fault on a
 * quarantined array needs (see the top): before the first array enters the
 * quarantine, no fault can be one. No mapsan lock held. */
static void prepare_fault_path(void) {
  static _Atomic bool prepared;
  if (MAPSAN_LIKELY(atomic_load_explicit(&prepared, memory_order_acquire)))
    return;
  mapsan_unwind_load();
  mapsan_report_prepare_for_signals();
  atomic_store_explicit(&prepared, true, memory_order_release);
}

bool mapsan_pool_free(void *p, size_t size) {
  (void)size;
  if (p == NULL || ((uintptr_t)p & (PAGE - 1)) != 0)
    return false; /* every pool array is page-aligned */
  struct mapsan_pool_ctx none = {0};
  struct mapsan_pool_ctx *c = mapsan_pool_cur ? mapsan_pool_cur : &none;
  mapsan_lock_acquire(&pool_lock);
  uint32_t *slot = index_find((uintptr_t)p);
  if (slot == NULL) {
    mapsan_lock_release(&pool_lock);
    return false;
  }
  struct pool_rec *r = &recs[*slot - 1];
  index_remove(slot);
  atomic_store_explicit(&r->state, REC_RESERVED, memory_order_relaxed);
  size_t len = r->hi - r->lo;
  live_arrays--;
  live_bytes -= len;
  mapsan_lock_release(&pool_lock);
  /* The stack is captured outside the lock (it may unwind for a while). */
  fill(&r->release, c, true);
  prepare_fault_path();
  /* Quarantined (published to the fault scan) before the pages close, so
   * that no fault on them finds it in another state; under the lock, so
   * that a report making them accessible again (report_stale) comes after
   * the mprotect, and no eviction can hand the slot out before it. */
  mapsan_lock_acquire(&pool_lock);
  atomic_store_explicit(&r->state, REC_QUARANTINE, memory_order_release);
  mprotect((void *)r->lo, len, PROT_NONE);
  q_arrays++;
  q_bytes += len;
  mapsan_fifo_push(&quarantine, &r->fifo);
  trim_locked();
  mapsan_lock_release(&pool_lock);
  return true;
}

void mapsan_pool_adopt(const void *array, const void *map) {
  if (array == NULL || ((uintptr_t)array & (PAGE - 1)) != 0)
    return;
  mapsan_lock_acquire(&pool_lock);
  uint32_t *slot = index_find((uintptr_t)array);
  struct pool_rec *r = slot ? &recs[*slot - 1] : NULL;
  if (r && r->map == 0) {
    r->map = (uintptr_t)map;
    r->generation = next_generation(r->map, true);
  }
  mapsan_lock_release(&pool_lock);
}

void mapsan_pool_get_stats(struct mapsan_pool_stats *st) {
  mapsan_lock_acquire(&pool_lock);
  st->live_arrays = live_arrays;
  st->live_bytes = live_bytes;
  st->quarantined_arrays = q_arrays;
  st->quarantined_bytes = q_bytes;
  st->mapped_bytes = reserved_bytes;
  st->cached_bytes = warm_bytes;
  st->reports = nreports;
  mapsan_lock_release(&pool_lock);
}

/* Builds and submits the use-after-resize report for r; the caller has
 * moved r to REC_REPORTED. */
static MAPSAN_COLD void report_stale(struct pool_rec *r, uintptr_t addr,
                                     const struct mapsan_access_rec *cur) {
  struct mapsan_report rep;
  memset(&rep, 0, sizeof(rep));
  rep.kind = MAPSAN_KIND_USE_AFTER_RESIZE;
  rep.api = r->api->name;
  rep.map = r->map;
  rep.fault_addr = addr;
  rep.generation = (int64_t)r->generation;
  mapsan_report_add(&rep, MAPSAN_ROLE_CURRENT, cur);
  mapsan_report_add(&rep, MAPSAN_ROLE_RESIZE, &r->release);
  mapsan_report_add(&rep, MAPSAN_ROLE_BUCKETS_ALLOCATED, &r->alloc);
  atomic_fetch_add(&nreports, 1);
  mapsan_lock_acquire(&pool_lock);
  rep.current_generation = (int64_t)next_generation(r->map, false);
  /* Recoverable: make the array accessible before reporting, so that even
   * a report that fails leaves the program able to go on; under the lock,
   * and only if it was not evicted meanwhile (its slot may be reused). */
  if (!mapsan_opts.halt_on_error &&
      atomic_load_explicit(&r->state, memory_order_relaxed) == REC_REPORTED)
    mprotect((void *)r->lo, r->hi - r->lo + PAGE, PROT_READ | PROT_WRITE);
  mapsan_lock_release(&pool_lock);
  mapsan_report_submit(&rep);
}

bool mapsan_pool_check_stale_header(const void *header, const void *array,
                                    const struct mapsan_op *op) {
  (void)header;
  uintptr_t a = (uintptr_t)array;
  if (a == 0 || (a & (PAGE - 1)) != 0)
    return false;
  uint32_t n = atomic_load_explicit(&rec_limit, memory_order_acquire);
  for (uint32_t i = 0; i < n; i++) {
    struct pool_rec *r = &recs[i];
    /* Slots are disjoint: at most one record's pages hold a. */
    if (a < atomic_load_explicit(&r->lo, memory_order_relaxed) ||
        a >= atomic_load_explicit(&r->hi, memory_order_relaxed))
      continue;
    int expected = REC_QUARANTINE;
    if (!atomic_compare_exchange_strong(&r->state, &expected, REC_REPORTED))
      return false; /* live (a shared array: not reclaimed yet) or done */
    struct mapsan_access_rec cur = {0};
    struct mapsan_thread *t = mapsan_thread_current();
    cur.thread = t ? t->num : 0;
    cur.stack = mapsan_stack_capture_from(op->caller_pc, op->caller_cfa);
    cur.op = op->opname;
    cur.write = op->write;
    report_stale(r, a, &cur);
    return true;
  }
  return false;
}

/* ---- the fault ------------------------------------------------------------ */

/* The faulting thread's stack: the interrupted pc first, then its callers
 * as unwound through the signal frame. The first pc is stored +1 so that
 * the symbolizer's "return address - 1" lands on the faulting instruction
 * itself. Runs in the signal handler, so libunwind is never loaded here:
 * it always is by now (the array was a tracked map's, whose first access
 * captured a stack, see stacks/unwind.h); were it not, the stack is the
 * faulting pc alone. */
static uint32_t fault_stack(uintptr_t rip) {
  void *buf[MAPSAN_STACK_MAX_FRAMES];
  mapsan_enter();
  int n = mapsan_unwind_backtrace(buf, MAPSAN_STACK_MAX_FRAMES);
  mapsan_leave();
  int from = -1;
  for (int i = 0; i < n; i++) {
    if ((uintptr_t)buf[i] == rip) {
      from = i;
      break;
    }
  }
  uintptr_t pcs[MAPSAN_STACK_MAX_FRAMES];
  size_t k = 0;
  pcs[k++] = rip + 1;
  for (int i = from < 0 ? n : from + 1; i < n; i++)
    if (!mapsan_is_runtime_pc((uintptr_t)buf[i]))
      pcs[k++] = (uintptr_t)buf[i];
  return mapsan_stack_intern(pcs, k);
}

bool mapsan_quarantine_fault(int sig, siginfo_t *info, void *ucontext) {
  if ((sig != SIGSEGV && sig != SIGBUS) || info == NULL)
    return false;
  uintptr_t addr = (uintptr_t)info->si_addr;
  uint32_t n = atomic_load_explicit(&rec_limit, memory_order_acquire);
  struct pool_rec *r = NULL;
  for (uint32_t i = 0; i < n; i++) {
    int st = atomic_load_explicit(&recs[i].state, memory_order_acquire);
    if (st != REC_QUARANTINE)
      continue;
    uintptr_t lo = atomic_load_explicit(&recs[i].lo, memory_order_relaxed);
    uintptr_t hi = atomic_load_explicit(&recs[i].hi, memory_order_relaxed);
    /* The page after the array is in its slot, PROT_NONE (2^cls >= n + 1):
     * an access just past a stale array is the same bug. */
    if (addr >= lo && addr < hi + PAGE) {
      r = &recs[i];
      break;
    }
  }
  if (r == NULL)
    return false;
  int expected = REC_QUARANTINE;
  if (!atomic_compare_exchange_strong(&r->state, &expected, REC_REPORTED)) {
    /* Another thread faulted on it and is reporting: wait for the pages. */
    return true;
  }
  ucontext_t *uc = ucontext;
  uintptr_t rip = uc ? (uintptr_t)uc->uc_mcontext.gregs[REG_RIP] : 0;
  bool write = uc && (uc->uc_mcontext.gregs[REG_ERR] & 2);
  struct mapsan_access_rec cur = {0};
  struct mapsan_thread *t = mapsan_thread_current();
  cur.thread = t ? t->num : 0;
  cur.stack = fault_stack(rip);
  cur.op = write ? "write" : "read";
  cur.write = write;
  report_stale(r, addr, &cur);
  return true;
}
