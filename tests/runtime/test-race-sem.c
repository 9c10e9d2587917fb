/*
 * test-race-sem.c: the twin of test-clean-sem.c, with the semaphore used
 * wrongly in two ways, one map each, both unordered in every schedule.
 *  - m: the producer posts and THEN writes. The consumer's wait is ordered
 *    after the post, not after the write that follows it.
 *  - m2: the producer writes, posts and takes its own token back; the
 *    consumer's sem_trywait then FAILS (EAGAIN) and it writes anyway. A
 *    failed trywait orders nothing, even on a semaphore that was posted
 *    after the write. (Relaxed flags sequence the two threads without any
 *    happens-before.)
 *
 * mapsan-expect: write-write-race P C
 * mapsan-expect: write-write-race P2 C2
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <hmap.h>

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>

static sem_t s, s2;
static hmap *m, *m2;
static atomic_int taken_back;

static void *consumer(void *arg) {
  (void)arg;
  sem_wait(&s);
  rt_sleep_ms(30);
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: C */
  RT_CHECK(rt_flag_wait(&taken_back, 1, 5000));
  RT_CHECK(sem_trywait(&s2) == -1 && errno == EAGAIN);
  *(uint64_t *)hmap_assign(m2, &k) = 2; /* mapsan-mark: C2 */
  return NULL;
}

int main(void) {
  sem_init(&s, 0, 0);
  sem_init(&s2, 0, 0);
  m = hmap_new(&hmap_u64_u64, 0);
  m2 = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, consumer, NULL);
  uint64_t k = 1;
  sem_post(&s);
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: P */
  *(uint64_t *)hmap_assign(m2, &k) = 1; /* mapsan-mark: P2 */
  sem_post(&s2);
  sem_wait(&s2);
  rt_flag_set(&taken_back, 1);
  pthread_join(th, NULL);
  hmap_free(m);
  hmap_free(m2);
  return 0;
}
