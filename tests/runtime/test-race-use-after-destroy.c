/*
 * test-race-use-after-destroy.c: an API call on an embedded map after
 * hmap_destroy is a use-after-destroy; the library zeroes a destroyed map,
 * so the calls themselves are memory-safe (len is 0, lookup finds nothing).
 * First the same thread, then another thread that is properly ordered after
 * the destroy (join) and still uses the dead map: both are reported, with
 * the use as the current stack and the destroy as the previous one.
 *
 * mapsan-expect-ordered: use-after-destroy USE1 DESTROY1
 * mapsan-expect-ordered: use-after-destroy USE2 DESTROY2
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

struct holder {
  int before;
  hmap map;
  int after;
};

static struct holder h1, h2;

static void *late_user(void *arg) {
  (void)arg;
  uint64_t k = 1;
  RT_CHECK(hmap_lookup(&h2.map, &k) == NULL); /* mapsan-mark: USE2 */
  return NULL;
}

int main(void) {
  hmap_init(&h1.map, &hmap_u64_u64, 0);
  hmap_init(&h2.map, &hmap_u64_u64, 0);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(&h1.map, &k) = 1;
  *(uint64_t *)hmap_assign(&h2.map, &k) = 1;

  hmap_destroy(&h1.map); /* mapsan-mark: DESTROY1 */
  RT_CHECK(hmap_len(&h1.map) == 0); /* mapsan-mark: USE1 */

  hmap_destroy(&h2.map); /* mapsan-mark: DESTROY2 */
  pthread_t th;
  pthread_create(&th, NULL, late_user, NULL);
  pthread_join(th, NULL);
  return 0;
}
