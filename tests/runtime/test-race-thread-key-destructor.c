/*
 * test-race-thread-key-destructor.c: a map write made by a thread-specific
 * data destructor (pthread_key_create) is still that thread's access; the
 * destructors run after the start routine returned (first thread) or
 * after pthread_exit (second thread). main writes each map without joining
 * first (it waits on relaxed flags, which order nothing): two races, in
 * every schedule.
 *
 * mapsan-expect: write-write-race RET_D RET_M
 * mapsan-expect: write-write-race EXIT_D EXIT_M
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static pthread_key_t key;
static hmap *m_ret, *m_exit;
static atomic_int done_ret, done_exit;

static void destructor(void *arg) {
  uint64_t k = 2;
  if (arg == (void *)1) {
    *(uint64_t *)hmap_assign(m_ret, &k) = 2; /* mapsan-mark: RET_D */
    rt_flag_set(&done_ret, 1);
  } else {
    *(uint64_t *)hmap_assign(m_exit, &k) = 2; /* mapsan-mark: EXIT_D */
    rt_flag_set(&done_exit, 1);
  }
}

static void *returns(void *arg) {
  (void)arg;
  pthread_setspecific(key, (void *)1);
  return NULL;
}

static void *exits(void *arg) {
  (void)arg;
  pthread_setspecific(key, (void *)2);
  pthread_exit(NULL);
}

int main(void) {
  pthread_key_create(&key, destructor);
  m_ret = hmap_new(&hmap_u64_u64, 0);
  m_exit = hmap_new(&hmap_u64_u64, 0);
  pthread_t a, b;
  pthread_create(&a, NULL, returns, NULL);
  pthread_create(&b, NULL, exits, NULL);
  RT_CHECK(rt_flag_wait(&done_ret, 1, 5000));
  RT_CHECK(rt_flag_wait(&done_exit, 1, 5000));
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m_ret, &k) = 1; /* mapsan-mark: RET_M */
  *(uint64_t *)hmap_assign(m_exit, &k) = 1; /* mapsan-mark: EXIT_M */
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  hmap_free(m_ret);
  hmap_free(m_exit);
  return 0;
}
