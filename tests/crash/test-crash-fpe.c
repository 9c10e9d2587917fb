/*
 * test-crash-fpe.c: an integer division by zero: a crash report for
 * SIGFPE (FPE_INTDIV) at the marked line, then death by SIGFPE.
 *
 * mapsan-expect: crash DIVIDE
 * mapsan-exit: signal:FPE
 * mapsan-stderr: WARNING: mapsan: crash: SIGFPE \(FPE_INTDIV\)
 */
#include "crash-test.h"

int main(int argc, char **argv) {
  (void)argv;
  int q = argc / ct_zero; /* mapsan-mark: DIVIDE */
  ct_say("not reached: no SIGFPE\n");
  return q;
}
