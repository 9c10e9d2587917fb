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

static inline bool mapsan_window_track(struct mapsan_thread *t) {
  uint64_t gen = atomic_load_explicit(&mapsan_window_gen, memory_order_acquire);
  if (MAPSAN_LIKELY(gen != 0 && t->window_gen == gen &&
                    --t->window_countdown != 0))
    return true;
  return mapsan_window_track_slow(t);
}

/* A sync operation did clock work while a window was open: once in a
 * while, the window's time is checked (a window must close even when no
 * tracked map is touched). */
void mapsan_window_sync_slow(struct mapsan_thread *t);

static inline void mapsan_window_sync(struct mapsan_thread *t) {
  if (MAPSAN_UNLIKELY(--t->window_countdown == 0))
    mapsan_window_sync_slow(t);
}

/* For the summary: windows opened, and the share of the run they covered
 * in per mille. */
void mapsan_window_stats(uint64_t *opened, unsigned *permille);

#endif
