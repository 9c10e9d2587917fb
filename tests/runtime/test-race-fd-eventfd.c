/*
 * test-race-fd-eventfd.c: the twin of test-clean-fd-eventfd.c. The
 * producer fills the map, adds to the eventfd and THEN writes the map once
 * more; the consumer reads the eventfd and writes the map: ordered after
 * the eventfd write, not after the map write that follows it. m with
 * write/read, m2 with eventfd_write/eventfd_read. A relaxed flag (no edge)
 * makes the consumer wait for the producer's late writes.
 *
 * mapsan-expect: write-write-race P C
 * mapsan-expect: write-write-race P2 C2
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

static int e, e2;
static hmap *m, *m2;
static atomic_int written;

static void *consumer(void *arg) {
  (void)arg;
  uint64_t v;
  RT_CHECK(read(e, &v, sizeof(v)) == (ssize_t)sizeof(v));
  RT_CHECK(eventfd_read(e2, &v) == 0);
  RT_CHECK(rt_flag_wait(&written, 1, 10000));
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: C */
  *(uint64_t *)hmap_assign(m2, &k) = 2; /* mapsan-mark: C2 */
  return NULL;
}

int main(void) {
  e = eventfd(0, 0);
  e2 = eventfd(0, 0);
  RT_CHECK(e >= 0 && e2 >= 0);
  m = hmap_new(&hmap_u64_u64, 0);
  m2 = hmap_new(&hmap_u64_u64, 0);
  uint64_t k = 0;
  *(uint64_t *)hmap_assign(m, &k) = 0;
  *(uint64_t *)hmap_assign(m2, &k) = 0;
  pthread_t th;
  pthread_create(&th, NULL, consumer, NULL);
  uint64_t one = 1;
  RT_CHECK(write(e, &one, sizeof(one)) == (ssize_t)sizeof(one));
  RT_CHECK(eventfd_write(e2, 1) == 0);
  k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: P */
  *(uint64_t *)hmap_assign(m2, &k) = 1; /* mapsan-mark: P2 */
  rt_flag_set(&written, 1);
  pthread_join(th, NULL);
  hmap_free(m);
  hmap_free(m2);
  return 0;
}
