/*
 * host-blocked-signals: a server-style thread created with every signal
 * blocked. In it, a stale slot pointer kept across growth is read (under
 * mapsan the old bucket array is quarantined and the read faults: it must
 * be reported and the program go on, not be killed because SIGSEGV is
 * blocked); the thread's view of its own mask, through pthread_sigmask and
 * sigprocmask, must be what it set; and a SIGSEGV sent to it by
 * pthread_kill while it blocks the signal must stay pending until its
 * sigwait takes it, as natively.
 *
 * host-reports: use-after-resize
 */
#include <hmap.h>

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

static void print_mask(const char *who, int segv, int bus) {
  printf("%s: SIGSEGV %s, SIGBUS %s\n", who, segv ? "blocked" : "open",
         bus ? "blocked" : "open");
}

static void show(const char *who) {
  sigset_t cur;
  pthread_sigmask(SIG_BLOCK, NULL, &cur);
  print_mask(who, sigismember(&cur, SIGSEGV), sigismember(&cur, SIGBUS));
}

static pthread_barrier_t sent;

static void *server(void *arg) {
  (void)arg;
  show("server at start");
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  for (uint64_t k = 0; k < 8; k++)
    *(uint64_t *)hmap_assign(m, &k) = k;
  uint64_t k = 3;
  volatile uint64_t *stale = hmap_lookup(m, &k);
  for (uint64_t i = 1000000; i < 1000100; i++)
    *(uint64_t *)hmap_assign(m, &i) = i;
  uint64_t v = *stale; /* faults under mapsan: quarantined */
  (void)v;
  printf("server: read through the stale pointer and went on\n");
  hmap_free(m);

  /* sigprocmask's old set after unblocking SIGBUS, then blocking it again */
  sigset_t bus, old;
  sigemptyset(&bus);
  sigaddset(&bus, SIGBUS);
  sigprocmask(SIG_UNBLOCK, &bus, &old);
  print_mask("old set before unblocking SIGBUS", sigismember(&old, SIGSEGV),
             sigismember(&old, SIGBUS));
  show("after unblocking SIGBUS");
  sigprocmask(SIG_BLOCK, &bus, NULL);
  show("after blocking it again");

  pthread_barrier_wait(&sent); /* main sends SIGSEGV now */
  pthread_barrier_wait(&sent);
  sigset_t segv;
  sigemptyset(&segv);
  sigaddset(&segv, SIGSEGV);
  sigset_t pending;
  sigpending(&pending);
  printf("server: SIGSEGV %s\n",
         sigismember(&pending, SIGSEGV) ? "pending" : "not pending");
  int sig = 0;
  sigwait(&segv, &sig);
  printf("server: sigwait took signal %d\n", sig);
  show("server at end");
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  pthread_barrier_init(&sent, NULL, 2);
  sigset_t all, saved;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &saved);
  pthread_t th;
  pthread_create(&th, NULL, server, NULL);
  pthread_sigmask(SIG_SETMASK, &saved, NULL);
  pthread_barrier_wait(&sent);
  pthread_kill(th, SIGSEGV);
  pthread_barrier_wait(&sent);
  pthread_join(th, NULL);
  show("main");
  printf("done\n");
  return 0;
}
