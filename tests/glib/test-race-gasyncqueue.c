/*
 * test-race-gasyncqueue.c: the twin of test-clean-gasyncqueue.c where the
 * producer writes a map once more after pushing it (with push; and with
 * push_unlocked under the queue's lock, popped with try_pop). The
 * consumer's writes after the pop are ordered after the push, not after
 * that later write: one race per map. The consumer pops each map before
 * the producer pushes the next one: a pop acquires every push made so far
 * (the model's over-approximation, see shim/sync_glib.c), so a pop after
 * the second push would also be ordered after the first map's late write
 * and hide that race.
 *
 * mapsan-expect: write-write-race A B
 * mapsan-expect: write-write-race C D
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <glib.h>
#include <hmap.h>

#include <stdint.h>

static GAsyncQueue *q;
static hmap *m1, *m2;
static atomic_int step;

static gpointer producer(gpointer arg) {
  uint64_t k = 1;
  g_async_queue_push(q, m1);
  *(uint64_t *)hmap_assign(m1, &k) = 1; /* mapsan-mark: A */
  rt_flag_set(&step, 1);
  RT_CHECK(rt_flag_wait(&step, 2, 10000));
  g_async_queue_lock(q);
  g_async_queue_push_unlocked(q, m2);
  g_async_queue_unlock(q);
  *(uint64_t *)hmap_assign(m2, &k) = 1; /* mapsan-mark: C */
  rt_flag_set(&step, 3);
  return NULL;
}

static gpointer consumer(gpointer arg) {
  RT_CHECK(rt_flag_wait(&step, 1, 10000));
  uint64_t k = 2;
  hmap *m = g_async_queue_pop(q);
  RT_CHECK(m == m1);
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: B */
  rt_flag_set(&step, 2);
  RT_CHECK(rt_flag_wait(&step, 3, 10000));
  m = g_async_queue_try_pop(q);
  RT_CHECK(m == m2);
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: D */
  return NULL;
}

int main(void) {
  q = g_async_queue_new();
  m1 = hmap_new(&hmap_u64_u64, 0);
  m2 = hmap_new(&hmap_u64_u64, 0);
  GThread *p = g_thread_new("producer", producer, NULL);
  GThread *c = g_thread_new("consumer", consumer, NULL);
  g_thread_join(p);
  g_thread_join(c);
  hmap_free(m1);
  hmap_free(m2);
  g_async_queue_unref(q);
  return 0;
}
