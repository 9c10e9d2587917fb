/*
 * native-rerun.h: a figure of the same program without mapsan, for tests
 * that compare what a canary leaves of the program's own state (its heap,
 * its descriptor numbers) with what it is natively.
 *
 * The program re-executes itself (/proc/self/exe) without LD_PRELOAD and
 * with NATIVE_RERUN_ENV set; in that run native_rerun_child() is true and
 * the program prints its figures on stdout, separated by spaces, and exits
 * 0; native_rerun() returns the first, or -1 when the run failed;
 * native_rerun_n() stores up to n of them and returns how many it read.
 */
#ifndef NATIVE_RERUN_H
#define NATIVE_RERUN_H

#include <stdbool.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define NATIVE_RERUN_ENV "MAPSAN_TEST_NATIVE_RERUN"

static inline bool native_rerun_child(void) { return getenv(NATIVE_RERUN_ENV) != NULL; }

static inline int native_rerun_n(long *figs, int n) {
  int p[2];
  if (pipe(p) != 0)
    return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(p[1], 1);
    close(p[0]);
    close(p[1]);
    unsetenv("LD_PRELOAD");
    setenv(NATIVE_RERUN_ENV, "1", 1);
    execl("/proc/self/exe", "native-rerun", (char *)NULL);
    _exit(127);
  }
  close(p[1]);
  char buf[256] = {0};
  size_t have = 0;
  ssize_t got;
  while (have < sizeof(buf) - 1 &&
         (got = read(p[0], buf + have, sizeof(buf) - 1 - have)) > 0)
    have += (size_t)got;
  close(p[0]);
  int st;
  waitpid(pid, &st, 0);
  if (have == 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
    return -1;
  int k = 0;
  char *s = buf, *end;
  while (k < n) {
    long v = strtol(s, &end, 10);
    if (end == s)
      break;
    figs[k++] = v;
    s = end;
  }
  return k;
}

static inline long native_rerun(void) {
  long fig;
  return native_rerun_n(&fig, 1) == 1 ? fig : -1;
}

#endif
