/*
 * sync_wrap.h: the fast path every unlock wrapper shares.
 *
 * While no clocks run (canary mode between windows, and any process before
 * its first tracked access) a lock operation records nothing (sync.h), and
 * an unlock should then cost what a call on an untracked map costs: a
 * compare and a tail call (map_wrap.h). The release hook before the real
 * call makes that hard: inlined, its live half made the compiler save a
 * register and build a frame before the test, 11 instructions around
 * g_mutex_unlock instead of 6 (objdump). So the exported wrapper keeps only
 * "clocks stopped, real function resolved" and tail-calls; everything else
 * goes to one out-of-line function that records the release and makes the
 * real call. Every unlock mapsan wraps takes one pointer and returns int or
 * nothing, so two such functions serve them all (sync_wrap.c).
 *
 * Acquisitions that return int (0: acquired) have the mirror problem: the
 * hook runs after the real call and needs its result, which the compiler
 * kept across a call of its own (a spill and a stack adjustment: 16
 * instructions around pthread_mutex_lock). MAPSAN_LOCK_INT hands the
 * result to an out-of-line half that records the acquisition and returns
 * it, as a tail call: nothing but the object is kept across the real call.
 */
#ifndef MAPSAN_SYNC_WRAP_H
#define MAPSAN_SYNC_WRAP_H

#include "../base/interpose.h"
#include "../engine/thread.h"

int mapsan_unlock_slow_int(void *obj, enum mapsan_real_id id);
void mapsan_unlock_slow_void(void *obj, enum mapsan_real_id id);

static inline bool mapsan_clocks_running(void) {
  return atomic_load_explicit(&mapsan_clocks_live, memory_order_acquire);
}

int mapsan_lock_acquired_int(void *obj, int r, unsigned how);

/* The body of an acquisition `int name(T *obj, ...)`: `call` is the real
 * call, 0 when it acquired; `how` is MAPSAN_LOCK_HOW (sync.h). */
#define MAPSAN_LOCK_INT(obj, call, how)                                       \
  do {                                                                        \
    int r_ = (call);                                                          \
    if (MAPSAN_UNLIKELY(mapsan_clocks_running()))                             \
      return mapsan_lock_acquired_int((void *)(obj), r_, (how));              \
    return r_;                                                                \
  } while (0)

/* The body of `int name(T *obj)`. */
#define MAPSAN_UNLOCK_INT(name, obj)                                          \
  do {                                                                        \
    __typeof__(&name) real_ = REAL_IF_RESOLVED(name);                         \
    if (MAPSAN_LIKELY(real_ != NULL) && !mapsan_clocks_running())             \
      return real_(obj);                                                      \
    return mapsan_unlock_slow_int((void *)(obj), MAPSAN_REAL_##name);         \
  } while (0)

/* The body of `void name(T *obj)`. */
#define MAPSAN_UNLOCK_VOID(name, obj)                                         \
  do {                                                                        \
    __typeof__(&name) real_ = REAL_IF_RESOLVED(name);                         \
    if (MAPSAN_LIKELY(real_ != NULL) && !mapsan_clocks_running()) {           \
      real_(obj);                                                             \
      return;                                                                 \
    }                                                                         \
    mapsan_unlock_slow_void((void *)(obj), MAPSAN_REAL_##name);               \
  } while (0)

#endif
