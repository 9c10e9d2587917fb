/*
 * test-options-halt-on-error.c: halt_on_error=1 ends the program with
 * abort() right after the first report (written whole first): the second
 * race never happens and the program never reaches its end.
 *
 * mapsan-options: halt_on_error=1
 * mapsan-expect: write-write-race A1 B1
 * mapsan-exit: abort
 * mapsan-stderr: SUMMARY: mapsan: write-write-race
 * mapsan-stderr: \A(?![\s\S]*not reached)
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
  *(uint64_t *)hmap_assign(m2, &k) = 2;
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
  fprintf(stderr, "not reached: halt_on_error did not halt\n");
  pthread_create(&th, NULL, second, NULL);
  rt_sleep_ms(30);
  *(uint64_t *)hmap_assign(m2, &k) = 1;
  pthread_join(th, NULL);
  return 0;
}
