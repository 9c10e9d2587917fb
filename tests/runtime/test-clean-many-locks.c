/*
 * test-clean-many-locks.c: a striped map of 40 stripes (a mutex and an
 * hmap each) whose "snapshot all" takes every stripe's lock at once. Each
 * stripe has its own worker thread, which writes its stripe under the
 * stripe's lock; then the snapshot thread takes all 40 locks, writes every
 * stripe and releases them in reverse order, then once more, releasing
 * them in the order it took them (stripe 0 first); then each worker writes
 * its stripe again under its lock, having acquired nothing else. Every
 * pair of writes to a stripe is ordered by that stripe's mutex, however
 * many locks the snapshot holds: silent. (With a held-lock list of fixed
 * size, 16, the last releases of stripes 24..39 were dropped as "not
 * held" and those workers' writes reported.) The phases are sequenced
 * with relaxed flags, which order nothing.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

#define NSTRIPES 40

static struct stripe {
  pthread_mutex_t mu;
  hmap *m;
} stripes[NSTRIPES];
static atomic_int written, snapshot_done;

static void write_stripe(int i, uint64_t v) {
  uint64_t k = (uint64_t)i;
  *(uint64_t *)hmap_assign(stripes[i].m, &k) = v;
}

static void *worker(void *arg) {
  int i = (int)(uintptr_t)arg;
  pthread_mutex_lock(&stripes[i].mu);
  write_stripe(i, 1);
  pthread_mutex_unlock(&stripes[i].mu);
  atomic_fetch_add_explicit(&written, 1, memory_order_relaxed);
  RT_CHECK(rt_flag_wait(&snapshot_done, 1, 10000));
  pthread_mutex_lock(&stripes[i].mu);
  write_stripe(i, 3);
  pthread_mutex_unlock(&stripes[i].mu);
  return NULL;
}

static void *snapshot(void *arg) {
  (void)arg;
  RT_CHECK(rt_flag_wait(&written, NSTRIPES, 10000));
  for (int round = 0; round < 2; round++) {
    for (int i = 0; i < NSTRIPES; i++)
      pthread_mutex_lock(&stripes[i].mu);
    for (int i = 0; i < NSTRIPES; i++)
      write_stripe(i, 2);
    if (round == 0) {
      for (int i = NSTRIPES; i-- > 0;)
        pthread_mutex_unlock(&stripes[i].mu);
    } else {
      for (int i = 0; i < NSTRIPES; i++)
        pthread_mutex_unlock(&stripes[i].mu);
    }
  }
  rt_flag_set(&snapshot_done, 1);
  return NULL;
}

int main(void) {
  for (int i = 0; i < NSTRIPES; i++) {
    pthread_mutex_init(&stripes[i].mu, NULL);
    stripes[i].m = hmap_new(&hmap_u64_u64, 0);
  }
  pthread_t w[NSTRIPES], s;
  for (int i = 0; i < NSTRIPES; i++)
    pthread_create(&w[i], NULL, worker, (void *)(uintptr_t)i);
  pthread_create(&s, NULL, snapshot, NULL);
  for (int i = 0; i < NSTRIPES; i++)
    pthread_join(w[i], NULL);
  pthread_join(s, NULL);
  for (int i = 0; i < NSTRIPES; i++)
    hmap_free(stripes[i].m);
  return 0;
}
