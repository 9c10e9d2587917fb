/*
 * test-crash-loader-lock-iterate.c: proves that a use-after-resize fault is
 * reported while another thread holds the dynamic loader's lock, and that
 * the report path takes no loader lock (crash/handler.c, "What the crash
 * path may call").
 *
 * A second thread sits inside a dl_iterate_phdr callback, which holds
 * glibc's dl_load_write_lock, the lock dl_iterate_phdr itself and dlopen
 * (when it adds an object) take. It waits there for the main thread, which
 * first reads through a value pointer kept across growth (a use-after-
 * resize fault, reported from the SIGSEGV handler), then, once the handler
 * has returned (recoverable mode), releases it. A report path that unwinds
 * with the real dl_iterate_phdr or loads libdw in the handler would wait
 * for the lock forever, and the main thread would never release it.
 *
 * Expected: the report (function names included: libdw was loaded before
 * any signal could need it), then a normal exit with status 66. A hang
 * ends after 10 s with "deadlock" on stderr and status 3
 * (loader-lock-test.h), which fails the test on its own.
 *
 * mapsan-expect: use-after-resize USE
 * mapsan-stderr: loader lock released after the report
 */
#include "loader-lock-test.h"
#include "../resize/resize-test.h"

#include <link.h>

static int hold(struct dl_phdr_info *info, size_t size, void *data) {
  (void)info;
  (void)size;
  (void)data;
  ll_wait();
  return 1; /* one callback is enough */
}

static void *holder(void *arg) {
  (void)arg;
  dl_iterate_phdr(hold, NULL);
  return NULL;
}

int main(void) {
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  fill(m, 0, 8);
  uint64_t k = 3;
  uint64_t *v = hmap_lookup(m, &k);
  grow_and_finish(m);
  ll_start(holder, NULL);
  uint64_t stale = *(volatile uint64_t *)v; /* mapsan-mark: USE */
  ll_release();
  (void)stale;
  hmap_free(m);
  return 0;
}
