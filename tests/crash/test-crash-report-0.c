/*
 * test-crash-report-0.c: crash_report=0: no crash report, and the default
 * action kills the process with SIGSEGV. (mapsan's handler stays installed
 * for use-after-resize, invisibly.) The program sees SIG_DFL.
 *
 * mapsan-options: crash_report=0
 * mapsan-crash: none
 * mapsan-exit: signal:SEGV
 */
#include "crash-test.h"

int main(void) {
  struct sigaction cur;
  RT_CHECK(sigaction(SIGSEGV, NULL, &cur) == 0);
  RT_CHECK(cur.sa_handler == SIG_DFL);
  *ct_nowhere = 1;
  ct_say("not reached: no SIGSEGV\n");
  return 1;
}
