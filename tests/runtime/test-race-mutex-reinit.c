/*
 * test-race-mutex-reinit.c: the twin of test-clean-mutex-reinit.c without
 * A's lock and unlock of the new mutex: what A released into the old
 * object orders nothing for B, who locks the new one (a destroyed mutex's
 * clock must not carry over to the object initialized at its address, in
 * the table or in A's cache). A race.
 *
 * mapsan-expect: write-write-race A B
 * mapsan-overlapping: false
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
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: B */
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
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: A */
  pthread_mutex_unlock(&mu);
  pthread_mutex_destroy(&mu);
  pthread_mutex_init(&mu, NULL);
  rt_flag_set(&ready, 1);
  pthread_join(th, NULL);
  hmap_free(m);
  return 0;
}
