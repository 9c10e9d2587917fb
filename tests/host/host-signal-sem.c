/*
 * host-signal-sem: a SIGALRM handler posts a semaphore (async-signal-safe)
 * while the interrupted thread is itself inside sem_post/sem_trywait; a
 * worker writes a map so the engine is live. Natively it ends; a hook that
 * takes a lock the interrupted hook already holds hangs it.
 *
 * host-runs: 4
 */
#include <hmap.h>

#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

static sem_t sem;
static atomic_long ticks;

static void on_alarm(int sig) {
  (void)sig;
  sem_post(&sem);
  atomic_fetch_add(&ticks, 1);
}

static void *mapper(void *arg) {
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  for (uint64_t i = 0; i < 20000; i++)
    *(uint64_t *)hmap_assign(m, &i) = i;
  hmap_free(m);
  return arg;
}

int main(void) {
  sem_init(&sem, 0, 0);
  pthread_t t;
  pthread_create(&t, NULL, mapper, NULL);
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_alarm;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval it = {{0, 50}, {0, 50}};
  setitimer(ITIMER_REAL, &it, NULL);
  long posts = 0;
  while (atomic_load(&ticks) < 3000) {
    sem_post(&sem);
    posts++;
    while (sem_trywait(&sem) == 0)
      ;
  }
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &off, NULL);
  pthread_join(t, NULL);
  printf("done\n");
  return posts > 0 ? 0 : 1;
}
