/*
 * quarantine.h: use-after-resize. mapsan serves the bucket arrays of
 * tracked maps from a guarded pool, and keeps reclaimed ones inaccessible
 * in a bounded quarantine, so that a stale pointer into one faults at its
 * first access. See quarantine.c.
 */
#ifndef MAPSAN_QUARANTINE_H
#define MAPSAN_QUARANTINE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* For the SIGSEGV/SIGBUS handler (reports/crash.c), first thing: if the
 * faulting address lies in a quarantined bucket array, writes a
 * use-after-resize report and returns true; the handler then returns and
 * the access is retried (recoverable mode: the array was made accessible
 * again; with halt_on_error the report aborts and this never returns).
 * False for any other fault. The decision reads only lock-free state. */
bool mapsan_quarantine_fault(int sig, siginfo_t *info, void *ucontext);

#endif
