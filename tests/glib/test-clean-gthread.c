/*
 * test-clean-gthread.c: GThread creation and join order map writes. GLib
 * creates the thread with pthread_create and joins it with pthread_join
 * (inside g_thread_join, under a private GMutex) through its PLT, so the
 * edges are recorded once, at the pthread layer. Main writes, starts a
 * thread with g_thread_new that writes, joins it, writes again; a second
 * thread (g_thread_try_new) ends with g_thread_exit (pthread_exit inside
 * GLib) and its return value is read after the join.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <glib.h>
#include <hmap.h>

#include <stdint.h>

static hmap *m;

static gpointer worker(gpointer arg) {
  for (uint64_t k = 0; k < 100; k++)
    *(uint64_t *)hmap_assign(m, &k) = k + 1;
  return GINT_TO_POINTER(1);
}

static void finish_early(void) {
  uint64_t k = 500;
  *(uint64_t *)hmap_assign(m, &k) = 5;
  g_thread_exit(GINT_TO_POINTER(2));
}

static gpointer exiter(gpointer arg) {
  finish_early();
  return NULL; /* not reached */
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  for (uint64_t k = 0; k < 100; k++)
    *(uint64_t *)hmap_assign(m, &k) = k;
  GThread *t = g_thread_new("worker", worker, NULL);
  RT_CHECK(g_thread_join(t) == GINT_TO_POINTER(1));
  uint64_t k = 7;
  RT_CHECK(*(uint64_t *)hmap_lookup(m, &k) == 8);
  *(uint64_t *)hmap_assign(m, &k) = 0;

  GError *err = NULL;
  t = g_thread_try_new("exiter", exiter, NULL, &err);
  RT_CHECK(t != NULL);
  RT_CHECK(g_thread_join(t) == GINT_TO_POINTER(2));
  k = 500;
  *(uint64_t *)hmap_assign(m, &k) = 6;
  hmap_free(m);
  return 0;
}
