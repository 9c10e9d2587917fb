/*
 * test-options-max-reports.c: max_reports=1 stops reporting after the first
 * distinct report. Two distinct races happen one after the other (the first
 * is over, its thread joined, before the second begins), so the first is
 * the one reported, exactly once; the second is silent. Exit status 66.
 *
 * mapsan-options: max_reports=1
 * mapsan-expect: write-write-race A1 B1
 * mapsan-stderr: \A(?![\s\S]*WARNING: mapsan[\s\S]*WARNING: mapsan)
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m1, *m2;

static void *first(void *arg) {
  (void)arg;
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m1, &k) = 2; /* mapsan-mark: B1 */
  return NULL;
}

static void *second(void *arg) {
  (void)arg;
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m2, &k) = 2; /* mapsan-mark: B2 */
  return NULL;
}

int main(void) {
  m1 = hmap_new(&hmap_u64_u64, 0);
  m2 = hmap_new(&hmap_u64_u64, 0);
  uint64_t k = 1;
  pthread_t th;
  pthread_create(&th, NULL, first, NULL);
  rt_sleep_ms(30);
  *(uint64_t *)hmap_assign(m1, &k) = 1; /* mapsan-mark: A1 */
  pthread_join(th, NULL);
  pthread_create(&th, NULL, second, NULL);
  rt_sleep_ms(30);
  *(uint64_t *)hmap_assign(m2, &k) = 1; /* mapsan-mark: A2 */
  pthread_join(th, NULL);
  hmap_free(m1);
  hmap_free(m2);
  return 0;
}
