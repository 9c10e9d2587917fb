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
 * any signal could need it), then a normal exit with status 66. A hang is
 * not left to the checker's 120 s timeout: after WAIT_SECONDS without being
 * released, the holding thread says "deadlock" on stderr and ends the
 * process with status 3, which fails the test on its own.
 *
 * mapsan-expect: use-after-resize USE
 * mapsan-stderr: loader lock released after the report
 */
#include "crash-test.h"
#include "../resize/resize-test.h"

#include <link.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

enum { WAIT_SECONDS = 10 };

static atomic_int inside, released;

static int hold(struct dl_phdr_info *info, size_t size, void *data) {
  (void)info;
  (void)size;
  (void)data;
  atomic_store(&inside, 1);
  for (int ms = 0; !atomic_load(&released); ms++) {
    if (ms == WAIT_SECONDS * 1000) {
      ct_say("deadlock: the fault was not reported while this thread held "
             "the loader's lock\n");
      _exit(3);
    }
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
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
  pthread_t t;
  pthread_create(&t, NULL, holder, NULL);
  while (!atomic_load(&inside)) {
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  uint64_t stale = *(volatile uint64_t *)v; /* mapsan-mark: USE */
  atomic_store(&released, 1);
  pthread_join(t, NULL);
  ct_say("loader lock released after the report\n");
  (void)stale;
  hmap_free(m);
  return 0;
}
