/*
 * test-clean-sem.c: sem_post happens before the wait it releases, whatever
 * the wait: sem_wait, sem_trywait (retried until it succeeds), sem_timedwait
 * and sem_clockwait. A map is passed back and forth between two threads,
 * each side writing it only after acquiring a token from the other. No
 * report.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <hmap.h>

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>

enum { ROUNDS = 200 };

static sem_t to_b, to_a;
static hmap *m;

static void take(sem_t *s, int how) {
  struct timespec dl;
  int r;
  switch (how) {
  case 0:
    r = sem_wait(s);
    break;
  case 1:
    while ((r = sem_trywait(s)) != 0 && errno == EAGAIN)
      sched_yield();
    break;
  case 2:
    dl = rt_deadline(CLOCK_REALTIME, 5000);
    r = sem_timedwait(s, &dl);
    break;
  default:
    dl = rt_deadline(CLOCK_MONOTONIC, 5000);
    r = sem_clockwait(s, CLOCK_MONOTONIC, &dl);
    break;
  }
  RT_CHECK(r == 0);
}

static void *b_side(void *arg) {
  (void)arg;
  for (uint64_t i = 0; i < ROUNDS; i++) {
    take(&to_b, (int)(i % 4));
    uint64_t k = i;
    uint64_t *v = hmap_lookup(m, &k);
    RT_CHECK(v != NULL && *v == i);
    *v = i + 1; /* through the slot: still ours */
    hmap_delete(m, &k);
    k = 100000 + i;
    *(uint64_t *)hmap_assign(m, &k) = i;
    sem_post(&to_a);
  }
  return NULL;
}

int main(void) {
  sem_init(&to_b, 0, 0);
  sem_init(&to_a, 0, 0);
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, b_side, NULL);
  for (uint64_t i = 0; i < ROUNDS; i++) {
    uint64_t k = i;
    *(uint64_t *)hmap_assign(m, &k) = i;
    sem_post(&to_b);
    take(&to_a, (int)((i + 2) % 4));
  }
  pthread_join(th, NULL);
  RT_CHECK(hmap_len(m) == ROUNDS);
  hmap_free(m);
  sem_destroy(&to_a);
  sem_destroy(&to_b);
  return 0;
}
