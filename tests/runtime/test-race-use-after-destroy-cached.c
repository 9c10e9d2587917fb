/*
 * test-race-use-after-destroy-cached.c: a use-after-destroy on the map a
 * thread used last. Full mode's inline begin (engine/maps.h) takes the
 * thread's cached shadow while it still holds the map's address and the
 * thread's epoch is recorded on it; a destroyed map keeps its shadow (and
 * address) for these reports, and the destroy records the destroying
 * thread's epoch, so the cache must still send the call to the engine.
 * Main looks the map up (its last map), destroys it and uses it at once,
 * in the same epoch (no release between); then a worker that used the map
 * before (ordered before the destroy by a semaphore) is ordered after it
 * and uses it again. Both uses reported, each against the destroy.
 *
 * mapsan-expect-ordered: use-after-destroy USE_WORKER DESTROY
 * mapsan-expect-ordered: use-after-destroy USE_MAIN DESTROY
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>

static struct {
  hmap map;
} holder;
static sem_t used, destroyed;

static void *worker(void *arg) {
  (void)arg;
  uint64_t k = 7;
  for (int i = 0; i < 100; i++)
    *(uint64_t *)hmap_assign(&holder.map, &k) += 1;
  sem_post(&used);
  sem_wait(&destroyed);
  RT_CHECK(hmap_lookup(&holder.map, &k) == NULL); /* mapsan-mark: USE_WORKER */
  return NULL;
}

int main(void) {
  sem_init(&used, 0, 0);
  sem_init(&destroyed, 0, 0);
  hmap_init(&holder.map, &hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, worker, NULL);
  sem_wait(&used);
  uint64_t k = 7;
  RT_CHECK(*(uint64_t *)hmap_lookup(&holder.map, &k) == 100);
  hmap_destroy(&holder.map); /* mapsan-mark: DESTROY */
  RT_CHECK(hmap_len(&holder.map) == 0); /* mapsan-mark: USE_MAIN */
  sem_post(&destroyed);
  pthread_join(th, NULL);
  return 0;
}
