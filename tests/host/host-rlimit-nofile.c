/*
 * host-rlimit-nofile: under a soft descriptor limit of 16, a program that
 * raced on a map (a report, written to a JSON file) opens files until the
 * limit refuses one, then races again with every number in use. It prints
 * how many it could open and which numbers it got: mapsan's files must not
 * take any of them, and the second report must still be written.
 *
 * host-ulimit-nofile: 16
 * host-reports: write-write-race
 */
#include <hmap.h>

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

static hmap *m;
/* The writer's turn is over: a relaxed flag, which orders nothing (for
 * mapsan or C11), so the two writes stay a race, but they never run at
 * once (the map's own check would abort on overlapping writes). */
static atomic_int written;

static void wait_written(void) {
  while (!atomic_load_explicit(&written, memory_order_relaxed))
    sched_yield();
  atomic_store_explicit(&written, 0, memory_order_relaxed);
}

static void *writer(void *arg) {
  uint64_t k = (uint64_t)(uintptr_t)arg;
  *(uint64_t *)hmap_assign(m, &k) = k;
  atomic_store_explicit(&written, 1, memory_order_relaxed);
  return NULL;
}

/* A second race at other lines: a report with a signature of its own (a
 * race at the same lines is reported once). */
static void *writer2(void *arg) {
  uint64_t k = (uint64_t)(uintptr_t)arg;
  *(uint64_t *)hmap_assign(m, &k) = k;
  atomic_store_explicit(&written, 1, memory_order_relaxed);
  return NULL;
}

static void race2(uint64_t k) {
  pthread_t t;
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_create(&t, NULL, writer2, (void *)(uintptr_t)(k + 1));
  wait_written();
  *(uint64_t *)hmap_assign(m, &k) = k;
  pthread_join(t, NULL);
}

static void race(uint64_t k) {
  pthread_t t;
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_create(&t, NULL, writer, (void *)(uintptr_t)(k + 1));
  wait_written();
  *(uint64_t *)hmap_assign(m, &k) = k; /* unordered with the writer's */
  pthread_join(t, NULL);
}

int main(void) {
  race(1);
  int n = 0, fds[64];
  while (n < 64 && (fds[n] = open("/dev/null", O_RDONLY)) >= 0)
    n++;
  printf("opened %d:", n);
  for (int i = 0; i < n; i++)
    printf(" %d", fds[i]);
  printf("\n");
  fflush(stdout);
  race2(10);
  for (int i = 0; i < n; i++)
    close(fds[i]);
  return 0;
}
