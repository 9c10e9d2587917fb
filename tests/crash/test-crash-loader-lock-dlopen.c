/*
 * test-crash-loader-lock-dlopen.c: proves that a use-after-resize fault is
 * reported while another thread is inside dlopen, holding glibc's
 * dl_load_lock (the lock of dlopen, dlclose and dladdr), and that the
 * report path takes no loader lock and loads nothing (engine/quarantine.c,
 * reports/symbolize.c).
 *
 * A second thread dlopens crash-loader-lock-lib.so (its path is the first
 * argument), whose constructor calls back into this program and waits for
 * the main thread. The main thread reads through a value pointer kept
 * across growth (a use-after-resize fault, reported from the SIGSEGV
 * handler), then, once the handler has returned (recoverable mode),
 * releases it. A handler that dlopened libdw, or used dladdr, would wait
 * for the lock forever, and the main thread would never release it.
 *
 * Expected: the report with function names (libdw was loaded before any
 * signal could need it), then a normal exit with status 66. A hang ends
 * after 10 s with "deadlock" on stderr and status 3 (loader-lock-test.h),
 * which fails the test on its own.
 *
 * mapsan-expect: use-after-resize USE
 * mapsan-stderr: loader lock released after the report
 */
#include "loader-lock-test.h"
#include "../resize/resize-test.h"

#include <dlfcn.h>

/* Called by the library's constructor, inside dlopen. */
void loader_lock_wait(void) { ll_wait(); }

static void *holder(void *path) {
  if (dlopen(path, RTLD_NOW) == NULL) {
    ct_say("dlopen failed\n");
    _exit(4);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    ct_say("usage: test-crash-loader-lock-dlopen LIBRARY\n");
    return 2;
  }
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  fill(m, 0, 8);
  uint64_t k = 3;
  uint64_t *v = hmap_lookup(m, &k);
  grow_and_finish(m);
  ll_start(holder, argv[1]);
  uint64_t stale = *(volatile uint64_t *)v; /* mapsan-mark: USE */
  ll_release();
  (void)stale;
  hmap_free(m);
  return 0;
}
