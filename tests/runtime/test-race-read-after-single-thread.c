/*
 * test-race-read-after-single-thread.c: while a process has had one thread,
 * mapsan records its reads without a stack (none of them can race: a later
 * thread is created after them; engine/maps.c). The first pthread_create ends
 * that, in the creating thread, before the new one runs: here main reads
 * the map many times alone, creates a writer, reads at once (B), and only
 * then lets the writer write (A), unordered with that read. The race is
 * reported at A with main's read B as the earlier access, whose stack must
 * be there although the writer may not have started when B was made.
 *
 * mapsan-expect: read-write-race A B
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m;
static atomic_int read_done;

static void *writer(void *arg) {
  (void)arg;
  RT_CHECK(rt_flag_wait(&read_done, 1, 10000));
  uint64_t k = 7;
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: A */
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  uint64_t k = 7, sum = 0;
  *(uint64_t *)hmap_assign(m, &k) = 0;
  for (int i = 0; i < 1000; i++) { /* alone: no stacks recorded */
    uint64_t *v = hmap_lookup(m, &k);
    sum += v ? *v : 0;
  }
  pthread_t th;
  pthread_create(&th, NULL, writer, NULL);
  uint64_t *v = hmap_lookup(m, &k); /* mapsan-mark: B */
  sum += v ? *v : 0;
  rt_flag_set(&read_done, 1);
  pthread_join(th, NULL);
  hmap_free(m);
  return sum == 12345 ? 1 : 0;
}
