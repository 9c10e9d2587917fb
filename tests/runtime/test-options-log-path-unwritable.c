/*
 * test-options-log-path-unwritable.c: a log_path that cannot be opened
 * gives one warning line naming it; the report is not lost: it goes to
 * stderr instead, the JSON report is still written, and the exit status is
 * still 66.
 *
 * mapsan-options: log_path=/nonexistent/dir/x
 * mapsan-expect: write-write-race A B
 * mapsan-stderr: (?m)^mapsan: warning: .*'/nonexistent/dir/x[^']*'.*$
 * mapsan-stderr: \A(?![\s\S]*nonexistent[\s\S]*nonexistent)
 * mapsan-stderr: WARNING: mapsan: write-write-race
 * mapsan-stderr: SUMMARY: mapsan: write-write-race test-options-log-path-unwritable.c:\d+
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m;

static void *writer(void *arg) {
  (void)arg;
  rt_sleep_ms(30);
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
