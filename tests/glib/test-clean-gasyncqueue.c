/*
 * test-clean-gasyncqueue.c: maps handed from a producer to a consumer
 * through a GAsyncQueue are ordered: the producer fills each map and
 * pushes it (push, push_front, push_sorted, and under
 * g_async_queue_lock: push_unlocked, push_front_unlocked,
 * push_sorted_unlocked); the consumer pops it (pop, timeout_pop, try_pop,
 * and under the lock: pop_unlocked, timeout_pop_unlocked,
 * try_pop_unlocked) and owns it. GAsyncQueue locks with GMutex/GCond
 * inside libglib, invisible: push is a release, a pop that returns an item
 * an acquire.
 * Also: the consumer writes a shared map while holding the queue's lock
 * and then blocks in pop_unlocked, which drops that lock; the producer
 * takes the lock once it sees the consumer waiting
 * (g_async_queue_length_unlocked < 0) and writes the same map: ordered by
 * the lock, which the blocking pop released.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <glib.h>
#include <hmap.h>

#include <stdint.h>

#define N 6

static GAsyncQueue *q;
static hmap *shared;

static hmap *filled(uint64_t tag) {
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  for (uint64_t k = 0; k < 20; k++)
    *(uint64_t *)hmap_assign(m, &k) = tag;
  return m;
}

static gint no_order(gconstpointer a, gconstpointer b, gpointer u) {
  return 0;
}

static gpointer producer(gpointer arg) {
  g_async_queue_push(q, filled(0));
  g_async_queue_push_front(q, filled(1));
  g_async_queue_push_sorted(q, filled(2), no_order, NULL);
  g_async_queue_lock(q);
  g_async_queue_push_unlocked(q, filled(3));
  g_async_queue_push_front_unlocked(q, filled(4));
  g_async_queue_push_sorted_unlocked(q, filled(5), no_order, NULL);
  g_async_queue_unlock(q);

  /* Wait for the consumer to block in pop_unlocked, then hand it one more
   * map, writing the shared map under the queue's lock. */
  for (;;) {
    g_async_queue_lock(q);
    if (g_async_queue_length_unlocked(q) < 0)
      break;
    g_async_queue_unlock(q);
    g_usleep(1000);
  }
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(shared, &k) = 2;
  g_async_queue_push_unlocked(q, filled(6));
  g_async_queue_unlock(q);
  return NULL;
}

static void own(hmap *m) {
  RT_CHECK(m != NULL);
  for (uint64_t k = 0; k < 20; k++)
    *(uint64_t *)hmap_assign(m, &k) = 100;
  hmap_free(m);
}

static gpointer consumer(gpointer arg) {
  own(g_async_queue_pop(q));
  own(g_async_queue_timeout_pop(q, 10 * G_TIME_SPAN_SECOND));
  hmap *m;
  while ((m = g_async_queue_try_pop(q)) == NULL)
    g_usleep(1000);
  own(m);
  g_async_queue_lock(q);
  own(g_async_queue_pop_unlocked(q));
  own(g_async_queue_timeout_pop_unlocked(q, 10 * G_TIME_SPAN_SECOND));
  while ((m = g_async_queue_try_pop_unlocked(q)) == NULL) {
    g_async_queue_unlock(q);
    g_usleep(1000);
    g_async_queue_lock(q);
  }
  own(m);
  g_async_queue_unlock(q);

  g_async_queue_lock(q);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(shared, &k) = 1;
  own(g_async_queue_pop_unlocked(q)); /* drops the lock while waiting */
  g_async_queue_unlock(q);
  return NULL;
}

int main(void) {
  q = g_async_queue_new();
  shared = hmap_new(&hmap_u64_u64, 0);
  GThread *c = g_thread_new("consumer", consumer, NULL);
  GThread *p = g_thread_new("producer", producer, NULL);
  g_thread_join(p);
  g_thread_join(c);
  RT_CHECK(hmap_len(shared) == 2);
  hmap_free(shared);
  g_async_queue_unref(q);
  return 0;
}
