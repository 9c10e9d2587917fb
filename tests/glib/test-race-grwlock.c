/*
 * test-race-grwlock.c: the twin of test-clean-grwlock.c where two threads
 * write the map while holding the GRWLock only for reading. Readers
 * release into the read clock, which only a writer acquires, so the two
 * "readers" are not ordered by each other: a race, even though the
 * second takes its read lock after the first released its own. The lock
 * is on the heap: the report knows it by label, kind and first-seen stack.
 *
 * mapsan-expect: write-write-race A B
 * mapsan-overlapping: false
 * mapsan-lock-kind: L1 GRWLock
 * mapsan-stderr: Locks held \(1, innermost first\): L1 0x[0-9a-f]+ \(GRWLock\)\n
 * mapsan-stderr: Lock L1 0x[0-9a-f]+ \(GRWLock\) first seen at:\n
 */
#include "runtime-test.h"

#include <glib.h>
#include <hmap.h>

#include <stdint.h>

static GRWLock *rw;
static hmap *m;
static atomic_int step;

static gpointer first(gpointer arg) {
  uint64_t k = 1;
  g_rw_lock_reader_lock(rw);
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: A */
  g_rw_lock_reader_unlock(rw);
  rt_flag_set(&step, 1);
  return NULL;
}

static gpointer second(gpointer arg) {
  RT_CHECK(rt_flag_wait(&step, 1, 10000));
  uint64_t k = 2;
  RT_CHECK(g_rw_lock_reader_trylock(rw));
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: B */
  g_rw_lock_reader_unlock(rw);
  return NULL;
}

int main(void) {
  rw = g_new0(GRWLock, 1);
  g_rw_lock_init(rw);
  m = hmap_new(&hmap_u64_u64, 0);
  GThread *a = g_thread_new("first", first, NULL);
  GThread *b = g_thread_new("second", second, NULL);
  g_thread_join(a);
  g_thread_join(b);
  hmap_free(m);
  g_rw_lock_clear(rw);
  g_free(rw);
  return 0;
}
