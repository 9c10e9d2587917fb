/*
 * stress-race-many-pairs.c: many races at the same moment, on many maps,
 * with many distinct signatures. 16 pairs of threads; pair p owns 8 maps.
 * The first thread of each pair writes its 8 maps at line Ap; once all 16
 * first threads are done (relaxed flags: no happens-before), the 16
 * second threads are released together and each writes its pair's 8 maps
 * at line Bp, with nothing ordering it after Ap. Proves:
 *   - all 16 races are found, each with both lines (Ap, Bp);
 *   - each is reported once: the 8 maps of a pair give one signature, so
 *     one report (dedup), and 16 reports in all, no more;
 *   - reports made by 16 threads at once are written whole: every line of
 *     the JSON file is one complete JSON object (stress-check.py), and the
 *     text reports are not interleaved (no WARNING line between another
 *     WARNING line and its SUMMARY line).
 * The writes of a pair never overlap in time, so the map library's own
 * "concurrent map writes" check stays quiet.
 *
 * mapsan-expect: write-write-race A0 B0
 * mapsan-expect: write-write-race A1 B1
 * mapsan-expect: write-write-race A2 B2
 * mapsan-expect: write-write-race A3 B3
 * mapsan-expect: write-write-race A4 B4
 * mapsan-expect: write-write-race A5 B5
 * mapsan-expect: write-write-race A6 B6
 * mapsan-expect: write-write-race A7 B7
 * mapsan-expect: write-write-race A8 B8
 * mapsan-expect: write-write-race A9 B9
 * mapsan-expect: write-write-race A10 B10
 * mapsan-expect: write-write-race A11 B11
 * mapsan-expect: write-write-race A12 B12
 * mapsan-expect: write-write-race A13 B13
 * mapsan-expect: write-write-race A14 B14
 * mapsan-expect: write-write-race A15 B15
 * mapsan-overlapping: false
 * mapsan-stderr: (?m)\A(?![\s\S]*^WARNING: mapsan:(?:(?!^SUMMARY: )[\s\S])*^WARNING: mapsan:)
 * stress-max-seconds: 20
 */
#include "stress-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

enum { PAIRS = 16, MAPS_PER_PAIR = 8 };

static hmap *maps[PAIRS][MAPS_PER_PAIR];
static atomic_int firsts_done;
static atomic_int go;

/* One call site per pair and side: the reported lines. The stored value
 * differs per line, so that the compiler cannot merge the calls. */
#define W(n)                                                                  \
  case (n) % 100:                                                             \
    *(uint64_t *)hmap_assign(m, &k) = (n);                                    \
    break

static void write_first(int p, hmap *m, uint64_t k) {
  switch (p) {
    W(0); /* mapsan-mark: A0 */
    W(1); /* mapsan-mark: A1 */
    W(2); /* mapsan-mark: A2 */
    W(3); /* mapsan-mark: A3 */
    W(4); /* mapsan-mark: A4 */
    W(5); /* mapsan-mark: A5 */
    W(6); /* mapsan-mark: A6 */
    W(7); /* mapsan-mark: A7 */
    W(8); /* mapsan-mark: A8 */
    W(9); /* mapsan-mark: A9 */
    W(10); /* mapsan-mark: A10 */
    W(11); /* mapsan-mark: A11 */
    W(12); /* mapsan-mark: A12 */
    W(13); /* mapsan-mark: A13 */
    W(14); /* mapsan-mark: A14 */
    W(15); /* mapsan-mark: A15 */
  }
}

static void write_second(int p, hmap *m, uint64_t k) {
  switch (p) {
    W(100); /* mapsan-mark: B0 */
    W(101); /* mapsan-mark: B1 */
    W(102); /* mapsan-mark: B2 */
    W(103); /* mapsan-mark: B3 */
    W(104); /* mapsan-mark: B4 */
    W(105); /* mapsan-mark: B5 */
    W(106); /* mapsan-mark: B6 */
    W(107); /* mapsan-mark: B7 */
    W(108); /* mapsan-mark: B8 */
    W(109); /* mapsan-mark: B9 */
    W(110); /* mapsan-mark: B10 */
    W(111); /* mapsan-mark: B11 */
    W(112); /* mapsan-mark: B12 */
    W(113); /* mapsan-mark: B13 */
    W(114); /* mapsan-mark: B14 */
    W(115); /* mapsan-mark: B15 */
  }
}

static void *first(void *arg) {
  int p = (int)(uintptr_t)arg;
  for (int i = 0; i < MAPS_PER_PAIR; i++)
    write_first(p, maps[p][i], (uint64_t)i);
  atomic_fetch_add_explicit(&firsts_done, 1, memory_order_relaxed);
  return NULL;
}

static void *second(void *arg) {
  int p = (int)(uintptr_t)arg;
  RT_CHECK(rt_flag_wait(&go, 1, 10000)); /* orders nothing */
  for (int i = 0; i < MAPS_PER_PAIR; i++)
    write_second(p, maps[p][i], (uint64_t)i + 100);
  return NULL;
}

int main(void) {
  st_watchdog(18);
  for (int p = 0; p < PAIRS; p++)
    for (int i = 0; i < MAPS_PER_PAIR; i++)
      maps[p][i] = hmap_new(&hmap_u64_u64, 0);
  pthread_t a[PAIRS], b[PAIRS];
  for (int p = 0; p < PAIRS; p++) {
    RT_CHECK(pthread_create(&b[p], NULL, second, (void *)(uintptr_t)p) == 0);
    RT_CHECK(pthread_create(&a[p], NULL, first, (void *)(uintptr_t)p) == 0);
  }
  st_phase = "first writes";
  long end = rt_now_ms() + 10000;
  while (atomic_load_explicit(&firsts_done, memory_order_relaxed) < PAIRS) {
    RT_CHECK(rt_now_ms() < end);
    rt_sleep_ms(1);
  }
  st_phase = "second writes, reported at once";
  rt_flag_set(&go, 1);
  for (int p = 0; p < PAIRS; p++) {
    RT_CHECK(pthread_join(a[p], NULL) == 0);
    RT_CHECK(pthread_join(b[p], NULL) == 0);
  }
  for (int p = 0; p < PAIRS; p++)
    for (int i = 0; i < MAPS_PER_PAIR; i++) {
      RT_CHECK(hmap_len(maps[p][i]) == 2);
      hmap_free(maps[p][i]);
    }
  return 0;
}
