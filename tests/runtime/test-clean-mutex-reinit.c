/*
 * test-clean-mutex-reinit.c: a mutex destroyed and initialized again at the
 * same address is a new object. Each thread keeps a cache of the objects
 * it used (sync.c); A's entry for mu must not survive the destroy. A writes
 * under mu, locks and unlocks it once more (so the old object's tag says
 * it holds A's current clock), destroys and re-creates it, locks and unlocks the new one
 * (which releases everything A did, its write included), then B writes
 * under the new mu: ordered. Had A's unlock gone into the old, recycled
 * object through a stale cache entry, B would learn nothing from the new
 * one and a false race would be reported. No report.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m;
static pthread_mutex_t mu;
static atomic_int ready;

static void *writer(void *arg) {
  (void)arg;
  RT_CHECK(rt_flag_wait(&ready, 1, 10000));
  uint64_t k = 2;
  pthread_mutex_lock(&mu);
  *(uint64_t *)hmap_assign(m, &k) = 2;
  pthread_mutex_unlock(&mu);
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_mutex_init(&mu, NULL);
  pthread_t th;
  pthread_create(&th, NULL, writer, NULL);
  uint64_t k = 1;
  pthread_mutex_lock(&mu);
  *(uint64_t *)hmap_assign(m, &k) = 1;
  pthread_mutex_unlock(&mu);
  pthread_mutex_lock(&mu); /* A's clock is now what the old object holds */
  pthread_mutex_unlock(&mu);
  pthread_mutex_destroy(&mu);
  pthread_mutex_init(&mu, NULL);
  pthread_mutex_lock(&mu);
  pthread_mutex_unlock(&mu);
  rt_flag_set(&ready, 1);
  pthread_join(th, NULL);
  hmap_free(m);
  return 0;
}
