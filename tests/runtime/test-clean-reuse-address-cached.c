/*
 * test-clean-reuse-address-cached.c: the clean twin of
 * test-race-use-after-destroy-cached.c. One worker lives through ten lives
 * of a map at the same address (an embedded map initialized, used and
 * destroyed again and again): the map it used last is always this
 * address, so full mode's inline begin finds its cached shadow holding the
 * address in every life, whether the shadow is the dead map's or the new
 * one's. Each life is made by main and handed to the worker through a
 * semaphore, and handed back the same way before main destroys it: no
 * use-after-destroy, no race from an earlier life.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>

#define LIVES 10

static struct {
  hmap map;
} holder;
static sem_t go, done;

static void *worker(void *arg) {
  (void)arg;
  for (uint64_t life = 0; life < LIVES; life++) {
    sem_wait(&go);
    RT_CHECK(hmap_len(&holder.map) == 1);
    for (uint64_t i = 0; i < 50; i++) {
      uint64_t k = life * 100 + i;
      *(uint64_t *)hmap_assign(&holder.map, &k) = life;
      RT_CHECK(hmap_lookup(&holder.map, &k) != NULL);
    }
    sem_post(&done);
  }
  return NULL;
}

int main(void) {
  sem_init(&go, 0, 0);
  sem_init(&done, 0, 0);
  pthread_t th;
  pthread_create(&th, NULL, worker, NULL);
  for (uint64_t life = 0; life < LIVES; life++) {
    hmap_init(&holder.map, &hmap_u64_u64, 0);
    uint64_t k = 1000000;
    *(uint64_t *)hmap_assign(&holder.map, &k) = life;
    sem_post(&go);
    sem_wait(&done);
    RT_CHECK(hmap_len(&holder.map) == 51);
    hmap_destroy(&holder.map);
  }
  pthread_join(th, NULL);
  return 0;
}
