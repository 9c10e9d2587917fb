/*
 * test-sample-rate-tracks-some.c: with sample_rate=2, one map in two is
 * tracked: of 64 maps each raced on by two threads from the same two lines,
 * some are tracked (the chance that none is: 2^-64), and their races are
 * reported once, deduplicated by signature. With untracked maps mixed in,
 * the program behaves as natively.
 *
 * sample_budget=100: every drawn map checked for the whole run (the
 * canary windows have their own tests, test-sample-window-*).
 *
 * mapsan-options: sample_rate=2:sample_budget=100
 * mapsan-expect: write-write-race A B
 */
#include <hmap.h>

#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

#define MAPS 64
static hmap *maps[MAPS];

static void *writer(void *arg) {
  (void)arg;
  usleep(30 * 1000);
  for (int i = 0; i < MAPS; i++) {
    uint64_t k = 2;
    *(uint64_t *)hmap_assign(maps[i], &k) = 2; /* mapsan-mark: B */
  }
  return NULL;
}

int main(void) {
  for (int i = 0; i < MAPS; i++)
    maps[i] = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, writer, NULL);
  for (int i = 0; i < MAPS; i++) {
    uint64_t k = 1;
    *(uint64_t *)hmap_assign(maps[i], &k) = 1; /* mapsan-mark: A */
  }
  pthread_join(th, NULL);
  for (int i = 0; i < MAPS; i++) {
    if (hmap_len(maps[i]) != 2)
      return 1;
    hmap_free(maps[i]);
  }
  return 0;
}
