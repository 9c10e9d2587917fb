/*
 * test-race-c11-threads.c: the twin of test-clean-c11-threads.c, one map per
 * C11 mechanism used wrongly, each race unordered in every schedule:
 *  - JOIN: main writes before thrd_join (thrd_create alone orders only what
 *    came before it);
 *  - MTX: mtx_trylock FAILS (the holder keeps the mutex, waiting on a
 *    relaxed flag) and the thread writes anyway; then mtx_timedlock times
 *    out and it writes another map anyway;
 *  - CND: the producer writes after handing the map over with cnd_signal;
 *  - ONCE: a thread reads the map that the call_once initializer is filling
 *    without calling call_once.
 *
 * mapsan-lock-kind: L1 mtx_t
 * mapsan-stderr: Lock L1 0x[0-9a-f]+ \(mu, mtx_t\) first seen at:\n
 * mapsan-expect: write-write-race JOIN_T JOIN_M
 * mapsan-expect: write-write-race TRY_H TRY_W
 * mapsan-expect: write-write-race TIMED_H TIMED_W
 * mapsan-expect: write-write-race CND_P CND_C
 * mapsan-expect: read-write-race ONCE_W ONCE_R
 */
#include "runtime-test.h"

#include <hmap.h>

#include <stdint.h>
#include <threads.h>

static hmap *m_join, *m_try, *m_timed, *m_cnd, *m_once;
static mtx_t mu, mu_cv;
static cnd_t cv;
static once_flag once = ONCE_FLAG_INIT;
static int handed;
static atomic_int held, tried, once_started, once_looked;

static int joined_late(void *arg) {
  (void)arg;
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m_join, &k) = 2; /* mapsan-mark: JOIN_T */
  return 0;
}

static int holder(void *arg) {
  (void)arg;
  uint64_t k = 1;
  mtx_lock(&mu);
  *(uint64_t *)hmap_assign(m_try, &k) = 1; /* mapsan-mark: TRY_H */
  *(uint64_t *)hmap_assign(m_timed, &k) = 1; /* mapsan-mark: TIMED_H */
  rt_flag_set(&held, 1);
  RT_CHECK(rt_flag_wait(&tried, 1, 5000));
  mtx_unlock(&mu);
  return 0;
}

static int consumer(void *arg) {
  (void)arg;
  mtx_lock(&mu_cv);
  while (!handed)
    cnd_wait(&cv, &mu_cv);
  mtx_unlock(&mu_cv);
  rt_sleep_ms(30);
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m_cnd, &k) = 2; /* mapsan-mark: CND_C */
  return 0;
}

static void init_once(void) {
  rt_flag_set(&once_started, 1);
  RT_CHECK(rt_flag_wait(&once_looked, 1, 5000));
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m_once, &k) = 1; /* mapsan-mark: ONCE_W */
}

static int initializer(void *arg) {
  (void)arg;
  call_once(&once, init_once);
  return 0;
}

static int impatient(void *arg) {
  (void)arg;
  RT_CHECK(rt_flag_wait(&once_started, 1, 5000));
  uint64_t k = 1;
  (void)hmap_lookup(m_once, &k); /* mapsan-mark: ONCE_R */
  rt_flag_set(&once_looked, 1);
  return 0;
}

int main(void) {
  mtx_init(&mu, mtx_timed);
  mtx_init(&mu_cv, mtx_plain);
  cnd_init(&cv);
  m_join = hmap_new(&hmap_u64_u64, 0);
  m_try = hmap_new(&hmap_u64_u64, 0);
  m_timed = hmap_new(&hmap_u64_u64, 0);
  m_cnd = hmap_new(&hmap_u64_u64, 0);
  m_once = hmap_new(&hmap_u64_u64, 0);
  uint64_t k = 1;

  thrd_t t;
  thrd_create(&t, joined_late, NULL);
  rt_sleep_ms(30);
  *(uint64_t *)hmap_assign(m_join, &k) = 1; /* mapsan-mark: JOIN_M */
  thrd_join(t, NULL);

  thrd_create(&t, holder, NULL);
  RT_CHECK(rt_flag_wait(&held, 1, 5000));
  RT_CHECK(mtx_trylock(&mu) == thrd_busy);
  *(uint64_t *)hmap_assign(m_try, &k) = 2; /* mapsan-mark: TRY_W */
  struct timespec dl = rt_deadline(CLOCK_REALTIME, 10);
  RT_CHECK(mtx_timedlock(&mu, &dl) == thrd_timedout);
  *(uint64_t *)hmap_assign(m_timed, &k) = 2; /* mapsan-mark: TIMED_W */
  rt_flag_set(&tried, 1);
  thrd_join(t, NULL);

  thrd_create(&t, consumer, NULL);
  rt_sleep_ms(20);
  mtx_lock(&mu_cv);
  *(uint64_t *)hmap_assign(m_cnd, &k) = 0;
  handed = 1;
  cnd_signal(&cv);
  mtx_unlock(&mu_cv);
  *(uint64_t *)hmap_assign(m_cnd, &k) = 1; /* mapsan-mark: CND_P */
  thrd_join(t, NULL);

  thrd_t a, b;
  thrd_create(&a, initializer, NULL);
  thrd_create(&b, impatient, NULL);
  thrd_join(a, NULL);
  thrd_join(b, NULL);

  hmap_free(m_join);
  hmap_free(m_try);
  hmap_free(m_timed);
  hmap_free(m_cnd);
  hmap_free(m_once);
  return 0;
}
