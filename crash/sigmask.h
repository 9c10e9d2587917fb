/*
 * sigmask.h: the program's view of SIGSEGV and SIGBUS in its signal masks,
 * while the kernel's masks keep them deliverable to mapsan (sigmask.c; the
 * wrappers are shim/sigmask.c).
 */
#ifndef MAPSAN_SIGMASK_H
#define MAPSAN_SIGMASK_H

#include <signal.h>
#include <stdbool.h>

/* The thread's "program wants SIGSEGV / SIGBUS blocked" bits, to carry into
 * a new thread (which inherits its creator's mask): read in the creator
 * before the real create, applied first thing in the new thread. */
unsigned mapsan_sigmask_wanted(void);
void mapsan_sigmask_inherit(unsigned wanted);

/* Whether the program believes this thread blocks sig. Async-signal-safe. */
bool mapsan_sigmask_program_blocks(int sig);

/* From mapsan's handler: an asynchronous sig (sent, not a fault) arrived at
 * a thread whose program blocks it. Blocks it in the kernel for this
 * thread (now and after the handler returns, through uc) and queues it
 * again, so that it is pending exactly as it would have been without
 * mapsan. Async-signal-safe. */
void mapsan_sigmask_park(int sig, siginfo_t *info, void *uc);

/* The mask calls mapsan makes for itself: straight to the kernel, the
 * program's view untouched. */
int mapsan_sigmask_raw(int how, const sigset_t *set, sigset_t *old);

/* The body of the pthread_sigmask and sigprocmask wrappers: applies the
 * request to the program's view and the rest to the kernel; sets *old to
 * the mask as the program sees it. Returns 0 or an errno value. */
int mapsan_sigmask_change(int how, const sigset_t *set, sigset_t *old);

/* Constructor: the mask inherited across exec is the program's wish; the
 * kernel's loses SIGSEGV and SIGBUS. After mapsan_crash_init. */
void mapsan_sigmask_init(void);

#endif
