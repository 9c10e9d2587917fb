/*
 * test-sample-window-race.c: in canary mode the clocks run only inside
 * short windows (engine/window.c); a race whose two accesses recur is
 * still found in one of them. Two threads take turns writing 16 maps (one
 * in two drawn) for 400 ms, the turn passed through a relaxed atomic,
 * which orders nothing (for mapsan or C11): every pair of writes is a race,
 * though they never run at once (the map's own check would abort). Windows
 * of 5 ms open for a quarter of the time: the race is reported, with both
 * lines.
 *
 * mapsan-options: sample_rate=2:sample_window_ms=5:sample_budget=25
 * mapsan-expect: write-write-race A B
 */
#include "../runtime/runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#define MAPS 16
static hmap *maps[MAPS];
static atomic_int turn;
static long end_ms;

/* The turn's waiter sleeps on it (runtime-test.h: spinning threads that
 * share a loaded core pass few turns a second). */
static bool wait_turn(int me) { return rt_turn_wait(&turn, me, end_ms); }

static void *writer(void *arg) {
  for (uint64_t i = 0; wait_turn(1); i++) {
    uint64_t k = i & 1023;
    for (int m = 0; m < MAPS; m++)
      *(uint64_t *)hmap_assign(maps[m], &k) = i; /* mapsan-mark: B */
    rt_turn_pass(&turn, 0);
  }
  return arg;
}

int main(void) {
  for (int i = 0; i < MAPS; i++)
    maps[i] = hmap_new(&hmap_u64_u64, 0);
  end_ms = rt_now_ms() + 400;
  pthread_t t;
  pthread_create(&t, NULL, writer, NULL);
  for (uint64_t i = 0; wait_turn(0); i++) {
    uint64_t k = 1024 + (i & 1023);
    for (int m = 0; m < MAPS; m++)
      *(uint64_t *)hmap_assign(maps[m], &k) = i; /* mapsan-mark: A */
    rt_turn_pass(&turn, 1);
  }
  pthread_join(t, NULL);
  for (int i = 0; i < MAPS; i++)
    hmap_free(maps[i]);
  return 0;
}
