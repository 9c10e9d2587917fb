/*
 * host-atfork: the program's pthread_atfork prepare handler locks its own
 * mutex, under which a worker keeps making and filling maps, and the main
 * thread forks many times (the child _exits at once). Natively the prepare
 * handler waits for the worker to leave the mutex and fork goes on; a tool
 * that takes its own locks before the program's prepare handlers run waits
 * for a worker that waits for it.
 */
#include <hmap.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool stop;

static void prepare(void) { pthread_mutex_lock(&registry_lock); }
static void parent(void) { pthread_mutex_unlock(&registry_lock); }
static void child(void) { pthread_mutex_unlock(&registry_lock); }

static void *worker(void *arg) {
  while (!atomic_load(&stop)) {
    pthread_mutex_lock(&registry_lock);
    hmap *m = hmap_new(&hmap_u64_u64, 0);
    for (uint64_t i = 0; i < 64; i++)
      *(uint64_t *)hmap_assign(m, &i) = i;
    hmap_free(m);
    pthread_mutex_unlock(&registry_lock);
  }
  return arg;
}

int main(void) {
  pthread_atfork(prepare, parent, child);
  pthread_t t[2];
  for (int i = 0; i < 2; i++)
    pthread_create(&t[i], NULL, worker, NULL);
  int ok = 0;
  for (int i = 0; i < 200; i++) {
    pid_t pid = fork();
    if (pid == 0)
      _exit(7);
    int st;
    if (waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 7)
      ok++;
  }
  atomic_store(&stop, true);
  for (int i = 0; i < 2; i++)
    pthread_join(t[i], NULL);
  printf("%d children exited 7\n", ok);
  return 0;
}
