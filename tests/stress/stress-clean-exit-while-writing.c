/*
 * stress-clean-exit-while-writing.c: the program ends with exit(0) while
 * eight other threads are writing maps (each its own map, under its own
 * mutex) as fast as they can. mapsan's exit path (the exit status, the
 * JSON summary record) then runs while those threads are inside map
 * operations, mapsan's locks and the stack unwinder. Twenty forked
 * children do it first, ending in turn from main and from one of the
 * writers, after 0 to 19 ms; then the parent does it from main. Proves:
 * every process exits promptly (a child has 5 s), with status 0, no crash,
 * no report.
 *
 * mapsan-expect: none
 * stress-max-seconds: 20
 */
#include "stress-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>
#include <sys/wait.h>

enum { WRITERS = 8, CHILDREN = 20 };

static hmap *maps[WRITERS];
static pthread_mutex_t mu[WRITERS];
static int exit_from_writer = -1; /* this writer calls exit(0) */
static long exit_after_ms;

static void *writer(void *arg) {
  int self = (int)(uintptr_t)arg;
  long start = rt_now_ms();
  uint64_t seed = 0xabcdefull * (uint64_t)(self + 1);
  for (;;) {
    uint64_t r = st_rand(&seed);
    uint64_t k = r % 4096;
    pthread_mutex_lock(&mu[self]);
    if (r % 3 == 0)
      hmap_delete(maps[self], &k);
    else
      *(uint64_t *)hmap_assign(maps[self], &k) = r;
    pthread_mutex_unlock(&mu[self]);
    if (self == exit_from_writer && rt_now_ms() - start >= exit_after_ms)
      exit(0);
  }
  return NULL;
}

/* Starts the writers; returns only if main is the one to exit. */
static void run(int from_writer, long after_ms) {
  exit_from_writer = from_writer;
  exit_after_ms = after_ms;
  for (int i = 0; i < WRITERS; i++) {
    pthread_mutex_init(&mu[i], NULL);
    maps[i] = hmap_new(&hmap_u64_u64, 0);
  }
  pthread_t th;
  for (int i = 0; i < WRITERS; i++) {
    RT_CHECK(pthread_create(&th, NULL, writer, (void *)(uintptr_t)i) == 0);
    pthread_detach(th);
  }
  if (from_writer >= 0)
    for (;;)
      rt_sleep_ms(1000); /* the writer ends the process */
  rt_sleep_ms(after_ms);
}

int main(void) {
  st_watchdog(18);
  st_phase = "children exiting while their threads write";
  for (int c = 0; c < CHILDREN; c++) {
    pid_t pid = fork();
    if (pid == 0) {
      alarm(0);
      run(c % 2 ? c % WRITERS : -1, c);
      exit(0);
    }
    RT_CHECK(pid > 0);
    long end = rt_now_ms() + 5000;
    int st;
    pid_t w;
    while ((w = waitpid(pid, &st, WNOHANG)) == 0 && rt_now_ms() < end)
      rt_sleep_ms(1);
    if (w != pid) {
      fprintf(stderr, "child %d: still running 5 s after it should have "
              "exited\n", c);
      kill(pid, SIGKILL);
      exit(3);
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      fprintf(stderr, "child %d: %s %d\n", c,
              WIFEXITED(st) ? "exit status" : "killed by signal",
              WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
      exit(3);
    }
  }
  st_phase = "main exiting while its threads write";
  run(-1, 20);
  exit(0);
}
