/*
 * test-clean-tryjoin.c: a successful pthread_tryjoin_np, pthread_timedjoin_np
 * or pthread_clockjoin_np is a join: it orders the joined thread's writes
 * before the joiner's. One map per flavour; each child writes its map, the
 * parent joins it with that flavour and writes the map after. No report.
 * (The tryjoin loop sleeps between attempts; the successful tryjoin is the
 * edge, not the sleep.)
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <hmap.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>

static hmap *maps[3];

static void *child(void *arg) {
  hmap *m = arg;
  rt_sleep_ms(20);
  for (uint64_t k = 0; k < 10; k++)
    *(uint64_t *)hmap_assign(m, &k) = k;
  return NULL;
}

int main(void) {
  pthread_t th[3];
  for (int i = 0; i < 3; i++) {
    maps[i] = hmap_new(&hmap_u64_u64, 0);
    pthread_create(&th[i], NULL, child, maps[i]);
  }
  int r;
  while ((r = pthread_tryjoin_np(th[0], NULL)) == EBUSY)
    rt_sleep_ms(1);
  RT_CHECK(r == 0);
  struct timespec dl = rt_deadline(CLOCK_REALTIME, 5000);
  RT_CHECK(pthread_timedjoin_np(th[1], NULL, &dl) == 0);
  dl = rt_deadline(CLOCK_MONOTONIC, 5000);
  RT_CHECK(pthread_clockjoin_np(th[2], NULL, CLOCK_MONOTONIC, &dl) == 0);
  for (int i = 0; i < 3; i++) {
    uint64_t k = 100;
    *(uint64_t *)hmap_assign(maps[i], &k) = 1;
    RT_CHECK(hmap_len(maps[i]) == 11);
    hmap_free(maps[i]);
  }
  return 0;
}
