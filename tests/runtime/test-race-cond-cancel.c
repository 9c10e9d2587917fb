/*
 * test-race-cond-cancel.c: the twin of test-clean-cond-cancel.c where the
 * cancelled thread's cleanup handler unlocks the mutex (held again after
 * the cancelled wait) first and writes the map after it, while main,
 * once the handler is done, writes the map under the mutex before it
 * joins. Main's lock is ordered after the handler's unlock, not after the
 * write that followed it: one race per flavour, pthread_cond_wait and C11
 * cnd_wait, and no other report.
 *
 * mapsan-expect: write-write-race HANDLER MAIN_P
 * mapsan-expect: write-write-race HANDLER_C MAIN_C
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>
#include <threads.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static mtx_t cmu;
static cnd_t ccv;
static hmap *pm, *cm;
static atomic_int waiting, handled;

static void cleanup(void *arg) {
  (void)arg;
  uint64_t k = 1;
  pthread_mutex_unlock(&mu);
  *(uint64_t *)hmap_assign(pm, &k) = 2; /* mapsan-mark: HANDLER */
  rt_flag_set(&handled, 1);
}

static void cleanup_c11(void *arg) {
  (void)arg;
  uint64_t k = 1;
  mtx_unlock(&cmu);
  *(uint64_t *)hmap_assign(cm, &k) = 2; /* mapsan-mark: HANDLER_C */
  rt_flag_set(&handled, 2);
}

static void *waiter(void *arg) {
  pthread_mutex_lock(&mu);
  pthread_cleanup_push(cleanup, arg);
  for (;;) {
    rt_flag_set(&waiting, 1);
    pthread_cond_wait(&cv, &mu);
  }
  pthread_cleanup_pop(1);
  return NULL;
}

static int c11_waiter(void *arg) {
  mtx_lock(&cmu);
  pthread_cleanup_push(cleanup_c11, arg);
  for (;;) {
    rt_flag_set(&waiting, 2);
    cnd_wait(&ccv, &cmu);
  }
  pthread_cleanup_pop(1);
  return 0;
}

int main(void) {
  uint64_t k = 1;
  RT_CHECK(mtx_init(&cmu, mtx_plain) == thrd_success);
  RT_CHECK(cnd_init(&ccv) == thrd_success);
  pm = hmap_new(&hmap_u64_u64, 0);
  cm = hmap_new(&hmap_u64_u64, 0);

  pthread_t th;
  RT_CHECK(pthread_create(&th, NULL, waiter, NULL) == 0);
  RT_CHECK(rt_flag_wait(&waiting, 1, 10000));
  pthread_mutex_lock(&mu); /* the waiter is in the wait */
  pthread_mutex_unlock(&mu);
  RT_CHECK(pthread_cancel(th) == 0);
  RT_CHECK(rt_flag_wait(&handled, 1, 10000));
  pthread_mutex_lock(&mu);
  *(uint64_t *)hmap_assign(pm, &k) = 3; /* mapsan-mark: MAIN_P */
  pthread_mutex_unlock(&mu);
  pthread_join(th, NULL);

  thrd_t cth;
  RT_CHECK(thrd_create(&cth, c11_waiter, NULL) == thrd_success);
  RT_CHECK(rt_flag_wait(&waiting, 2, 10000));
  mtx_lock(&cmu);
  mtx_unlock(&cmu);
  RT_CHECK(pthread_cancel((pthread_t)cth) == 0);
  RT_CHECK(rt_flag_wait(&handled, 2, 10000));
  mtx_lock(&cmu);
  *(uint64_t *)hmap_assign(cm, &k) = 3; /* mapsan-mark: MAIN_C */
  mtx_unlock(&cmu);
  thrd_join(cth, NULL);

  hmap_free(pm);
  hmap_free(cm);
  return 0;
}
