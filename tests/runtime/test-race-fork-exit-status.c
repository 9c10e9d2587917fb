/*
 * test-race-fork-exit-status.c: a report counts toward the exit status of
 * the process that made it only. The parent reports a race, then forks
 * three children that exit 0 by exit(), by _exit() and by exec'ing
 * /bin/true; each must exit 0 to the parent, which only wants the child's
 * own status. The parent itself exits 66 (it reported). The exit() child
 * writes its own summary record, which must say 0 reports (check.py
 * compares each summary with the reports of its pid).
 *
 * mapsan-expect: write-write-race A B
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static hmap *m;

static void *writer(void *arg) {
  (void)arg;
  rt_sleep_ms(30);
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: B */
  return NULL;
}

static int child_status(int how) {
  pid_t pid = fork();
  if (pid == 0) {
    if (how == 0)
      exit(0);
    if (how == 1)
      _exit(0);
    execl("/bin/true", "true", (char *)NULL);
    _exit(127);
  }
  RT_CHECK(pid > 0);
  int st;
  RT_CHECK(waitpid(pid, &st, 0) == pid);
  RT_CHECK(WIFEXITED(st));
  return WEXITSTATUS(st);
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, writer, NULL);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: A */
  pthread_join(th, NULL); /* the race is reported by now */
  for (int how = 0; how < 3; how++) {
    int st = child_status(how);
    if (st != 0) {
      fprintf(stderr, "child %d exited %d\n", how, st);
      return 1;
    }
  }
  hmap_free(m);
  return 0;
}
