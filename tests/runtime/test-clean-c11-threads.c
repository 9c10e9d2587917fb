/*
 * test-clean-c11-threads.c: C11 <threads.h> gives the same edges as POSIX
 * threads, and mapsan must see them although glibc does not route them
 * through the pthread symbols: thrd_create/thrd_join; mtx_lock,
 * mtx_trylock (retried), mtx_timedlock and mtx_unlock on a plain and on a
 * timed recursive mutex (taken twice); cnd_timedwait and cnd_wait
 * hand-overs; call_once; thrd_exit and thrd_detach. Each mechanism guards
 * its own map. No report.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <hmap.h>

#include <semaphore.h>
#include <stdint.h>
#include <threads.h>

enum { N = 4, ROUNDS = 200 };

static mtx_t mu_plain, mu, mu_cv;
static cnd_t cv;
static once_flag once = ONCE_FLAG_INIT;
static hmap *m_join, *m_plain, *m_mtx, *m_cnd, *m_once;
static int handed;

static void init_once(void) {
  m_once = hmap_new(&hmap_u64_u64, 0);
  rt_sleep_ms(20);
  for (uint64_t k = 0; k < 10; k++)
    *(uint64_t *)hmap_assign(m_once, &k) = k;
}

static int worker(void *arg) {
  uint64_t id = (uint64_t)(uintptr_t)arg;
  uint64_t k = id;
  RT_CHECK(hmap_lookup(m_join, &k) != NULL); /* written before thrd_create */
  for (uint64_t i = 0; i < ROUNDS; i++) {
    k = id * 1000 + i;
    /* m_plain: always under mu_plain. */
    RT_CHECK(mtx_lock(&mu_plain) == thrd_success);
    *(uint64_t *)hmap_assign(m_plain, &k) = i;
    mtx_unlock(&mu_plain);
    /* m_mtx: always under mu (timed, recursive), taken three ways. */
    switch (i % 3) {
    case 0:
      RT_CHECK(mtx_lock(&mu) == thrd_success);
      break;
    case 1:
      while (mtx_trylock(&mu) == thrd_busy)
        thrd_yield();
      break;
    default: {
      struct timespec dl = rt_deadline(CLOCK_REALTIME, 5000);
      RT_CHECK(mtx_timedlock(&mu, &dl) == thrd_success);
      break;
    }
    }
    RT_CHECK(mtx_lock(&mu) == thrd_success); /* recursive */
    *(uint64_t *)hmap_assign(m_mtx, &k) = i;
    mtx_unlock(&mu);
    RT_CHECK(hmap_lookup(m_mtx, &k) != NULL);
    mtx_unlock(&mu);
  }
  call_once(&once, init_once);
  k = 3;
  RT_CHECK(hmap_lookup(m_once, &k) != NULL);
  if (id == 0) { /* the consumer of the cnd hand-over */
    mtx_lock(&mu_cv);
    while (!handed) {
      struct timespec dl = rt_deadline(CLOCK_REALTIME, 20);
      int r = cnd_timedwait(&cv, &mu_cv, &dl);
      RT_CHECK(r == thrd_success || r == thrd_timedout);
    }
    mtx_unlock(&mu_cv);
    k = 99;
    *(uint64_t *)hmap_assign(m_cnd, &k) = 99;
  }
  if (id == 1) { /* the producer */
    mtx_lock(&mu_cv);
    k = 1;
    *(uint64_t *)hmap_assign(m_cnd, &k) = 1;
    handed = 1;
    cnd_broadcast(&cv);
    mtx_unlock(&mu_cv);
  }
  return 0;
}

static void exit_early(void) {
  uint64_t k = 77;
  *(uint64_t *)hmap_assign(m_join, &k) = 77;
  thrd_exit(0);
}

static int exiter(void *arg) {
  (void)arg;
  exit_early();
  return 1;
}

static sem_t detached_done;

static int detached(void *arg) {
  (void)arg;
  uint64_t k = 88;
  *(uint64_t *)hmap_assign(m_join, &k) = 88;
  sem_post(&detached_done);
  return 0;
}

static int cnd_waiter(void *arg) {
  (void)arg;
  mtx_lock(&mu_cv);
  while (handed < 2)
    cnd_wait(&cv, &mu_cv);
  mtx_unlock(&mu_cv);
  uint64_t k = 5;
  *(uint64_t *)hmap_assign(m_cnd, &k) = 5;
  return 0;
}

int main(void) {
  mtx_init(&mu_plain, mtx_plain);
  mtx_init(&mu, mtx_timed | mtx_recursive);
  mtx_init(&mu_cv, mtx_plain);
  cnd_init(&cv);
  m_join = hmap_new(&hmap_u64_u64, 0);
  m_plain = hmap_new(&hmap_u64_u64, 0);
  m_mtx = hmap_new(&hmap_u64_u64, 0);
  m_cnd = hmap_new(&hmap_u64_u64, 0);
  for (uint64_t k = 0; k < N; k++)
    *(uint64_t *)hmap_assign(m_join, &k) = k;
  thrd_t th[N];
  for (int i = 0; i < N; i++)
    RT_CHECK(thrd_create(&th[i], worker, (void *)(uintptr_t)i) ==
             thrd_success);
  for (int i = 0; i < N; i++)
    thrd_join(th[i], NULL);
  /* After the joins everything the workers did is ordered before us. */
  RT_CHECK(hmap_len(m_mtx) == N * ROUNDS);
  RT_CHECK(hmap_len(m_plain) == N * ROUNDS);
  uint64_t k = 100;
  *(uint64_t *)hmap_assign(m_join, &k) = 1;
  *(uint64_t *)hmap_assign(m_cnd, &k) = 1;
  *(uint64_t *)hmap_assign(m_once, &k) = 1;

  /* thrd_exit is an end like a return: ordered before thrd_join. A
   * detached thread (thrd_detach) is ordered by what it posts. */
  thrd_t e;
  thrd_create(&e, exiter, NULL);
  int res = -1;
  thrd_join(e, &res);
  RT_CHECK(res == 0);
  k = 77;
  *(uint64_t *)hmap_assign(m_join, &k) = 7;
  sem_init(&detached_done, 0, 0);
  thrd_create(&e, detached, NULL);
  thrd_detach(e);
  sem_wait(&detached_done);
  k = 88;
  *(uint64_t *)hmap_assign(m_join, &k) = 8;

  /* A plain cnd_wait hand-over the other way round: main produces. */
  thrd_t w;
  thrd_create(&w, cnd_waiter, NULL);
  rt_sleep_ms(20);
  mtx_lock(&mu_cv);
  k = 4;
  *(uint64_t *)hmap_assign(m_cnd, &k) = 4;
  handed = 2;
  cnd_signal(&cv);
  mtx_unlock(&mu_cv);
  thrd_join(w, NULL);

  hmap_free(m_join);
  hmap_free(m_plain);
  hmap_free(m_mtx);
  hmap_free(m_cnd);
  hmap_free(m_once);
  cnd_destroy(&cv);
  mtx_destroy(&mu_plain);
  mtx_destroy(&mu);
  mtx_destroy(&mu_cv);
  return 0;
}
