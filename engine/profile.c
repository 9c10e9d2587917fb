/*
 * profile.c: map health. Counters per tracked map, map-profile records and
 * the unbounded-growth rule. See profile.h for the interface.
 *
 * The leak this is for: a registry that dedupes by identity (a freshly
 * allocated closure, a pointer formatted as a key) never finds the old
 * entry, so every registration adds one and nothing removes any. Abseil's
 * hashtablez samples tables and records their shape for a fleet; mapsan
 * already draws maps (sample_rate) and sees every operation on a drawn
 * one, so it keeps the same numbers without a rebuild, and adds which call
 * sites insert and whether anything ever removes.
 *
 * What is counted, per tracked map (every map in full mode, the drawn ones
 * in a canary; an untracked map never reaches this file): size now and at
 * peak, inserts of new keys, replacements (an insert that found its key),
 * removals, lookups that hit and missed, iterations, resizes started
 * (growth, same-size, shrink), bucket-storage bytes now and at peak, and a
 * chain measure where the API has one (libhmap's overflow buckets). The
 * wrappers read each outcome from the map itself after the real call (its
 * count, the real function's result: the profile's own size is the count
 * before, since every write of a tracked map is counted) and pass it down.
 * In a canary a drawn map is counted between checking windows too: its
 * wrappers find the profile by address there (maps.c's lock-free lookup),
 * so the numbers are the map's whole life since it was drawn, not the
 * windows' share.
 *
 * The inserting call sites: the program's return address into each insert
 * of a new key, in a table of MAPSAN_PROFILE_SITES entries kept by the
 * space-saving rule (a site not in a full table replaces the least counted
 * one and inherits its count plus one): exact while at most that many
 * sites insert, and the sites that insert most stay in the table with
 * counts that overstate by at most the smallest count. Every insert adds
 * one to one count, so the counts sum to the inserts: no counter of its
 * own (inserts_of).
 *
 * Cost and concurrency. A tracked map's profile is made with its shadow
 * (maps.c), and begin hands it to the wrapper with the operation: with
 * both options off op->prof is NULL and a wrapper tests only that. After
 * the real call a lookup, a replaced value or an iteration is one
 * increment inline (profile.h), a new key or a removal 14-18
 * instructions (one compare of the guard word, which says both that the
 * profile is still the map's and that its storage kept its shape; the
 * size stored; the top site's count; a compare with check_at), and only
 * rare events call in here (a size past check_at: growth_limit or the
 * periodic check; a new inserting site; the storage described when its
 * shape changed or once in MAPSAN_PROFILE_SAMPLE changes), as tail calls.
 * The peak is kept lazily: an insert stores only the size, and a removal
 * or the check_at path raises the peak (peak_of is the larger of the
 * two). Measured in full mode (docs/PERFORMANCE.md): 0.8-3.3% more
 * instructions on bench/run's map rows with the counters on, 0.3-1.7%
 * with both options off (begin's load of the profile pointer and the
 * wrappers' test of it). The hot counters come first in the profile.
 * Writes to a map are ordered by the program (or they race, which is
 * reported), so the counters are relaxed single-instruction increments or
 * load/store pairs with no atomic read-modify-write. Concurrent readers
 * of one map may lose an increment of a read counter now and then: the
 * read counters are exact for maps read by one thread at a time and a
 * lower bound otherwise (platform-notes: a shared atomic increment per
 * call made a 2-thread GLib workload 1.6x slower).
 *
 * A profile's end. When its map is destroyed or its shadow recycled the
 * profile leaves the live list, its key (the map's address) is cleared
 * and its guard set to 1; an operation that began before may still hold
 * it and count after its real call. Two things keep such a late write
 * from landing in another map's numbers: a released profile waits in a
 * quarantine of MAPSAN_PROFILE_QUARANTINE before the free list, so it is
 * reused only after that many more maps ended; and every write compares
 * first, once: an insert of a new key or a removal the guard (key ^
 * shape, the compare it makes anyway for the storage), a replacement and
 * the storage the key, with the map it operated on, and counts nothing
 * when the profile is not the map's (test-profile-release-race: an assign
 * held inside its hash function while its map's profile is released and
 * reused). What is left: the read counters (lookups, iterations) are not
 * checked, so a read held inside its real call while its map and
 * MAPSAN_PROFILE_QUARANTINE others end can add one to another map's read
 * counters; and a write that stalls that long between its compare and its
 * stores, one count. Counts only, never memory (profiles are never freed,
 * and the site table's indices are bounded).
 *
 * Records. With map_profile=1 the live profiles are written at exit (the
 * summary's moment, preload/init.c) and, with map_profile_period=S, every S
 * seconds: one in MAPSAN_PROFILE_TICK of a map's removals, and its size
 * passing a multiple of MAPSAN_PROFILE_TICK above its peak, read the
 * clock, and the first to see the period over writes the records (no
 * timer thread, no signal: a process whose tracked maps neither grow nor
 * shrink writes none until exit). At
 * most MAPSAN_PROFILE_MAX_RECORDS a time, the largest by peak size. A map
 * destroyed before then is not described: its profile ends with it (a map
 * that is destroyed does not grow without bound). A forked child keeps its
 * parent's profiles as they were at the fork, counts on, and writes its
 * own records at its own exit.
 *
 * Memory: one profile per tracked map while it lives (type-stable; in
 * quarantine, then on a free list when the map ends), plus a buffer of
 * records at each dump.
 */
#include "profile.h"

#include "../base/alloc.h"
#include "../base/options.h"
#include "../reports/profile.h"
#include "../reports/report.h"
#include "../stacks/stack.h"
#include "thread.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#define MAPSAN_PROFILE_MAX_RECORDS 1024
/* Released profiles kept from reuse (the top of the file). */
#define MAPSAN_PROFILE_QUARANTINE 256
/* Profiles allocated at a time. */
#define MAPSAN_PROFILE_SLAB 32

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define ADD(x, v) STORE(x, LOAD(x) + (v))

struct mapsan_profile {
  /* What the wrappers' inline functions touch (profile.h): first. */
  struct mapsan_profile_hot hot;
  /* The storage (mapsan_profile_storage), written by the map's writers. */
  uint64_t grows, same_size_grows, shrinks;
  uint64_t bytes, peak_bytes;
  bool has_chain;
  uint64_t chain, peak_chain;
  _Atomic bool reported; /* unbounded-growth, once */
  /* Set at creation, read by dumps (the map's address: hot.key). */
  struct mapsan_profile *prev, *next; /* the live list; next: quarantine,
                                       * free list */
  const char *api;
  uint64_t id;
  uint64_t born_ns;
  struct mapsan_access_rec created;
};

_Static_assert(offsetof(struct mapsan_profile, hot) == 0,
               "profile.h's accessors cast a profile to its hot counters");

MAPSAN_HIDDEN bool mapsan_profile_on;
MAPSAN_HIDDEN uint64_t mapsan_profile_limit = UINT64_MAX;

static mapsan_lock profile_lock = MAPSAN_LOCK_INIT;
MAPSAN_FORK_LEAF(profile_lock)
static struct mapsan_profile live = {.prev = &live, .next = &live};
static struct mapsan_profile *free_profiles;
/* Released profiles wait here, oldest first, before the free list (the
 * top of the file). */
static struct mapsan_profile *quarantine_head, *quarantine_tail;
static unsigned quarantined;
static uint64_t next_id;
static uint64_t start_ns;
static _Atomic uint64_t next_due_ns; /* the next periodic dump; 0: none */
MAPSAN_HIDDEN MAPSAN_TLS uint32_t mapsan_profile_ticks;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t period_ns(void) {
  long s = mapsan_opts.map_profile_period;
  return mapsan_opts.map_profile && s > 0 ? (uint64_t)s * 1000000000ull : 0;
}

void mapsan_profile_init(void) {
  mapsan_profile_on = mapsan_opts.map_profile || mapsan_opts.growth_limit > 0;
  if (mapsan_opts.growth_limit > 0)
    mapsan_profile_limit = (uint64_t)mapsan_opts.growth_limit;
  start_ns = now_ns();
  if (period_ns())
    atomic_store_explicit(&next_due_ns, start_ns + period_ns(),
                          memory_order_relaxed);
  if (mapsan_opts.map_profile && mapsan_opts.json_path == NULL) {
    static const char msg[] = "mapsan: warning: map_profile=1 writes its "
                              "records to json_path, which is not set; no "
                              "profile will be written\n";
    mapsan_write_all(2, msg, sizeof(msg) - 1);
  }
}

/* ---- life of a profile -------------------------------------------------- */

/* The next peak size above size at which mapsan_profile_peak_slow runs:
 * the next multiple of MAPSAN_PROFILE_TICK, or growth_limit + 1 before it. */
static uint64_t next_check(uint64_t size) {
  uint64_t next = (size | (MAPSAN_PROFILE_TICK - 1)) + 1;
  if (mapsan_profile_limit < UINT64_MAX && mapsan_profile_limit >= size &&
      mapsan_profile_limit + 1 < next)
    next = mapsan_profile_limit + 1;
  return next;
}

/* Inserts of new keys: each counted once in the site table, whose counts
 * the space-saving rule keeps summing to the number of inserts. */
/* The peak size: the hot counters' peak so far, or the size since. */
static uint64_t peak_of(const struct mapsan_profile *p) {
  uint64_t peak = LOAD(p->hot.peak_size), size = LOAD(p->hot.size);
  return size > peak ? size : peak;
}

static uint64_t inserts_of(const struct mapsan_profile *p) {
  uint64_t n = 0;
  for (int i = 0; i < MAPSAN_PROFILE_SITES; i++)
    n += LOAD(p->hot.sites[i].count);
  return n;
}

struct mapsan_profile *mapsan_profile_new(uintptr_t addr, const char *api,
                                          const struct mapsan_access_rec *created) {
  mapsan_lock_acquire(&profile_lock);
  if (free_profiles == NULL) {
    /* A slab at a time: a program that makes many maps pays one
     * allocation per MAPSAN_PROFILE_SLAB profiles. */
    struct mapsan_profile *slab =
        mapsan_malloc(MAPSAN_PROFILE_SLAB * sizeof(*slab));
    for (int i = 0; slab && i < MAPSAN_PROFILE_SLAB; i++) {
      slab[i].next = free_profiles;
      free_profiles = &slab[i];
    }
  }
  struct mapsan_profile *p = free_profiles;
  if (p == NULL) {
    mapsan_lock_release(&profile_lock);
    return NULL;
  }
  free_profiles = p->next;
  memset(p, 0, sizeof(*p));
  STORE(p->hot.key, addr);
  STORE(p->hot.guard, 1); /* not described yet (profile.h) */
  p->hot.check_at = next_check(0);
  p->api = api;
  p->id = ++next_id;
  p->born_ns = now_ns();
  p->created = *created;
  p->next = live.next;
  p->prev = &live;
  live.next->prev = p;
  live.next = p;
  mapsan_lock_release(&profile_lock);
  return p;
}

void mapsan_profile_release(struct mapsan_profile *p) {
  if (p == NULL)
    return;
  mapsan_lock_acquire(&profile_lock);
  p->prev->next = p->next;
  p->next->prev = p->prev;
  STORE(p->hot.guard, 1);
  STORE(p->hot.key, 0);
  p->next = NULL;
  if (quarantine_tail)
    quarantine_tail->next = p;
  else
    quarantine_head = p;
  quarantine_tail = p;
  if (++quarantined > MAPSAN_PROFILE_QUARANTINE) {
    struct mapsan_profile *q = quarantine_head;
    quarantine_head = q->next;
    quarantined--;
    q->next = free_profiles;
    free_profiles = q;
  }
  mapsan_lock_release(&profile_lock);
}

/* ---- counting ----------------------------------------------------------- */

/* The space-saving table (the top of the file), kept sorted by count, most
 * first; the inline path counted the top site already. */
void mapsan_profile_site_slow(struct mapsan_profile *p, uintptr_t pc) {
  struct mapsan_profile_hot *h = &p->hot;
  int i = 0, n = h->nsites;
  while (i < n && h->sites[i].pc != pc)
    i++;
  if (i == n) {
    if (n < MAPSAN_PROFILE_SITES) {
      /* The first site keeps what an unknown site (pc 0) counted in the
       * empty table's first slot: every insert stays in the sum. */
      h->sites[n].pc = pc;
      if (n > 0)
        h->sites[n].count = 0;
      h->nsites = ++n;
    } else {
      i = n - 1;
      h->sites[i].pc = pc;
    }
  }
  h->sites[i].count++;
  for (; i > 0 && h->sites[i].count > h->sites[i - 1].count; i--) {
    struct mapsan_profile_site t = h->sites[i];
    h->sites[i] = h->sites[i - 1];
    h->sites[i - 1] = t;
  }
}

/* mapsan_profile_inserted's rest when the site is not the top one. */
bool mapsan_profile_inserted_slow(struct mapsan_profile *p,
                                  const struct mapsan_op *op,
                                  const void *addr, uint64_t size) {
  mapsan_profile_site_slow(p, op->caller_pc);
  if (size >= LOAD(p->hot.check_at))
    return mapsan_profile_peak_slow(p, op, addr, size);
  return false;
}

static MAPSAN_NOINLINE MAPSAN_COLD void report_growth(struct mapsan_profile *p,
                                                     const struct mapsan_op *op,
                                                     const void *addr,
                                                     uint64_t size) {
  struct mapsan_thread *t = mapsan_thread_current();
  struct mapsan_report rep;
  memset(&rep, 0, sizeof(rep));
  rep.kind = MAPSAN_KIND_UNBOUNDED_GROWTH;
  rep.api = p->api;
  rep.map = (uintptr_t)addr;
  rep.generation = rep.current_generation = -1;
  rep.growth_limit = (uint64_t)mapsan_opts.growth_limit;
  rep.growth_entries = size;
  rep.growth_inserts = inserts_of(p);
  struct mapsan_access_rec cur = {0};
  cur.thread = t ? t->num : 0;
  cur.stack = mapsan_stack_capture_from(op->caller_pc, op->caller_cfa);
  cur.op = op->opname;
  cur.write = true;
  mapsan_report_add(&rep, MAPSAN_ROLE_CURRENT, &cur);
  for (int i = 0; i < p->hot.nsites; i++) {
    struct mapsan_access_rec site = {0};
    uintptr_t pc = p->hot.sites[i].pc;
    site.stack = mapsan_stack_intern(&pc, 1);
    mapsan_report_add(&rep, MAPSAN_ROLE_INSERT_SITE, &site)->count =
        p->hot.sites[i].count;
  }
  mapsan_report_add(&rep, MAPSAN_ROLE_MAP_CREATED, &p->created);
  mapsan_report_submit(&rep);
}

/* A size at or above check_at (profile.h), a new peak. Past growth_limit:
 * the rule, checked at the first peak above it only (removals never decrease, so a
 * map that had one then never qualifies later); the insert that passes the
 * limit is the first of them. Past a multiple of MAPSAN_PROFILE_TICK: the
 * periodic check; past a multiple of MAPSAN_PROFILE_SAMPLE, true too
 * (profile.h). */
bool mapsan_profile_peak_slow(struct mapsan_profile *p,
                              const struct mapsan_op *op, const void *addr,
                              uint64_t size) {
  uint64_t at = LOAD(p->hot.check_at);
  if (size > LOAD(p->hot.peak_size))
    STORE(p->hot.peak_size, size);
  STORE(p->hot.check_at, next_check(size));
  if (size > mapsan_profile_limit && at <= mapsan_profile_limit + 1 &&
      LOAD(p->hot.removals) == 0 &&
      !atomic_exchange_explicit(&p->reported, true, memory_order_relaxed))
    report_growth(p, op, addr, size);
  uint64_t tick = (at + MAPSAN_PROFILE_TICK - 1) &
                  ~(uint64_t)(MAPSAN_PROFILE_TICK - 1);
  if (size < tick)
    return false; /* no multiple of MAPSAN_PROFILE_TICK passed */
  mapsan_profile_tick_slow();
  /* The storage sampled when a multiple of MAPSAN_PROFILE_SAMPLE passed. */
  return size / MAPSAN_PROFILE_SAMPLE != (at - 1) / MAPSAN_PROFILE_SAMPLE;
}

void mapsan_profile_storage(struct mapsan_profile *p,
                            const struct mapsan_prof_storage *s) {
  if (LOAD(p->hot.key) != (uintptr_t)s->map)
    return; /* released (the top of the file) */
  STORE(p->hot.shape, s->shape);
  STORE(p->hot.shape2, s->shape2);
  STORE(p->hot.guard, (uintptr_t)s->map ^ s->shape2);
  if (s->resizes_total) {
    STORE(p->grows, s->grows);
    STORE(p->same_size_grows, s->same_size_grows);
  } else {
    ADD(p->grows, s->grows);
    ADD(p->same_size_grows, s->same_size_grows);
    ADD(p->shrinks, s->shrinks);
  }
  STORE(p->bytes, s->bytes);
  if (s->bytes > LOAD(p->peak_bytes))
    STORE(p->peak_bytes, s->bytes);
  if (s->has_chain) {
    p->has_chain = true;
    STORE(p->chain, s->chain);
    if (s->chain > LOAD(p->peak_chain))
      STORE(p->peak_chain, s->chain);
  }
}

/* Is a periodic dump due? (profile.h: at one in MAPSAN_PROFILE_TICK of a
 * map's removals and peak sizes.) */
void mapsan_profile_tick_slow(void) {
  uint64_t due = atomic_load_explicit(&next_due_ns, memory_order_relaxed);
  if (due == 0)
    return;
  uint64_t now = now_ns();
  if (now < due)
    return;
  uint64_t next = now + period_ns();
  if (atomic_compare_exchange_strong_explicit(&next_due_ns, &due, next,
                                              memory_order_relaxed,
                                              memory_order_relaxed)) {
    int saved = errno; /* inside a program's insert or removal */
    mapsan_profile_dump(false);
    errno = saved;
  }
}

/* ---- records ------------------------------------------------------------ */

static void snapshot(const struct mapsan_profile *p, struct mapsan_profile_rec *r,
                     bool final, uint64_t now) {
  memset(r, 0, sizeof(*r));
  r->map = LOAD(p->hot.key);
  r->api = p->api;
  r->map_id = p->id;
  r->final = final;
  r->uptime_ms = (now - start_ns) / 1000000;
  r->age_ms = (now - p->born_ns) / 1000000;
  r->size = LOAD(p->hot.size);
  r->peak_size = peak_of(p);
  r->inserts = inserts_of(p);
  r->replacements = LOAD(p->hot.replacements);
  r->removals = LOAD(p->hot.removals);
  r->hits = LOAD(p->hot.lookups[0]);
  r->misses = LOAD(p->hot.lookups[1]);
  r->iterations = LOAD(p->hot.iterations);
  r->grows = LOAD(p->grows);
  r->same_size_grows = LOAD(p->same_size_grows);
  r->shrinks = LOAD(p->shrinks);
  r->bytes = LOAD(p->bytes);
  r->peak_bytes = LOAD(p->peak_bytes);
  r->has_chain = p->has_chain;
  r->chain = LOAD(p->chain);
  r->peak_chain = LOAD(p->peak_chain);
  r->created_stack = p->created.stack;
  r->created_thread = p->created.thread;
  r->created_op = p->created.op;
  r->nsites = p->hot.nsites;
  memcpy(r->sites, p->hot.sites, sizeof(r->sites));
}

/* Heap order on records: by peak size (the smallest kept on top, while
 * choosing the largest maps) or by map_id (the largest on top, to sort). */
static bool above(const struct mapsan_profile_rec *a,
                  const struct mapsan_profile_rec *b, bool by_id) {
  return by_id ? a->map_id > b->map_id : a->peak_size < b->peak_size;
}

static void sift_down(struct mapsan_profile_rec *recs, size_t n, size_t i,
                      bool by_id) {
  for (;;) {
    size_t l = 2 * i + 1, m = i;
    if (l < n && above(&recs[l], &recs[m], by_id))
      m = l;
    if (l + 1 < n && above(&recs[l + 1], &recs[m], by_id))
      m = l + 1;
    if (m == i)
      return;
    struct mapsan_profile_rec t = recs[i];
    recs[i] = recs[m];
    recs[m] = t;
    i = m;
  }
}

static void heapify(struct mapsan_profile_rec *recs, size_t n, bool by_id) {
  for (size_t i = n / 2; i-- > 0;)
    sift_down(recs, n, i, by_id);
}

void mapsan_profile_dump(bool final) {
  if (!mapsan_opts.map_profile)
    return;
  struct mapsan_profile_rec *recs =
      mapsan_malloc(MAPSAN_PROFILE_MAX_RECORDS * sizeof(*recs));
  if (recs == NULL)
    return;
  size_t n = 0;
  bool chose = false; /* more maps than records: the largest were chosen */
  uint64_t now = now_ns();
  mapsan_lock_acquire(&profile_lock);
  /* The live list holds the newest first: walked from its tail, the oldest
   * map comes first. */
  for (struct mapsan_profile *p = live.prev; p != &live; p = p->prev) {
    if (n < MAPSAN_PROFILE_MAX_RECORDS) {
      snapshot(p, &recs[n++], final, now);
      continue;
    }
    if (!chose) {
      heapify(recs, n, false);
      chose = true;
    }
    if (peak_of(p) > recs[0].peak_size) {
      snapshot(p, &recs[0], final, now);
      sift_down(recs, n, 0, false);
    }
  }
  mapsan_lock_release(&profile_lock);
  if (chose) { /* back to the oldest first: heapsort by map_id */
    heapify(recs, n, true);
    for (size_t end = n; end > 1; end--) {
      struct mapsan_profile_rec t = recs[0];
      recs[0] = recs[end - 1];
      recs[end - 1] = t;
      sift_down(recs, end - 1, 0, true);
    }
  }
  mapsan_report_write_profiles(recs, n);
  mapsan_free(recs);
}
