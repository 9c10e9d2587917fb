/*
 * test-process-sample-rate.c: with process_sample_rate=1000000, this process
 * is all but certainly not sampled (one chance in a million): every hook is
 * off, and the racy program runs with no report and exit status 0.
 *
 * mapsan-options: process_sample_rate=1000000
 * mapsan-expect: none
 */
#include <hmap.h>

#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

static hmap *m;
static hmap embedded;

static void *writer(void *arg) {
  (void)arg;
  usleep(30 * 1000);
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m, &k) = 2;
  *(uint64_t *)hmap_assign(&embedded, &k) = 2;
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  hmap_init(&embedded, &hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, writer, NULL);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1;
  *(uint64_t *)hmap_assign(&embedded, &k) = 1;
  pthread_join(th, NULL);
  if (hmap_lookup(m, &k) == NULL || hmap_len(m) != 2)
    return 1;
  hmap_iter it;
  int n = 0;
  for (hmap_iter_init(&it, m); hmap_iter_next(&it);)
    n++;
  hmap_delete(m, &k);
  hmap_clear(&embedded);
  hmap_destroy(&embedded);
  hmap_free(m);
  return n == 2 ? 0 : 1;
}
