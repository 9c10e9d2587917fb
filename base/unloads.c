/*
 * unloads.c: the unload log (unloads.h).
 *
 * What it is for. A plugin registers callbacks and names from its own
 * read-only data into a map, the service dlcloses it (and loads the next
 * version), and the map still holds the old pointers. engine/unload.c
 * records each module that dlclose really unmapped here; every layer that
 * meets an address asks the log whether it lies in one of them.
 *
 * Reservation. While a module is in the log, its former span is held by a
 * PROT_NONE anonymous mapping (address space only: MAP_NORESERVE, no
 * page is ever touched), made with MAP_FIXED_NOREPLACE so that it never
 * replaces anything mapped there meanwhile (then the entry is kept
 * unreserved). So the next version of the plugin, or anything else,
 * cannot be mapped at the old addresses: a stale call or read faults (the
 * crash path names the module) instead of running or reading whatever
 * came next, and a stale frame is never named after a module that came
 * later. A module whose range cannot be reserved (something was mapped
 * there between the unload and the reservation) is not logged. Natively the range is unmapped: an access faults there too
 * (SEGV_MAPERR; under mapsan SEGV_ACCERR), unless something new was mapped
 * over it. Eviction (when unload_keep are in the log, the oldest eighth
 * goes at once) unmaps each reservation, after checking in
 * /proc/self/maps (read once for the eighth) that the range is still an
 * anonymous PROT_NONE mapping: a program that mapped something of its own
 * over it (MAP_FIXED, or munmap and mmap) keeps it. (While the entry is in the log
 * such a mapping would be taken for the unloaded module's: a known limit.)
 *
 * Bounds. At most unload_keep entries (MAPSAN_UNLOAD_MAX at most), a
 * static table touched only from the first unload on; each holds one
 * mapping (the reservation), so a process that reloads a plugin forever
 * keeps at most unload_keep extra mappings and their address space. The
 * reserved address space is capped too (held_cap): RLIMIT_AS counts
 * PROT_NONE mappings, so under a limit the log holds at most a sixteenth
 * of it, the oldest entries leaving first.
 *
 * Readers take no lock: each slot has a sequence count, odd while its
 * writer (one at a time, under log_lock) rewrites it, so a reader (a map
 * operation, a report, the crash handler) sees a whole entry or skips it.
 * The hull [lo_min, hi_max) of all entries lets a word outside it be
 * rejected with two compares; it is widened before an entry is published
 * and narrowed after one is evicted, so it always covers every entry.
 */
#include "unloads.h"
#include "lines.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

struct slot {
  _Atomic uint32_t seq; /* odd: being written; 0: never used */
  struct mapsan_unloaded u;
};

MAPSAN_HIDDEN _Atomic bool mapsan_unloads_any;
MAPSAN_HIDDEN _Atomic uintptr_t mapsan_unloads_lo_min = UINTPTR_MAX;
MAPSAN_HIDDEN _Atomic uintptr_t mapsan_unloads_hi_max;

static struct slot slots[MAPSAN_UNLOAD_MAX] MAPSAN_BIG;
static _Atomic uint32_t nslots; /* slots ever used (a prefix) */
static uint64_t serials;        /* modules added, ever */
static uint64_t held_bytes;     /* address space the log's entries reserve */
static mapsan_lock log_lock = MAPSAN_LOCK_INIT;
MAPSAN_FORK_LEAF(log_lock)

static bool reserve(uintptr_t lo, uintptr_t hi) {
  if (hi <= lo)
    return false;
  void *p = mmap((void *)lo, hi - lo, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
                     MAP_FIXED_NOREPLACE,
                 -1, 0);
  if (p == MAP_FAILED)
    return false;
  if ((uintptr_t)p != lo) { /* a kernel that ignores the flag (< 4.17) */
    munmap(p, hi - lo);
    return false;
  }
  return true;
}

/* ---- is a reservation still ours? -------------------------------------- */

static char maps_buf[8192] MAPSAN_BIG;

/* A range checked by still_ours: what /proc/self/maps shows in it. */
struct check {
  uintptr_t lo, hi;
  uintptr_t covered; /* bytes of [lo, hi) in anonymous PROT_NONE lines */
  bool foreign;      /* some line in it is anything else */
};

/* One line of the maps file, against each range of c[0..n). */
struct checks {
  struct check *c;
  size_t n;
};

static void check_line(const char *p, const char *end, void *arg) {
  struct check *c = ((struct checks *)arg)->c;
  size_t n = ((struct checks *)arg)->n;
  uintptr_t a = mapsan_parse_hex(&p, end);
  if (p >= end || *p != '-')
    return;
  p++;
  uintptr_t b = mapsan_parse_hex(&p, end);
  /* " ---p 00000000 00:00 0" and no path */
  static const char anon[] = " ---p 00000000 00:00 0";
  size_t len = sizeof(anon) - 1;
  bool ours = (size_t)(end - p) >= len && memcmp(p, anon, len) == 0;
  for (const char *q = p + (ours ? len : 0); ours && q < end; q++)
    ours = *q == ' ';
  for (size_t i = 0; i < n; i++) {
    if (b <= c[i].lo || a >= c[i].hi)
      continue;
    if (ours)
      c[i].covered += (b < c[i].hi ? b : c[i].hi) - (a > c[i].lo ? a : c[i].lo);
    else
      c[i].foreign = true;
  }
}

/* For each range of c[0..n): is it still wholly an anonymous PROT_NONE
 * mapping (ours)? One read of /proc/self/maps for all; without /proc,
 * every range is taken as ours. Under log_lock. */
static void still_ours(struct check *c, size_t n) {
  for (size_t i = 0; i < n; i++) {
    c[i].covered = 0;
    c[i].foreign = false;
  }
  int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    for (size_t i = 0; i < n; i++)
      c[i].covered = c[i].hi - c[i].lo;
    return;
  }
  struct checks cs = {c, n};
  /* a very long line's head still has the range */
  mapsan_read_lines(fd, maps_buf, sizeof(maps_buf), true, check_line, &cs);
  close(fd);
}

/* The hull of the slots in use; under log_lock. */
static void hull(uintptr_t *lo, uintptr_t *hi) {
  uintptr_t l = UINTPTR_MAX, h = 0;
  uint32_t n = atomic_load_explicit(&nslots, memory_order_relaxed);
  for (uint32_t i = 0; i < n; i++) {
    if (slots[i].u.serial == 0)
      continue; /* free */
    if (slots[i].u.lo < l)
      l = slots[i].u.lo;
    if (slots[i].u.hi > h)
      h = slots[i].u.hi;
  }
  *lo = l;
  *hi = h;
}

/* Evicts the oldest entries, an eighth of the slots at once (or as many
 * as are in use), so that the maps file is read once per eighth (reading
 * it is most of an eviction's cost: 60 us with 45 modules loaded); each
 * one's reservation is unmapped if it is still ours. Under log_lock. */
static void evict_oldest(uint32_t n) {
  static struct check c[MAPSAN_UNLOAD_MAX / 8] MAPSAN_BIG;
  static uint32_t which[MAPSAN_UNLOAD_MAX / 8] MAPSAN_BIG;
  uint32_t batch = n / 8 ? n / 8 : 1;
  uint64_t floor = 0; /* the batch: the smallest serials above floor */
  for (uint32_t b = 0; b < batch; b++) {
    uint32_t best = UINT32_MAX;
    for (uint32_t i = 0; i < n; i++)
      if (slots[i].u.serial > floor &&
          (best == UINT32_MAX || slots[i].u.serial < slots[best].u.serial))
        best = i;
    if (best == UINT32_MAX) { /* fewer entries in use than a batch */
      batch = b;
      break;
    }
    which[b] = best;
    floor = slots[best].u.serial;
    c[b].lo = slots[best].u.lo;
    c[b].hi = slots[best].u.hi;
  }
  still_ours(c, batch);
  for (uint32_t b = 0; b < batch; b++) {
    struct slot *s = &slots[which[b]];
    uint32_t seq = atomic_load_explicit(&s->seq, memory_order_relaxed);
    atomic_store_explicit(&s->seq, seq + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    if (s->u.reserved && !c[b].foreign && c[b].covered == c[b].hi - c[b].lo)
      munmap((void *)s->u.lo, s->u.hi - s->u.lo);
    held_bytes -= s->u.hi - s->u.lo;
    memset(&s->u, 0, sizeof(s->u)); /* free: serial 0, an empty range */
    atomic_store_explicit(&s->seq, seq + 2, memory_order_release);
  }
}

/* The address space the log may hold reserved: RLIMIT_AS counts
 * PROT_NONE reservations too, so under a limit at most a sixteenth of it
 * (a program that sizes its mappings to its limit must not fail where it
 * would not natively); without one, 64 GiB. */
static uint64_t held_cap(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
    return (uint64_t)rl.rlim_cur / 16;
  return (uint64_t)64 << 30;
}

/* Slots in use (not free). Under log_lock. */
static uint32_t in_use(uint32_t n) {
  uint32_t k = 0;
  for (uint32_t i = 0; i < n; i++)
    k += slots[i].u.serial != 0;
  return k;
}

void mapsan_unloaded_add(struct mapsan_unloaded *u, long keep) {
  if (keep <= 0)
    return;
  if (keep > MAPSAN_UNLOAD_MAX)
    keep = MAPSAN_UNLOAD_MAX;
  mapsan_lock_acquire(&log_lock);
  uint64_t cap = held_cap(), len = u->hi - u->lo;
  if (len > cap) {
    mapsan_lock_release(&log_lock);
    return;
  }
  /* Room in the address-space budget first: the oldest go. */
  while (held_bytes + len > cap &&
         in_use(atomic_load_explicit(&nslots, memory_order_relaxed)) > 0)
    evict_oldest(atomic_load_explicit(&nslots, memory_order_relaxed));
  /* A range that cannot be reserved (something was mapped there since the
   * unload) may hold anything: the module is not logged at all, so that no
   * address there is ever taken for it. */
  u->reserved = reserve(u->lo, u->hi);
  if (!u->reserved) {
    mapsan_lock_release(&log_lock);
    return;
  }
  uint32_t n = atomic_load_explicit(&nslots, memory_order_relaxed);
  uint32_t at = UINT32_MAX;
  for (uint32_t i = 0; i < n && at == UINT32_MAX; i++)
    if (slots[i].u.serial == 0)
      at = i;
  if (at == UINT32_MAX && n < (uint32_t)keep)
    at = n;
  if (at == UINT32_MAX) {
    evict_oldest(n);
    for (uint32_t i = 0; i < n && at == UINT32_MAX; i++)
      if (slots[i].u.serial == 0)
        at = i;
  }
  struct slot *s = &slots[at];
  uint32_t seq = atomic_load_explicit(&s->seq, memory_order_relaxed);
  atomic_store_explicit(&s->seq, seq + 1, memory_order_relaxed);
  atomic_thread_fence(memory_order_release);
  u->serial = ++serials;
  held_bytes += len;
  /* Widen the hull before the entry can be found. */
  if (u->lo < atomic_load_explicit(&mapsan_unloads_lo_min, memory_order_relaxed))
    atomic_store_explicit(&mapsan_unloads_lo_min, u->lo, memory_order_relaxed);
  if (u->hi > atomic_load_explicit(&mapsan_unloads_hi_max, memory_order_relaxed))
    atomic_store_explicit(&mapsan_unloads_hi_max, u->hi, memory_order_relaxed);
  memcpy(&s->u, u, sizeof(*u));
  atomic_store_explicit(&s->seq, seq + 2, memory_order_release);
  if (at == n)
    atomic_store_explicit(&nslots, n + 1, memory_order_release);
  uintptr_t lo, hi;
  hull(&lo, &hi); /* narrowed past evicted entries */
  atomic_store_explicit(&mapsan_unloads_lo_min, lo, memory_order_relaxed);
  atomic_store_explicit(&mapsan_unloads_hi_max, hi, memory_order_relaxed);
  atomic_store_explicit(&mapsan_unloads_any, true, memory_order_release);
  mapsan_lock_release(&log_lock);
}

static bool holds(const struct mapsan_unloaded *u, uintptr_t a, bool span) {
  if (a < u->lo || a >= u->hi)
    return false;
  if (span)
    return true;
  for (int i = 0; i < u->nsegs && i < MAPSAN_UNLOAD_SEGS; i++)
    if (a >= u->seg_lo[i] && a < u->seg_hi[i])
      return true;
  return false;
}

bool mapsan_unloaded_find(uintptr_t addr, bool span,
                          struct mapsan_unloaded *out) {
  if (!atomic_load_explicit(&mapsan_unloads_any, memory_order_acquire) ||
      !mapsan_unloaded_maybe(addr))
    return false;
  uint32_t n = atomic_load_explicit(&nslots, memory_order_acquire);
  for (uint32_t i = 0; i < n; i++) {
    struct slot *s = &slots[i];
    for (int tries = 0; tries < 4; tries++) {
      uint32_t a = atomic_load_explicit(&s->seq, memory_order_acquire);
      if (a & 1)
        break; /* being replaced: the module leaves the log */
      uintptr_t lo = ((volatile struct mapsan_unloaded *)&s->u)->lo;
      uintptr_t hi = ((volatile struct mapsan_unloaded *)&s->u)->hi;
      atomic_thread_fence(memory_order_acquire);
      if (atomic_load_explicit(&s->seq, memory_order_relaxed) != a)
        continue;
      if (addr < lo || addr >= hi)
        break;
      memcpy(out, &s->u, sizeof(*out));
      atomic_thread_fence(memory_order_acquire);
      if (atomic_load_explicit(&s->seq, memory_order_relaxed) != a)
        continue;
      if (!holds(out, addr, span))
        break;
      return true;
    }
  }
  return false;
}

void mapsan_unloaded_each(void (*fn)(const struct mapsan_unloaded *u,
                                     void *arg),
                          void *arg) {
  if (!atomic_load_explicit(&mapsan_unloads_any, memory_order_acquire))
    return;
  struct mapsan_unloaded copy;
  uint32_t n = atomic_load_explicit(&nslots, memory_order_acquire);
  for (uint32_t i = 0; i < n; i++) {
    struct slot *s = &slots[i];
    uint32_t a = atomic_load_explicit(&s->seq, memory_order_acquire);
    if (a & 1)
      continue;
    memcpy(&copy, &s->u, sizeof(copy));
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&s->seq, memory_order_relaxed) == a &&
        copy.serial != 0)
      fn(&copy, arg);
  }
}
