/*
 * test-clean-retake.c: the silent twin of the test-race-retake-* tests.
 * An owner that re-takes its lock keeps its clock across sections
 * (engine/sync.c, "re-taking a lock"); whoever takes the lock next must
 * still be ordered after every one of those sections. Two threads hand a
 * map back and forth in runs: main writes it in several sections under a
 * mutex, and some under a rwlock's write side too, then reads it in
 * several sections under the rwlock's read side; then other reads it
 * under the rwlock's write side (which orders it after main's reads) and
 * takes the mutex to read and write it; main
 * posts a semaphore after a run and other, woken, writes under the mutex.
 * The runs' boundaries are unseen turns (runtime-test.h): only the locks
 * order anything. Then a thread created after many sections reads the map
 * with no lock (creation orders it). No report.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>

#define ROUNDS 50
#define RUN 4

static hmap *m;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static sem_t sem;
static atomic_int turn;
static long end_ms;

static void *other(void *arg) {
  uint64_t sum = 0;
  for (int r = 0; r < ROUNDS; r++) {
    RT_CHECK(rt_turn_wait(&turn, 1, end_ms));
    pthread_rwlock_wrlock(&rw);
    sum += hmap_len(m);
    pthread_rwlock_unlock(&rw);
    pthread_mutex_lock(&mu);
    for (uint64_t k = 0; k < RUN; k++) {
      uint64_t *v = hmap_lookup(m, &k);
      sum += v ? *v : 0;
    }
    uint64_t k = 100 + (uint64_t)r;
    *(uint64_t *)hmap_assign(m, &k) = k;
    pthread_mutex_unlock(&mu);
    rt_turn_pass(&turn, 0);
  }
  for (int r = 0; r < ROUNDS; r++) {
    sem_wait(&sem);
    pthread_mutex_lock(&mu);
    uint64_t k = 200 + (uint64_t)r;
    *(uint64_t *)hmap_assign(m, &k) = k;
    pthread_mutex_unlock(&mu);
  }
  return (void *)(uintptr_t)sum;
}

static void *late_reader(void *arg) {
  uint64_t sum = 0;
  for (uint64_t k = 0; k < RUN; k++) {
    uint64_t *v = hmap_lookup(m, &k);
    sum += v ? *v : 0;
  }
  return (void *)(uintptr_t)(sum + hmap_len(m) + (uintptr_t)arg);
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  sem_init(&sem, 0, 0);
  end_ms = rt_now_ms() + 20000;
  pthread_t th;
  pthread_create(&th, NULL, other, NULL);
  for (int r = 0; r < ROUNDS; r++) {
    RT_CHECK(rt_turn_wait(&turn, 0, end_ms));
    for (uint64_t k = 0; k < RUN; k++) {
      pthread_mutex_lock(&mu);
      *(uint64_t *)hmap_assign(m, &k) = k + (uint64_t)r;
      pthread_mutex_unlock(&mu);
    }
    for (uint64_t k = 0; k < RUN; k++) {
      pthread_rwlock_wrlock(&rw);
      pthread_mutex_lock(&mu);
      *(uint64_t *)hmap_assign(m, &k) = k * 2 + (uint64_t)r;
      pthread_mutex_unlock(&mu);
      pthread_rwlock_unlock(&rw);
    }
    for (uint64_t k = 0; k < RUN; k++) {
      pthread_rwlock_rdlock(&rw);
      RT_CHECK(hmap_lookup(m, &k) != NULL);
      pthread_rwlock_unlock(&rw);
    }
    rt_turn_pass(&turn, 1);
  }
  RT_CHECK(rt_turn_wait(&turn, 0, end_ms));
  for (int r = 0; r < ROUNDS; r++) {
    for (uint64_t k = 0; k < RUN; k++) {
      pthread_mutex_lock(&mu);
      *(uint64_t *)hmap_assign(m, &k) = k + 3;
      pthread_mutex_unlock(&mu);
    }
    sem_post(&sem);
  }
  pthread_join(th, NULL);
  for (uint64_t k = 0; k < 1000; k++) {
    pthread_mutex_lock(&mu);
    *(uint64_t *)hmap_assign(m, &k) = k;
    pthread_mutex_unlock(&mu);
  }
  pthread_t late;
  pthread_create(&late, NULL, late_reader, NULL);
  pthread_join(late, NULL);
  sem_destroy(&sem);
  hmap_free(m);
  return 0;
}
