/*
 * stress-clean-fork-busy.c: fork 50 times from a multithreaded program
 * while four other threads keep doing map operations, each on its own
 * maps under its own mutex, so that at the moment of each fork some thread
 * is likely inside mapsan (a shadow lock, the stack depot, the thread
 * registry, libunwind) or inside malloc. Each child, single-threaded at
 * first, writes a map it inherited from main (main's own, touched by no
 * other thread), creates a map and two threads that write it under a
 * mutex, joins them, and exits 0 through exit(). Proves that the child
 * never deadlocks (each must be done within 5 s: a stuck child is killed
 * and the test fails naming the round), that no process reports anything,
 * and that the parent's threads go on unaffected.
 *
 * mapsan-expect: none
 * stress-max-seconds: 30
 */
#include "stress-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>
#include <sys/wait.h>

enum { BUSY = 4, ROUNDS = 50, CHILD_THREADS = 2 };

static hmap *busy_maps[BUSY][2];
static pthread_mutex_t busy_mu[BUSY];
static atomic_int stop;
static hmap *mine; /* main's own map */

static void *busy(void *arg) {
  int self = (int)(uintptr_t)arg;
  uint64_t seed = 0x1234567ull * (uint64_t)(self + 1), sum = 0;
  while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
    uint64_t r = st_rand(&seed);
    uint64_t k = r % 2048;
    hmap *m = busy_maps[self][(r >> 16) & 1];
    pthread_mutex_lock(&busy_mu[self]);
    if ((r >> 20) % 4 == 0) {
      hmap_delete(m, &k);
    } else if ((r >> 20) % 4 == 1) {
      uint64_t *v = hmap_lookup(m, &k);
      sum += v ? *v : 0;
    } else {
      *(uint64_t *)hmap_assign(m, &k) = r;
    }
    pthread_mutex_unlock(&busy_mu[self]);
    if ((r >> 32) % 256 == 0) { /* now and then a fresh map */
      pthread_mutex_lock(&busy_mu[self]);
      hmap_free(busy_maps[self][0]);
      busy_maps[self][0] = hmap_new(&hmap_u64_u64, 0);
      pthread_mutex_unlock(&busy_mu[self]);
    }
  }
  return (void *)(uintptr_t)sum;
}

static hmap *child_map;
static pthread_mutex_t child_mu = PTHREAD_MUTEX_INITIALIZER;

static void *child_worker(void *arg) {
  uint64_t base = (uint64_t)(uintptr_t)arg * 1000;
  for (uint64_t k = base; k < base + 300; k++) {
    pthread_mutex_lock(&child_mu);
    *(uint64_t *)hmap_assign(child_map, &k) = k;
    pthread_mutex_unlock(&child_mu);
  }
  return NULL;
}

static int child(int round) {
  uint64_t k = 100000 + (uint64_t)round;
  *(uint64_t *)hmap_assign(mine, &k) = k;
  if (hmap_len(mine) != 1001)
    return 3;
  child_map = hmap_new(&hmap_u64_u64, 0);
  pthread_t th[CHILD_THREADS];
  for (int i = 0; i < CHILD_THREADS; i++)
    if (pthread_create(&th[i], NULL, child_worker, (void *)(uintptr_t)i) != 0)
      return 3;
  for (int i = 0; i < CHILD_THREADS; i++)
    pthread_join(th[i], NULL);
  if (hmap_len(child_map) != 300 * CHILD_THREADS)
    return 3;
  hmap_free(child_map);
  return 0;
}

/* Waits up to 5 s for pid; kills it and fails if it is stuck. */
static void reap(pid_t pid, int round) {
  long end = rt_now_ms() + 5000;
  for (;;) {
    int st;
    pid_t w = waitpid(pid, &st, WNOHANG);
    RT_CHECK(w >= 0);
    if (w == pid) {
      if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "round %d: child ended with status 0x%x\n", round, st);
        exit(3);
      }
      return;
    }
    if (rt_now_ms() > end) {
      fprintf(stderr, "round %d: child %d still running after 5 s: "
              "deadlocked after fork\n", round, (int)pid);
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      exit(3);
    }
    rt_sleep_ms(1);
  }
}

int main(void) {
  st_watchdog(28);
  long t0 = rt_now_ms();
  mine = hmap_new(&hmap_u64_u64, 0);
  for (uint64_t k = 0; k < 1000; k++)
    *(uint64_t *)hmap_assign(mine, &k) = k;
  pthread_t th[BUSY];
  for (int i = 0; i < BUSY; i++) {
    pthread_mutex_init(&busy_mu[i], NULL);
    busy_maps[i][0] = hmap_new(&hmap_u64_u64, 0);
    busy_maps[i][1] = hmap_new(&hmap_u64_u64, 0);
    RT_CHECK(pthread_create(&th[i], NULL, busy, (void *)(uintptr_t)i) == 0);
  }
  st_phase = "forking";
  for (int round = 0; round < ROUNDS; round++) {
    rt_sleep_ms(round % 5); /* vary the moment */
    pid_t pid = fork();
    if (pid == 0) {
      alarm(0); /* the parent's watchdog does not follow; reap() guards */
      exit(child(round));
    }
    RT_CHECK(pid > 0);
    reap(pid, round);
  }
  st_phase = "joining the busy threads";
  atomic_store_explicit(&stop, 1, memory_order_relaxed);
  for (int i = 0; i < BUSY; i++)
    RT_CHECK(pthread_join(th[i], NULL) == 0);
  for (int i = 0; i < BUSY; i++) {
    hmap_free(busy_maps[i][0]);
    hmap_free(busy_maps[i][1]);
  }
  RT_CHECK(hmap_len(mine) == 1000);
  hmap_free(mine);
  fprintf(stderr, "%d forks under load in %ld ms\n", ROUNDS, rt_now_ms() - t0);
  return 0;
}
