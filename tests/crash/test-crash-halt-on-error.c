/*
 * test-crash-halt-on-error.c: with halt_on_error=1, mapsan's own abort()
 * after a race report is not a crash: no crash report, and the process
 * dies of SIGABRT.
 *
 * mapsan-options: halt_on_error=1
 * mapsan-expect: write-write-race A B
 * mapsan-crash: none
 * mapsan-exit: abort
 */
#include "crash-test.h"

#include <hmap.h>

#include <pthread.h>

static hmap *m;

static void *first(void *arg) {
  (void)arg;
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: B */
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, first, NULL);
  rt_sleep_ms(30);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: A */
  pthread_join(th, NULL);
  ct_say("not reached: halt_on_error did not halt\n");
  return 1;
}
