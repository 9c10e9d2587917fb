/*
 * signals.c: the program's sigaction() and signal(), for the signals on
 * which mapsan keeps its crash handler (crash/handler.c: SIGSEGV and SIGBUS
 * always, the five fatal signals with crash_report=2). For those, the
 * program's action is recorded as the one mapsan's handler chains to, and
 * the old action returned is the program's previous one; everything else
 * goes to the real function unchanged.
 *
 * Calls made directly through the rt_sigaction system call (some language
 * runtimes do), and the rarely used sysv_signal, bsd_signal and sigset, are
 * out of reach: they replace mapsan's handler.
 */
#include "../base/interpose.h"
#include "../crash/crash.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

MAPSAN_EXPORT int sigaction(int sig, const struct sigaction *restrict act,
                            struct sigaction *restrict old) {
  if (mapsan_crash_sigaction(sig, act, old))
    return 0;
  return REAL(sigaction)(sig, act, old);
}

/* glibc's signal() has BSD semantics: SA_RESTART, and the signal blocked
 * while its handler runs. It calls the internal sigaction, not ours. */
MAPSAN_EXPORT __sighandler_t signal(int sig, __sighandler_t handler) {
  struct sigaction act, old;
  memset(&act, 0, sizeof(act));
  act.sa_handler = handler;
  sigemptyset(&act.sa_mask);
  sigaddset(&act.sa_mask, sig);
  act.sa_flags = SA_RESTART;
  if (handler != SIG_ERR && mapsan_crash_sigaction(sig, &act, &old))
    return old.sa_handler;
  return REAL(signal)(sig, handler);
}
