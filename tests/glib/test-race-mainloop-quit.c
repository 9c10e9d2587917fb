/*
 * test-race-mainloop-quit.c: the twins of test-clean-mainloop-quit.c.
 *   - The worker writes the map once more after g_main_loop_quit, and the
 *     main thread reads it after g_main_loop_run returned: the return is
 *     ordered after the quit, not after that write (A, B). The main thread
 *     reads only once the write is made (relaxed flag, no edge).
 *   - The main thread reads a second map from an idle callback while the
 *     loop still runs (before run returns), after the worker wrote it: the
 *     callback is ordered after its own scheduling (by main), not after the
 *     worker (C, D).
 *
 * mapsan-expect: read-write-race A B
 * mapsan-expect: read-write-race C D
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <glib.h>
#include <hmap.h>

#include <stdint.h>

static GMainLoop *loop;
static hmap *m1, *m2;
static atomic_int written, looked;

static gboolean peek(gpointer data) {
  RT_CHECK(rt_flag_wait(&written, 1, 10000));
  uint64_t k = 1;
  RT_CHECK(*(uint64_t *)hmap_lookup(m2, &k) == 1); /* mapsan-mark: D */
  rt_flag_set(&looked, 1);
  return G_SOURCE_REMOVE;
}

static gpointer worker(gpointer arg) {
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m2, &k) = 1; /* mapsan-mark: C */
  rt_flag_set(&written, 1);
  RT_CHECK(rt_flag_wait(&looked, 1, 10000));
  g_main_loop_quit(loop);
  *(uint64_t *)hmap_assign(m1, &k) = 2; /* mapsan-mark: A */
  rt_flag_set(&written, 2);
  return NULL;
}

int main(void) {
  loop = g_main_loop_new(NULL, FALSE);
  m1 = hmap_new(&hmap_u64_u64, 0);
  m2 = hmap_new(&hmap_u64_u64, 0);
  g_idle_add(peek, NULL);
  GThread *t = g_thread_new("worker", worker, NULL);
  g_main_loop_run(loop);
  RT_CHECK(rt_flag_wait(&written, 2, 10000));
  uint64_t k = 1;
  RT_CHECK(*(uint64_t *)hmap_lookup(m1, &k) == 2); /* mapsan-mark: B */
  g_thread_join(t);
  hmap_free(m1);
  hmap_free(m2);
  g_main_loop_unref(loop);
  return 0;
}
