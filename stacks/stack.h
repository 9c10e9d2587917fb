/*
 * stack.h: stack capture and the stack depot.
 *
 * A stack is captured with libunwind's unw_backtrace (the cached fast
 * unwinder: ~7 ns a frame warm, 60x cheaper than the unw_step loop; see
 * ../shared/docs/platform-notes.md; libunwind is loaded by the first
 * capture, see unwind.h) and stored once in a deduplicating,
 * append-only depot; callers keep a 32-bit id. Id 0 means "no stack".
 * Frames are raw return addresses, including mapsan's own frames at the
 * top; printers drop those (mapsan_is_runtime_pc, base.h).
 *
 * The depot never frees: it is bounded by the number of distinct stacks,
 * capped at MAPSAN_DEPOT_MAX_BYTES, past which captures return 0 and reports
 * say the stack was not kept.
 */
#ifndef MAPSAN_STACK_H
#define MAPSAN_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAPSAN_STACK_MAX_FRAMES 48
#define MAPSAN_DEPOT_MAX_BYTES (256u << 20)

/* Captures the calling thread's stack into the depot; returns its id (0 if
 * libunwind cannot be loaded). The first capture in the process loads
 * libunwind: not async-signal-safe then (see unwind.h). */
uint32_t mapsan_stack_capture(void);

/* The same if libunwind is loaded already, else 0 (no stack): for stacks
 * that are only context (a thread's creation), which must not make a
 * sampled process that tracks no map load libunwind. */
uint32_t mapsan_stack_capture_if_loaded(void);

/* The same, for a wrapper called from return address `pc` with canonical
 * frame address `cfa` (its caller's stack pointer at the call): when this
 * thread captured a stack from the same pc and cfa before and every return
 * address of that stack is still in its slot on the stack, that stack is
 * returned without unwinding. 0 for either: plain capture. See stack.c. */
uint32_t mapsan_stack_capture_from(uintptr_t pc, uintptr_t cfa);

/* Frees the calling thread's capture cache (at thread end). */
void mapsan_stack_thread_exit(void);

/* Stores pcs[0..n-1] in the depot; returns its id (0 if n == 0 or full). */
uint32_t mapsan_stack_intern(const uintptr_t *pcs, size_t n);

/* The frames of stack `id`; returns the count (0 for id 0). */
size_t mapsan_stack_get(uint32_t id, const uintptr_t **pcs);

void mapsan_stack_fork_prepare(void);
void mapsan_stack_fork_parent(void);
void mapsan_stack_fork_child(void);

#endif
