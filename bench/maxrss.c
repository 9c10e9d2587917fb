/*
 * maxrss.c: runs a command and prints its peak resident set size.
 *   maxrss FILE CMD [ARGS...]   writes "<KiB>\n" to FILE, exits as CMD
 * A small C parent keeps the child's peak RSS free of the parent's pages
 * (a child forked from a Python interpreter starts with the interpreter's).
 */
#include <stdio.h>
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
    execvp(argv[2], argv + 2);
    perror(argv[2]);
    _exit(127);
  }
  int status;
  struct rusage ru;
  if (pid < 0 || wait4(pid, &status, 0, &ru) < 0)
    return 2;
  FILE *f = fopen(argv[1], "w");
  if (f) {
    fprintf(f, "%ld\n", ru.ru_maxrss);
    fclose(f);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
