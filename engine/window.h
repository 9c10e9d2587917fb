/*
 * window.h: canary windows, the bound on what a drawn map costs (window.c).
 */
#ifndef MAPSAN_WINDOW_H
#define MAPSAN_WINDOW_H

#include "thread.h"

#include <stdbool.h>
#include <stdint.h>

/* The window now open, counted from 1; 0 while none is open. Full mode
 * (sample_budget=100, or sample_rate=1) opens one for good at the first
 * tracked access. */
extern MAPSAN_HIDDEN _Atomic uint64_t mapsan_window_gen;

/* A tracked map is about to be accessed by t: true when a window is open
 * (opening one if the budget allows, closing one whose time is up), so
 * the access is checked and recorded; false when it goes unchecked. */
bool mapsan_window_track_slow(struct mapsan_thread *t);

/* Full mode: the one window is open for good (set at start-up). */
extern MAPSAN_HIDDEN bool mapsan_window_always;

static inline bool mapsan_window_track(struct mapsan_thread *t) {
  if (MAPSAN_LIKELY(mapsan_window_always))
    return true;
  uint64_t gen = atomic_load_explicit(&mapsan_window_gen, memory_order_acquire);
  if (MAPSAN_LIKELY(gen == t->window_seen && t->window_countdown > 1)) {
    t->window_countdown--;
    return gen != 0;
  }
  return mapsan_window_track_slow(t);
}

/* For a wrapper about to call the engine for a map it knows is drawn
 * (its mark says so): true in canary mode while no window is open, when
 * the engine would check nothing, so the wrapper may call the library
 * directly (what the pool must know it still names). Every COUNTDOWN such
 * calls of a thread, it asks whether a window may open (a program whose
 * only drawn maps go this way must still get windows). */
extern MAPSAN_HIDDEN MAPSAN_TLS uint32_t mapsan_window_skips;
bool mapsan_window_poll(void);

static inline bool mapsan_window_closed(void) {
  if (MAPSAN_LIKELY(atomic_load_explicit(&mapsan_window_gen,
                                         memory_order_acquire) != 0))
    return false;
  if (MAPSAN_LIKELY(mapsan_window_skips > 1)) {
    mapsan_window_skips--;
    return true;
  }
  return !mapsan_window_poll();
}

/* A sync operation did clock work while a window was open: once in a
 * while, the window's time is checked (a window must close even when no
 * tracked map is touched). */
void mapsan_window_sync_slow(struct mapsan_thread *t);

/* Before t's clock work, tracked access or release of its clock (thread
 * creation, exit): in the first one of a window, with the lock calls
 * rebound between windows, t learns every clock (window.c, "rebound
 * locks"). Nothing in full mode or while no window is open. */
void mapsan_window_enter_slow(struct mapsan_thread *t, uint64_t gen);

static inline void mapsan_window_enter(struct mapsan_thread *t) {
  if (MAPSAN_LIKELY(mapsan_window_always))
    return;
  uint64_t gen = atomic_load_explicit(&mapsan_window_gen, memory_order_acquire);
  if (MAPSAN_UNLIKELY(gen != 0 && t->entered_gen != gen))
    mapsan_window_enter_slow(t, gen);
}

static inline void mapsan_window_sync(struct mapsan_thread *t) {
  if (MAPSAN_LIKELY(mapsan_window_always))
    return;
  mapsan_window_enter(t);
  if (MAPSAN_UNLIKELY(t->window_countdown <= 1))
    mapsan_window_sync_slow(t);
  else
    t->window_countdown--;
}

/* A map was just drawn: the UNDRAWN group's slots back at the wrappers
 * (window.c, "before the first draw"), before the map is handed out. */
void mapsan_window_drawn_slow(void);
extern MAPSAN_HIDDEN _Atomic bool mapsan_window_undrawn_parked;

static inline void mapsan_window_drawn(void) {
  if (MAPSAN_UNLIKELY(atomic_load_explicit(&mapsan_window_undrawn_parked,
                                           memory_order_relaxed)))
    mapsan_window_drawn_slow();
}

/* At start-up, before the first thread is registered: in full mode the one
 * window opens now, so every lock a thread takes is in its list. */
void mapsan_window_init(void);

/* For the summary: windows opened, and the share of the run they covered
 * in per mille. */
void mapsan_window_stats(uint64_t *opened, unsigned *permille);

#endif
