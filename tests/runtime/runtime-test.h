/*
 * runtime-test.h: small helpers shared by the runtime test programs.
 *
 * Nothing here synchronizes in mapsan's eyes, on purpose:
 *   - rt_sleep_ms only makes an interleaving likely; it never orders
 *     anything (a clean test must not depend on it);
 *   - rt_flag_* are relaxed C11 atomics: mapsan does not see them and the
 *     C11 memory model gives them no happens-before either, so they can
 *     force a schedule (a thread waits until another has done something)
 *     without creating an edge that would hide a race;
 *   - rt_turn_* hand a turn between threads through a relaxed atomic too,
 *     and sleep on it with a raw futex call (the kernel's wait and wake
 *     are no C11 synchronization, and mapsan interposes neither).
 * Map operations are never wrapped in helpers: the reported line of a race
 * is the line of the map call itself, which must be in the test's source.
 */
#ifndef RUNTIME_TEST_H
#define RUNTIME_TEST_H

#include <linux/futex.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static inline void rt_sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0)
    ;
}

static inline long rt_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static inline void rt_flag_set(atomic_int *f, int v) {
  atomic_store_explicit(f, v, memory_order_relaxed);
}

/* Spins (yielding) until *f == want; false after timeout_ms. */
static inline bool rt_flag_wait(atomic_int *f, int want, long timeout_ms) {
  long end = rt_now_ms() + timeout_ms;
  while (atomic_load_explicit(f, memory_order_relaxed) != want) {
    if (rt_now_ms() > end)
      return false;
    struct timespec ts = {0, 100000L};
    nanosleep(&ts, NULL);
  }
  return true;
}

/* Waits until *turn == me; false once rt_now_ms() reaches end_ms. A
 * waiter sleeps instead of spinning: on a loaded machine (CI runs tests
 * two at a time on two cores) two spinning threads that share a core pass
 * one turn per scheduler slice, a hundred turns a second instead of ten
 * thousand, and a test that needs turns inside short canary windows sees
 * none there. */
static inline bool rt_turn_wait(atomic_int *turn, int me, long end_ms) {
  for (;;) {
    int now = atomic_load_explicit(turn, memory_order_relaxed);
    if (now == me)
      return true;
    if (rt_now_ms() >= end_ms)
      return false;
    struct timespec ts = {0, 2000000L}; /* the deadline is read again */
    syscall(SYS_futex, turn, FUTEX_WAIT_PRIVATE, now, &ts, NULL, 0);
  }
}

/* Gives the turn to thread `to`, waking it if it sleeps. */
static inline void rt_turn_pass(atomic_int *turn, int to) {
  atomic_store_explicit(turn, to, memory_order_relaxed);
  syscall(SYS_futex, turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* An absolute deadline ms from now on clock c (for timed waits). */
static inline struct timespec rt_deadline(clockid_t c, long ms) {
  struct timespec ts;
  clock_gettime(c, &ts);
  ts.tv_sec += ms / 1000;
  ts.tv_nsec += (ms % 1000) * 1000000L;
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  return ts;
}

/* Fails the program (exit 3, distinct from mapsan's 66) when a test's own
 * assumption does not hold. */
#define RT_CHECK(cond)                                                        \
  do {                                                                        \
    if (!(cond)) {                                                            \
      fprintf(stderr, "%s:%d: test assumption failed: %s\n", __FILE__,       \
              __LINE__, #cond);                                               \
      exit(3);                                                                \
    }                                                                         \
  } while (0)

#endif
