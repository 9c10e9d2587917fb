/*
 * stress-race-dedup.c: thousands of racy accesses, two signatures. 16
 * threads, 64 maps, no synchronization that mapsan sees. Each map is
 * guarded by a spin lock made of relaxed atomics: it keeps the accesses
 * from overlapping in time (so the map library's own "concurrent map
 * writes" check stays quiet, on x86 where a locked instruction is a full
 * barrier), but it orders nothing, neither for mapsan (which does not see
 * atomics) nor in C11 (relaxed): every access below is a real race.
 * Phases, separated by relaxed counters (no happens-before either):
 *   1. every thread writes every map at line W, 8 rounds;
 *   2. every thread reads every map at line R;
 *   3. every thread writes every map at line W again.
 * Proves: out of thousands of racy pairs, found at once by 16 threads on 2
 * cores, exactly two reports: write-write (W, W) and read-write (R, W;
 * phase 2 reads after writes, phase 3 writes after reads, one signature).
 * Every JSON line is whole (stress-check.py).
 *
 * mapsan-expect: write-write-race W W
 * mapsan-expect: read-write-race R W
 * stress-max-seconds: 20
 */
#include "stress-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

enum { THREADS = 16, MAPS = 64, ROUNDS = 8 };

static hmap *maps[MAPS];
static atomic_int guard[MAPS]; /* relaxed spin locks: invisible to mapsan */
static atomic_int arrived[3];

static void guard_lock(int j) {
  int free_state = 0;
  while (!atomic_compare_exchange_weak_explicit(&guard[j], &free_state, 1,
                                                memory_order_relaxed,
                                                memory_order_relaxed)) {
    free_state = 0;
    sched_yield();
  }
}

static void guard_unlock(int j) {
  atomic_store_explicit(&guard[j], 0, memory_order_relaxed);
}

/* Waits for every thread to finish phase `ph`: orders nothing. (The
 * watchdog, not this wait, ends a run that takes too long: it names the
 * phase.) */
static void phase_end(int ph) {
  static const char *const next[] = {"2: reads", "3: writes again"};
  if (atomic_fetch_add_explicit(&arrived[ph], 1, memory_order_relaxed) ==
      THREADS - 1)
    st_phase = next[ph];
  RT_CHECK(rt_flag_wait(&arrived[ph], THREADS, 60000));
}

static void write_all(uint64_t self, uint64_t round) {
  for (int j = 0; j < MAPS; j++) {
    uint64_t k = self;
    guard_lock(j);
    *(uint64_t *)hmap_assign(maps[j], &k) = round; /* mapsan-mark: W */
    guard_unlock(j);
  }
}

static void *worker(void *arg) {
  uint64_t self = (uint64_t)(uintptr_t)arg, sum = 0;
  for (uint64_t round = 0; round < ROUNDS; round++)
    write_all(self, round);
  phase_end(0);
  for (int j = 0; j < MAPS; j++) {
    uint64_t k = (self + 1) % THREADS;
    guard_lock(j);
    uint64_t *v = hmap_lookup(maps[j], &k); /* mapsan-mark: R */
    sum += v ? *v : 0;
    guard_unlock(j);
  }
  phase_end(1);
  write_all(self, ROUNDS);
  return (void *)(uintptr_t)sum;
}

int main(void) {
  st_watchdog(18);
  st_phase = "1: writes";
  for (int j = 0; j < MAPS; j++)
    maps[j] = hmap_new(&hmap_u64_u64, 0);
  pthread_t th[THREADS];
  for (int i = 0; i < THREADS; i++)
    RT_CHECK(pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)i) == 0);
  for (int i = 0; i < THREADS; i++)
    RT_CHECK(pthread_join(th[i], NULL) == 0);
  for (int j = 0; j < MAPS; j++) {
    RT_CHECK(hmap_len(maps[j]) == THREADS);
    hmap_free(maps[j]);
  }
  return 0;
}
