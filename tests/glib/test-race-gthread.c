/*
 * test-race-gthread.c: the twin of test-clean-gthread.c where main writes
 * the map after the thread wrote it but before g_thread_join (a sleep
 * orders nothing), and a thread that ends with g_thread_exit is raced the
 * same way before its join: one race per map.
 *
 * mapsan-expect: write-write-race A B
 * mapsan-expect: write-write-race C D
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <glib.h>
#include <hmap.h>

#include <stdint.h>

static hmap *m1, *m2;
static atomic_int done1, done2;

static gpointer worker(gpointer arg) {
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m1, &k) = 1; /* mapsan-mark: A */
  rt_flag_set(&done1, 1);
  return NULL;
}

static gpointer exiter(gpointer arg) {
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m2, &k) = 1; /* mapsan-mark: C */
  rt_flag_set(&done2, 1);
  g_thread_exit(NULL);
  return NULL;
}

int main(void) {
  m1 = hmap_new(&hmap_u64_u64, 0);
  m2 = hmap_new(&hmap_u64_u64, 0);
  GThread *a = g_thread_new("worker", worker, NULL);
  GThread *b = g_thread_new("exiter", exiter, NULL);
  RT_CHECK(rt_flag_wait(&done1, 1, 10000) && rt_flag_wait(&done2, 1, 10000));
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m1, &k) = 2; /* mapsan-mark: B */
  *(uint64_t *)hmap_assign(m2, &k) = 2; /* mapsan-mark: D */
  g_thread_join(a);
  g_thread_join(b);
  hmap_free(m1);
  hmap_free(m2);
  return 0;
}
