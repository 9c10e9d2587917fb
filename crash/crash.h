/*
 * crash.h: crash-time reports (docs/USAGE.md) and mapsan's
 * handler for the five fatal signals. See handler.c and report.c for the design.
 *
 * mapsan_crash_init installs the handler: always for SIGSEGV and SIGBUS
 * (use-after-resize needs the faults on quarantined arrays), and for
 * SIGABRT, SIGFPE and SIGILL too when crash_report >= 1. The program's own
 * later calls to sigaction() and signal() for a signal mapsan keeps its
 * handler on are answered by mapsan_crash_sigaction (shim/signals.c): the
 * program's action is recorded and chained to, never lost.
 */
#ifndef MAPSAN_CRASH_H
#define MAPSAN_CRASH_H

#include <signal.h>
#include <stdbool.h>

/* From the constructor, after options, before the hooks are turned on:
 * saves the signals' current actions, installs the handler, records what
 * the report needs later (module table, clock base, host name). Not
 * thread-safe; once. */
void mapsan_crash_init(void);

/* For the sigaction() wrapper: when mapsan keeps its handler on sig,
 * stores act (if not NULL) as the program's action, fills old (if not NULL)
 * with the program's previous one, and returns true; the kernel's
 * disposition is not touched. False: the caller passes the call through
 * to the real sigaction. Async-signal-safe, like sigaction itself. */
bool mapsan_crash_sigaction(int sig, const struct sigaction *act,
                            struct sigaction *old);

#endif
