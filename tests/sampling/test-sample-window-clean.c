/*
 * test-sample-window-clean.c: canary windows open and close at any moment
 * (engine/window.c) and must never make a correct program look racy. Four
 * threads hand 16 maps (one in two drawn) around for 400 ms through a
 * mutex, a semaphore and a condition variable, while windows of 1 ms open
 * for a quarter of the time, so that handoffs straddle every window edge:
 * no report. (Two accesses are compared only within one window, and every
 * synchronization between them lies inside it.)
 *
 * mapsan-options: sample_rate=2:sample_window_ms=1:sample_budget=25
 * mapsan-expect: none
 */
#include "../runtime/runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define MAPS 16
static hmap *maps[MAPS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static sem_t baton;          /* the semaphore pair's maps: 0..7 */
static pthread_mutex_t cv_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int turn;             /* the condition pair's turn: 0 or 1 */
static long end_ms;

static void pause_us(long us) {
  struct timespec ts = {0, us * 1000L};
  nanosleep(&ts, NULL);
}

static void write_maps(int from, int to, uint64_t v) {
  for (int m = from; m < to; m++) {
    uint64_t k = v & 255;
    *(uint64_t *)hmap_assign(maps[m], &k) = v;
  }
}

/* Threads 0 and 1: maps 8..11 under the mutex; 0..7 passed with the
 * semaphore (one holder at a time). */
static void *sem_worker(void *arg) {
  uint64_t id = (uint64_t)(uintptr_t)arg;
  for (uint64_t i = 0; rt_now_ms() < end_ms; i++) {
    sem_wait(&baton);
    write_maps(0, 8, i * 2 + id);
    sem_post(&baton);
    pthread_mutex_lock(&lock);
    write_maps(8, 12, i);
    pthread_mutex_unlock(&lock);
    pause_us(30);
  }
  return NULL;
}

/* Threads 2 and 3: maps 12..15 by turns under a condition variable. */
static void *cv_worker(void *arg) {
  int me = (int)(uintptr_t)arg;
  for (uint64_t i = 0;; i++) {
    pthread_mutex_lock(&cv_lock);
    while (turn != me && rt_now_ms() < end_ms)
      pthread_cond_wait(&cv, &cv_lock);
    bool done = rt_now_ms() >= end_ms;
    pthread_mutex_unlock(&cv_lock);
    if (done)
      break;
    write_maps(12, 16, i);
    pthread_mutex_lock(&cv_lock);
    turn = !me;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&cv_lock);
    pause_us(20);
  }
  pthread_mutex_lock(&cv_lock);
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&cv_lock);
  return NULL;
}

int main(void) {
  for (int i = 0; i < MAPS; i++)
    maps[i] = hmap_new(&hmap_u64_u64, 0);
  sem_init(&baton, 0, 1);
  end_ms = rt_now_ms() + 400;
  pthread_t t[4];
  for (int i = 0; i < 2; i++)
    pthread_create(&t[i], NULL, sem_worker, (void *)(uintptr_t)i);
  for (int i = 2; i < 4; i++)
    pthread_create(&t[i], NULL, cv_worker, (void *)(uintptr_t)(i - 2));
  for (int i = 0; i < 4; i++)
    pthread_join(t[i], NULL);
  write_maps(0, MAPS, 1); /* after the joins */
  for (int i = 0; i < MAPS; i++)
    hmap_free(maps[i]);
  return 0;
}
