/*
 * test-clean-fork.c: fork in a multithreaded program. While a second thread
 * keeps writing its own map under a mutex (so that mapsan's locks and that
 * map's shadow are likely busy at the moment of the fork), main forks three
 * times; each child uses a map inherited from main and a new one, with
 * threads of its own under a mutex, and exits 0 (it never touches the
 * other thread's map or mutex, which may be mid-operation in its copy).
 * Children must not deadlock, must not report anything about the parent's
 * other thread (which does not exist in them), and the parent goes on
 * unaffected. No report in any process.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

static hmap *shared, *busy;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_int stop;

static void *busy_thread(void *arg) {
  (void)arg;
  uint64_t i = 0;
  while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
    pthread_mutex_lock(&mu);
    uint64_t k = i++ % 1000;
    *(uint64_t *)hmap_assign(busy, &k) = i;
    pthread_mutex_unlock(&mu);
  }
  return NULL;
}

static hmap *child_map;
static pthread_mutex_t child_mu = PTHREAD_MUTEX_INITIALIZER;

static void *child_worker(void *arg) {
  uint64_t base = (uint64_t)(uintptr_t)arg * 1000;
  for (uint64_t k = base; k < base + 200; k++) {
    pthread_mutex_lock(&child_mu);
    *(uint64_t *)hmap_assign(child_map, &k) = k;
    pthread_mutex_unlock(&child_mu);
  }
  return NULL;
}

static int child(void) {
  /* main's map, as it was at the fork: ours now. */
  uint64_t k = 5000;
  *(uint64_t *)hmap_assign(shared, &k) = 1;
  RT_CHECK(hmap_len(shared) == 101);
  child_map = hmap_new(&hmap_u64_u64, 0);
  pthread_t th[2];
  for (int i = 0; i < 2; i++)
    pthread_create(&th[i], NULL, child_worker, (void *)(uintptr_t)i);
  for (int i = 0; i < 2; i++)
    pthread_join(th[i], NULL);
  if (hmap_len(child_map) != 400)
    return 3;
  hmap_free(child_map);
  return 0;
}

int main(void) {
  shared = hmap_new(&hmap_u64_u64, 0);
  busy = hmap_new(&hmap_u64_u64, 0);
  for (uint64_t k = 0; k < 100; k++)
    *(uint64_t *)hmap_assign(shared, &k) = k;
  pthread_t th;
  pthread_create(&th, NULL, busy_thread, NULL);
  for (int round = 0; round < 3; round++) {
    rt_sleep_ms(10);
    pid_t pid = fork();
    if (pid == 0)
      _exit(child());
    RT_CHECK(pid > 0);
    int st;
    RT_CHECK(waitpid(pid, &st, 0) == pid);
    RT_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }
  rt_flag_set(&stop, 1);
  pthread_join(th, NULL);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(busy, &k) = 1;
  hmap_free(shared);
  hmap_free(busy);
  return 0;
}
