/*
 * test-clean-rw-mutex.c: the clean twin of the read/write race tests
 * (test-race-rw-lookup.c, test-race-wr-lookup.c, test-race-rw-len-delete.c,
 * test-race-rw-iter.c): the same reads (lookup, len, a whole iteration) and
 * writes (assign, delete, clear), from two threads in both orders, each
 * under one mutex. Also reads by several threads at once with no lock
 * after the writers are joined: reads never race with reads. No report.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static uint64_t reads(void) {
  uint64_t sum = 0, k = 1;
  uint64_t *v = hmap_lookup(m, &k);
  sum += v ? *v : 0;
  sum += hmap_len(m);
  hmap_iter it;
  for (hmap_iter_init(&it, m); hmap_iter_next(&it);)
    sum += *(const uint64_t *)it.val;
  return sum;
}

static void *side(void *arg) {
  uint64_t id = (uint64_t)(uintptr_t)arg;
  for (uint64_t i = 0; i < 100; i++) {
    pthread_mutex_lock(&mu);
    (void)reads();
    uint64_t k = id * 1000 + i;
    *(uint64_t *)hmap_assign(m, &k) = i;
    if (i % 5 == 0)
      hmap_delete(m, &k);
    if (i == 50 && id == 0)
      hmap_clear(m);
    (void)reads();
    pthread_mutex_unlock(&mu);
  }
  return NULL;
}

static void *reader(void *arg) {
  (void)arg;
  for (int i = 0; i < 50; i++)
    (void)reads();
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th[4];
  for (int i = 0; i < 2; i++)
    pthread_create(&th[i], NULL, side, (void *)(uintptr_t)i);
  for (int i = 0; i < 2; i++)
    pthread_join(th[i], NULL);
  for (int i = 0; i < 4; i++)
    pthread_create(&th[i], NULL, reader, NULL);
  (void)reads();
  for (int i = 0; i < 4; i++)
    pthread_join(th[i], NULL);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1;
  hmap_free(m);
  return 0;
}
