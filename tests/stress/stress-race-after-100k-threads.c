/*
 * stress-race-after-100k-threads.c: the racy twin of
 * stress-clean-100k-threads.c. After the same 100,000 short-lived threads
 * (8 at a time, a few operations each under the mutex), two new threads
 * write one map with nothing ordering them. Proves that mapsan still
 * tracks threads after heavy churn: the race is reported like on the
 * first thread. (Thread slots must be reused: a finished and joined
 * thread's slot goes to a later thread of the joiner, engine/thread.c; there
 * are at most 65,535 slots, and a thread without one is not tracked.)
 *
 * mapsan-expect: write-write-race A B
 * stress-max-seconds: 40
 */
#include "stress-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

enum { TOTAL = 100000, BATCH = 8 };

static hmap *shared, *late;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_int first_done;

static void *worker(void *arg) {
  uint64_t n = (uint64_t)(uintptr_t)arg;
  uint64_t k = n % 4096, old = (n + 2048) % 4096;
  pthread_mutex_lock(&mu);
  *(uint64_t *)hmap_assign(shared, &k) = n;
  hmap_delete(shared, &old);
  pthread_mutex_unlock(&mu);
  return NULL;
}

static void *late_first(void *arg) {
  (void)arg;
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(late, &k) = 1; /* mapsan-mark: A */
  rt_flag_set(&first_done, 1);
  return NULL;
}

static void *late_second(void *arg) {
  (void)arg;
  RT_CHECK(rt_flag_wait(&first_done, 1, 10000)); /* orders nothing */
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(late, &k) = 2; /* mapsan-mark: B */
  return NULL;
}

int main(void) {
  st_watchdog(38);
  long t0 = rt_now_ms();
  shared = hmap_new(&hmap_u64_u64, 0);
  late = hmap_new(&hmap_u64_u64, 0);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  st_phase = "creating and joining 100,000 threads";
  for (int done = 0; done < TOTAL; done += BATCH) {
    pthread_t th[BATCH];
    for (int i = 0; i < BATCH; i++)
      RT_CHECK(pthread_create(&th[i], &attr, worker,
                              (void *)(uintptr_t)(done + i)) == 0);
    for (int i = 0; i < BATCH; i++)
      RT_CHECK(pthread_join(th[i], NULL) == 0);
  }
  pthread_attr_destroy(&attr);
  st_phase = "the late racing pair";
  pthread_t a, b;
  RT_CHECK(pthread_create(&a, NULL, late_first, NULL) == 0);
  RT_CHECK(pthread_create(&b, NULL, late_second, NULL) == 0);
  RT_CHECK(pthread_join(a, NULL) == 0);
  RT_CHECK(pthread_join(b, NULL) == 0);
  hmap_free(late);
  hmap_free(shared);
  fprintf(stderr, "%d threads, then the race, in %ld ms\n", TOTAL,
          rt_now_ms() - t0);
  return 0;
}
