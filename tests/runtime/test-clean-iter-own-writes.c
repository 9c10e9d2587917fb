/*
 * test-clean-iter-own-writes.c: as in Go, the iterating thread may write
 * the map during its own iteration (assign new and existing keys, delete
 * entries, enough inserts to make the map grow): the iterator stays valid
 * and this is not a finding of any kind. Every entry present for the whole
 * iteration is produced exactly once (checked). Then a second thread,
 * created afterwards, does the same on the same map. No report.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>
#include <string.h>

enum { KEEP = 100 };

static hmap *m;

static void iterate_and_write(uint64_t base) {
  unsigned char seen[KEEP];
  memset(seen, 0, sizeof(seen));
  hmap_iter it;
  uint64_t n = 0;
  for (hmap_iter_init(&it, m); hmap_iter_next(&it); n++) {
    uint64_t k = *(const uint64_t *)it.key;
    if (k < KEEP) {
      RT_CHECK(!seen[k]);
      seen[k] = 1;
    }
    uint64_t nk = base + n; /* new keys: the map grows under the iterator */
    *(uint64_t *)hmap_assign(m, &nk) = n;
    uint64_t old = k < KEEP ? KEEP + k % 7 : k; /* delete some others */
    if (old >= KEEP)
      hmap_delete(m, &old);
    uint64_t again = k % KEEP; /* overwrite a present one */
    *(uint64_t *)hmap_assign(m, &again) = again;
  }
  for (uint64_t k = 0; k < KEEP; k++)
    RT_CHECK(seen[k]);
}

static void *second(void *arg) {
  (void)arg;
  iterate_and_write(2000000);
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  for (uint64_t k = 0; k < KEEP; k++)
    *(uint64_t *)hmap_assign(m, &k) = k;
  iterate_and_write(1000000);
  pthread_t th;
  pthread_create(&th, NULL, second, NULL);
  pthread_join(th, NULL);
  hmap_free(m);
  return 0;
}
