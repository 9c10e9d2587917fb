/*
 * test-race-gthreadpool.c: the twin of test-clean-gthreadpool.c with two
 * mistakes: main writes a map again after pushing it to the pool (the
 * task is ordered after the push, not after that write), and main writes
 * a map after g_thread_pool_free(pool, FALSE, FALSE), which does not wait
 * for the tasks, so nothing orders the task's write before main's (a
 * relaxed flag makes main wait for the task without ordering anything).
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
static atomic_int written, task_done;

static void task1(gpointer data, gpointer user_data) {
  RT_CHECK(rt_flag_wait(&written, 1, 10000));
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(data, &k) = 2; /* mapsan-mark: B */
}

static void task2(gpointer data, gpointer user_data) {
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(data, &k) = 2; /* mapsan-mark: C */
  rt_flag_set(&task_done, 1);
}

int main(void) {
  m1 = hmap_new(&hmap_u64_u64, 0);
  m2 = hmap_new(&hmap_u64_u64, 0);
  uint64_t k = 1;

  GThreadPool *p1 = g_thread_pool_new(task1, NULL, 1, TRUE, NULL);
  g_thread_pool_push(p1, m1, NULL);
  *(uint64_t *)hmap_assign(m1, &k) = 1; /* mapsan-mark: A */
  rt_flag_set(&written, 1);
  g_thread_pool_free(p1, FALSE, TRUE);

  GThreadPool *p2 = g_thread_pool_new(task2, NULL, 1, TRUE, NULL);
  g_thread_pool_push(p2, m2, NULL);
  g_thread_pool_free(p2, FALSE, FALSE);
  RT_CHECK(rt_flag_wait(&task_done, 1, 10000));
  *(uint64_t *)hmap_assign(m2, &k) = 1; /* mapsan-mark: D */

  hmap_free(m1);
  /* m2 is not freed: its destruction would be one more unordered access
   * to it (the race is the write at D). */
  return 0;
}
