/*
 * test-clean-read-before-create.c: the twin of
 * test-race-read-after-single-thread.c. Main reads the map alone (recorded
 * without stacks), then creates a writer and joins it before reading again:
 * every read is ordered with the write (creation, join), so no report.
 *
 * mapsan-expect: none
 */
#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m;

static void *writer(void *arg) {
  (void)arg;
  uint64_t k = 7;
  *(uint64_t *)hmap_assign(m, &k) = 1;
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  uint64_t k = 7, sum = 0;
  *(uint64_t *)hmap_assign(m, &k) = 0;
  for (int i = 0; i < 1000; i++) {
    uint64_t *v = hmap_lookup(m, &k);
    sum += v ? *v : 0;
  }
  pthread_t th;
  pthread_create(&th, NULL, writer, NULL);
  pthread_join(th, NULL);
  uint64_t *v = hmap_lookup(m, &k);
  sum += v ? *v : 0;
  hmap_free(m);
  return sum == 12345 ? 1 : 0;
}
