/*
 * test-crash-recover-longjmp.c: a program that probes memory with its own
 * SIGSEGV handler and siglongjmp (installed in main, crash_report=1) works
 * as without mapsan, fault after fault at the same place and at different
 * depths: no crash report, no loop, normal exit. Then it restores the
 * action it replaced (mapsan's handler) and a real crash is reported.
 *
 * mapsan-expect: crash CRASH
 * mapsan-exit: signal:SEGV
 * mapsan-stderr: 200 probes faulted
 */
#include "crash-test.h"

#include <setjmp.h>

static sigjmp_buf probe_env;

static void handler(int sig) {
  (void)sig;
  siglongjmp(probe_env, 1);
}

static int probe(int depth) {
  if (depth > 0)
    return probe(depth - 1) + 0 * depth;
  if (sigsetjmp(probe_env, 1) == 0) {
    *ct_nowhere = 1;
    return 0;
  }
  return 1;
}

int main(void) {
  struct sigaction sa, old;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = handler;
  RT_CHECK(sigaction(SIGSEGV, &sa, &old) == 0);
  int faulted = 0;
  for (int i = 0; i < 200; i++)
    faulted += probe(i % 3 == 0 ? 0 : i % 7);
  fprintf(stderr, "%d probes faulted\n", faulted);
  RT_CHECK(sigaction(SIGSEGV, &old, NULL) == 0);
  *ct_nowhere = 1; /* mapsan-mark: CRASH */
  ct_say("not reached: no SIGSEGV\n");
  return 1;
}
