/*
 * thread.h: mapsan's view of the program's threads.
 *
 * Each live thread has a struct mapsan_thread, reached through a TLS
 * pointer: its slot and vector clock (vclock.h), the locks it holds (for the
 * "locks held" line of reports and the lockset hint), and the map operation
 * it is in (for the crash-time report). Threads are numbered T1 (the first
 * thread mapsan sees, normally main), T2, ... in the order mapsan sees them;
 * a number is never reused, a slot is.
 *
 * Thread creation is a release by the parent and an acquire by the child;
 * thread exit is a release into a join record, acquired by whoever joins.
 * Detached threads leave no join record.
 *
 * Slot reuse (see vclock.h): knowing any clock of a slot means knowing
 * every earlier clock of it, so a finished thread's slot is given only to
 * a new thread whose creator already knows that thread's final clock (it
 * joined it, or learned of it through synchronization). Otherwise the new
 * thread takes a fresh slot. This is what makes reuse exact: whoever
 * learns of the new thread has, through it, learned of the old one too. For reports, a bounded registry
 * keeps (number, tid, creation stack, parent) of running threads and of the
 * last MAPSAN_FINISHED_INFOS finished ones.
 *
 * Locks: one registry lock, taken on thread start, finish, join, detach and
 * report building; never on a map or sync fast path.
 */
#ifndef MAPSAN_THREAD_H
#define MAPSAN_THREAD_H

#include "../base/base.h"
#include "../reports/report.h"
#include "vclock.h"

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

/* Locks a thread can hold before its held-lock list moves from the
 * thread structure to mapsan's allocator (it grows without limit). */
#define MAPSAN_HELD_INLINE 16
#define MAPSAN_FINISHED_INFOS 4096
#define MAPSAN_SYNC_CACHE_BITS 5
#define MAPSAN_SYNC_CACHE (1 << MAPSAN_SYNC_CACHE_BITS)
#define MAPSAN_ONCE_DEPTH 8

enum mapsan_lock_mode { MAPSAN_LOCK_WRITE = 0, MAPSAN_LOCK_READ = 1 };

struct mapsan_held_lock {
  uintptr_t addr;
  uint8_t mode; /* enum mapsan_lock_mode */
};

/* What a thread does to maps, for the crash-time report (crash/report.c):
 * the operation in flight and the last MAPSAN_RECENT_OPS ones. Written by
 * the owning thread without locks, read by a signal handler that tolerates
 * a torn entry. */
#define MAPSAN_RECENT_OPS 8

struct mapsan_op_note {
  uintptr_t map;
  const char *op; /* static string */
  uintptr_t pc;   /* the program's call site */
  uint64_t tsc;   /* __rdtsc() at or shortly before the start */
};

struct mapsan_op_log {
  uint32_t next; /* recent[next % N] is written next */
  /* The operation in flight: recent[inflight - 1], or none when 0 (an
   * index, not a copy: a begin writes the note once). */
  uint32_t inflight;
  uint64_t coarse_tsc; /* __rdtsc() every 64 operations */
  struct mapsan_op_note recent[MAPSAN_RECENT_OPS];
};

/* The note of t's operation in flight, or NULL (for a signal handler:
 * the entry may be torn). */
static inline const struct mapsan_op_note *
mapsan_op_log_inflight(const struct mapsan_op_log *log) {
  uint32_t i = *(const volatile uint32_t *)&log->inflight;
  return i - 1 < MAPSAN_RECENT_OPS ? &log->recent[i - 1] : NULL;
}

struct mapsan_thread {
  uint32_t slot;
  uint32_t num;
  pid_t tid;
  pthread_t self;
  uint64_t own_start;     /* first clock of this occupant of the slot */
  uint64_t inherited_own; /* what it knows of earlier occupants */
  mapsan_vclock vc;
  /* The locks held, outermost first: held[0 .. nheld). `held` is
   * held_inline or, once more than MAPSAN_HELD_INLINE were held at once, an
   * array from mapsan's allocator of held_cap entries (kept until the
   * structure is recycled). held_lost counts locks held beyond what could
   * be stored when that allocation failed; a release of a lock not in the
   * list is taken as one of them (an extra edge can hide a race, a dropped
   * release would invent one). */
  uint32_t nheld;
  uint32_t held_cap;
  uint32_t held_lost;
  /* The list is kept only while the clocks run (window.h): held_gen is the
   * window it belongs to. A thread that meets a new window may hold locks
   * it took while the clocks were stopped: held_unknown, and a release of
   * a lock not in the list then counts as a release (in WRITE mode: an
   * extra edge can hide a race, a dropped release would invent one). */
  uint64_t held_gen;
  bool held_unknown;
  struct mapsan_held_lock *held;
  struct mapsan_held_lock held_inline[MAPSAN_HELD_INLINE];
  bool detached;
  /* A map access was made at the current clock (since the last tick): the
   * clock others must know before this slot can be reused. */
  bool dirty;
  /* Released since the last tick with no map access since: the tick is
   * owed, and is paid by the next access (mapsan_thread_access). A thread
   * that releases again and again without touching a tracked map keeps one
   * clock, which lets sync.c skip work it has already done. */
  bool tick_due;
  /* The owed tick may be waived (sync.c, "re-taking a lock"): the one lock
   * this thread released since its last tick, with accesses at the current
   * clock, the tag that release left on its clock (its read clock when
   * waive_read), its sync object and the object's generation; waive_addr
   * is 0 when nothing can be waived. With tick_due clear and waive_addr
   * set, the tick was waived and the thread holds that lock again: its
   * release can be decided from the object's tag alone. */
  uintptr_t waive_addr;
  uint64_t waive_tag;
  void *waive_obj;
  uint64_t waive_gen;
  bool waive_read;
  /* Bumped at each waived tick: the accesses of one epoch may then span
   * several critical sections, and the lockset hint counts a map's write
   * once in each (maps.c, mapsan_map_vote_again). */
  uint32_t sections;
  /* Bumped whenever vc changes (a tick, an acquire that taught it
   * something): (num, vc_ver) names one value of this thread's clock, which
   * a sync object can remember holding (sync.c). */
  uint64_t vc_ver;
  /* The vc_ver of the last change to vc other than a tick (an acquire that
   * taught it something): from a version at or after it, the clock has
   * changed only in its own entry, which lets a release into an object
   * holding that version copy one entry instead of joining (sync.c). */
  uint64_t joined_ver;
  /* A few sync objects this thread used lately, by address (sync.c). */
  struct mapsan_sync_cache_entry {
    uintptr_t addr;
    void *obj;
    uint64_t gen;
    /* The tags of the object's clock and read clock when this thread last
     * joined them (0: none): a clock still carrying that tag is known. */
    uint64_t known, known_r;
  } sync_cache[MAPSAN_SYNC_CACHE];
  /* Implicit edges, for a thread that runs work handed to it where mapsan
   * cannot see the handoff (a GLib thread-pool worker): before each tracked
   * access that is checked and each release it acquires from `follow`;
   * after each such access and each acquire its clock is joined, without a
   * tick, into `publish` (sync.c). 0: none. Set at start from the
   * mapsan_thread_start, so they are inherited by the thread's children. */
  uintptr_t follow, publish;
  /* While non-zero, threads this one creates get these as their implicit
   * edges instead of this thread's own (mapsan_sync_spawn_scope). */
  uintptr_t spawn_follow, spawn_publish;
  /* Once-initializer windows this thread is inside (shim/once.h), outermost
   * first: the clock each was opened at and the once object's address.
   * Written by this thread only; once_open and once_depth are read by
   * others (mapsan_once_closed). once_depth may exceed MAPSAN_ONCE_DEPTH;
   * deeper windows are not recorded. */
  _Atomic uint32_t once_depth;
  _Atomic uint64_t once_open[MAPSAN_ONCE_DEPTH];
  uintptr_t once_key[MAPSAN_ONCE_DEPTH];
  /* Map operation ids (maps.c): the next to hand out and the end of the
   * block this thread reserved from the process-wide counter. */
  uint64_t op_next, op_end;
  /* The shadow (engine/maps.c) of the map this thread last began an
   * operation on, and its address: begin skips the table lookup while the
   * shadow still holds that address (shadows are recycled, never freed). */
  uintptr_t map_cache_key;
  struct mapsan_map *map_cache;
  /* The canary window (window.h) this thread last saw open, the window
   * word it last saw (0: none open), and how many tracked accesses or
   * clock operations until it looks at the time. */
  uint64_t window_gen;
  uint64_t window_seen;
  uint32_t window_countdown;
  /* The window in which this thread last learned every clock (window.c,
   * "rebound locks"), and its own clock as others may read it then: the
   * value of vc.c[slot], stored at every tick. */
  uint64_t entered_gen;
  _Atomic uint64_t pub_clock;
  /* Inside an edge a signal handler may record (sem_post, a write to a
   * pipe...): entering a window there learns, but does not count as the
   * thread's entry (window.c). */
  bool edge_entry;
  /* A hint for the map fast path (maps.h): the cached map's record was
   * made or found at this thread's current epoch. Cleared by every tick:
   * an operation right after one (most, in lock-heavy code) then goes to
   * the slow half without reading the shadow. */
  bool cache_fresh;
  /* The program's call site of the last lock acquisition recorded (sync.c:
   * the lock's first-seen stack, made only inside one), or 0. */
  uintptr_t lock_pc, lock_cfa;
  void *registry_link; /* owned by thread.c */
  struct mapsan_op_log log;
};

/* Every live thread, by slot, for signal handlers: NULL or a thread whose
 * memory stays valid (thread structures are recycled, never freed). */
extern MAPSAN_HIDDEN struct mapsan_thread *_Atomic mapsan_threads_by_slot[MAPSAN_MAX_SLOTS];
/* One past the highest slot ever used. */
extern MAPSAN_HIDDEN _Atomic uint32_t mapsan_threads_slot_limit;

static inline void mapsan_thread_note_begin(struct mapsan_thread *t,
                                            uintptr_t map, const char *op,
                                            uintptr_t pc) {
  /* rdtsc costs 20-60 ns on virtual machines, more than the rest of this
   * path: read it one operation in 64 (ages in crash reports are then
   * approximate to the last few operations). */
  uint32_t i = t->log.next;
  if ((i & 63) == 0)
    t->log.coarse_tsc = __builtin_ia32_rdtsc();
  struct mapsan_op_note *n = &t->log.recent[i % MAPSAN_RECENT_OPS];
  /* One base register for the four stores (gcc 12 otherwise computes the
   * entry's address twice, for displacements either side of `next`). */
  __asm__("" : "+r"(n));
  *n = (struct mapsan_op_note){map, op, pc, t->log.coarse_tsc};
  t->log.next = i + 1;
  atomic_signal_fence(memory_order_release); /* the note, then its index */
  t->log.inflight = i % MAPSAN_RECENT_OPS + 1;
}

/* Vector clocks matter only once some tracked map has been touched: an
 * access can be ordered after another only through synchronization that
 * happens after the first of the two, so sync operations before the first
 * tracked access (in real time, by any thread) order nothing that will ever
 * be checked, and sync.c skips them. The first tracked access sets this
 * flag before its epoch is recorded; a sync operation that follows it in
 * any chain of synchronization sees it set (the program's own primitive
 * orders the store before the load). In canary mode (sample_rate) a process
 * that tracks no map pays one load per lock operation. */
extern MAPSAN_HIDDEN _Atomic bool mapsan_clocks_live;

/* Set, for good, before a second thread can run (the parent sets it before
 * the real pthread_create; a thread mapsan meets unannounced sets it when
 * registered). Until then nothing the one thread does can race with
 * anything: a later thread is created by it, after it. */
extern MAPSAN_HIDDEN _Atomic bool mapsan_multithreaded;
void mapsan_clocks_go_live(void);

/* t's clock ticks: what it does next is not covered by what it released. */
static inline void mapsan_thread_tick(struct mapsan_thread *t) {
  atomic_store_explicit(&t->pub_clock, ++t->vc.c[t->slot],
                        memory_order_relaxed);
  t->vc_ver++;
  t->dirty = false;
  t->tick_due = false;
  t->waive_addr = 0;
  t->cache_fresh = false;
}

/* t is about to access a tracked map (or record its creation) at its
 * current epoch, inside a canary window (window.h: which also set
 * mapsan_clocks_live): the owed tick is paid first. */
static inline void mapsan_thread_access(struct mapsan_thread *t) {
  if (MAPSAN_UNLIKELY(t->tick_due))
    mapsan_thread_tick(t);
  t->dirty = true;
}

/* t released its clock into a sync object: accesses after this must not
 * be covered by it. With accesses at the current clock the tick happens
 * now; without, it is owed (tick_due). */
static inline void mapsan_thread_released(struct mapsan_thread *t) {
  if (t->dirty) {
    mapsan_thread_tick(t);
  } else {
    t->tick_due = true;
    t->waive_addr = 0;
  }
}

/* t unlocked the lock at addr (held in READ mode: read), whose clock now
 * carries tag (sync.c). The first such release after accesses at the
 * current clock owes the tick instead of paying it, and remembers the
 * lock: re-taking it before anyone else did may waive the tick (sync.c,
 * "re-taking a lock"). */
static inline void mapsan_thread_released_lock(struct mapsan_thread *t,
                                               uintptr_t addr, uint64_t tag,
                                               void *obj, uint64_t gen,
                                               bool read) {
  if (t->dirty && !t->tick_due) {
    t->tick_due = true;
    t->waive_read = read;
    t->waive_addr = addr;
    t->waive_tag = tag;
    t->waive_obj = obj;
    t->waive_gen = gen;
  } else {
    mapsan_thread_released(t);
  }
}

static inline void mapsan_thread_note_end(struct mapsan_thread *t) {
  t->log.inflight = 0;
}

/* The calling thread, registered on first use. NULL when the thread has
 * finished (TLS destructors running after exit) or no slot is free. */
struct mapsan_thread *mapsan_thread_register_slow(void);
extern MAPSAN_HIDDEN MAPSAN_TLS struct mapsan_thread *mapsan_cur_thread;
extern MAPSAN_HIDDEN MAPSAN_TLS bool mapsan_thread_gone;

static inline struct mapsan_thread *mapsan_thread_current(void) {
  struct mapsan_thread *t = mapsan_cur_thread;
  if (MAPSAN_LIKELY(t != NULL))
    return t;
  return mapsan_thread_register_slow();
}

static inline uint64_t mapsan_thread_clock(const struct mapsan_thread *t) {
  return t->vc.c[t->slot];
}

static inline mapsan_epoch mapsan_thread_epoch(const struct mapsan_thread *t) {
  return mapsan_epoch_make(t->slot, mapsan_thread_clock(t));
}

/* True when the access at epoch e happens-before the current point of t. */
static inline bool mapsan_thread_ordered(const struct mapsan_thread *t,
                                         mapsan_epoch e) {
  uint32_t slot = mapsan_epoch_slot(e);
  uint64_t c = mapsan_epoch_clock(e);
  if (slot == t->slot)
    return c >= t->own_start || c <= t->inherited_own;
  return c <= mapsan_vclock_get(&t->vc, slot);
}

/* t learns every thread's clock as of now, except what each has not
 * released yet (window.c, "rebound locks"): its vector clock takes, per
 * slot, the live occupant's clock less one (a thread's accesses since its
 * last tick are not released yet), or the highest clock of the slot's
 * finished occupants; earlier occupants of t's own slot count as known. */
void mapsan_thread_learn_all(struct mapsan_thread *t);

/* t joins src into its clock (an acquire). */
void mapsan_thread_acquire(struct mapsan_thread *t, const mapsan_vclock *src);

/* Held-lock bookkeeping. */

/* Makes t's held-lock list the one of window gen (window.h), emptied and
 * marked unknown when it was another window's. */
static inline void mapsan_thread_held_sync(struct mapsan_thread *t,
                                           uint64_t gen) {
  if (MAPSAN_UNLIKELY(t->held_gen != gen)) {
    t->nheld = 0;
    t->held_lost = 0;
    t->held_unknown = true;
    t->held_gen = gen;
  }
}

/* Makes room for one more lock in t's list (thread.c); false when
 * mapsan's allocator has no memory left. */
bool mapsan_thread_held_grow(struct mapsan_thread *t);

static inline void mapsan_thread_lock_push(struct mapsan_thread *t,
                                           uintptr_t addr,
                                           enum mapsan_lock_mode mode) {
  if (MAPSAN_UNLIKELY(t->nheld == t->held_cap) &&
      !mapsan_thread_held_grow(t)) {
    t->held_lost++;
    return;
  }
  t->held[t->nheld].addr = addr;
  t->held[t->nheld].mode = (uint8_t)mode;
  t->nheld++;
}
/* The usual release, of the lock taken last: pops it and stores its mode;
 * false when addr is not on top (mapsan_thread_lock_pop then searches). */
static inline bool mapsan_thread_lock_pop_top(struct mapsan_thread *t,
                                              uintptr_t addr,
                                              enum mapsan_lock_mode *mode) {
  uint32_t n = t->nheld;
  if (n == 0 || t->held[n - 1].addr != addr)
    return false;
  *mode = (enum mapsan_lock_mode)t->held[n - 1].mode;
  t->nheld = n - 1;
  return true;
}

/* Removes addr (its innermost entry) and stores the mode it was held in.
 * False when t does not hold it as far as mapsan saw (with held_lost
 * non-zero or held_unknown, an unlisted lock counts as held, in WRITE
 * mode). */
bool mapsan_thread_lock_pop(struct mapsan_thread *t, uintptr_t addr,
                            enum mapsan_lock_mode *mode);

/* Locks held in all, for reports. */
static inline uint32_t mapsan_thread_nheld(const struct mapsan_thread *t) {
  return t->nheld + t->held_lost;
}

/* ---- creation, start, finish, join ------------------------------------ */

struct mapsan_thread_start {
  mapsan_vclock vc;     /* the parent's clock at creation */
  uint32_t parent_num;
  uint32_t create_stack;
  bool detached;
  uintptr_t follow, publish; /* the child's implicit edges */
};

/* In the parent, before the real create: the release. */
void mapsan_thread_prepare_create(struct mapsan_thread_start *st,
                                  bool detached);
/* In the parent when the real create failed. */
void mapsan_thread_cancel_create(struct mapsan_thread_start *st);
/* In the child, first thing: registers it and acquires the parent's clock. */
void mapsan_thread_begin(struct mapsan_thread_start *st);
/* The thread's last act, from a thread-specific-data destructor that defers
 * itself to the last destructor round, so that map operations in cleanup
 * handlers and other destructors are still seen: the release for the
 * joiner. After it, hooks are off for this thread. */
void mapsan_thread_finish(void);
/* Creates the key whose destructor calls mapsan_thread_finish. */
void mapsan_thread_init(void);
/* In the joiner after a successful join: the acquire. */
void mapsan_thread_joined(pthread_t th);
void mapsan_thread_detach(pthread_t th);

/* ---- for reports ------------------------------------------------------ */

/* Copies what is known of thread `num`; false if forgotten. */
bool mapsan_thread_info_get(uint32_t num, struct mapsan_thread_info *out);

/* In the child after fork: only the calling thread survives. */
void mapsan_thread_after_fork_child(void);
/* Around fork in the parent: the registry lock is held across it. */
void mapsan_thread_fork_prepare(void);
void mapsan_thread_fork_parent(void);

#endif
