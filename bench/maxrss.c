/*
 * maxrss.c: runs a command and prints its peak resident set size, and its
 * exact resident memory at exit, split into the process's own (anonymous)
 * memory and shared file pages.
 *
 *   maxrss FILE CMD [ARGS...]   writes three figures (below) to FILE, exits
 *                               as CMD
 *   MAXRSS_SMAPS=PATH           also copies the process's /proc/PID/smaps,
 *                               as it is when the process exits, to PATH
 *
 * A small C parent keeps the child's peak RSS free of the parent's pages
 * (a child forked from a Python interpreter starts with the interpreter's).
 *
 * Peak RSS is the kernel's high-water mark (wait4's ru_maxrss). It counts
 * every resident page the process maps, including the page-cache pages of
 * shared libraries, which the kernel maps in 64 KiB batches (fault-around)
 * whether the code is run or not, and which all processes share. It is
 * also approximate: since Linux 6.2 the counters behind it are per-CPU and
 * read without summing, so it can be off by up to 32 pages a CPU (256 KiB
 * on 2 CPUs), which is why the private figures below are read elsewhere.
 *
 * At exit, exactly: the child is traced (PTRACE_TRACEME) only to be
 * stopped at its exit (PTRACE_EVENT_EXIT), before its address space is
 * torn down, and its /proc/PID/smaps_rollup is read there. That file is
 * made by walking the page tables, so it is exact: Rss, and Anonymous,
 * the memory that is the process's own (heap, stacks, copy-on-write pages
 * of libraries' data, mapsan's tables); Rss - Anonymous is file pages
 * (library text and read-only data), shared with every process that maps
 * the same files. Tracing costs nothing while the child runs: only its
 * main thread is traced, and it stops only at exec, at exit and when a
 * signal arrives (the signal is passed on unchanged).
 *
 * Output to FILE: "<peak RSS> <Rss at exit> <Anonymous at exit>\n", in KiB
 * (-1 for a figure that could not be read).
 */
#include "procfs.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: maxrss FILE CMD [ARGS...]\n");
    return 2;
  }
  pid_t pid = fork();
  if (pid == 0) {
    ptrace(PTRACE_TRACEME, 0, NULL, NULL);
    execvp(argv[2], argv + 2);
    perror(argv[2]);
    _exit(127);
  }
  if (pid < 0)
    return 2;
  const char *smaps = getenv("MAXRSS_SMAPS");
  long rss_exit = -1, anon_exit = -1;
  int status;
  struct rusage ru;
  bool options_set = false;
  for (;;) {
    if (wait4(pid, &status, 0, &ru) < 0)
      return 2;
    if (WIFEXITED(status) || WIFSIGNALED(status))
      break;
    if (!WIFSTOPPED(status))
      continue;
    int sig = WSTOPSIG(status), deliver = 0;
    if (!options_set && sig == SIGTRAP) {
      /* The stop after the first exec. */
      ptrace(PTRACE_SETOPTIONS, pid, NULL,
             (void *)(long)(PTRACE_O_TRACEEXIT | PTRACE_O_TRACEEXEC |
                            PTRACE_O_EXITKILL));
      options_set = true;
    } else if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
      char rollup[64], smaps_path[64];
      snprintf(rollup, sizeof(rollup), "/proc/%d/smaps_rollup", (int)pid);
      snprintf(smaps_path, sizeof(smaps_path), "/proc/%d/smaps", (int)pid);
      rss_exit = rollup_kib(rollup, "Rss:");
      anon_exit = rollup_kib(rollup, "Anonymous:");
      if (smaps)
        copy_file(smaps_path, smaps);
    } else if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXEC << 8))) {
      /* the launcher exec'ed the program */
    } else {
      deliver = sig; /* a signal for the program: pass it on */
    }
    ptrace(PTRACE_CONT, pid, NULL, (void *)(long)deliver);
  }
  FILE *f = fopen(argv[1], "w");
  if (f) {
    fprintf(f, "%ld %ld %ld\n", ru.ru_maxrss, rss_exit, anon_exit);
    fclose(f);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
