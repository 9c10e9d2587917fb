/*
 * test-crash-report-2.c: crash_report=2 keeps mapsan's handler installed
 * when the program installs its own after start (here with signal(), then
 * sigaction() for SIGFPE): mapsan's report comes first, then the program's
 * handler runs and exits 42. The program reads back its own handlers.
 *
 * mapsan-options: crash_report=2
 * mapsan-expect: crash CRASH
 * mapsan-exit: 42
 * mapsan-stderr: (?s)WARNING: mapsan: crash: SIGSEGV.*SUMMARY: mapsan: crash.*program handler: SIGSEGV
 */
#include "crash-test.h"

static void handler(int sig) {
  ct_say(sig == SIGSEGV ? "program handler: SIGSEGV\n"
                        : "program handler: other signal\n");
  _exit(sig == SIGSEGV ? 42 : 43);
}

int main(void) {
  RT_CHECK(signal(SIGSEGV, handler) != SIG_ERR);
  RT_CHECK(signal(SIGSEGV, handler) == handler);
  struct sigaction sa, old;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = handler;
  RT_CHECK(sigaction(SIGFPE, &sa, NULL) == 0);
  RT_CHECK(sigaction(SIGFPE, NULL, &old) == 0 && old.sa_handler == handler);
  *ct_nowhere = 1; /* mapsan-mark: CRASH */
  ct_say("not reached: no SIGSEGV\n");
  return 1;
}
