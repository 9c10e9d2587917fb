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
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#define MAPS 16
static hmap *maps[MAPS];
static atomic_int turn;
static atomic_bool stop;

static int wait_turn(int me) {
  while (atomic_load_explicit(&turn, memory_order_relaxed) != me)
    if (atomic_load_explicit(&stop, memory_order_relaxed))
      return 0;
    else
      sched_yield();
  return 1;
}

static void *writer(void *arg) {
  for (uint64_t i = 0; wait_turn(1); i++) {
    uint64_t k = i & 1023;
    for (int m = 0; m < MAPS; m++)
      *(uint64_t *)hmap_assign(maps[m], &k) = i; /* mapsan-mark: B */
    atomic_store_explicit(&turn, 0, memory_order_relaxed);
  }
  return arg;
}

int main(void) {
  for (int i = 0; i < MAPS; i++)
    maps[i] = hmap_new(&hmap_u64_u64, 0);
  pthread_t t;
  pthread_create(&t, NULL, writer, NULL);
  long end = rt_now_ms() + 400;
  for (uint64_t i = 0; rt_now_ms() < end; i++) {
    wait_turn(0);
    uint64_t k = 1024 + (i & 1023);
    for (int m = 0; m < MAPS; m++)
      *(uint64_t *)hmap_assign(maps[m], &k) = i; /* mapsan-mark: A */
    atomic_store_explicit(&turn, 1, memory_order_relaxed);
  }
  wait_turn(0);
  atomic_store_explicit(&stop, 1, memory_order_relaxed);
  pthread_join(t, NULL);
  for (int i = 0; i < MAPS; i++)
    hmap_free(maps[i]);
  return 0;
}
