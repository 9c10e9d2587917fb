/*
 * test-race-rw-iter.c: iteration is a read. Map 1: a thread starts
 * iterating (hmap_iter_init) and another writes later, unordered. Map 2:
 * the write comes first and the unordered iteration later. Map 3: the
 * iterating thread releases an unrelated mutex between hmap_iter_init and
 * hmap_iter_next (its clock moves on, so the step is a new read of its
 * own), and the unordered write comes after the step: the report names
 * hmap_iter_next. Three read-write races.
 *
 * mapsan-expect: read-write-race INIT1 W1
 * mapsan-expect: read-write-race W2 INIT2
 * mapsan-expect: read-write-race NEXT3 W3
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m1, *m2, *m3;
static pthread_mutex_t unrelated = PTHREAD_MUTEX_INITIALIZER;
static atomic_int stepped;

static void *writer(void *arg) {
  (void)arg;
  uint64_t k = 100;
  *(uint64_t *)hmap_assign(m2, &k) = 1; /* mapsan-mark: W2 */
  rt_sleep_ms(50);
  *(uint64_t *)hmap_assign(m1, &k) = 1; /* mapsan-mark: W1 */
  RT_CHECK(rt_flag_wait(&stepped, 1, 5000));
  *(uint64_t *)hmap_assign(m3, &k) = 1; /* mapsan-mark: W3 */
  return NULL;
}

int main(void) {
  m1 = hmap_new(&hmap_u64_u64, 0);
  m2 = hmap_new(&hmap_u64_u64, 0);
  m3 = hmap_new(&hmap_u64_u64, 0);
  for (uint64_t k = 0; k < 20; k++) {
    *(uint64_t *)hmap_assign(m1, &k) = k;
    *(uint64_t *)hmap_assign(m2, &k) = k;
    *(uint64_t *)hmap_assign(m3, &k) = k;
  }
  pthread_t th;
  pthread_create(&th, NULL, writer, NULL);
  uint64_t sum = 0;
  hmap_iter it;

  hmap_iter_init(&it, m1); /* mapsan-mark: INIT1 */
  while (hmap_iter_next(&it))
    sum += *(const uint64_t *)it.key;

  rt_sleep_ms(30);
  hmap_iter_init(&it, m2); /* mapsan-mark: INIT2 */
  while (hmap_iter_next(&it))
    sum += *(const uint64_t *)it.key;

  rt_sleep_ms(60); /* after W1 */
  hmap_iter_init(&it, m3);
  pthread_mutex_lock(&unrelated);
  pthread_mutex_unlock(&unrelated);
  RT_CHECK(hmap_iter_next(&it)); /* mapsan-mark: NEXT3 */
  sum += *(const uint64_t *)it.key;
  hmap_iter_stop(&it);
  rt_flag_set(&stepped, 1);

  pthread_join(th, NULL);
  hmap_free(m1);
  hmap_free(m2);
  hmap_free(m3);
  return (int)(sum & 0); /* keep sum alive */
}
