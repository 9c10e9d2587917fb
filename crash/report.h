/*
 * report.h: the crash report, for crash/handler.c (report.c says what it
 * shows and why each call it makes is async-signal-safe).
 */
#ifndef MAPSAN_CRASH_REPORT_H
#define MAPSAN_CRASH_REPORT_H

#include <signal.h>
#include <stdbool.h>
#include <ucontext.h>

/* At start-up, outside any signal: the clock calibration's start and the
 * module snapshot. */
void mapsan_crash_report_init(void);

/* Writes the crash report for sig (once per signature, within
 * max_reports), from the handler, with asynchronous signals blocked. */
void mapsan_crash_report(int sig, const char *signame, siginfo_t *info,
                         ucontext_t *uc);

/* True while this thread builds a crash report. */
bool mapsan_crash_reporting(void);

/* The report code faulted (this thread, mapsan_crash_reporting()): jumps
 * back into the report, which abandons the part it was writing. */
void mapsan_crash_report_skip_part(void) __attribute__((noreturn));

/* True when the kernel raised sig for an instruction (a fault that
 * happens again when the instruction is re-executed). */
static inline bool mapsan_crash_kernel_fault(int sig, const siginfo_t *info) {
  return sig != SIGABRT && info != NULL && info->si_code > 0;
}

#endif
