/*
 * test-race-fd-pipe.c: the twin of test-clean-fd-pipe.c. The producer
 * fills the map, writes to the pipe and THEN writes the map once more; the
 * consumer reads the pipe and writes the map. The read is ordered after
 * the pipe write, not after the map write that follows it: a race in every
 * schedule (a relaxed flag, no edge, makes the consumer wait for it). A
 * second pipe, whose read end is read with readv, carries the same
 * mistake for m2.
 *
 * mapsan-expect: write-write-race P C
 * mapsan-expect: write-write-race P2 C2
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>
#include <sys/uio.h>
#include <unistd.h>

static int p[2], p2[2];
static hmap *m, *m2;
static atomic_int written;

static void *consumer(void *arg) {
  (void)arg;
  char c;
  RT_CHECK(read(p[0], &c, 1) == 1);
  struct iovec iov = {&c, 1};
  RT_CHECK(readv(p2[0], &iov, 1) == 1);
  RT_CHECK(rt_flag_wait(&written, 1, 10000));
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: C */
  *(uint64_t *)hmap_assign(m2, &k) = 2; /* mapsan-mark: C2 */
  return NULL;
}

int main(void) {
  RT_CHECK(pipe(p) == 0 && pipe(p2) == 0);
  m = hmap_new(&hmap_u64_u64, 0);
  m2 = hmap_new(&hmap_u64_u64, 0);
  uint64_t k = 0;
  *(uint64_t *)hmap_assign(m, &k) = 0;
  *(uint64_t *)hmap_assign(m2, &k) = 0;
  pthread_t th;
  pthread_create(&th, NULL, consumer, NULL);
  RT_CHECK(write(p[1], "x", 1) == 1);
  RT_CHECK(write(p2[1], "x", 1) == 1);
  k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: P */
  *(uint64_t *)hmap_assign(m2, &k) = 1; /* mapsan-mark: P2 */
  rt_flag_set(&written, 1);
  pthread_join(th, NULL);
  hmap_free(m);
  hmap_free(m2);
  return 0;
}
