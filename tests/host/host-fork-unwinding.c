/*
 * host-fork-unwinding: fork while another thread is inside libunwind.
 *
 * mapsan's stack captures call libunwind, which finds unwind tables with
 * dl_iterate_phdr, and glibc's fork does not reset the lock that
 * dl_iterate_phdr holds (dl_load_write_lock; it resets dl_load_lock only),
 * nor does anything reset libunwind's own locks. A thread inside libunwind
 * at the moment of a fork therefore leaves the child with those locks
 * held, and the child's first capture that needs libunwind waits forever:
 * a hang mapsan would have brought into a program that never calls
 * dl_iterate_phdr itself.
 *
 * This program makes that moment certain instead of lucky. It defines
 * dl_iterate_phdr (exported: -rdynamic), which passes every call to
 * glibc's; once armed, the worker thread's next call holds glibc's lock
 * for 300 ms inside the real function's callback and posts a semaphore.
 * The worker then makes the first operations on a map from a function of
 * its own, which under mapsan means a stack capture through libunwind for
 * return addresses never seen. main waits for the semaphore (natively
 * nobody calls dl_iterate_phdr: it gives up after a second), forks, and
 * the child writes a map from a function of its own too (a capture that
 * needs libunwind again) and exits 0. The parent gives the child 10 s and
 * prints what became of it.
 *
 * With the argument `stuck`, the worker stays inside dl_iterate_phdr until
 * main's fork has returned (120 s at most), and the child exits at once
 * without a map operation: mapsan's wait for the gate must give up (it
 * waits a second) rather than wait for a thread that waits for the fork.
 *
 * host-modes: full
 * host-timeout: 60
 */
#include <hmap.h>

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef int (*phdr_cb)(struct dl_phdr_info *, size_t, void *);
typedef int (*iterate_fn)(phdr_cb, void *);

static iterate_fn real_iterate;
static atomic_int armed, stuck, forked;
static _Thread_local int is_worker;
static sem_t inside, go;

struct hold {
  phdr_cb cb;
  void *data;
  int held;
};

static int holding_cb(struct dl_phdr_info *info, size_t size, void *arg) {
  struct hold *h = arg;
  if (!h->held) {
    h->held = 1;
    sem_post(&inside);
    /* 300 ms, or (stuck) until main has forked: 120 s at most, past
     * host.py's 60, so that an unbounded wait shows as a hang. */
    for (int i = 0; i < (atomic_load(&stuck) ? 12000 : 30); i++) {
      if (atomic_load(&stuck) && atomic_load(&forked))
        break;
      struct timespec ts = {0, 10 * 1000 * 1000};
      nanosleep(&ts, NULL);
    }
  }
  return h->cb(info, size, h->data);
}

int dl_iterate_phdr(phdr_cb cb, void *data) {
  if (real_iterate == NULL) {
    void *p = dlsym(RTLD_NEXT, "dl_iterate_phdr");
    memcpy(&real_iterate, &p, sizeof(p));
  }
  if (is_worker && atomic_exchange(&armed, 0)) {
    struct hold h = {cb, data, 0};
    return real_iterate(holding_cb, &h);
  }
  return real_iterate(cb, data);
}

/* Not inlined, so that their return addresses are their own. */
static __attribute__((noinline)) uint64_t worker_ops(void) {
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  uint64_t sum = 0;
  for (uint64_t k = 0; k < 64; k++)
    *(uint64_t *)hmap_assign(m, &k) = k;
  for (uint64_t k = 0; k < 64; k++)
    sum += *(uint64_t *)hmap_lookup(m, &k);
  hmap_free(m);
  return sum;
}

static void *worker(void *arg) {
  (void)arg;
  is_worker = 1;
  sem_wait(&go);
  return (void *)(uintptr_t)worker_ops();
}

static __attribute__((noinline)) int child_ops(void) {
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  for (uint64_t k = 0; k < 16; k++)
    *(uint64_t *)hmap_assign(m, &k) = k * 3;
  int ok = hmap_len(m) == 16;
  hmap_free(m);
  return ok;
}

int main(int argc, char **argv) {
  atomic_store(&stuck, argc > 1 && strcmp(argv[1], "stuck") == 0);
  sem_init(&inside, 0, 0);
  sem_init(&go, 0, 0);
  pthread_t th;
  pthread_create(&th, NULL, worker, NULL);
  atomic_store(&armed, 1);
  sem_post(&go);
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += 1;
  while (sem_timedwait(&inside, &until) != 0 && errno == EINTR)
    ;
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0)
    _exit(atomic_load(&stuck) ? 0 : child_ops() ? 0 : 1);
  atomic_store(&forked, 1);
  int st = 0;
  int waited = 0;
  while (waitpid(pid, &st, WNOHANG) == 0) {
    if (++waited > 1000) { /* 10 s */
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      printf("child: stuck\n");
      break;
    }
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  if (waited <= 1000)
    printf("child: %s %d\n", WIFEXITED(st) ? "exit" : "signal",
           WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
  void *r;
  pthread_join(th, &r);
  printf("worker: %lu\n", (unsigned long)(uintptr_t)r);
  return 0;
}
