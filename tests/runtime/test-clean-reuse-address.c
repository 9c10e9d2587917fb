/*
 * test-clean-reuse-address.c: the clean twin of
 * test-race-use-after-destroy.c, and a check that mapsan keeps no stale
 * state for an address that was destroyed and reused. An embedded map is
 * initialized, written by a thread, destroyed, and initialized again at the
 * SAME address, ten times over; each new life is used by a new thread
 * after proper synchronization (a semaphore), and by main. Heap maps are
 * freed and allocated again (malloc hands back the same addresses). No
 * use-after-destroy and no race from an earlier life.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>

static struct {
  hmap map;
} holder;
static hmap *heap;
static sem_t go, done;

static void *user(void *arg) {
  uint64_t life = (uint64_t)(uintptr_t)arg;
  sem_wait(&go);
  RT_CHECK(hmap_len(&holder.map) == 1);
  *(uint64_t *)hmap_assign(&holder.map, &life) = life;
  *(uint64_t *)hmap_assign(heap, &life) = life;
  sem_post(&done);
  return NULL;
}

int main(void) {
  sem_init(&go, 0, 0);
  sem_init(&done, 0, 0);
  for (uint64_t life = 0; life < 10; life++) {
    /* The thread exists before the map's new life starts. */
    pthread_t th;
    pthread_create(&th, NULL, user, (void *)(uintptr_t)life);
    pthread_detach(th);
    hmap_init(&holder.map, &hmap_u64_u64, 0);
    heap = hmap_new(&hmap_u64_u64, 0);
    uint64_t k = 1000;
    *(uint64_t *)hmap_assign(&holder.map, &k) = 0;
    sem_post(&go);
    sem_wait(&done);
    RT_CHECK(hmap_len(&holder.map) == 2);
    RT_CHECK(hmap_len(heap) == 1);
    hmap_destroy(&holder.map);
    hmap_free(heap);
  }
  return 0;
}
