/*
 * test-race-rw-len-delete.c: hmap_len is a read and hmap_delete and
 * hmap_clear are writes. Map 1: len, then an unordered delete. Map 2: a
 * clear, then an unordered len. Both read-write races, in both orders.
 *
 * mapsan-expect: read-write-race LEN1 DEL1
 * mapsan-expect: read-write-race CLR2 LEN2
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m1, *m2;

static void *other(void *arg) {
  (void)arg;
  rt_sleep_ms(50);
  uint64_t k = 1;
  RT_CHECK(hmap_delete(m1, &k)); /* mapsan-mark: DEL1 */
  RT_CHECK(hmap_len(m2) == 0); /* mapsan-mark: LEN2 */
  return NULL;
}

int main(void) {
  m1 = hmap_new(&hmap_u64_u64, 0);
  m2 = hmap_new(&hmap_u64_u64, 0);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m1, &k) = 1;
  *(uint64_t *)hmap_assign(m2, &k) = 1;
  pthread_t th;
  pthread_create(&th, NULL, other, NULL);
  RT_CHECK(hmap_len(m1) == 1); /* mapsan-mark: LEN1 */
  hmap_clear(m2); /* mapsan-mark: CLR2 */
  pthread_join(th, NULL);
  hmap_free(m1);
  hmap_free(m2);
  return 0;
}
