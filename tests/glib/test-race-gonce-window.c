/*
 * test-race-gonce-window.c: what the once-publication rule (shim/once.c)
 * must not hide, with the g_once_init_enter() macro.
 *   - A race inside the window: the initializer publishes the map early
 *     through a relaxed atomic, and another thread writes it while the
 *     initializer has not left yet (A, B). The initializer leaves only
 *     after that write (relaxed flag, no edge).
 *   - A race after it: two threads that arrive after initialization write
 *     the published map without a lock (C, D); the first of them is ordered
 *     after the initializer's writes, not the second after the first.
 *
 * The initializer's record is its first access of the window's epoch, the
 * creation of the map (the write that follows adds nothing to race with).
 *
 * mapsan-expect: write-write-race A B
 * mapsan-expect: write-write-race C D
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <glib.h>
#include <hmap.h>

#include <stdint.h>

static gsize loc1, loc2;
static hmap *m1, *m2;
static hmap *_Atomic early;
static atomic_int step, step2;

static gpointer init1(gpointer arg) {
  if (g_once_init_enter(&loc1)) {
    m1 = hmap_new(&hmap_u64_u64, 0); /* mapsan-mark: A */
    uint64_t k = 1;
    *(uint64_t *)hmap_assign(m1, &k) = 1;
    atomic_store_explicit(&early, m1, memory_order_relaxed);
    RT_CHECK(rt_flag_wait(&step, 1, 10000));
    g_once_init_leave(&loc1, 1);
  }
  return NULL;
}

static gpointer intruder(gpointer arg) {
  hmap *m;
  while ((m = atomic_load_explicit(&early, memory_order_relaxed)) == NULL)
    rt_sleep_ms(1);
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: B */
  rt_flag_set(&step, 1);
  return NULL;
}

static void init2(void) {
  if (g_once_init_enter(&loc2)) {
    m2 = hmap_new(&hmap_u64_u64, 0);
    uint64_t k = 1;
    *(uint64_t *)hmap_assign(m2, &k) = 1;
    g_once_init_leave(&loc2, 1);
  }
}

static gpointer first2(gpointer arg) {
  init2();
  rt_flag_set(&step2, 1);
  return NULL;
}

static gpointer later1(gpointer arg) {
  RT_CHECK(rt_flag_wait(&step2, 1, 10000));
  init2(); /* the macro's fast path: no call */
  uint64_t k = 3;
  *(uint64_t *)hmap_assign(m2, &k) = 3; /* mapsan-mark: C */
  rt_flag_set(&step2, 2);
  return NULL;
}

static gpointer later2(gpointer arg) {
  RT_CHECK(rt_flag_wait(&step2, 2, 10000));
  init2();
  uint64_t k = 4;
  *(uint64_t *)hmap_assign(m2, &k) = 4; /* mapsan-mark: D */
  return NULL;
}

int main(void) {
  GThread *a = g_thread_new("init", init1, NULL);
  GThread *b = g_thread_new("intruder", intruder, NULL);
  g_thread_join(a);
  g_thread_join(b);
  GThread *c = g_thread_new("first2", first2, NULL);
  GThread *d = g_thread_new("later1", later1, NULL);
  GThread *e = g_thread_new("later2", later2, NULL);
  g_thread_join(c);
  g_thread_join(d);
  g_thread_join(e);
  hmap_free(m1);
  hmap_free(m2);
  return 0;
}
