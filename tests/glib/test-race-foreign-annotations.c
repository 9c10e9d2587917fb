/*
 * test-race-foreign-annotations.c: the twin of
 * test-clean-foreign-annotations.c where the annotations do not pair up:
 * the release is on one address and the acquire on another
 * (AnnotateHappensBefore(&flag1) / AnnotateHappensAfter(&flag2);
 * __tsan_release(&flag1) / __tsan_acquire(&flag2)). No edge: one race per
 * map.
 *
 * mapsan-expect: write-write-race A B
 * mapsan-expect: write-write-race C D
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <glib.h>
#include <hmap.h>

#include <stdint.h>

void AnnotateHappensBefore(const char *file, int line,
                           const volatile void *addr) __attribute__((weak));
void AnnotateHappensAfter(const char *file, int line,
                          const volatile void *addr) __attribute__((weak));
void __tsan_release(void *addr) __attribute__((weak));
void __tsan_acquire(void *addr) __attribute__((weak));

static hmap *m1, *m2;
static atomic_int flag1, flag2;

static gpointer producer(gpointer arg) {
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m1, &k) = 1; /* mapsan-mark: A */
  if (AnnotateHappensBefore)
    AnnotateHappensBefore(__FILE__, __LINE__, &flag1);
  *(uint64_t *)hmap_assign(m2, &k) = 1; /* mapsan-mark: C */
  if (__tsan_release)
    __tsan_release(&flag1);
  rt_flag_set(&flag1, 1);
  return NULL;
}

static gpointer consumer(gpointer arg) {
  uint64_t k = 2;
  RT_CHECK(rt_flag_wait(&flag1, 1, 10000));
  if (AnnotateHappensAfter)
    AnnotateHappensAfter(__FILE__, __LINE__, &flag2);
  *(uint64_t *)hmap_assign(m1, &k) = 2; /* mapsan-mark: B */
  if (__tsan_acquire)
    __tsan_acquire(&flag2);
  *(uint64_t *)hmap_assign(m2, &k) = 2; /* mapsan-mark: D */
  return NULL;
}

int main(void) {
  m1 = hmap_new(&hmap_u64_u64, 0);
  m2 = hmap_new(&hmap_u64_u64, 0);
  GThread *p = g_thread_new("producer", producer, NULL);
  GThread *c = g_thread_new("consumer", consumer, NULL);
  g_thread_join(p);
  g_thread_join(c);
  hmap_free(m1);
  hmap_free(m2);
  return 0;
}
