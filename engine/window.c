/*
 * window.c: canary windows. What a drawn map costs is bounded by design,
 * not by the luck of the draw.
 *
 * In full mode the vector clocks run from the first tracked access to the
 * end: every lock operation of every thread joins clocks, and every new
 * epoch on a tracked map captures a stack. In a canary (sample_rate=N) one
 * map in N is drawn, and a program with many maps almost always draws one
 * early; from then on the whole process would pay that price (GLib's
 * installed test `actions`: 1.46x instructions at sample_rate=100). So in
 * canary mode the clocks run only inside windows: short stretches of time
 * (sample_window_ms, 5 ms) that together cover at most sample_budget
 * percent (1) of the process's run. Outside a window a lock operation costs what it costs
 * before any map is drawn (a load and the held-lock list), and an access to
 * a drawn map goes unchecked. The price is detection: a race is found when
 * both of its accesses fall in one window (bench/run measures the share of
 * runs that report a race, beside the cost).
 *
 * Why a window may start and stop at any moment. Two accesses are compared
 * only when both were recorded in the same window (a map's records carry
 * the window they were made in, and a record of an older window is dropped
 * before a comparison: maps.c). Every chain of synchronization that orders
 * two accesses of one window lies between them in real time, so inside
 * that window, where every release and acquire is recorded: nothing that
 * happened while the clocks were stopped can be missing from it. What the
 * clocks learned in earlier windows stays true (happens-before only grows),
 * so it is kept. A thread ticks at its first access in a new window, so its
 * epochs there are new. A thread sees the window open or closed in an order
 * consistent with the program's own synchronization (the window word is
 * written with release and read with acquire, and the flag sync.c tests is
 * sequentially consistent), so an access that a thread records in a window
 * is followed by its releases being recorded in that window too, or by the
 * window's end, after which nothing is compared with it.
 *
 * The budget. A window lasts sample_window_ms; the next may open only when
 * the windows so far, with it, cover at most sample_budget percent of the
 * time since the first tracked access (so the first opens window * 100 /
 * budget after it, 500 ms by default: a process shorter than that pays
 * nothing for its drawn maps).
 * Time is read once every COUNTDOWN tracked accesses or clock operations of
 * a thread, never on every one. sample_budget=100 (and full mode) opens one
 * window for good.
 *
 * Rebound locks. Between windows a lock wrapper records nothing, yet its
 * test and tail call were the whole of a canary's cost on lock-heavy code
 * (1.13x instructions on bench/run's lock-bound loop): so while no window
 * is open the program's PLT slots for lock operations point at the real
 * functions (base/rebind.c), and a window opens only once they point at
 * the wrappers again (rebind_lock is held from that rewrite to the window's
 * opening, and a close rewrites them only while no window is open). That
 * breaks one premise above: a thread that entered the real lock function
 * before the rewrite, waited, and got the lock after the window opened,
 * acquired it unrecorded; the releaser's accesses of this window would then
 * look unordered with its own. So a thread's first clock work or tracked
 * access in a window (mapsan_window_enter) is preceded by learning every
 * thread's clock less what each has not released (thread.c,
 * mapsan_thread_learn_all). Every release that such an unrecorded acquire
 * can depend on happened before the thread's own later events, and a
 * release ticks the releaser's clock past what it released, so the
 * releaser's current clock less one covers it: nothing recorded in the
 * window before the thread's entry can look unordered with it. The price,
 * in detection: accesses of a window made before a thread's first event in
 * it are taken as ordered before that thread, while the accesses each
 * thread makes at its current clock stay unordered with everyone else (a
 * racy loop is still found from its next iteration; a tick that is not a
 * release, an implicit edge's follow or a once window's opening, and a
 * finished thread's last accesses count as learned too: missed races, never
 * false ones). A plain edge recorded in a signal handler (sem_post, a pipe
 * write) learns without counting as the thread's entry: the thread it
 * interrupted may be inside a rebound lock call that returns with the lock
 * later, and its own next event learns again.
 */
#include "window.h"

#include "../base/options.h"
#include "../base/rebind.h"

#include <time.h>

#define COUNTDOWN 64

static uint64_t window_ns(void) {
  long ms = mapsan_opts.sample_window_ms;
  return (uint64_t)(ms > 0 ? ms : 1) * 1000000ull;
}

MAPSAN_HIDDEN _Atomic uint64_t mapsan_window_gen;
MAPSAN_HIDDEN bool mapsan_window_always;

static mapsan_lock window_lock = MAPSAN_LOCK_INIT;
MAPSAN_FORK_LEAF(window_lock)
static uint64_t start_ns;      /* the process's start, set at the first call */
static uint64_t opened_ns;     /* the open window's start */
static uint64_t covered_ns;    /* the closed windows' total */
static uint64_t last_gen;      /* windows opened so far */

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool unbounded(void) {
  return mapsan_opts.sample_rate <= 1 || mapsan_opts.sample_budget >= 100;
}

/* The lock calls are rebound between windows (set at start-up), and are
 * now (under rebind_lock: set before the rewrite starts and cleared when
 * the rewrite back is complete, so a fork between the two leaves a child
 * that rewrites them back before its first window). */
static bool rebinding;
static bool rebound;
/* A rewrite back failed (a seccomp filter installed after RELRO slots were
 * rewritten, an mprotect refused): no window opens again, and no thread
 * walks the objects again at every look at the time (under rebind_lock;
 * read without it as a hint). */
static _Atomic bool windows_over;

/* After a close: the slots to the real functions, unless a window opened
 * meanwhile or another thread is rewriting them. */
static void rebind_closed(void) {
  if (!rebinding || !mapsan_rebind_trylock())
    return;
  if (!rebound &&
      atomic_load_explicit(&mapsan_window_gen, memory_order_acquire) == 0) {
    rebound = true;
    mapsan_rebind(MAPSAN_REBIND_WINDOW, true);
  }
  mapsan_rebind_unlock();
}

/* Before an open: the slots back to the wrappers, with rebind_lock held
 * (the caller opens the window, then releases it). False: no window now. */
static bool unbind_for_open(void) {
  if (!rebinding)
    return true;
  if (!mapsan_rebind_trylock())
    return false;
  if (rebound) {
    if (!mapsan_rebind(MAPSAN_REBIND_WINDOW, false)) {
      atomic_store_explicit(&windows_over, true, memory_order_relaxed);
      mapsan_rebind_unlock();
      return false;
    }
    rebound = false;
  }
  return true;
}

/* Under window_lock. */
static void open_window(uint64_t now) {
  opened_ns = now;
  atomic_store_explicit(&mapsan_window_gen, ++last_gen, memory_order_release);
  mapsan_clocks_go_live();
}

static void close_window(uint64_t now) {
  covered_ns += now - opened_ns;
  atomic_store_explicit(&mapsan_clocks_live, false, memory_order_seq_cst);
  atomic_store_explicit(&mapsan_window_gen, 0, memory_order_release);
}

/* Opens or closes the window as the budget says; returns the window open
 * now (0: none). */
static uint64_t decide(void) {
  uint64_t gen = atomic_load_explicit(&mapsan_window_gen, memory_order_acquire);
  if (unbounded()) {
    if (gen != 0)
      return gen;
    mapsan_lock_acquire(&window_lock);
    if (atomic_load_explicit(&mapsan_window_gen, memory_order_relaxed) == 0)
      open_window(0);
    gen = atomic_load_explicit(&mapsan_window_gen, memory_order_relaxed);
    mapsan_lock_release(&window_lock);
    return gen;
  }
  uint64_t now = now_ns();
  mapsan_lock_acquire(&window_lock);
  if (start_ns == 0)
    start_ns = now;
  gen = atomic_load_explicit(&mapsan_window_gen, memory_order_relaxed);
  uint64_t budget = (uint64_t)mapsan_opts.sample_budget;
  bool closed = false, may_open = false;
  if (gen != 0 && now - opened_ns >= window_ns()) {
    close_window(now);
    gen = 0;
    closed = true;
  } else if (gen == 0 && budget > 0 &&
             !atomic_load_explicit(&windows_over, memory_order_relaxed) &&
             (covered_ns + window_ns()) * 100 <= (now - start_ns) * budget) {
    may_open = true;
  }
  mapsan_lock_release(&window_lock);
  if (closed)
    rebind_closed();
  if (!may_open || !unbind_for_open())
    return gen;
  /* The slots point at the wrappers; no other thread can open a window
   * while rebind_lock is held, nor rewrite the slots. The window starts
   * now, not when the rewrite began. */
  mapsan_lock_acquire(&window_lock);
  gen = atomic_load_explicit(&mapsan_window_gen, memory_order_relaxed);
  if (gen == 0) {
    open_window(now_ns());
    gen = last_gen;
  }
  mapsan_lock_release(&window_lock);
  if (rebinding) {
    mapsan_rebind_unlock();
    /* A thread that closed the window while the lock was held here could
     * not rewrite the slots: done for it. */
    if (atomic_load_explicit(&mapsan_window_gen, memory_order_acquire) == 0)
      rebind_closed();
  }
  return gen;
}

bool mapsan_window_track_slow(struct mapsan_thread *t) {
  t->window_countdown = COUNTDOWN;
  uint64_t gen = decide();
  t->window_seen = gen;
  if (gen == 0)
    return false;
  if (t->window_gen != gen) {
    /* Learned for this window even if it closed since decide(): the
     * access is recorded in it. */
    mapsan_window_enter_slow(t, gen);
    t->window_gen = gen;
    mapsan_thread_tick(t); /* new epochs for a new window */
    mapsan_thread_held_sync(t, gen); /* the locks held as this window saw */
  }
  return true;
}

MAPSAN_HIDDEN MAPSAN_TLS uint32_t mapsan_window_skips;

bool mapsan_window_poll(void) {
  mapsan_window_skips = COUNTDOWN;
  return decide() != 0;
}

void mapsan_window_sync_slow(struct mapsan_thread *t) {
  t->window_countdown = COUNTDOWN;
  if (!unbounded())
    decide();
}

void mapsan_window_enter_slow(struct mapsan_thread *t, uint64_t gen) {
  if (gen == 0 || gen == t->entered_gen)
    return;
  /* A plain edge may be recorded by a signal handler that interrupted this
   * thread inside a rebound lock call (one that may return with the lock,
   * unrecorded, later): it learns, but the thread's own next event learns
   * again. */
  if (!t->edge_entry)
    t->entered_gen = gen;
  if (rebinding)
    mapsan_thread_learn_all(t);
}

/* ---- before the first draw ----------------------------------------------
 *
 * Until some map is drawn, every map is untracked, and the wrappers of map
 * writes, iterations and the rest do nothing but the real call (a compare
 * with the map's mark and a jump: 7 instructions a call, GLib's installed
 * `hash` test 1.04x with nothing drawn). A canary process with few maps
 * often draws none at all. So from start-up until the first draw those
 * slots point at the real functions too (shim/bypass.c: the UNDRAWN group;
 * creation, destruction and iter_init keep their wrappers), and the first
 * draw points them back for good, before the drawn map is handed to the
 * program (sample_draw, engine/maps.c, then mapsan_window_drawn). What is
 * lost: a map that mapsan would first meet at a bypassed call (one made
 * where no wrapper sees it, inside GLib) is met only after the first draw;
 * until then it cannot be drawn. If the rewrite back cannot be made now
 * (another thread rewrites, under rebind_lock), the next draw tries again;
 * the drawn map's calls until then go unchecked (the project map's bucket
 * arrays then come from the heap: the pool frees what is its own only). If
 * it cannot be made at all (a seccomp filter since start-up), no window
 * opens from then on. */
MAPSAN_HIDDEN _Atomic bool mapsan_window_undrawn_parked;

void mapsan_window_drawn_slow(void) {
  /* Not from a handler of mapsan's (the walk takes the loader's lock): a
   * later draw does it. */
  if (mapsan_in_signal() || !mapsan_rebind_trylock())
    return;
  if (atomic_load_explicit(&mapsan_window_undrawn_parked,
                           memory_order_relaxed)) {
    if (!mapsan_rebind(MAPSAN_REBIND_UNDRAWN, false))
      atomic_store_explicit(&windows_over, true, memory_order_relaxed);
    atomic_store_explicit(&mapsan_window_undrawn_parked, false,
                          memory_order_release);
  }
  mapsan_rebind_unlock();
}

void mapsan_window_init(void) {
  if (unbounded()) {
    decide();
    mapsan_window_always = true; /* threads registered from now on are in
                                    it: thread.c */
    return;
  }
  if (!mapsan_opts.sample_rebind || !mapsan_rebind_ready())
    return;
  rebinding = true;
  /* The first thread, in the constructor: the lock is free and no window
   * is open. Both groups in one walk (one mprotect pair an object). */
  if (mapsan_rebind_trylock()) {
    rebound = true;
    mapsan_rebind(MAPSAN_REBIND_WINDOW | MAPSAN_REBIND_UNDRAWN, true);
    atomic_store_explicit(&mapsan_window_undrawn_parked, true,
                          memory_order_relaxed);
    mapsan_rebind_unlock();
  }
}

void mapsan_window_stats(uint64_t *opened, unsigned *permille) {
  mapsan_lock_acquire(&window_lock);
  uint64_t covered = covered_ns, now = now_ns();
  if (atomic_load_explicit(&mapsan_window_gen, memory_order_relaxed) != 0)
    covered += now - opened_ns;
  *opened = last_gen;
  if (unbounded())
    *permille = 1000;
  else /* none opened before the first drawn map was touched */
    *permille = start_ns && now > start_ns
                    ? (unsigned)(covered * 1000 / (now - start_ns))
                    : 0;
  mapsan_lock_release(&window_lock);
}
