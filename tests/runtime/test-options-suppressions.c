/*
 * test-options-suppressions.c: a suppressions file (written by check.py
 * from the mapsan-suppressions lines below) silences the matching findings
 * only. Race 1 is between functions whose names match the first rule: no
 * report, counted as suppressed. Race 2 matches no rule (the second rule
 * names its function but another kind), so it is reported; the exit status
 * is 66 because of it alone.
 *
 * mapsan-suppressions: # comments and blank lines are allowed
 * mapsan-suppressions: write-write-race:*quiet_writer*
 * mapsan-suppressions: read-write-race:loud_writer
 * mapsan-options: verbosity=1
 * mapsan-expect: write-write-race A2 B2
 * mapsan-stderr: mapsan: 1 report\(s\), 1 suppressed
 * mapsan-stderr: mapsan: suppressed: write-write-race \S+:[0-9]+ in quiet_writer\w* \([0-9a-f]{16}\)
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m1, *m2;

static void *quiet_writer_thread(void *arg) {
  (void)arg;
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m1, &k) = 2;
  return NULL;
}

static void *loud_writer(void *arg) {
  (void)arg;
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m2, &k) = 2; /* mapsan-mark: B2 */
  return NULL;
}

static void quiet_writer_main(void) {
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m1, &k) = 1;
}

int main(void) {
  m1 = hmap_new(&hmap_u64_u64, 0);
  m2 = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, quiet_writer_thread, NULL);
  rt_sleep_ms(30);
  quiet_writer_main();
  pthread_join(th, NULL);
  pthread_create(&th, NULL, loud_writer, NULL);
  rt_sleep_ms(30);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m2, &k) = 1; /* mapsan-mark: A2 */
  pthread_join(th, NULL);
  hmap_free(m1);
  hmap_free(m2);
  return 0;
}
