/*
 * native-rerun.h: a figure of the same program without mapsan, for tests
 * that compare what a canary leaves of the program's own state (its heap,
 * its descriptor numbers) with what it is natively.
 *
 * The program re-executes itself (/proc/self/exe) without LD_PRELOAD and
 * with NATIVE_RERUN_ENV set; in that run native_rerun_child() is true and
 * the program prints its figure on stdout and exits 0; native_rerun()
 * returns that figure, or -1 when the run failed.
 */
#ifndef NATIVE_RERUN_H
#define NATIVE_RERUN_H

#include <stdbool.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define NATIVE_RERUN_ENV "MAPSAN_TEST_NATIVE_RERUN"

static bool native_rerun_child(void) { return getenv(NATIVE_RERUN_ENV) != NULL; }

static long native_rerun(void) {
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
  char buf[64] = {0};
  ssize_t n = read(p[0], buf, sizeof(buf) - 1);
  close(p[0]);
  int st;
  waitpid(pid, &st, 0);
  return n > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? atol(buf) : -1;
}

#endif
