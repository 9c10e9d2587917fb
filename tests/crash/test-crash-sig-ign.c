/*
 * test-crash-sig-ign.c: SIGSEGV set to SIG_IGN. A SIGSEGV sent with
 * raise() is ignored (no report, the program goes on), as the kernel does;
 * a real fault cannot be ignored: the kernel kills the process, and so does
 * mapsan (with crash_report=2, which reports even under the program's own
 * disposition).
 *
 * mapsan-options: crash_report=2
 * mapsan-expect: crash CRASH
 * mapsan-exit: signal:SEGV
 * mapsan-stderr: raise\(SIGSEGV\) ignored
 */
#include "crash-test.h"

int main(void) {
  RT_CHECK(signal(SIGSEGV, SIG_IGN) != SIG_ERR);
  RT_CHECK(raise(SIGSEGV) == 0);
  ct_say("raise(SIGSEGV) ignored\n");
  *ct_nowhere = 1; /* mapsan-mark: CRASH */
  ct_say("not reached: no SIGSEGV\n");
  return 1;
}
