/*
 * sync.h: synchronization objects as happens-before edges.
 *
 * Every object that orders threads (a mutex, rwlock, semaphore, barrier,
 * once, condition's mutex, a GLib primitive, an annotated address) is keyed
 * by its address and carries a vector clock: a release joins the releasing
 * thread's clock into it and ticks the thread; an acquire joins it into the
 * acquiring thread. Readers of an rwlock release into a separate read clock
 * that only a writer acquires, so two readers are not ordered by each other
 * (a write under a read lock is then still caught).
 *
 * The wrappers in shim/sync_*.c call these after a successful acquisition
 * and before a release, as interpose.h says. Objects live in 256 stripes,
 * each a lock and a hash table; an operation touches one stripe.
 */
#ifndef MAPSAN_SYNC_H
#define MAPSAN_SYNC_H

#include "thread.h"
#include "../base/presence.h"
#include "../reports/report.h"

#include <stdint.h>

/* mapsan_lock_acquired_live's second argument: the mode in bit 0, the
 * kind above it. mapsan_lock_acquired is inlined into each wrapper, where
 * both are constants: the wrapper passes one constant, as it did the mode
 * alone. */
#define MAPSAN_LOCK_HOW(mode, kind) ((unsigned)(mode) | (unsigned)(kind) << 1)

/* The two hooks below with the clocks running: hooks_on tested, the
 * re-entry guard raised (the held-lock list is this thread's: base.h), the
 * acquire or release recorded, in one out-of-line call. */
void mapsan_lock_acquired_live(uintptr_t addr, unsigned how, uintptr_t pc,
                               uintptr_t cfa);
void mapsan_lock_releasing_live(uintptr_t addr);

/* A lock was acquired (mode WRITE for mutexes): acquire + held-lock push;
 * `kind` (a constant at every call site) is what the wrapper knows the
 * lock to be: it travels in the mode's word and is kept only when this
 * sighting creates the lock's object, beside its first-seen stack;
 * a lock is about to be released: held-lock pop + release in the mode it
 * was held in. Both only while the clocks run (window.h): otherwise a lock
 * operation costs a load (the held-lock list then goes stale, and thread.h
 * says how a thread's next window copes). Everything past that load is out
 * of line, so that a wrapper compiles to the real call, a compare and a
 * return (an unlock: a compare and a tail call) with no frame to build:
 * inlined, the rest made the compiler save two registers and build a frame
 * first: 15 instructions around g_mutex_lock, now 12 (objdump). A wrapper
 * calls them unconditionally.
 *
 * mapsan_lock_acquired is for a wrapper's own frame: it passes the
 * program's call site (its return address and CFA, as MAPSAN_OP_CALLER
 * takes them), from which the lock's first-seen
 * stack is taken through the call-site cache (a libunwind walk for each
 * new lock was 7% of full mode's instructions on bench/run's 100,000-table
 * row, 13% of GLib's thread-pool test). A statement, so that the call
 * site is read only once the clocks run (an argument of an inline
 * function was read before the test: one more instruction a lock). */
#define mapsan_lock_acquired(addr, mode, kind)                                \
  do {                                                                        \
    if (MAPSAN_UNLIKELY(atomic_load_explicit(&mapsan_clocks_live,             \
                                             memory_order_acquire)))          \
      mapsan_lock_acquired_live((addr), MAPSAN_LOCK_HOW((mode), (kind)),      \
                                (uintptr_t)__builtin_return_address(0),       \
                                (uintptr_t)__builtin_dwarf_cfa());            \
  } while (0)

static inline void mapsan_lock_releasing(uintptr_t addr) {
  if (MAPSAN_UNLIKELY(
          atomic_load_explicit(&mapsan_clocks_live, memory_order_acquire)))
    mapsan_lock_releasing_live(addr);
}

/* Condition waits (sync_pthread.c, sync_c11.c). A thread cancelled in
 * the wait does not return: glibc re-acquires the mutex inside the wait
 * and then runs the cleanup handlers, which may write what the mutex
 * guards and unlock it. MAPSAN_COND_WAIT pushes mapsan_cond_wait_cancelled
 * as a cleanup handler around the real wait: it runs before the
 * program's own handlers (it is the innermost) and records the
 * re-acquisition, errno intact. On return: release recorded before, and
 * the re-acquisition after when reacquired(r). `r` is declared by the
 * caller (pthread_cleanup_push/pop open and close a block). The push
 * costs a setjmp that does not save the signal mask (no system call). */
void mapsan_cond_wait_cancelled(void *mutex);

#define MAPSAN_COND_WAIT(r, m, call, reacquired, kind)                        \
  do {                                                                        \
    mapsan_lock_releasing((uintptr_t)(m));                                    \
    pthread_cleanup_push(mapsan_cond_wait_cancelled, (void *)(m));            \
    r = call;                                                                 \
    pthread_cleanup_pop(0);                                                   \
    if (reacquired(r))                                                        \
      mapsan_lock_acquired((uintptr_t)(m), MAPSAN_LOCK_WRITE, kind);          \
  } while (0)

/* Plain edges without lock bookkeeping (post/wait, annotations, once, join
 * of a barrier). Like the lock hooks, nothing while the clocks are stopped,
 * decided inline (one load); the rest is out of line. */
void mapsan_sync_release_live(uintptr_t addr);
void mapsan_sync_acquire_live(uintptr_t addr);

static inline void mapsan_sync_release(uintptr_t addr) {
  if (MAPSAN_UNLIKELY(
          atomic_load_explicit(&mapsan_clocks_live, memory_order_acquire)))
    mapsan_sync_release_live(addr);
}

static inline void mapsan_sync_acquire(uintptr_t addr) {
  if (MAPSAN_UNLIKELY(
          atomic_load_explicit(&mapsan_clocks_live, memory_order_acquire)))
    mapsan_sync_acquire_live(addr);
}

/* Implicit edges (thread.h: follow, publish) for work handed over where
 * mapsan cannot see it. mapsan_sync_follow: before a checked access, the
 * current thread acquires from its `follow` object, if any (maps.c; the
 * release paths here do it themselves). mapsan_sync_publish: after a
 * checked access, its clock is joined into its `publish` object, if any,
 * without a tick (the acquire paths here do it themselves). Sound only
 * because both happen at every such event: the publish object always holds
 * the thread's clock as of its last checked access or acquire, and its
 * later events are ordered after everything released into `follow` so far.
 * Both over-approximate (a missed race, never a false report). */
void mapsan_sync_follow(struct mapsan_thread *t);
void mapsan_sync_publish(struct mapsan_thread *t);

/* For the current thread: threads it creates from now on until the scope
 * is closed (both 0) get `follow` and `publish` as their implicit edges.
 * Threads created by a thread with implicit edges inherit its own. */
void mapsan_sync_spawn_scope(uintptr_t follow, uintptr_t publish);

/* pthread_join / thrd_join succeeded: the acquire of the joined thread's
 * final clock (thread.c), then the publish. */
void mapsan_sync_joined(pthread_t th);

/* init/destroy: forget what was known at this address (address reuse).
 * Almost always there is nothing: answered inline (base/presence.h). */
extern MAPSAN_HIDDEN struct mapsan_presence mapsan_sync_presence;
void mapsan_sync_forget_slow(uintptr_t addr);

static inline void mapsan_sync_forget(uintptr_t addr) {
  if (MAPSAN_UNLIKELY(mapsan_presence_maybe(&mapsan_sync_presence, addr)))
    mapsan_sync_forget_slow(addr);
}

/* mapsan_sync_acquire, then mapsan_sync_forget, for the last owner of an
 * object about to be destroyed (a table's last unref): one stripe lock,
 * and no object made when nothing was ever released at addr. */
void mapsan_sync_acquire_forget(uintptr_t addr);

/* True the first time it is called for addr (until addr is forgotten):
 * for a wrapper that must do something once per object. */
bool mapsan_sync_mark_once(uintptr_t addr);

/* The stack at which the object at addr was first seen; 0 if unknown. */
uint32_t mapsan_sync_create_stack(uintptr_t addr);

/* What the lock at addr is, as the wrapper that first saw it said. For
 * reports (cold: takes the stripe lock). */
enum mapsan_lock_kind mapsan_sync_lock_kind(uintptr_t addr);

/* Objects held now (created and not forgotten), for the summary at exit. */
size_t mapsan_sync_live(void);

void mapsan_sync_fork_prepare(void);
void mapsan_sync_fork_parent(void);
void mapsan_sync_fork_child(void);

#endif
