/*
 * base.h: the few primitives every part of the runtime stands on.
 *
 * mapsan runs inside someone else's process and intercepts the very locks a
 * normal mutex would be built from, so its own locking cannot go through
 * pthread: mapsan_lock is a three-state futex mutex (Drepper, "Futexes are
 * tricky", mutex 2) taken only for short, bounded critical sections. It is
 * plain data, so after fork the child resets it by storing 0 (see
 * preload/init.c). MAPSAN_CHECK is for impossibilities: it prints file:line
 * and the condition with one write(2) and aborts.
 *
 * The per-thread recursion guard lives here too: every interceptor tests
 * mapsan_hooks_on() before doing any work, so that calls made by the
 * runtime itself (libunwind, libdw, malloc taking a pthread lock, ...) go
 * straight to the real function.
 *
 * Signals: a signal handler may call an async-signal-safe function that
 * mapsan wraps (sem_post, write, ...) at any point of the interrupted
 * thread, including inside mapsan. The guard makes that safe by one rule:
 * a thread holding any mapsan lock, or changing its own engine state, has
 * the guard raised (mapsan_lock_acquire raises it, mapsan_lock_release
 * lowers it; the engine's entry points raise it around their work), so a
 * hook reached from a handler on that thread passes straight through to the
 * real function and never waits for a lock its own thread holds. What such
 * a nested call would have ordered is lost (a missed edge, never a hang);
 * a handler that interrupts the program outside mapsan is tracked fully.
 */
#ifndef MAPSAN_BASE_H
#define MAPSAN_BASE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAPSAN_EXPORT __attribute__((visibility("default")))
/* On every extern declaration of mapsan's own globals: -fvisibility=hidden
 * hides definitions only, so a variable declared plainly is reached
 * through the GOT (one more load on each wrapper's fast path). */
#define MAPSAN_HIDDEN __attribute__((visibility("hidden")))
#define MAPSAN_TLS __thread __attribute__((tls_model("initial-exec")))
#define MAPSAN_LIKELY(x) __builtin_expect(!!(x), 1)
#define MAPSAN_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define MAPSAN_NOINLINE __attribute__((noinline))
/* For what runs only when something is reported or the process dies: GCC
 * puts such functions, the blocks that call them and the static functions
 * only they call in .text.unlikely, away from the code every process runs
 * (see preload/meson.build on the layout of libmapsan's text). */
#define MAPSAN_COLD __attribute__((cold))
/* For zero-initialized static arrays of a page or more: the linker puts
 * .lbss after all of .bss, so the small variables share a few pages instead
 * of one page at each end of every big array, and a big array's pages are
 * touched only when it is used (a canary touched 12 data pages, now 5). */
#define MAPSAN_BIG __attribute__((section(".lbss")))
#define MAPSAN_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void mapsan_check_failed(const char *file, int line, const char *cond)
    __attribute__((noreturn));
#define MAPSAN_CHECK(cond)                                                    \
  do {                                                                        \
    if (MAPSAN_UNLIKELY(!(cond)))                                             \
      mapsan_check_failed(__FILE__, __LINE__, #cond);                         \
  } while (0)

/* Writes all of buf to fd with write(2), retrying on EINTR and short writes.
 * Async-signal-safe. Returns false if the descriptor refused it. */
bool mapsan_write_all(int fd, const char *buf, size_t len);

/* ---- small pure helpers (async-signal-safe) ------------------------- */

/* FNV-1a over n bytes, continuing from h (start: MAPSAN_FNV_OFFSET). Report
 * signatures are built with it in report.c and, for crashes, in crash/report.c:
 * both must hash the same way. */
#define MAPSAN_FNV_OFFSET 0xcbf29ce484222325ull
static inline uint64_t mapsan_fnv(uint64_t h, const void *p, size_t n) {
  const unsigned char *c = p;
  for (size_t i = 0; i < n; i++) {
    h ^= c[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

/* Length of the valid UTF-8 sequence at s, or 0 (for JSON output). */
static inline int mapsan_utf8_len(const unsigned char *s) {
  int n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
  if (n == 0 || s[0] > 0xf4)
    return 0;
  for (int i = 1; i < n; i++)
    if ((s[i] & 0xc0) != 0x80)
      return 0;
  return n;
}

/* ---- recursion guard ---------------------------------------------------- */

extern MAPSAN_HIDDEN MAPSAN_TLS int mapsan_reentry;
/* Set once the constructor has finished and the engine may run. */
extern MAPSAN_HIDDEN _Atomic bool mapsan_active;

static inline bool mapsan_in_runtime(void) { return mapsan_reentry != 0; }
/* The compiler fences keep the guard's change on the right side of the work
 * it guards, as a signal handler on this thread would see it. */
static inline void mapsan_enter(void) {
  mapsan_reentry++;
  atomic_signal_fence(memory_order_seq_cst);
}
static inline void mapsan_leave(void) {
  atomic_signal_fence(memory_order_seq_cst);
  mapsan_reentry--;
}

/* True when an interceptor should run its hook: the runtime is up and this
 * thread is not already inside it. */
static inline bool mapsan_hooks_on(void) {
  return MAPSAN_LIKELY(atomic_load_explicit(&mapsan_active,
                                            memory_order_relaxed)) &&
         mapsan_reentry == 0;
}


/* ---- inside mapsan's signal handler ------------------------------------
 *
 * mapsan_signal_depth counts mapsan's signal handlers running on this thread
 * (crash/handler.c raises it around all of its own work and lowers it before
 * handing the signal on to the program's handler). What must never run in a
 * handler checks mapsan_in_signal() and declines instead: the loaders of
 * libunwind and libdw return "unavailable" without loading, and symbolization
 * does without dladdr, because dlopen and dladdr take the dynamic loader's
 * lock, which the interrupted program, or any other thread, may hold. */
extern MAPSAN_HIDDEN MAPSAN_TLS int mapsan_signal_depth;

static inline bool mapsan_in_signal(void) { return mapsan_signal_depth != 0; }

/* ---- internal lock ---------------------------------------------------- */

typedef struct mapsan_lock {
  _Atomic uint32_t state; /* 0 free, 1 locked, 2 locked with waiters */
} mapsan_lock;

#define MAPSAN_LOCK_INIT {0}

void mapsan_lock_slow(mapsan_lock *l);
void mapsan_unlock_wake(mapsan_lock *l);

static inline void mapsan_lock_acquire(mapsan_lock *l) {
  mapsan_enter(); /* see "signals" above */
  uint32_t free_state = 0;
  if (MAPSAN_LIKELY(atomic_compare_exchange_strong_explicit(
          &l->state, &free_state, 1, memory_order_acquire,
          memory_order_relaxed)))
    return;
  mapsan_lock_slow(l);
}

/* Takes l if it is free; false (and nothing held) if not. */
static inline bool mapsan_lock_try_acquire(mapsan_lock *l) {
  mapsan_enter();
  uint32_t free_state = 0;
  if (atomic_compare_exchange_strong_explicit(&l->state, &free_state, 1,
                                              memory_order_acquire,
                                              memory_order_relaxed))
    return true;
  mapsan_leave();
  return false;
}

static inline void mapsan_lock_release(mapsan_lock *l) {
  if (MAPSAN_UNLIKELY(atomic_exchange_explicit(&l->state, 0,
                                               memory_order_release) == 2))
    mapsan_unlock_wake(l);
  mapsan_leave();
}

/* Only for the child after fork, where no other thread exists; the
 * forking thread's guard count is restored as a whole (preload/init.c). */
static inline void mapsan_lock_reset(mapsan_lock *l) {
  atomic_store_explicit(&l->state, 0, memory_order_relaxed);
}

/* ---- the runtime's own code ------------------------------------------ */

/* Records libmapsan.so's text range (once; later calls return at once). */
void mapsan_runtime_text_init(void);
/* True for a pc inside libmapsan.so itself: the self-resolution guard of
 * interpose.c, and the frames a captured stack drops. Async-signal-safe. */
bool mapsan_is_runtime_pc(uintptr_t pc);

/* ---- fork -------------------------------------------------------------
 *
 * A leaf lock (one under which no other mapsan lock is ever taken) is
 * registered once with MAPSAN_FORK_LEAF(lock) at file scope; fork (see
 * preload/init.c) takes every registered leaf after the ordered locks and
 * resets them in the child. A lock that is not a leaf has its own place in
 * the order in init.c instead. */
void mapsan_fork_register_leaf(mapsan_lock *l);
void mapsan_fork_leaves_prepare(void);
void mapsan_fork_leaves_parent(void);
void mapsan_fork_leaves_child(void);

#define MAPSAN_FORK_LEAF(lock)                                                \
  __attribute__((constructor)) static void mapsan_fork_leaf_##lock(void) {    \
    mapsan_fork_register_leaf(&lock);                                         \
  }

#endif
