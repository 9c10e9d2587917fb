/*
 * sigmask.c: the program's view of SIGSEGV and SIGBUS in its signal masks,
 * kept so that the two stay deliverable to mapsan's handler while the
 * program believes them blocked. The wrappers of pthread_sigmask and
 * sigprocmask (shim/sigmask.c) change it through mapsan_sigmask_change.
 *
 * Why: a stale pointer into a quarantined bucket array faults (SIGSEGV),
 * and mapsan's handler turns the fault into a use-after-resize report and
 * lets the program go on (engine/quarantine.c). A synchronous fault while
 * the signal is blocked is not delivered: the kernel kills the process with
 * the default action, no report. Servers commonly create their threads with
 * every signal blocked, so there the fault mapsan introduced would kill.
 *
 * How: per thread, two bits record whether the program wants SIGSEGV and
 * SIGBUS blocked ("wanted"); the kernel's mask never has them (but see
 * parking). The wrappers apply the program's request to the bits, pass the
 * request on without the two signals, and report the old mask as the
 * kernel's plus the wanted bits. A new thread inherits its creator's bits
 * (thread.c), as it inherits the mask; a forked child inherits them with
 * the thread; the mask inherited across exec is read by the constructor.
 *
 * What the program sees, signal by signal (handler.c asks
 * mapsan_sigmask_program_blocks):
 *   - its mask, as it set it (both wrappers; the old set returned);
 *   - a fault in quarantined memory: reported, the program goes on (the
 *     point of all this; without mapsan the access would not fault);
 *   - any other synchronous SIGSEGV/SIGBUS while it "blocks" it: the
 *     process dies of the signal with the default action (crash report
 *     first, with crash_report >= 1), as the kernel would have killed it;
 *   - an asynchronous SIGSEGV/SIGBUS (kill, tgkill, sigqueue) to a thread
 *     that "blocks" it: parked. The handler blocks it in the kernel for
 *     that thread and queues it again with its siginfo (to the thread for
 *     tgkill/pthread_kill, else to the process), so it is pending as it
 *     would have been: sigwait, sigtimedwait and signalfd take it, and the
 *     program's unblocking delivers it. While a parked signal is pending
 *     the wrappers leave it blocked in the kernel.
 * Inexact, and why:
 *   - a thread that parked a signal keeps SIGSEGV/SIGBUS blocked in the
 *     kernel until it next changes its mask, so a quarantine fault there
 *     kills it with no report (a process-directed signal may visit several
 *     such threads before one that does not block it takes it, as the
 *     kernel would have chosen it at once);
 *   - masks the kernel installs itself are not translated: a handler's
 *     sa_mask during the handler, sigsuspend/pselect/ppoll/epoll_pwait
 *     masks during the call, sigreturn and siglongjmp restoring a mask. So
 *     a handler whose sa_mask has SIGSEGV runs with it really blocked (a
 *     quarantine fault in it kills), and a handler that changes the two
 *     signals' blocking and returns leaves the wanted bits stale;
 *   - sigblock/sigsetmask (BSD) and a raw rt_sigprocmask syscall bypass
 *     the wrappers; an exec'd program starts with the kernel's mask (the
 *     two signals unblocked) rather than the program's wish.
 * Kernel accesses of quarantined memory (a read(2) into a stale slot) are
 * a different matter, see docs/ARCHITECTURE.md "Quarantined memory and the
 * kernel".
 */
#include "sigmask.h"

#include "../base/interpose.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#define WANT_SEGV 1u
#define WANT_BUS 2u

static MAPSAN_TLS unsigned wanted;

static unsigned bit_of(int sig) {
  return sig == SIGSEGV ? WANT_SEGV : sig == SIGBUS ? WANT_BUS : 0;
}

static unsigned bits_in(const sigset_t *set) {
  return (sigismember(set, SIGSEGV) == 1 ? WANT_SEGV : 0) |
         (sigismember(set, SIGBUS) == 1 ? WANT_BUS : 0);
}

unsigned mapsan_sigmask_wanted(void) { return wanted; }
void mapsan_sigmask_inherit(unsigned w) { wanted = w; }

bool mapsan_sigmask_program_blocks(int sig) {
  return (wanted & bit_of(sig)) != 0;
}

int mapsan_sigmask_raw(int how, const sigset_t *set, sigset_t *old) {
  return REAL(pthread_sigmask)(how, set, old);
}

int mapsan_sigmask_change(int how, const sigset_t *set, sigset_t *old) {
  if (!mapsan_active)
    return REAL(pthread_sigmask)(how, set, old);
  unsigned before = wanted, after = before;
  sigset_t k;
  if (set != NULL) {
    unsigned in = bits_in(set);
    if (how == SIG_BLOCK)
      after = before | in;
    else if (how == SIG_UNBLOCK)
      after = before & ~in;
    else if (how == SIG_SETMASK)
      after = in;
    k = *set;
    if (how != SIG_UNBLOCK) {
      /* A parked signal (pending and blocked now) stays blocked while the
       * program still wants it so; otherwise the kernel never blocks the
       * two. */
      sigset_t pending;
      if (after == 0 || sigpending(&pending) != 0)
        sigemptyset(&pending);
      if (!((after & WANT_SEGV) && sigismember(&pending, SIGSEGV) == 1))
        sigdelset(&k, SIGSEGV);
      if (!((after & WANT_BUS) && sigismember(&pending, SIGBUS) == 1))
        sigdelset(&k, SIGBUS);
    }
  }
  /* Before the call: an unblocked parked signal is delivered before the
   * call returns, and the handler must see the new wish. */
  wanted = after;
  sigset_t kold;
  int r = REAL(pthread_sigmask)(how, set ? &k : NULL, &kold);
  if (r != 0) {
    wanted = before;
    return r;
  }
  if (old != NULL) {
    *old = kold;
    if (before & WANT_SEGV)
      sigaddset(old, SIGSEGV);
    if (before & WANT_BUS)
      sigaddset(old, SIGBUS);
  }
  return 0;
}

void mapsan_sigmask_park(int sig, siginfo_t *info, void *ucv) {
  int saved_errno = errno;
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, sig);
  REAL(pthread_sigmask)(SIG_BLOCK, &one, NULL);
  if (ucv != NULL) /* the mask sigreturn restores */
    sigaddset(&((ucontext_t *)ucv)->uc_sigmask, sig);
  if (info->si_code == SI_TKILL)
    syscall(SYS_rt_tgsigqueueinfo, getpid(), syscall(SYS_gettid), sig, info);
  else
    syscall(SYS_rt_sigqueueinfo, getpid(), sig, info);
  errno = saved_errno;
}

void mapsan_sigmask_init(void) {
  sigset_t now;
  if (REAL(pthread_sigmask)(SIG_SETMASK, NULL, &now) != 0)
    return;
  wanted = bits_in(&now);
  if (wanted == 0)
    return;
  sigset_t two;
  sigemptyset(&two);
  sigaddset(&two, SIGSEGV);
  sigaddset(&two, SIGBUS);
  REAL(pthread_sigmask)(SIG_UNBLOCK, &two, NULL);
}
