/*
 * stress-clean-1m-maps.c: a million maps created, used a little and
 * destroyed, by two threads (each its own maps): every other map is a heap
 * map (hmap_new/hmap_free, whose address malloc soon reuses), the others
 * are embedded maps (hmap_init/hmap_destroy) in slots of a large array
 * walked in order, so that destroyed maps pile up at 32,768 distinct
 * addresses. One map in 16 grows (20 keys) before it is destroyed. Proves
 * that map churn is silent (no use-after-destroy or race on a reused
 * address) and that the engine's memory is bounded: it keeps at most 4096
 * destroyed-map records (MAPSAN_DESTROYED_KEPT, engine/maps.c), recycles
 * shadows, and stores the few distinct creation stacks once.
 *
 * Memory: after a warm-up of 100,000 maps (the destroyed FIFO is full,
 * the shadow table has its peak size, every embedded slot has been used)
 * and after all 1,000,000, the heap in use (mallinfo2) may grow by at most
 * 1 MiB (900,000 more maps keeping even 2 bytes each would be 1.7 MiB)
 * and VmRSS by at most 8 MiB (mapsan's own mmapped memory, the stack
 * depot, would show there).
 *
 * Time: 17-21 s alone on 2 cores shared with other work (load 5-10),
 * 0.2 s natively; the bound (60 s, a watchdog at 58 s) is a deadlock
 * guard that a loaded machine still meets.
 *
 * mapsan-expect: none
 * stress-max-seconds: 60
 */
#include "stress-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

enum {
  THREADS = 2,
  TOTAL = 1000000,
  WARMUP = 100000,
  SLOTS = 16384, /* embedded-map slots per thread: all used in the warm-up */
};
#define HEAP_GROWTH_KIB 1024L
#define RSS_GROWTH_KIB (8L * 1024)

static hmap slots[THREADS][SLOTS];
static pthread_barrier_t phase;

static void use(hmap *m, uint64_t n) {
  uint64_t keys = n % 16 == 0 ? 20 : 3;
  for (uint64_t k = 0; k < keys; k++)
    *(uint64_t *)hmap_assign(m, &k) = n + k;
  uint64_t k = 1;
  uint64_t *v = hmap_lookup(m, &k);
  RT_CHECK(v != NULL && *v == n + 1);
  RT_CHECK(hmap_delete(m, &k));
  RT_CHECK(hmap_len(m) == keys - 1);
}

static void churn(int self, uint64_t from, uint64_t to) {
  for (uint64_t n = from; n < to; n++) {
    if (n % 2 == 0) {
      hmap *m = hmap_new(&hmap_u64_u64, 0);
      use(m, n);
      hmap_free(m);
    } else {
      hmap *m = &slots[self][(n / 2) % SLOTS];
      hmap_init(m, &hmap_u64_u64, 0);
      use(m, n);
      hmap_destroy(m);
    }
  }
}

static void *worker(void *arg) {
  int self = (int)(uintptr_t)arg;
  churn(self, 0, WARMUP / THREADS);
  pthread_barrier_wait(&phase); /* main reads VmRSS */
  pthread_barrier_wait(&phase);
  churn(self, WARMUP / THREADS, TOTAL / THREADS);
  return NULL;
}

int main(void) {
  st_watchdog(58);
  long t0 = rt_now_ms();
  pthread_barrier_init(&phase, NULL, THREADS + 1);
  pthread_t th[THREADS];
  st_phase = "warm-up: 100,000 maps";
  for (int i = 0; i < THREADS; i++)
    RT_CHECK(pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)i) == 0);
  pthread_barrier_wait(&phase);
  long rss_warm = st_rss_kib(), heap_warm = st_heap_kib();
  st_phase = "900,000 more maps";
  pthread_barrier_wait(&phase);
  for (int i = 0; i < THREADS; i++)
    RT_CHECK(pthread_join(th[i], NULL) == 0);
  long rss_end = st_rss_kib(), heap_end = st_heap_kib();
  fprintf(stderr,
          "%d maps in %ld ms; after %d maps: heap in use %ld KiB, VmRSS %ld "
          "KiB; after all: %ld KiB, %ld KiB\n",
          TOTAL, rt_now_ms() - t0, WARMUP, heap_warm, rss_warm, heap_end,
          rss_end);
  RT_CHECK(rss_warm > 0 && rss_end > 0 && heap_warm > 0);
  RT_CHECK(heap_end - heap_warm < HEAP_GROWTH_KIB);
  RT_CHECK(rss_end - rss_warm < RSS_GROWTH_KIB);
  return 0;
}
