/*
 * host-race.h: a deliberate race for the host-invariance programs that need
 * a report to happen (so that whatever mapsan does to write it happens).
 *
 * host_race_a() and host_race_b() each make a fresh map and write it from a
 * new thread and from the caller, unordered: a write-write race. They race
 * at different lines, so each is a report of its own (a race at the same
 * lines is reported once). The writer's turn is handed over through a
 * relaxed flag, which orders nothing (for mapsan or C11), so the writes stay
 * a race but never run at once: libhmap's own concurrent-write check would
 * abort on overlapping writes, natively too.
 */
#ifndef HOST_RACE_H
#define HOST_RACE_H

#include <hmap.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>

static hmap *host_race_map;
static atomic_int host_race_written;

static void *host_race_writer_a(void *arg) {
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(host_race_map, &k) = k;
  atomic_store_explicit(&host_race_written, 1, memory_order_relaxed);
  return arg;
}

static void *host_race_writer_b(void *arg) {
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(host_race_map, &k) = k;
  atomic_store_explicit(&host_race_written, 1, memory_order_relaxed);
  return arg;
}

static void host_race(void *(*writer)(void *)) {
  host_race_map = hmap_new(&hmap_u64_u64, 0);
  atomic_store_explicit(&host_race_written, 0, memory_order_relaxed);
  pthread_t t;
  pthread_create(&t, NULL, writer, NULL);
  while (!atomic_load_explicit(&host_race_written, memory_order_relaxed))
    sched_yield();
  uint64_t k = 3;
  *(uint64_t *)hmap_assign(host_race_map, &k) = k;
  pthread_join(t, NULL);
}

static inline void host_race_a(void) { host_race(host_race_writer_a); }
static inline void host_race_b(void) { host_race(host_race_writer_b); }

#endif
