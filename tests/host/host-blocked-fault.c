/*
 * host-blocked-fault: a thread that blocks SIGSEGV dereferences NULL. The
 * program has a SIGSEGV handler, but a synchronous fault while the signal
 * is blocked is not delivered: natively the kernel kills the process with
 * the default action. Under mapsan, whose masks keep SIGSEGV deliverable to
 * its own handler, the process must die the same way (after a crash
 * report), the program's handler never called.
 *
 * host-reports: crash
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int *volatile nowhere;

static void on_segv(int sig) {
  (void)sig;
  static const char msg[] = "program handler called\n";
  write(1, msg, sizeof(msg) - 1);
  _exit(0);
}

static void *worker(void *arg) {
  (void)arg;
  sigset_t segv;
  sigemptyset(&segv);
  sigaddset(&segv, SIGSEGV);
  pthread_sigmask(SIG_BLOCK, &segv, NULL);
  return (void *)(long)*nowhere;
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_segv;
  sigaction(SIGSEGV, &sa, NULL);
  pthread_t th;
  pthread_create(&th, NULL, worker, NULL);
  pthread_join(th, NULL);
  printf("not reached\n");
  return 0;
}
