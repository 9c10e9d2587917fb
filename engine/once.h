/*
 * once.h: the once-publication rule (shim/once.c explains it).
 *
 * A wrapper of a one-time initialization (GLib's GOnce and
 * g_once_init_enter/leave, pthread_once, call_once) opens a window in the
 * thread that runs the initializer and closes it just before the
 * initialization is published to other threads. The engine (maps.c) tags
 * each access made inside a window with the window's name and treats such
 * an access as ordered before any later access that finds the window
 * closed. Knows nothing of GLib or of any map.
 */
#ifndef MAPSAN_ONCE_H
#define MAPSAN_ONCE_H

#include "thread.h"

#include <stdbool.h>
#include <stdint.h>

/* The current thread starts running the initializer of the once object at
 * `key` (any address that names it; the same at the close). Ticks the
 * thread's clock, so that its accesses in the window have epochs of their
 * own. Wrappers call it with hooks on, after the real call decided that
 * this thread initializes. */
void mapsan_once_open(uintptr_t key);

/* The initializer of `key` has finished in the current thread: its window
 * closes, which publishes what it did in it. Call before the real call
 * that makes the initialization visible to other threads (after the
 * release on the once object, if any). Closes the windows opened inside it
 * too. A key with no open window in this thread is ignored. */
void mapsan_once_close(uintptr_t key);

/* The name of t's innermost open window (its opening clock, never 0), or
 * 0 outside any window: what an access by t records beside its epoch. */
static inline uint64_t mapsan_once_window(const struct mapsan_thread *t) {
  uint32_t d = atomic_load_explicit(&t->once_depth, memory_order_relaxed);
  if (MAPSAN_LIKELY(d == 0))
    return 0;
  if (d > MAPSAN_ONCE_DEPTH)
    d = MAPSAN_ONCE_DEPTH; /* deeper windows: the deepest one recorded */
  return atomic_load_explicit(&t->once_open[d - 1], memory_order_relaxed);
}

/* True when the window `window` of the thread that made an access at epoch
 * e has closed (by now, in real time). window 0 (no window): false. May
 * answer false for a window that closes while it runs. Lock-free. */
bool mapsan_once_closed(mapsan_epoch e, uint64_t window);

#endif
