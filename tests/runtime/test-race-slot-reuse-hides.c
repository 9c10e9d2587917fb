/*
 * test-race-slot-reuse-hides.c: knowing a thread must not mean knowing the
 * thread that had its slot before. A writes the map with no lock and
 * exits (not joined: its slot is free). B is created next and takes A's
 * slot; B has never synchronized with A. X synchronizes with B only (a
 * mutex B released) and then writes the map. Nothing orders A's write and
 * X's: a race, in every schedule.
 *
 * mapsan-expect: write-write-race A X
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static hmap *m;
static pthread_mutex_t mu_k = PTHREAD_MUTEX_INITIALIZER;
static atomic_int a_tid, b_started, b_released;

static void *thread_a(void *arg) {
  (void)arg;
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: A */
  rt_flag_set(&a_tid, (int)syscall(SYS_gettid));
  return NULL;
}

static void *thread_b(void *arg) {
  (void)arg;
  rt_flag_set(&b_started, 1);
  pthread_mutex_lock(&mu_k);
  pthread_mutex_unlock(&mu_k);
  rt_flag_set(&b_released, 1);
  return NULL;
}

static void *thread_x(void *arg) {
  (void)arg;
  RT_CHECK(rt_flag_wait(&b_released, 1, 5000));
  pthread_mutex_lock(&mu_k);
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: X */
  pthread_mutex_unlock(&mu_k);
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t a, b, x;
  pthread_create(&a, NULL, thread_a, NULL);
  /* Wait until A has completely exited (its task is gone), without
   * joining it. */
  while (atomic_load_explicit(&a_tid, memory_order_relaxed) == 0)
    rt_sleep_ms(1);
  char path[64];
  snprintf(path, sizeof(path), "/proc/self/task/%d", (int)a_tid);
  struct stat st;
  long end = rt_now_ms() + 5000;
  while (stat(path, &st) == 0 && rt_now_ms() < end)
    rt_sleep_ms(1);
  pthread_create(&b, NULL, thread_b, NULL);
  RT_CHECK(rt_flag_wait(&b_started, 1, 5000)); /* B takes the slot, not X */
  pthread_create(&x, NULL, thread_x, NULL);
  pthread_join(b, NULL);
  pthread_join(x, NULL);
  pthread_join(a, NULL);
  hmap_free(m);
  return 0;
}
