/*
 * test-race-main-pthread-exit.c: main ends with pthread_exit after a
 * report; the last thread's return then ends the process through glibc's
 * internal exit(0), which no exit interposer sees. The status must still
 * be 66 and the summary (here its verbosity=1 line, written with the JSON
 * summary record) must be written.
 *
 * mapsan-expect: write-write-race A B
 * mapsan-overlapping: false
 * mapsan-options: verbosity=1
 * mapsan-stderr: mapsan: 1 report\(s\)
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m;
static atomic_int reported;

static void *writer(void *arg) {
  (void)arg;
  rt_sleep_ms(30);
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: B */
  rt_flag_set(&reported, 1);
  rt_sleep_ms(50); /* main is gone by now: this thread is the last */
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, writer, NULL);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: A */
  RT_CHECK(rt_flag_wait(&reported, 1, 5000));
  pthread_exit(NULL);
}
