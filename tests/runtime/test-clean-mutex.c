/*
 * test-clean-mutex.c: the twin of test-race-ww-nosync.c: the same two
 * writes, each under one pthread mutex, are ordered and must stay silent.
 *
 * mapsan-expect: none
 */
#include <hmap.h>

#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

static hmap *m;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *writer(void *arg) {
  (void)arg;
  usleep(50 * 1000);
  uint64_t k = 2;
  pthread_mutex_lock(&mu);
  *(uint64_t *)hmap_assign(m, &k) = 2;
  pthread_mutex_unlock(&mu);
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, writer, NULL);
  uint64_t k = 1;
  pthread_mutex_lock(&mu);
  *(uint64_t *)hmap_assign(m, &k) = 1;
  pthread_mutex_unlock(&mu);
  pthread_join(th, NULL);
  hmap_free(m);
  return 0;
}
