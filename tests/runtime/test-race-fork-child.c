/*
 * test-race-fork-child.c: races inside a forked child are found and
 * reported by the child, in its own JSON file (one per pid). The parent,
 * multithreaded and clean (a second thread uses its own map under a
 * mutex), forks; in the child two new threads write one map with no
 * synchronization. The child exits with its own status (66, because it
 * reported); the parent exits with the child's status.
 *
 * mapsan-expect: write-write-race A B
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

static hmap *parent_map, *m;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_int stop;

static void *parent_worker(void *arg) {
  (void)arg;
  uint64_t i = 0;
  while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
    pthread_mutex_lock(&mu);
    uint64_t k = i++ % 100;
    *(uint64_t *)hmap_assign(parent_map, &k) = i;
    pthread_mutex_unlock(&mu);
  }
  return NULL;
}

static void *child_a(void *arg) {
  (void)arg;
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: A */
  return NULL;
}

static void *child_b(void *arg) {
  (void)arg;
  rt_sleep_ms(30);
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: B */
  return NULL;
}

static int child(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t a, b;
  pthread_create(&a, NULL, child_a, NULL);
  pthread_create(&b, NULL, child_b, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  hmap_free(m);
  return 0; /* mapsan turns it into 66: the child reported */
}

int main(void) {
  parent_map = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, parent_worker, NULL);
  rt_sleep_ms(10);
  pid_t pid = fork();
  if (pid == 0)
    exit(child());
  RT_CHECK(pid > 0);
  int st;
  RT_CHECK(waitpid(pid, &st, 0) == pid);
  rt_flag_set(&stop, 1);
  pthread_join(th, NULL);
  hmap_free(parent_map);
  RT_CHECK(WIFEXITED(st));
  return WEXITSTATUS(st);
}
