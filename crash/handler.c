/*
 * handler.c: mapsan's handler for the five fatal signals (SIGSEGV, SIGBUS,
 * SIGABRT, SIGFPE, SIGILL): ownership, the program's view, chaining. The
 * crash report it writes is report.c's.
 *
 * ---- What it does -----------------------------------------------------
 *
 * When the program dies of one of those signals, and mapsan did not raise
 * it itself (halt_on_error's abort sets mapsan_self_abort), the handler
 * writes a report of kind "crash" to the usual sinks: the faulting
 * thread's stack, the map operation each thread had in flight, and each
 * thread's last MAPSAN_RECENT_OPS map operations (the per-thread log that
 * the engine writes without locks, engine/thread.h). Then the signal goes on
 * to what would have received it without mapsan: the previous handler, or
 * the default action, so core dumps and the program's own crash handlers
 * still work.
 *
 * ---- Installation (sigaction flags) -------------------------------------
 *
 * SA_SIGINFO: the fault address and si_code are needed, and a chained
 *   SA_SIGINFO handler must get the real siginfo and ucontext.
 * SA_ONSTACK: the handler runs on the thread's alternate signal stack, so
 *   that a stack overflow (a SIGSEGV with no stack left) is reported too.
 *   With crash_report >= 1 mapsan gives each thread it registers one of its
 *   own (base/altstack.c), unless the program gave the thread one.
 * SA_NODEFER: the signal stays unblocked while the handler runs, so that a
 *   fault inside the report code (unwinding a corrupt stack, say) reaches
 *   the handler again, which then abandons that part of the report with
 *   siglongjmp and carries on; with the signal blocked the kernel would
 *   kill the process at once, without the report and without the program's
 *   handler. The handler emulates the blocking the kernel would have done
 *   for a chained handler itself (below).
 * SA_RESTART: what signal() gives; a handled signal does not turn the
 *   program's slow system calls into EINTR.
 * sa_mask: empty (same reason as SA_NODEFER).
 *
 * SIGSEGV and SIGBUS get the handler always, even with crash_report=0:
 * use-after-resize (engine/quarantine.c) turns faults on quarantined bucket
 * arrays into reports, and those faults are mapsan's own doing: a program
 * must never see them. A fault in an unloaded module's reserved range
 * inside a map operation is reported by engine/unload.c first, then goes
 * on as any crash. SIGABRT, SIGFPE and SIGILL only with crash_report
 * >= 1.
 *
 * ---- The program's view: sigaction() and signal() -----------------------
 *
 * mapsan keeps its handler installed ("keeps" a signal) on SIGSEGV and
 * SIGBUS always, and on all five with crash_report=2. For a kept signal,
 * the program's sigaction()/signal() (shim/signals.c) is answered from a
 * recorded "view": the program's action is stored there, the kernel's
 * disposition stays mapsan's handler, and the old action returned is the
 * view's previous value. The view starts as mapsan's handler itself when
 * crash_report >= 1 (exactly what the program would read back if nothing
 * were kept), and as the action found at start-up with crash_report=0
 * (mapsan invisible). With crash_report=1, SIGABRT, SIGFPE and SIGILL are
 * not kept: the program's sigaction goes through unchanged and replaces
 * mapsan's handler, as is its right.
 *
 * So for every signal and mode, what the program sees is what it would see
 * if mapsan's handler were an ordinary handler installed before main; the
 * differences are underneath: faults on quarantined arrays never reach the
 * program, and crash_report=2 reports first even when the program has its
 * own handler. Precisely, on a signal from the kernel:
 *
 *   kept, view is mapsan's handler    report (crash_report >= 1), then the
 *   or the signal is not kept         action found at start-up ("orig")
 *   kept, view is the program's       crash_report=2: report, then the
 *                                     view; else the view, no report
 *
 * and when mapsan's handler is called directly by a program's handler that
 * chains to the old action it was given: report (once), then orig.
 *
 * The trade-off of crash_report=1 with SIGSEGV/SIGBUS: a program that
 * installs its own SIGSEGV handler after mapsan (in main, or in its own
 * constructor: the preloaded library is initialized before the program)
 * gets its handler called exactly as without mapsan, and gets no mapsan
 * report unless its handler chains to the old action; mapsan only stays
 * underneath for quarantine faults. Letting the program really replace the
 * handler would have made use-after-resize faults look like the program's
 * own crashes, which is worse than any surprise here. crash_report=2 is
 * for "report even though the program has a crash handler".
 *
 * A handler installed before mapsan's constructor (a library's own
 * constructor runs before the preloaded library's) is "orig": mapsan
 * reports, then calls it.
 *
 * Direct calls are told from kernel deliveries by the return address: a
 * handler entered by the kernel returns into the signal trampoline
 * (sa_restorer, read back from the kernel at installation); a program's
 * handler that calls the old action it was given returns elsewhere. For a
 * kept signal the program's handler is itself called by mapsan, so even a
 * tail call from it into mapsan's handler returns into mapsan, not into
 * the trampoline. No per-thread state is involved, so a program handler
 * that escapes with siglongjmp leaves nothing stale behind.
 *
 * ---- Chaining ---------------------------------------------------------
 *
 * A handler (SA_SIGINFO or not) is called with the arguments its flags
 * ask for, under the signal mask the kernel would have set for it (the
 * interrupted mask, its sa_mask, and the signal unless SA_NODEFER);
 * SA_RESETHAND resets the recorded action to SIG_DFL as the kernel would.
 * SIG_DFL: the disposition is set back to SIG_DFL; a fault the kernel
 * raised (si_code > 0: SIGSEGV, SIGBUS, SIGFPE, SIGILL from an instruction)
 * is left to happen again by returning, so the process dies of the real
 * fault and the core file's siginfo is the real one; a signal sent by a
 * process or by raise()/abort() (si_code <= 0) is sent again to the thread
 * with tgkill, and kills it with its default action (SIGABRT: core dump).
 * SIG_IGN: a signal sent is ignored, as the kernel would (no report: it is
 * not fatal). A fault raised by an instruction cannot be ignored: the
 * kernel kills the process even when the action is SIG_IGN (it forces
 * SIG_DFL for a synchronous fault that is ignored or blocked), so mapsan
 * does the same: report, SIG_DFL, return, die of the fault.
 * (A SIGSEGV queued to itself by the process with a positive si_code, or
 * an asynchronous SIGBUS BUS_MCEERR_AO, is the exotic case where returning
 * does not fault again: the process then goes on with SIG_DFL installed.)
 */
#include "crash.h"

#include "../base/altstack.h"
#include "../base/base.h"
#include "../base/interpose.h"
#include "../base/options.h"
#include "../engine/quarantine.h"
#include "../engine/unload.h"
#include "../reports/report.h"
#include "report.h"
#include "sigmask.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#define MAX_DEPTH 8 /* nested kernel deliveries on one thread */

static pid_t gettid_raw(void) { return (pid_t)syscall(SYS_gettid); }

/* ---- the signals --------------------------------------------------------- */

struct sig_state {
  int sig;
  const char *name;
  bool installed; /* mapsan's handler is (or was made) the disposition */
  bool keep;      /* the program's sigaction is recorded, not passed on */
  /* What mapsan's handler chains to: the action found at installation. */
  struct sigaction orig;
  _Atomic bool orig_reset; /* orig had SA_RESETHAND and was used */
  /* The program's view of a kept signal, under a sequence lock: writers
   * (mapsan_crash_sigaction) hold view_lock with every signal blocked; the
   * handler reads without a lock and retries on a change. */
  _Atomic uint32_t view_seq;
  struct sigaction view;
  _Atomic uint32_t view_reset_seq; /* seq+1: that view was reset (RESETHAND) */
};

static struct sig_state sigs[] = {
    {.sig = SIGSEGV, .name = "SIGSEGV"}, {.sig = SIGBUS, .name = "SIGBUS"},
    {.sig = SIGABRT, .name = "SIGABRT"}, {.sig = SIGFPE, .name = "SIGFPE"},
    {.sig = SIGILL, .name = "SIGILL"},
};

static mapsan_lock view_lock = MAPSAN_LOCK_INIT;
MAPSAN_FORK_LEAF(view_lock)
static _Atomic bool inited;
static uintptr_t kernel_restorer; /* sa_restorer: the signal trampoline */

static struct sig_state *state_of(int sig) {
  for (size_t i = 0; i < MAPSAN_ARRAY_SIZE(sigs); i++)
    if (sigs[i].sig == sig)
      return &sigs[i];
  return NULL;
}

static void crash_handler(int sig, siginfo_t *info, void *ucv);

static bool is_ours(const struct sigaction *a) {
  return (a->sa_flags & SA_SIGINFO) && a->sa_sigaction == crash_handler;
}

/* A handler to call, as opposed to SIG_DFL or SIG_IGN (which the kernel
 * recognizes by value whatever the flags say). */
static bool is_function(const struct sigaction *a) {
  return a->sa_handler != SIG_DFL && a->sa_handler != SIG_IGN &&
         a->sa_handler != SIG_ERR;
}

static void view_read(struct sig_state *s, struct sigaction *out) {
  memset(out, 0, sizeof(*out)); /* SIG_DFL if the view never settles */
  for (int tries = 0; tries < 1000000; tries++) {
    uint32_t a = atomic_load_explicit(&s->view_seq, memory_order_acquire);
    if (a & 1) {
      __builtin_ia32_pause();
      continue;
    }
    memcpy(out, &s->view, sizeof(*out));
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&s->view_seq, memory_order_relaxed) == a) {
      if (atomic_load_explicit(&s->view_reset_seq, memory_order_relaxed) ==
          a + 1) {
        memset(out, 0, sizeof(*out));
        out->sa_handler = SIG_DFL;
      }
      return;
    }
  }
}

static void orig_read(struct sig_state *s, struct sigaction *out) {
  *out = s->orig;
  if (atomic_load_explicit(&s->orig_reset, memory_order_relaxed)) {
    memset(out, 0, sizeof(*out));
    out->sa_handler = SIG_DFL;
  }
}

bool mapsan_crash_sigaction(int sig, const struct sigaction *act,
                            struct sigaction *old) {
  if (!atomic_load_explicit(&inited, memory_order_acquire))
    return false;
  struct sig_state *s = state_of(sig);
  if (s == NULL || !s->keep)
    return false;
  /* Every signal blocked: a handler on this thread must never find the
   * lock held or the view half written. */
  sigset_t all, saved;
  sigfillset(&all);
  mapsan_sigmask_raw(SIG_SETMASK, &all, &saved);
  mapsan_lock_acquire(&view_lock);
  struct sigaction prev;
  view_read(s, &prev);
  if (act != NULL) {
    uint32_t seq = atomic_load_explicit(&s->view_seq, memory_order_relaxed);
    atomic_store_explicit(&s->view_seq, seq + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    memcpy(&s->view, act, sizeof(*act));
    atomic_store_explicit(&s->view_seq, seq + 2, memory_order_release);
  }
  mapsan_lock_release(&view_lock);
  mapsan_sigmask_raw(SIG_SETMASK, &saved, NULL);
  if (old != NULL)
    memcpy(old, &prev, sizeof(prev));
  return true;
}

/* ---- the handler --------------------------------------------------------- */

static MAPSAN_TLS int depth; /* mapsan's own work in progress here */

static void set_default(int sig) {
  struct sigaction dfl;
  memset(&dfl, 0, sizeof(dfl));
  dfl.sa_handler = SIG_DFL;
  REAL(sigaction)(sig, &dfl, NULL);
}

/* Hands the signal to action a (see "Chaining" at the top). from_kernel:
 * mapsan's handler was entered by the kernel, so the mask is the one it
 * set for mapsan's handler, and a return re-executes a fault. */
static void chain(struct sig_state *s, bool is_view, uint32_t view_seq,
                  const struct sigaction *a, int sig, siginfo_t *info,
                  ucontext_t *uc, bool from_kernel) {
  if (is_function(a)) {
    if (a->sa_flags & SA_RESETHAND) {
      if (is_view)
        atomic_store(&s->view_reset_seq, view_seq + 1);
      else
        atomic_store(&s->orig_reset, true);
    }
    if (from_kernel && uc != NULL) {
      sigset_t m = uc->uc_sigmask;
      sigorset(&m, &m, &a->sa_mask);
      if (!(a->sa_flags & SA_NODEFER))
        sigaddset(&m, sig);
      mapsan_sigmask_raw(SIG_SETMASK, &m, NULL);
    }
    if (a->sa_flags & SA_SIGINFO)
      a->sa_sigaction(sig, info, uc);
    else
      a->sa_handler(sig);
    return;
  }
  if (a->sa_handler == SIG_IGN) {
    if (mapsan_crash_kernel_fault(sig, info))
      set_default(sig); /* the kernel cannot ignore a fault: it kills */
    return;
  }
  set_default(sig);
  if (!mapsan_crash_kernel_fault(sig, info))
    syscall(SYS_tgkill, getpid(), gettid_raw(), sig);
  /* A fault: returning re-executes the instruction under SIG_DFL. */
}

/* Every signal but the synchronous faults, blocked while a report is
 * built: only a fault of the report code itself can interrupt it. */
static void block_async(sigset_t *saved) {
  sigset_t m;
  sigfillset(&m);
  sigdelset(&m, SIGSEGV);
  sigdelset(&m, SIGBUS);
  sigdelset(&m, SIGFPE);
  sigdelset(&m, SIGILL);
  sigdelset(&m, SIGTRAP);
  mapsan_sigmask_raw(SIG_BLOCK, &m, saved);
}

static MAPSAN_COLD void crash_handler(int sig, siginfo_t *info, void *ucv) {
  int saved_errno = errno;
  ucontext_t *uc = ucv;
  struct sig_state *s = state_of(sig);
  if (s == NULL)
    return;
  /* Entered by the kernel's signal delivery, or called by a program's
   * handler chaining to the old action it was given (see the top). */
  bool from_kernel =
      (uintptr_t)__builtin_return_address(0) == kernel_restorer;
  if (from_kernel && mapsan_crash_reporting() &&
      mapsan_crash_kernel_fault(sig, info))
    mapsan_crash_report_skip_part(); /* the report code faulted */
  if (depth >= MAX_DEPTH) { /* mapsan's own code keeps faulting */
    set_default(sig);
    if (!mapsan_crash_kernel_fault(sig, info))
      syscall(SYS_tgkill, getpid(), gettid_raw(), sig);
    errno = saved_errno;
    return;
  }
  depth++;
  mapsan_signal_depth++; /* nothing below may load code (base/base.h) */
  if (from_kernel && (sig == SIGSEGV || sig == SIGBUS) &&
      mapsan_quarantine_fault(sig, info, ucv)) {
    depth--;
    mapsan_signal_depth--;
    errno = saved_errno;
    return;
  }
  /* A hash or compare inside a map operation that touched an unloaded
   * module's range: reported with the map; then a crash as any other. */
  if (from_kernel && (sig == SIGSEGV || sig == SIGBUS) &&
      !mapsan_crash_reporting())
    mapsan_unload_fault(sig, info, ucv);
  /* The program blocks this signal, mapsan's masks notwithstanding
   * (sigmask.c): a signal sent stays pending, as it would have; a
   * fault kills with the default action, as the kernel would have. */
  bool blocked = from_kernel && (sig == SIGSEGV || sig == SIGBUS) &&
                 mapsan_sigmask_program_blocks(sig);
  if (blocked && !mapsan_crash_kernel_fault(sig, info)) {
    mapsan_sigmask_park(sig, info, ucv);
    depth--;
    mapsan_signal_depth--;
    errno = saved_errno;
    return;
  }
  struct sigaction target;
  bool is_view = false, report;
  uint32_t seq = 0;
  long mode = mapsan_opts.crash_report;
  if (blocked) {
    memset(&target, 0, sizeof(target));
    target.sa_handler = SIG_DFL;
    report = mode >= 1;
  } else if (!from_kernel || !s->keep) {
    report = mode >= 1;
  } else {
    seq = atomic_load_explicit(&s->view_seq, memory_order_acquire);
    view_read(s, &target);
    if (is_ours(&target)) {
      report = mode >= 1;
    } else {
      report = mode >= 2;
      is_view = true;
    }
  }
  if (!is_view && !blocked)
    orig_read(s, &target);
  if (is_ours(&target)) { /* never chain to ourselves */
    memset(&target, 0, sizeof(target));
    target.sa_handler = SIG_DFL;
  }
  if (sig == SIGABRT && atomic_load(&mapsan_self_abort))
    report = false; /* halt_on_error: mapsan's own abort */
  if (target.sa_handler == SIG_IGN && !mapsan_crash_kernel_fault(sig, info))
    report = false; /* ignored: not fatal */
  if (report && info != NULL && uc != NULL && !mapsan_crash_reporting()) {
    sigset_t saved_mask;
    block_async(&saved_mask);
    mapsan_crash_report(sig, s->name, info, uc);
    mapsan_sigmask_raw(SIG_SETMASK, &saved_mask, NULL);
  }
  depth--; /* the program's handler may leave with siglongjmp */
  mapsan_signal_depth--;
  chain(s, is_view, seq, &target, sig, info, uc, from_kernel);
  errno = saved_errno;
}


/* ---- installation ------------------------------------------------------- */

void mapsan_crash_init(void) {
  if (atomic_load(&inited))
    return;
  mapsan_crash_report_init();
  long mode = mapsan_opts.crash_report;
  struct sigaction ours;
  memset(&ours, 0, sizeof(ours));
  ours.sa_sigaction = crash_handler;
  ours.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | SA_RESTART;
  sigemptyset(&ours.sa_mask);
  /* Our action as the kernel keeps it (libc adds its restorer): read back
   * once, the same for every signal. */
  struct sigaction now;
  bool have_now = false;
  for (size_t i = 0; i < MAPSAN_ARRAY_SIZE(sigs); i++) {
    struct sig_state *s = &sigs[i];
    bool fault = s->sig == SIGSEGV || s->sig == SIGBUS;
    if (!fault && mode < 1)
      continue;
    if (REAL(sigaction)(s->sig, &ours, &s->orig) != 0)
      continue;
    if (is_ours(&s->orig)) { /* cannot happen: init runs once */
      memset(&s->orig, 0, sizeof(s->orig));
      s->orig.sa_handler = SIG_DFL;
    }
    s->installed = true;
    s->keep = fault || mode >= 2;
    if (!have_now) {
      REAL(sigaction)(s->sig, NULL, &now);
      kernel_restorer = (uintptr_t)now.sa_restorer;
      have_now = true;
    }
    s->view = mode >= 1 ? now : s->orig;
  }
  mapsan_altstack_thread_start(false); /* the main thread's */
  atomic_store_explicit(&inited, true, memory_order_release);
}
