/*
 * test-race-gcancellable.c: the twin of test-clean-gcancellable.c where the
 * worker writes the map once more AFTER g_cancellable_cancel. The main
 * thread's check that sees the cancellation is ordered after the cancel,
 * not after that write (a relaxed flag, no edge, makes main wait for it).
 *
 * mapsan-expect: write-write-race W M
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <gio/gio.h>
#include <hmap.h>

#include <stdint.h>

static hmap *m;
static GCancellable *c;
static atomic_int written;

static gpointer worker(gpointer arg) {
  (void)arg;
  uint64_t k = 0;
  *(uint64_t *)hmap_assign(m, &k) = 0;
  g_cancellable_cancel(c);
  k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: W */
  rt_flag_set(&written, 1);
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  c = g_cancellable_new();
  GThread *t = g_thread_new("worker", worker, NULL);
  while (!g_cancellable_is_cancelled(c))
    g_usleep(1000);
  RT_CHECK(rt_flag_wait(&written, 1, 10000));
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: M */
  g_thread_join(t);
  g_object_unref(c);
  hmap_free(m);
  return 0;
}
