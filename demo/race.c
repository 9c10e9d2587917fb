/*
 * race.c: the demo. A session cache shared by two threads, with the bug
 * mapsan exists to find: the refresher thread updates the cache without
 * taking the lock that every other writer takes.
 *
 * The two writes never overlap in time (the refresher starts 100 ms after
 * main has finished filling the cache), so the map library's own
 * "concurrent map writes" check cannot see anything, and the program exits
 * normally. mapsan reports a write-write race anyway: nothing orders the
 * refresher's write after main's, and on another day, under load, they
 * would collide. Run it:  build/preload/mapsan -- build/demo/race
 */
#include <hmap.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

static hmap *cache;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static void cache_put(uint64_t key, uint64_t val) {
  pthread_mutex_lock(&cache_lock);
  *(uint64_t *)hmap_assign(cache, &key) = val;
  pthread_mutex_unlock(&cache_lock);
}

static void refresh_entry(uint64_t key, uint64_t val) {
  /* BUG: the lock is missing here. */
  *(uint64_t *)hmap_assign(cache, &key) = val;
}

static void *refresher(void *arg) {
  (void)arg;
  usleep(100 * 1000);
  for (uint64_t k = 0; k < 10; k++)
    refresh_entry(k, k * 100);
  return NULL;
}

int main(void) {
  cache = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, refresher, NULL);
  for (uint64_t k = 0; k < 100; k++)
    cache_put(k, k);
  pthread_join(th, NULL);
  printf("cache holds %zu sessions\n", hmap_len(cache));
  hmap_free(cache);
  return 0;
}
