/*
 * test-race-ww-nosync.c: proves that two writes to one map from two
 * threads with no synchronization between them are reported as a
 * write-write race with both source lines, even though they never overlap
 * in time (the second thread starts writing 50 ms after the first is done;
 * a sleep orders nothing).
 *
 * mapsan-expect: write-write-race A B
 * mapsan-overlapping: false
 */
#include <hmap.h>

#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

static hmap *m;

static void *writer(void *arg) {
  (void)arg;
  usleep(50 * 1000);
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: B */
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, writer, NULL);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: A */
  pthread_join(th, NULL);
  hmap_free(m);
  return 0;
}
