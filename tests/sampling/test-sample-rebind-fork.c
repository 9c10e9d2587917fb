/*
 * test-sample-rebind-fork.c: a multithreaded canary that forks. The slots'
 * rewrite at a window's edge holds the loader's list lock (dl_iterate_phdr),
 * which glibc's fork does not reset in the child: a child forked during a
 * rewrite waited for that lock forever at its own next window's edge (found
 * in review: a hang every few hundred forks). mapsan's fork handler now
 * takes the rewrite's lock first. Two threads lock and write maps while the
 * main thread forks 400 children that do the same for 5 ms each, with 1 ms
 * windows over a quarter of the time: every child must finish (3 s each),
 * and nothing is reported.
 *
 * mapsan-options: sample_rate=2:sample_window_ms=1:sample_budget=25
 * mapsan-expect: none
 */
#include "../runtime/runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAPS 16
static hmap *maps[MAPS], *child_maps[MAPS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t child_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool stop;

static void work(long ms, pthread_mutex_t *mu, hmap **m) {
  long end = rt_now_ms() + ms;
  for (uint64_t i = 0; rt_now_ms() < end; i++) {
    pthread_mutex_lock(mu);
    uint64_t key = i & 63;
    *(uint64_t *)hmap_assign(m[i % MAPS], &key) = i;
    pthread_mutex_unlock(mu);
  }
}

static void *worker(void *arg) {
  while (!atomic_load(&stop))
    work(10, &lock, maps);
  return arg;
}

int main(void) {
  for (int m = 0; m < MAPS; m++)
    maps[m] = hmap_new(&hmap_u64_u64, 0);
  pthread_t t[2];
  for (int i = 0; i < 2; i++)
    pthread_create(&t[i], NULL, worker, NULL);
  work(20, &lock, maps); /* windows open 4 ms after the first drawn map */
  int status = 0;
  for (int f = 0; f < 400 && status == 0; f++) {
    pid_t p = fork();
    if (p == 0) {
      for (int m = 0; m < MAPS; m++)
        child_maps[m] = hmap_new(&hmap_u64_u64, 0);
      work(5, &child_lock, child_maps);
      _exit(0);
    }
    long deadline = rt_now_ms() + 3000;
    int st = 0;
    while (waitpid(p, &st, WNOHANG) != p) {
      if (rt_now_ms() > deadline) {
        fprintf(stderr, "fork %d: the child hangs\n", f);
        kill(p, SIGKILL);
        waitpid(p, &st, 0);
        status = 1;
        break;
      }
      usleep(500);
    }
    if (status == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
      fprintf(stderr, "fork %d: the child failed (status %d)\n", f, st);
      status = 1;
    }
  }
  atomic_store(&stop, true);
  for (int i = 0; i < 2; i++)
    pthread_join(t[i], NULL);
  return status;
}
