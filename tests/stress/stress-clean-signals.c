/*
 * stress-clean-signals.c: signals arriving during map operations. Two
 * threads do map operations on one map under one mutex (so that they also
 * wait for it, in the kernel and in mapsan's own locks); a third sends
 * SIGUSR1 to both with pthread_kill, 20,000 times, as fast as it can. The
 * handler only counts (an atomic: async-signal-safe) and is installed
 * without SA_RESTART, so that interrupted system calls (futex waits) come
 * back with EINTR wherever the signal lands: in the map library, in
 * mapsan's engine, in its stack unwinder, in glibc's mutex. Proves: no
 * deadlock, no crash, no report, the map ends consistent, and the signals
 * were delivered (the count is not zero).
 *
 * mapsan-expect: none
 * stress-max-seconds: 20
 */
#include "stress-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

enum { WORKERS = 2, SIGNALS = 20000 };

static hmap *m;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_int stop;
static atomic_long handled;
static uint64_t ops[WORKERS];

static void on_usr1(int sig) {
  (void)sig;
  atomic_fetch_add_explicit(&handled, 1, memory_order_relaxed);
}

static void *worker(void *arg) {
  int self = (int)(uintptr_t)arg;
  uint64_t seed = 0x5151ull * (uint64_t)(self + 1), n = 0;
  while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
    uint64_t r = st_rand(&seed);
    uint64_t k = r % 8192;
    pthread_mutex_lock(&mu);
    switch (r >> 60) {
    case 0: case 1: case 2: case 3:
      hmap_delete(m, &k);
      break;
    case 4: {
      hmap_iter it;
      int i = 0;
      for (hmap_iter_init(&it, m); i < 32 && hmap_iter_next(&it); i++)
        n += *(const uint64_t *)it.key;
      hmap_iter_stop(&it);
      break;
    }
    case 5: case 6: case 7: {
      uint64_t *v = hmap_lookup(m, &k);
      n += v ? *v : 0;
      break;
    }
    default:
      *(uint64_t *)hmap_assign(m, &k) = r;
      break;
    }
    pthread_mutex_unlock(&mu);
    ops[self]++;
  }
  return (void *)(uintptr_t)n;
}

int main(void) {
  st_watchdog(18);
  long t0 = rt_now_ms();
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_usr1; /* no SA_RESTART */
  sigemptyset(&sa.sa_mask);
  RT_CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th[WORKERS];
  for (int i = 0; i < WORKERS; i++)
    RT_CHECK(pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)i) == 0);
  st_phase = "sending signals";
  for (int s = 0; s < SIGNALS; s++) {
    RT_CHECK(pthread_kill(th[s % WORKERS], SIGUSR1) == 0);
    if (s % 64 == 0)
      sched_yield();
  }
  st_phase = "joining";
  atomic_store_explicit(&stop, 1, memory_order_relaxed);
  for (int i = 0; i < WORKERS; i++)
    RT_CHECK(pthread_join(th[i], NULL) == 0);
  char why[128];
  RT_CHECK(hmap_check_invariants(m, why, sizeof(why)));
  hmap_free(m);
  long got = atomic_load(&handled);
  fprintf(stderr, "%d signals sent, %ld handled, %llu + %llu map operations, "
          "%ld ms\n", SIGNALS, got, (unsigned long long)ops[0],
          (unsigned long long)ops[1], rt_now_ms() - t0);
  RT_CHECK(got > 0);
  return 0;
}
