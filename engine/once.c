/*
 * once.c: the once-publication rule.
 *
 * The problem. GLib's g_once_init_enter() and g_once() macros read the
 * once's state inline and call nothing once initialization is done. A
 * thread that arrives after it has a real happens-before edge with the
 * initializer (the macro's load is an acquire of the store GLib makes when
 * the initializer leaves) but mapsan sees no call, so its accesses to a
 * map the initializer built would be reported against the initializer's
 * writes. LD_PRELOAD has nothing to intercept there.
 *
 * Terms. A once window is the time a thread spends running a one-time
 * initializer: from g_once_init_enter() returning TRUE to its
 * g_once_init_leave(), or the function that g_once_impl(), pthread_once()
 * or call_once() runs. Its thread opens it and closes it just before the
 * initialization becomes visible to other threads (the real leave or
 * return). Windows nest (an initializer that triggers another).
 *
 * The rule.
 *  1. An access made by a thread inside a window is recorded (maps.c) with
 *     the name of its innermost window beside its epoch.
 *  2. A later access that finds such a record unordered with itself (no
 *     happens-before edge) treats it as ordered when the window has closed
 *     by now, in real time: the close published the access.
 *  3. Everything else is checked as before: records made outside windows,
 *     and records of windows still open.
 *
 * Why rule 2 holds for correct programs: another thread can correctly
 * reach what an initializer made or changed only through that once (its
 * result, or state the initializer set up): either it calls the function
 * (mapsan sees the edge) or the inline fast path read the "done" state,
 * which GLib stores after the close. Either way its access follows the
 * close in real time, and it finds the window closed.
 *
 * What stays reported:
 *  - a race inside the window (another thread, given the map early, uses
 *    it while the initializer still runs): the other thread finds the
 *    initializer's record of an open window (rule 3), or the initializer
 *    finds the other thread's record, made outside any window;
 *  - a race between two later threads: the first replaces the map's record
 *    with its own, made outside any window, which the second checks as
 *    usual;
 *  - the initializer's own thread using the map after the close: closing
 *    ticks its clock, so that access is a new record, outside the window.
 *
 * What it can hide (missed races, never a false report): a thread that got
 * the object another way (the initializer leaked a pointer before the
 * close, or the map existed before the window and was only changed in it)
 * and uses it after the close without synchronizing; with nested windows,
 * the inner close publishes what was done inside the inner window while
 * the outer one is still open.
 *
 * Representation. A window is named by the clock its thread had when it
 * opened; opening ticks, so a window's accesses have epochs of their own
 * and the name is unique on its slot (thread.h: clocks only grow on a slot,
 * across occupants too). Each thread keeps its open windows as a stack
 * (thread.h once_open, once_depth), written by itself only. Window (slot,
 * o) is closed when the slot's occupant is gone or is a later thread (its
 * clocks start above o: own_start > o), or when o is not on the occupant's
 * stack. Readers scan the stack without a lock: an entry changes only
 * after the window it holds and every window above it have closed, so an
 * open window is never missed; a window closing during the scan may be
 * seen open (a report it could have spared, never a missed one). The
 * close's release store of once_depth precedes the program's own
 * publication, so a thread ordered after that publication in real time
 * sees the window closed.
 *
 * Cost: open and close are a tick and a few stores, once per
 * initialization; rule 2 is evaluated only for a record that is unordered
 * with the current access (what would otherwise be a report).
 */
#include "once.h"

void mapsan_once_open(uintptr_t key) {
  struct mapsan_thread *t = mapsan_thread_current();
  if (t == NULL)
    return;
  mapsan_enter(); /* the clock ticks: see base.h, "signals" */
  mapsan_thread_tick(t);
  uint32_t d = atomic_load_explicit(&t->once_depth, memory_order_relaxed);
  if (d < MAPSAN_ONCE_DEPTH) {
    atomic_store_explicit(&t->once_open[d], mapsan_thread_clock(t),
                          memory_order_relaxed);
    t->once_key[d] = key;
  }
  /* Release: a reader that sees the new depth sees the entry. */
  atomic_store_explicit(&t->once_depth, d + 1, memory_order_release);
  mapsan_leave();
}

void mapsan_once_close(uintptr_t key) {
  struct mapsan_thread *t = mapsan_thread_current();
  if (t == NULL)
    return;
  mapsan_enter();
  uint32_t d = atomic_load_explicit(&t->once_depth, memory_order_relaxed);
  uint32_t to = d; /* the depth after the close; d: key not open here */
  if (d > MAPSAN_ONCE_DEPTH) {
    to = d - 1; /* an unrecorded window: the innermost one is closing */
  } else {
    for (uint32_t i = d; i-- > 0;) {
      if (t->once_key[i] == key) {
        to = i;
        break;
      }
    }
  }
  if (to != d) {
    atomic_store_explicit(&t->once_depth, to, memory_order_release);
    /* What the thread does next is outside the window: a new epoch. */
    mapsan_thread_released(t);
  }
  mapsan_leave();
}

bool mapsan_once_closed(mapsan_epoch e, uint64_t window) {
  if (window == 0)
    return false;
  uint32_t slot = mapsan_epoch_slot(e);
  if (slot >= MAPSAN_MAX_SLOTS)
    return false;
  struct mapsan_thread *o =
      atomic_load_explicit(&mapsan_threads_by_slot[slot], memory_order_acquire);
  if (o == NULL) /* the thread is gone: its windows with it */
    return true;
  if (__atomic_load_n(&o->own_start, __ATOMIC_RELAXED) > window)
    return true; /* a later occupant of the slot */
  uint32_t d = atomic_load_explicit(&o->once_depth, memory_order_acquire);
  if (d > MAPSAN_ONCE_DEPTH)
    d = MAPSAN_ONCE_DEPTH;
  for (uint32_t i = 0; i < d; i++)
    if (atomic_load_explicit(&o->once_open[i], memory_order_relaxed) ==
        window)
      return false;
  return true;
}
