/*
 * test-sample-rebind-race.c: the racy twin of test-sample-rebind-clean.
 * Between canary windows the lock calls bypass mapsan, and a thread's
 * first event in a window learns every clock (engine/window.c, "rebound
 * locks"); that must cost only the accesses made before it, not the race.
 * Two threads write 8 shared maps (one in two drawn) in turns for 1.2 s
 * with 1 ms windows (short, so that a window holds few turns and learning
 * too much at a window's entry would hide the race; in 400 ms the race
 * went unseen in 2 of 24 runs under load, when turns passed slower than
 * windows lasted), each under a pthread mutex and a GMutex for its
 * lookups, but one writes under them and the other after releasing them;
 * the turn passes through a relaxed atomic, which orders nothing (and
 * keeps the writes apart in time: the library is not corrupted), a waiter
 * sleeping on it (rt_turn_wait: spinning, two threads sharing a loaded
 * core passed a hundred turns a second, and the race went unseen in 8 of
 * 30 runs beside two busy loops). The
 * careless write is ordered after the careful one (the locks), but the
 * careful one is not ordered after the careless one: the race is reported,
 * with both lines.
 *
 * mapsan-options: sample_rate=2:sample_window_ms=1:sample_budget=25
 * mapsan-expect: write-write-race A B
 */
#include "../runtime/runtime-test.h"

#include <hmap.h>

#include <glib.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#define MAPS 8
static hmap *maps[MAPS];
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static GMutex gmutex;
static long end_ms;
static atomic_int turn;

static bool wait_turn(int me) { return rt_turn_wait(&turn, me, end_ms); }

static void pass_turn(int to) { rt_turn_pass(&turn, to); }

static void lock_both(void) {
  pthread_mutex_lock(&mutex);
  g_mutex_lock(&gmutex);
}

static void unlock_both(void) {
  g_mutex_unlock(&gmutex);
  pthread_mutex_unlock(&mutex);
}

static void *careful_writer(void *arg) {
  for (uint64_t i = 0; wait_turn(0); i++) {
    lock_both();
    for (int m = 0; m < MAPS; m++) {
      uint64_t k = i & 63;
      *(uint64_t *)hmap_assign(maps[m], &k) = i; /* mapsan-mark: A */
    }
    unlock_both();
    pass_turn(1);
  }
  return arg;
}

static void *careless_writer(void *arg) {
  uint64_t sum = 0;
  for (uint64_t i = 0; wait_turn(1); i++) {
    lock_both();
    for (int m = 0; m < MAPS; m++) {
      uint64_t k = i & 63, *v = hmap_lookup(maps[m], &k);
      sum += v ? *v : 0;
    }
    unlock_both();
    for (int m = 0; m < MAPS; m++) {
      uint64_t k = (i + 7) & 63;
      *(uint64_t *)hmap_assign(maps[m], &k) = i; /* mapsan-mark: B */
    }
    pass_turn(0);
  }
  return (void *)(uintptr_t)sum;
}

int main(void) {
  g_mutex_init(&gmutex);
  for (int m = 0; m < MAPS; m++)
    maps[m] = hmap_new(&hmap_u64_u64, 0);
  end_ms = rt_now_ms() + 1200;
  pthread_t a, b;
  pthread_create(&a, NULL, careful_writer, NULL);
  pthread_create(&b, NULL, careless_writer, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  for (int m = 0; m < MAPS; m++)
    hmap_free(maps[m]);
  return 0;
}
