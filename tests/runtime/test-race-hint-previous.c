/*
 * test-race-hint-previous.c: the lockset hint on the side that skipped the
 * lock. Main writes the map under cache_lock, starts a thread that writes
 * it once without the lock (the bug), then writes it again under the lock.
 * The race is reported at main's last write, which holds the lock: the
 * access that skipped it is the previous one, and the hint names it.
 *
 * mapsan-expect-ordered: write-write-race A B
 * mapsan-overlapping: false
 * mapsan-field: write-write-race usual_lock_skipped_by "previous"
 * mapsan-field: write-write-race usual_lock_writes 5
 * mapsan-field: write-write-race usual_lock_total_writes 6
 * mapsan-field: write-write-race usual_lock_label "L1"
 * mapsan-field: write-write-race usual_lock_name "cache_lock"
 * mapsan-field: write-write-race usual_lock_kind "pthread_mutex_t"
 * mapsan-stderr: Locks held \(1, innermost first\): L1 0x[0-9a-f]+ \(cache_lock, pthread_mutex_t\)\n
 * mapsan-stderr: Hint: this map's writes hold lock L1 \(cache_lock, pthread_mutex_t\) 5 times of 6; the previous write \(assign, thread T2\) did not hold it\.\n  Lock L1 0x[0-9a-f]+ \(cache_lock, pthread_mutex_t\) first seen at:\n
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static void put_locked(uint64_t k) {
  pthread_mutex_lock(&cache_lock);
  *(uint64_t *)hmap_assign(m, &k) = k; /* mapsan-mark: A */
  pthread_mutex_unlock(&cache_lock);
}

static void *refresher(void *arg) {
  (void)arg;
  uint64_t k = 100;
  *(uint64_t *)hmap_assign(m, &k) = k; /* mapsan-mark: B */
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  for (uint64_t k = 0; k < 5; k++)
    put_locked(k);
  pthread_t th;
  pthread_create(&th, NULL, refresher, NULL);
  rt_sleep_ms(100);
  put_locked(5);
  pthread_join(th, NULL);
  hmap_free(m);
  return 0;
}
