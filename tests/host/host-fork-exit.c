/*
 * host-fork-exit: a process that made a report forks children that end in
 * the usual ways (exit(0), _exit(0), exec of a program that exits 0, a
 * child that returns from main after its own clean work); the parent
 * prints what waitpid tells it. The children's statuses are theirs, as
 * natively: a parent's report is not the child's.
 *
 * host-reports: write-write-race
 */
#include "host-race.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *how, pid_t pid) {
  int st = 0;
  waitpid(pid, &st, 0);
  printf("%s: %s %d\n", how, WIFEXITED(st) ? "exit" : "signal",
         WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc > 1)
    return 0; /* the exec'd child */
  host_race_a();
  fflush(stdout);
  pid_t p;
  if ((p = fork()) == 0)
    exit(0);
  show("exit", p);
  if ((p = fork()) == 0)
    _exit(0);
  show("_exit", p);
  if ((p = fork()) == 0) {
    execl("/proc/self/exe", argv[0], "child", (char *)NULL);
    _exit(127);
  }
  show("exec", p);
  if ((p = fork()) == 0) {
    hmap *own = hmap_new(&hmap_u64_u64, 0);
    uint64_t k = 1;
    *(uint64_t *)hmap_assign(own, &k) = k;
    hmap_free(own);
    exit(0);
  }
  show("work", p);
  return 0;
}
