/*
 * test-race-grecmutex.c: the twin of test-clean-grecmutex.c where the
 * first thread writes the map after its outermost g_rec_mutex_unlock. The
 * second thread then locks the same GRecMutex (recursively) and writes:
 * ordered after the first thread's critical section, not after the write
 * that followed it. Also proves an inner unlock does not end the critical
 * section early in a way that hides this. The report lists the GRecMutex
 * held twice at B, and not the pthread mutex GLib locks inside it (that
 * layer is muted while inside the g_ wrappers).
 *
 * mapsan-expect: write-write-race A B
 * mapsan-stderr: Locks held \(2, innermost first\): L1 0x[0-9a-f]+ \(rmu, GRecMutex\), L1 0x[0-9a-f]+ \(rmu, GRecMutex\)\n
 * mapsan-overlapping: false
 * mapsan-lock-kind: L1 GRecMutex
 */
#include "runtime-test.h"

#include <glib.h>
#include <hmap.h>

#include <stdint.h>

static GRecMutex rmu;
static hmap *m;
static atomic_int step;

static gpointer first(gpointer arg) {
  uint64_t k = 1;
  g_rec_mutex_lock(&rmu);
  g_rec_mutex_lock(&rmu);
  *(uint64_t *)hmap_assign(m, &k) = 0;
  g_rec_mutex_unlock(&rmu);
  g_rec_mutex_unlock(&rmu);
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: A */
  rt_flag_set(&step, 1);
  return NULL;
}

static gpointer second(gpointer arg) {
  RT_CHECK(rt_flag_wait(&step, 1, 10000));
  uint64_t k = 2;
  g_rec_mutex_lock(&rmu);
  g_rec_mutex_lock(&rmu);
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: B */
  g_rec_mutex_unlock(&rmu);
  g_rec_mutex_unlock(&rmu);
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  GThread *a = g_thread_new("first", first, NULL);
  GThread *b = g_thread_new("second", second, NULL);
  g_thread_join(a);
  g_thread_join(b);
  hmap_free(m);
  return 0;
}
