/*
 * test-clean-cond-cancel.c: a thread cancelled while it waits on a
 * condition variable. glibc re-acquires the mutex inside the wait before
 * it runs the thread's cleanup handlers, with no call mapsan could see;
 * the handler then writes the map the mutex guards and unlocks. One map,
 * mutex and waiting thread per flavour: pthread_cond_wait,
 * pthread_cond_timedwait, pthread_cond_clockwait (10 s deadlines: the
 * cancellation comes first), C11 cnd_wait and cnd_timedwait (a thrd_t is
 * a pthread_t in glibc, and both are cancellation points). For each, main
 * waits until the thread is in the wait, writes the map under the mutex,
 * cancels the thread, joins it and writes the map again. Every pair of
 * writes is ordered by the mutex or the join: silent. (Without the
 * re-acquisition recorded, the handler's write was reported against
 * main's and its unlock dropped as "not held".)
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <hmap.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <threads.h>

enum { COND_WAIT, COND_TIMEDWAIT, COND_CLOCKWAIT, CND_WAIT, CND_TIMEDWAIT,
       NFLAVOURS };

static struct waiter {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  mtx_t cmu;
  cnd_t ccv;
  hmap *m;
  atomic_int waiting;
} w[NFLAVOURS];

static bool is_c11(int i) { return i == CND_WAIT || i == CND_TIMEDWAIT; }

static void write_map(int i, uint64_t v) {
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(w[i].m, &k) = v;
}

static void cleanup(void *arg) {
  int i = (int)(uintptr_t)arg;
  write_map(i, 2); /* the mutex is held again here */
  if (is_c11(i))
    mtx_unlock(&w[i].cmu);
  else
    pthread_mutex_unlock(&w[i].mu);
}

static void wait_forever(int i) {
  for (;;) {
    struct timespec dl;
    int r;
    rt_flag_set(&w[i].waiting, 1);
    switch (i) {
    case COND_WAIT:
      r = pthread_cond_wait(&w[i].cv, &w[i].mu);
      break;
    case COND_TIMEDWAIT:
      dl = rt_deadline(CLOCK_REALTIME, 10000);
      r = pthread_cond_timedwait(&w[i].cv, &w[i].mu, &dl);
      break;
    case COND_CLOCKWAIT:
      dl = rt_deadline(CLOCK_MONOTONIC, 10000);
      r = pthread_cond_clockwait(&w[i].cv, &w[i].mu, CLOCK_MONOTONIC, &dl);
      break;
    case CND_WAIT:
      r = cnd_wait(&w[i].ccv, &w[i].cmu) == thrd_success ? 0 : EINVAL;
      break;
    default:
      dl = rt_deadline(CLOCK_REALTIME, 10000);
      r = cnd_timedwait(&w[i].ccv, &w[i].cmu, &dl) == thrd_success ? 0
                                                                   : EINVAL;
      break;
    }
    RT_CHECK(r == 0); /* spurious wake-ups: wait again */
  }
}

static void *waiter(void *arg) {
  int i = (int)(uintptr_t)arg;
  pthread_mutex_lock(&w[i].mu);
  pthread_cleanup_push(cleanup, arg);
  wait_forever(i);
  pthread_cleanup_pop(1);
  return NULL;
}

static int c11_waiter(void *arg) {
  int i = (int)(uintptr_t)arg;
  mtx_lock(&w[i].cmu);
  pthread_cleanup_push(cleanup, arg);
  wait_forever(i);
  pthread_cleanup_pop(1);
  return 0;
}

int main(void) {
  for (int i = 0; i < NFLAVOURS; i++) {
    pthread_mutex_init(&w[i].mu, NULL);
    pthread_cond_init(&w[i].cv, NULL);
    RT_CHECK(mtx_init(&w[i].cmu, mtx_plain) == thrd_success);
    RT_CHECK(cnd_init(&w[i].ccv) == thrd_success);
    w[i].m = hmap_new(&hmap_u64_u64, 0);
  }
  for (int i = 0; i < NFLAVOURS; i++) {
    void *arg = (void *)(uintptr_t)i;
    pthread_t th;
    thrd_t cth;
    if (is_c11(i))
      RT_CHECK(thrd_create(&cth, c11_waiter, arg) == thrd_success);
    else
      RT_CHECK(pthread_create(&th, NULL, waiter, arg) == 0);
    RT_CHECK(rt_flag_wait(&w[i].waiting, 1, 10000));
    /* Taking the mutex means the thread has released it in the wait. */
    if (is_c11(i)) {
      mtx_lock(&w[i].cmu);
      write_map(i, 1);
      mtx_unlock(&w[i].cmu);
      RT_CHECK(pthread_cancel((pthread_t)cth) == 0);
      RT_CHECK(thrd_join(cth, NULL) == thrd_success);
    } else {
      pthread_mutex_lock(&w[i].mu);
      write_map(i, 1);
      pthread_mutex_unlock(&w[i].mu);
      RT_CHECK(pthread_cancel(th) == 0);
      void *ret;
      RT_CHECK(pthread_join(th, &ret) == 0 && ret == PTHREAD_CANCELED);
    }
    write_map(i, 3);
  }
  for (int i = 0; i < NFLAVOURS; i++)
    hmap_free(w[i].m);
  return 0;
}
