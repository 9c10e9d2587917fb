/*
 * test-crash-chain-constructor.c: the program's own constructor (run after
 * mapsan's: the preloaded library is initialized first) installs a SIGSEGV
 * handler that, like most crash handlers, calls the action it replaced.
 * With crash_report=1 the program's handler owns the signal: it runs first;
 * the old action it was given is mapsan's handler, which then reports and
 * lets the default action kill the process (no loop back into the
 * program's handler).
 *
 * mapsan-expect: crash CRASH
 * mapsan-exit: signal:SEGV
 * mapsan-stderr: (?s)program handler: SIGSEGV.*WARNING: mapsan: crash: SIGSEGV
 * mapsan-stderr: \A(?![\s\S]*program handler: SIGSEGV[\s\S]*program handler: SIGSEGV)
 */
#include "crash-test.h"

static struct sigaction old_action;

static void handler(int sig, siginfo_t *info, void *uc) {
  ct_say("program handler: SIGSEGV\n");
  if (old_action.sa_flags & SA_SIGINFO) {
    old_action.sa_sigaction(sig, info, uc);
  } else if (old_action.sa_handler == SIG_DFL) {
    signal(sig, SIG_DFL);
    raise(sig);
  }
}

__attribute__((constructor)) static void install(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, &old_action);
}

int main(void) {
  *ct_nowhere = 1; /* mapsan-mark: CRASH */
  ct_say("not reached: no SIGSEGV\n");
  return 1;
}
