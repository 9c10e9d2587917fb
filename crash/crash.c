/*
 * crash.c: crash-time reports, and mapsan's handler for the five fatal
 * signals (SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL).
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
 * must never see them. SIGABRT, SIGFPE and SIGILL only with crash_report
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
 *
 * ---- Async-signal safety of the report ------------------------------------
 *
 * No malloc, no stdio, no locks: the crashing thread may hold any of
 * mapsan's or libc's. The report is built in static buffers by a small
 * formatter of our own (strings, decimal, hex, JSON escapes), and written
 * with one write(2) per sink. Calls made: clock_gettime, getpid, syscall
 * (gettid, tgkill), open/read/close (/proc/thread-self/maps; a sink file
 * not yet open), write, nanosleep, sigprocmask, sigaction,
 * sigsetjmp/siglongjmp (only within our own report code), and libunwind's
 * unw_init_local2 and unw_step (when libunwind is loaded: it is loaded on demand, never in a
 * handler, see unwind.h; before that the stack is the faulting pc alone),
 * which libunwind documents as safe in a signal handler for the local
 * address space (unw_init_local(3), unw_step(3), libunwind(3):
 * "any routine that may be needed for local unwinding is signal-safe").
 * unw_backtrace, which the rest of mapsan uses, has no such statement and
 * keeps a per-thread cache that it may allocate; it is not used here.
 * Nothing on the path loads code or takes the dynamic loader's locks, which
 * another thread may hold for good (it may be waiting for this one): the
 * handler raises mapsan_in_signal() (base/base.h), so the loaders decline
 * and libunwind finds unwind tables without dl_iterate_phdr
 * (stacks/unwind.c); the module table comes from /proc, or from a snapshot
 * made at start-up, never from dladdr or dl_iterate_phdr
 * (tests/crash/test-crash-loader-lock-*.c).
 *
 * Frames are printed as module+offset (interface.md: "a frame shows
 * module+offset always") and the raw pc; function names need libdw, which
 * is not safe here. The module table is read from /proc/thread-self/maps
 * in the handler (open/read only, so it is current even for libraries
 * dlopen'ed a moment ago; not /proc/self/maps, which reads empty once the
 * main thread has exited), or, without /proc, taken from a dl_iterate_phdr
 * snapshot made at start-up. The offset is from the module's first mapping, as in
 * the other reports (reports/symbolize.c).
 *
 * Ages of map operations come from __rdtsc() deltas. The clock is
 * calibrated at crash time, against CLOCK_MONOTONIC, over the whole time
 * since start-up (both read at init): no start-up delay, and a longer
 * base than a few milliseconds of calibration would give.
 *
 * Two threads crashing at once: one atomic owner word; the second waits up
 * to a second for the first report, then goes on to chain without one.
 * Each crash signature (kind, first frame's module basename and offset,
 * FNV-1a 64 as in report.c) is reported once per process, and the crash
 * report counts as a report (mapsan_report_count: an atomic increment)
 * within max_reports, so a program that survives a handled SIGSEGV at one
 * place many times gets one report.
 */
#include "crash.h"

#include "../base/altstack.h"

#include "../base/interpose.h"
#include "../base/options.h"
#include "../base/base.h"
#include "../engine/quarantine.h"
#include "sigmask.h"
#include "../engine/thread.h"
#include "../reports/report.h"
#include "../reports/sink.h"
#include "../stacks/stack.h"
#include "../stacks/unwind.h"

#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <setjmp.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef MAPSAN_VERSION
#define MAPSAN_VERSION "0"
#endif

#define MAX_FRAMES 64        /* of the faulting thread */
#define MAX_THREADS 256      /* threads listed in one report */
#define MAX_MODULES 1024     /* modules in the table */
#define MODULE_NAMES (128 << 10)
#define TEXT_CAP (512 << 10)
#define JSON_CAP (768 << 10)
#define TAIL_RESERVE 4096    /* kept free for the end of a report */
#define SEEN_SIGS 64         /* crash signatures reported, per process */
#define OP_NAME 24           /* bytes of an op name kept */
#define MAX_DEPTH 8          /* nested kernel deliveries on one thread */

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

/* ---- small async-signal-safe formatting ------------------------------ */

struct out {
  char *buf;
  size_t cap, len; /* cap: where writing stops (the buffer has more) */
};

static void put_n(struct out *o, const char *s, size_t n) {
  if (n > o->cap - o->len)
    n = o->cap - o->len;
  memcpy(o->buf + o->len, s, n);
  o->len += n;
}

static void put_s(struct out *o, const char *s) { put_n(o, s, strlen(s)); }

static void put_u(struct out *o, uint64_t v) {
  char d[24];
  int n = 0;
  do {
    d[sizeof(d) - 1 - n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  put_n(o, d + sizeof(d) - n, (size_t)n);
}

static void put_i(struct out *o, int64_t v) {
  if (v < 0) {
    put_s(o, "-");
    put_u(o, (uint64_t)0 - (uint64_t)v);
  } else {
    put_u(o, (uint64_t)v);
  }
}

static void put_x(struct out *o, uint64_t v) {
  static const char hex[] = "0123456789abcdef";
  char d[20];
  int n = 0;
  do {
    d[sizeof(d) - 1 - n++] = hex[v & 15];
    v >>= 4;
  } while (v);
  put_s(o, "0x");
  put_n(o, d + sizeof(d) - n, (size_t)n);
}

/* Two digits, zero-padded (for the time stamp). */
static void put_2(struct out *o, unsigned v) {
  char d[2] = {(char)('0' + v / 10 % 10), (char)('0' + v % 10)};
  put_n(o, d, 2);
}

/* A JSON string, always valid UTF-8 (any other byte becomes U+FFFD). */
static void put_jstr(struct out *o, const char *str) {
  static const char hex[] = "0123456789abcdef";
  put_s(o, "\"");
  const unsigned char *p = (const unsigned char *)str;
  while (p && *p) {
    unsigned char c = *p;
    if (c == '"' || c == '\\') {
      char e[2] = {'\\', (char)c};
      put_n(o, e, 2);
      p++;
    } else if (c < 0x20) {
      char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      put_n(o, e, 6);
      p++;
    } else if (c < 0x80) {
      put_n(o, (const char *)p, 1);
      p++;
    } else {
      int n = mapsan_utf8_len(p);
      if (n) {
        put_n(o, (const char *)p, (size_t)n);
        p += n;
      } else {
        put_s(o, "\\ufffd");
        p++;
      }
    }
  }
  put_s(o, "\"");
}

/* "YYYY-MM-DDTHH:MM:SSZ" from seconds since the epoch (days to civil date:
 * H. Hinnant's algorithm). */
static void put_time(struct out *o, int64_t t) {
  int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  int64_t sec = t - days * 86400;
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2)
    y++;
  put_i(o, y);
  put_s(o, "-");
  put_2(o, (unsigned)m);
  put_s(o, "-");
  put_2(o, (unsigned)d);
  put_s(o, "T");
  put_2(o, (unsigned)(sec / 3600));
  put_s(o, ":");
  put_2(o, (unsigned)(sec / 60 % 60));
  put_s(o, ":");
  put_2(o, (unsigned)(sec % 60));
  put_s(o, "Z");
}

static const char *base_name(const char *path) {
  const char *b = path;
  for (const char *p = path; *p; p++)
    if (*p == '/')
      b = p + 1;
  return b;
}

/* ---- the module table ------------------------------------------------------ */

struct module {
  uintptr_t lo, hi, base;
  uint32_t name; /* offset in module_names */
};

static struct module modules[MAX_MODULES] MAPSAN_BIG;
static int nmodules;
static char module_names[MODULE_NAMES] MAPSAN_BIG;
static size_t module_names_used;

/* The start-up snapshot, for a process without /proc. Names are the
 * loader's own strings (the objects loaded at start-up are never
 * unloaded), so that the snapshot touches one page of mapsan's memory, not
 * four (a canary pays for every page it touches). */
struct snap_module {
  uintptr_t lo, hi, base;
  const char *name;
};
static _Alignas(4096) struct snap_module snap_modules[MAX_MODULES] MAPSAN_BIG;
static int snap_nmodules;

static uint32_t add_name(char *pool, size_t *used, const char *s, size_t n) {
  if (*used + n + 1 > MODULE_NAMES)
    return 0; /* offset 0 is always "" */
  uint32_t at = (uint32_t)*used;
  memcpy(pool + at, s, n);
  pool[at + n] = '\0';
  *used += n + 1;
  return at;
}

static const char *hex_field(const char *p, const char *end, uintptr_t *v) {
  uintptr_t x = 0;
  for (; p < end; p++) {
    char c = *p;
    if (c >= '0' && c <= '9')
      x = x * 16 + (uintptr_t)(c - '0');
    else if (c >= 'a' && c <= 'f')
      x = x * 16 + (uintptr_t)(c - 'a' + 10);
    else
      break;
  }
  *v = x;
  return p;
}

static const char *skip_field(const char *p, const char *end) {
  while (p < end && *p != ' ')
    p++;
  while (p < end && *p == ' ')
    p++;
  return p;
}

/* One line of /proc/self/maps:
 *   lo-hi perms offset dev inode   path */
static void maps_line(const char *p, const char *end) {
  uintptr_t lo, hi, off;
  p = hex_field(p, end, &lo);
  if (p >= end || *p != '-')
    return;
  p = hex_field(p + 1, end, &hi);
  p = skip_field(p, end); /* to perms */
  p = skip_field(p, end); /* to offset */
  hex_field(p, end, &off);
  p = skip_field(p, end); /* to dev */
  p = skip_field(p, end); /* to inode */
  p = skip_field(p, end); /* to path */
  if (p >= end)
    return; /* anonymous */
  size_t n = (size_t)(end - p);
  struct module *last = nmodules ? &modules[nmodules - 1] : NULL;
  if (last && strlen(module_names + last->name) == n &&
      memcmp(module_names + last->name, p, n) == 0 && lo >= last->lo) {
    if (hi > last->hi)
      last->hi = hi;
    return;
  }
  if (nmodules == MAX_MODULES)
    return;
  struct module *m = &modules[nmodules++];
  m->lo = lo;
  m->hi = hi;
  m->base = lo - off;
  m->name = add_name(module_names, &module_names_used, p, n);
}

static char maps_buf[16 << 10] MAPSAN_BIG;

/* Reads this thread's maps into modules[]; false if it cannot be read.
 * /proc/thread-self/maps, because /proc/self/maps reads empty once the main
 * thread has exited; /proc/self/maps where thread-self does not exist. */
static bool modules_from_proc(void) {
  nmodules = 0;
  module_names_used = 1; /* offset 0: "" */
  module_names[0] = '\0';
  int fd = open("/proc/thread-self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  size_t have = 0;
  bool skipping = false; /* inside a line too long for the buffer */
  for (;;) {
    ssize_t n = read(fd, maps_buf + have, sizeof(maps_buf) - have);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    have += (size_t)n;
    size_t start = 0;
    for (size_t i = 0; i < have; i++) {
      if (maps_buf[i] != '\n')
        continue;
      if (!skipping)
        maps_line(maps_buf + start, maps_buf + i);
      skipping = false;
      start = i + 1;
    }
    if (start == 0 && have == sizeof(maps_buf)) {
      skipping = true;
      have = 0;
      continue;
    }
    memmove(maps_buf, maps_buf + start, have - start);
    have -= start;
  }
  close(fd);
  return nmodules > 0;
}

static int snapshot_one(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  (void)data;
  if (snap_nmodules == MAX_MODULES)
    return 1;
  uintptr_t lo = UINTPTR_MAX, hi = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD)
      continue;
    uintptr_t a = info->dlpi_addr + ph->p_vaddr;
    if (a < lo)
      lo = a;
    if (a + ph->p_memsz > hi)
      hi = a + ph->p_memsz;
  }
  if (hi == 0)
    return 0;
  const char *name = info->dlpi_name;
  if (name == NULL || name[0] == '\0')
    name = program_invocation_name;
  struct snap_module *m = &snap_modules[snap_nmodules++];
  m->lo = lo & ~(uintptr_t)4095;
  m->hi = hi;
  m->base = info->dlpi_addr;
  m->name = name;
  return 0;
}

static void modules_snapshot(void) {
  snap_nmodules = 0;
  dl_iterate_phdr(snapshot_one, NULL);
}

/* In the handler: the table of the moment, or the start-up snapshot. */
static void modules_load(void) {
  if (modules_from_proc())
    return;
  module_names_used = 1; /* offset 0: "" */
  module_names[0] = '\0';
  for (int i = 0; i < snap_nmodules; i++) {
    const struct snap_module *sm = &snap_modules[i];
    struct module *m = &modules[i];
    m->lo = sm->lo;
    m->hi = sm->hi;
    m->base = sm->base;
    m->name = add_name(module_names, &module_names_used, sm->name,
                       strlen(sm->name));
  }
  nmodules = snap_nmodules;
}

static const struct module *module_of(uintptr_t pc) {
  for (int i = 0; i < nmodules; i++)
    if (pc >= modules[i].lo && pc < modules[i].hi)
      return &modules[i];
  return NULL;
}

/* ---- what the report shows, gathered first --------------------------- */

struct note {
  uintptr_t map, pc;
  uint64_t tsc;
  char op[OP_NAME];
};

struct thread_snap {
  uint32_t num;
  pid_t tid;
  bool has_inflight;
  bool crashing;
  int nrecent;
  struct note inflight;
  struct note recent[MAPSAN_RECENT_OPS]; /* newest first */
};

static uintptr_t frames[MAX_FRAMES];
static volatile int nframes;
static volatile bool unwind_faulted, threads_faulted;
static struct thread_snap snaps[MAX_THREADS] MAPSAN_BIG;
static volatile int nsnaps;
static int threads_idle, threads_not_shown;
static char text_buf[TEXT_CAP] MAPSAN_BIG;
static char json_buf[JSON_CAP] MAPSAN_BIG;

/* Start-up values for the clock calibration; the report header's host,
 * filled at the first report. */
static uint64_t tsc0;
static int64_t mono0_ns;
static char host[256];

static sigjmp_buf report_jmp;
static MAPSAN_TLS bool reporting; /* this thread is building a report */
static _Atomic pid_t report_owner; /* tid of the thread writing a report */
static _Atomic uint64_t seen_sigs[SEEN_SIGS];

static pid_t gettid_raw(void) { return (pid_t)syscall(SYS_gettid); }

static int64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The faulting thread's stack, from the signal's context. libunwind is
 * never loaded here (dlopen is not async-signal-safe): before it is loaded
 * (a sampled process that has tracked no map yet, see unwind.h) the stack
 * is the interrupted pc alone, which is also the crash's signature. */
static void unwind_from(ucontext_t *uc) {
  if (!mapsan_unwind_ready()) {
    frames[0] = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    nframes = frames[0] != 0;
    return;
  }
  unw_cursor_t cursor;
  if (mapsan_unw.init_local2(&cursor, (unw_context_t *)uc,
                             UNW_INIT_SIGNAL_FRAME) < 0)
    return;
  do {
    unw_word_t ip = 0;
    if (mapsan_unw.get_reg(&cursor, UNW_REG_IP, &ip) < 0 || ip == 0)
      break;
    frames[nframes] = (uintptr_t)ip;
    nframes = nframes + 1;
  } while (nframes < MAX_FRAMES && mapsan_unw.step(&cursor) > 0);
}

static void copy_note(struct note *dst, const struct mapsan_op_note *src) {
  /* One field at a time: the owner may be rewriting it (torn is fine). */
  dst->map = src->map;
  dst->pc = src->pc;
  dst->tsc = src->tsc;
  const char *op = src->op;
  size_t i = 0;
  for (; op && i + 1 < OP_NAME && op[i]; i++)
    dst->op[i] = op[i];
  dst->op[i] = '\0';
}

static void gather_threads(void) {
  struct mapsan_thread *me = mapsan_cur_thread;
  uint32_t limit =
      atomic_load_explicit(&mapsan_threads_slot_limit, memory_order_acquire);
  if (limit > MAPSAN_MAX_SLOTS)
    limit = MAPSAN_MAX_SLOTS;
  for (uint32_t slot = 0; slot < limit; slot++) {
    struct mapsan_thread *t = atomic_load_explicit(
        &mapsan_threads_by_slot[slot], memory_order_acquire);
    if (t == NULL)
      continue;
    atomic_signal_fence(memory_order_acquire);
    uint32_t next = *(volatile uint32_t *)&t->log.next;
    struct mapsan_op_note inflight = t->log.inflight;
    if (next == 0 && inflight.map == 0 && t != me) {
      threads_idle++;
      continue;
    }
    if (nsnaps == MAX_THREADS) {
      threads_not_shown++;
      continue;
    }
    struct thread_snap *s = &snaps[nsnaps];
    s->num = t->num;
    s->tid = t->tid;
    s->crashing = t == me;
    s->has_inflight = inflight.map != 0;
    if (s->has_inflight)
      copy_note(&s->inflight, &inflight);
    int n = next < MAPSAN_RECENT_OPS ? (int)next : MAPSAN_RECENT_OPS;
    s->nrecent = 0;
    for (int i = 0; i < n; i++) {
      const struct mapsan_op_note *src =
          &t->log.recent[(next - 1 - (uint32_t)i) % MAPSAN_RECENT_OPS];
      if (src->map == 0)
        continue;
      copy_note(&s->recent[s->nrecent++], src);
    }
    nsnaps = nsnaps + 1;
  }
}

/* ---- formatting ------------------------------------------------------------ */

static const char *code_name(int sig, int code) {
  switch (code) {
  case SI_USER:
    return "SI_USER";
  case SI_QUEUE:
    return "SI_QUEUE";
  case SI_TKILL:
    return "SI_TKILL";
  case SI_KERNEL:
    return "SI_KERNEL";
  default:
    break;
  }
  static const char *const segv[] = {"SEGV_MAPERR", "SEGV_ACCERR",
                                     "SEGV_BNDERR", "SEGV_PKUERR"};
  static const char *const bus[] = {"BUS_ADRALN", "BUS_ADRERR", "BUS_OBJERR",
                                    "BUS_MCEERR_AR", "BUS_MCEERR_AO"};
  static const char *const fpe[] = {"FPE_INTDIV", "FPE_INTOVF", "FPE_FLTDIV",
                                    "FPE_FLTOVF", "FPE_FLTUND", "FPE_FLTRES",
                                    "FPE_FLTINV", "FPE_FLTSUB"};
  static const char *const ill[] = {"ILL_ILLOPC", "ILL_ILLOPN", "ILL_ILLADR",
                                    "ILL_ILLTRP", "ILL_PRVOPC", "ILL_PRVREG",
                                    "ILL_COPROC", "ILL_BADSTK"};
#define CODE_IN(table)                                                        \
  (code >= 1 && (size_t)code <= MAPSAN_ARRAY_SIZE(table) ? table[code - 1]    \
                                                         : NULL)
  if (sig == SIGSEGV)
    return CODE_IN(segv);
  if (sig == SIGBUS)
    return CODE_IN(bus);
  if (sig == SIGFPE)
    return CODE_IN(fpe);
  if (sig == SIGILL)
    return CODE_IN(ill);
#undef CODE_IN
  return NULL;
}

/* True when the kernel raised sig for an instruction (a fault that
 * happens again when the instruction is re-executed). */
static bool kernel_fault(int sig, const siginfo_t *info) {
  return sig != SIGABRT && info != NULL && info->si_code > 0;
}

struct crash_facts {
  int sig;
  const char *signame;
  const siginfo_t *info;
  uint32_t thread; /* 0: not a thread mapsan knows */
  pid_t tid, pid;
  int64_t time;
  double us_per_tick; /* 0: unknown */
  uint64_t now_tsc;
  int first; /* index of the first frame outside libmapsan, -1 if none */
  char signature[17];
};

/* "0x... (module+0x...)" in text. */
static void text_pc(struct out *o, uintptr_t pc) {
  const struct module *m = module_of(pc);
  put_x(o, pc);
  put_s(o, " (");
  if (m) {
    put_s(o, base_name(module_names + m->name));
    put_s(o, "+");
    put_x(o, pc - m->base);
  } else {
    put_s(o, "<unknown module>");
  }
  put_s(o, ")");
}

/* "pc":"0x..","module":"..","offset":"0x.." in JSON. */
static void json_pc(struct out *o, uintptr_t pc) {
  const struct module *m = module_of(pc);
  put_s(o, "\"pc\":\"");
  put_x(o, pc);
  put_s(o, "\",\"module\":");
  put_jstr(o, m ? module_names + m->name : "?");
  put_s(o, ",\"offset\":\"");
  put_x(o, m ? pc - m->base : pc);
  put_s(o, "\"");
}

static int64_t age_us(const struct crash_facts *f, uint64_t tsc) {
  if (f->us_per_tick <= 0 || tsc == 0)
    return -1;
  if (tsc >= f->now_tsc)
    return 0;
  return (int64_t)((double)(f->now_tsc - tsc) * f->us_per_tick);
}

static void text_thread(struct out *o, uint32_t num, pid_t tid) {
  put_s(o, "thread T");
  put_u(o, num);
  put_s(o, " (tid=");
  put_i(o, tid);
  put_s(o, ")");
}

static void text_note(struct out *o, const struct crash_facts *f,
                      const struct note *n) {
  put_s(o, n->op[0] ? n->op : "?");
  put_s(o, " on map ");
  put_x(o, n->map);
  if (n->pc) {
    put_s(o, " from ");
    text_pc(o, n->pc);
  }
  int64_t age = age_us(f, n->tsc);
  if (age >= 0) {
    put_s(o, ", ");
    put_i(o, age);
    put_s(o, " us ago");
  }
  put_s(o, "\n");
}

static void put_summary(struct out *o, const struct crash_facts *f) {
  put_s(o, "crash ");
  put_s(o, f->signame);
  if (f->first >= 0) {
    const struct module *m = module_of(frames[f->first]);
    put_s(o, " (");
    if (m) {
      put_s(o, base_name(module_names + m->name));
      put_s(o, "+");
      put_x(o, frames[f->first] - m->base);
    } else {
      put_x(o, frames[f->first]);
    }
    put_s(o, ")");
  }
}

static size_t format_text(const struct crash_facts *f) {
  struct out o = {text_buf, TEXT_CAP - TAIL_RESERVE, 0};
  const char *code = code_name(f->sig, f->info->si_code);
  put_s(&o, "==================\nWARNING: mapsan: crash: ");
  put_s(&o, f->signame);
  put_s(&o, " (");
  if (code)
    put_s(&o, code);
  else
    put_i(&o, f->info->si_code);
  put_s(&o, ")");
  if (kernel_fault(f->sig, f->info)) {
    put_s(&o, " at address ");
    put_x(&o, (uintptr_t)f->info->si_addr);
  } else if (f->info->si_code <= 0) {
    put_s(&o, " sent by pid ");
    put_i(&o, f->info->si_pid);
  }
  put_s(&o, " (pid=");
  put_i(&o, f->pid);
  put_s(&o, ")\n  Fatal signal in ");
  if (f->thread)
    text_thread(&o, f->thread, f->tid);
  else {
    put_s(&o, "a thread unknown to mapsan (tid=");
    put_i(&o, f->tid);
    put_s(&o, ")");
  }
  put_s(&o, ":\n");
  for (int i = 0; i < nframes; i++) {
    put_s(&o, "    #");
    put_u(&o, (uint64_t)i);
    put_s(&o, " ");
    text_pc(&o, frames[i]);
    put_s(&o, "\n");
  }
  if (nframes == 0)
    put_s(&o, "    <no stack>\n");
  if (unwind_faulted)
    put_s(&o, "    <unwinding stopped: the stack is unreadable>\n");

  int inflight = 0;
  for (int i = 0; i < nsnaps; i++)
    inflight += snaps[i].has_inflight;
  put_s(&o, "  Map operations in flight:");
  put_s(&o, inflight ? "\n" : " none\n");
  for (int i = 0; i < nsnaps && o.len < o.cap; i++) {
    if (!snaps[i].has_inflight)
      continue;
    put_s(&o, "    ");
    text_thread(&o, snaps[i].num, snaps[i].tid);
    put_s(&o, ": ");
    text_note(&o, f, &snaps[i].inflight);
  }
  put_s(&o, "  Recent map operations, newest first:\n");
  for (int i = 0; i < nsnaps; i++) {
    if (o.len + 2048 > o.cap) {
      threads_not_shown += nsnaps - i;
      break;
    }
    put_s(&o, "    ");
    text_thread(&o, snaps[i].num, snaps[i].tid);
    put_s(&o, snaps[i].crashing ? " (the faulting thread):\n" : ":\n");
    for (int r = 0; r < snaps[i].nrecent; r++) {
      put_s(&o, "      ");
      text_note(&o, f, &snaps[i].recent[r]);
    }
    if (snaps[i].nrecent == 0)
      put_s(&o, "      none\n");
  }
  if (threads_faulted)
    put_s(&o, "    <a thread record could not be read>\n");
  o.cap = TEXT_CAP; /* the tail always fits */
  if (threads_not_shown) {
    put_s(&o, "  (");
    put_i(&o, threads_not_shown);
    put_s(&o, " more threads with map operations not shown)\n");
  }
  if (threads_idle) {
    put_s(&o, "  (");
    put_i(&o, threads_idle);
    put_s(&o, " threads without map operations)\n");
  }
  put_s(&o, "SUMMARY: mapsan: ");
  put_summary(&o, f);
  put_s(&o, "\n==================\n");
  return o.len;
}

static void json_note(struct out *o, const struct crash_facts *f,
                      const struct note *n) {
  put_s(o, "{\"map\":\"");
  put_x(o, n->map);
  put_s(o, "\",\"op\":");
  put_jstr(o, n->op[0] ? n->op : "?");
  if (n->pc) {
    put_s(o, ",");
    json_pc(o, n->pc);
  }
  int64_t age = age_us(f, n->tsc);
  if (age >= 0) {
    put_s(o, ",\"age_us\":");
    put_i(o, age);
  }
  put_s(o, "}");
}

static size_t format_json(const struct crash_facts *f) {
  struct out o = {json_buf, JSON_CAP - TAIL_RESERVE, 0};
  put_s(&o, "{\"tool\":\"mapsan\",\"version\":\"" MAPSAN_VERSION "\",\"pid\":");
  put_i(&o, f->pid);
  put_s(&o, ",\"host\":");
  put_jstr(&o, host);
  put_s(&o, ",\"time\":\"");
  put_time(&o, f->time);
  put_s(&o, "\",\"kind\":\"crash\",\"signal\":\"");
  put_s(&o, f->signame);
  put_s(&o, "\",\"signal_code\":");
  const char *code = code_name(f->sig, f->info->si_code);
  if (code) {
    put_s(&o, "\"");
    put_s(&o, code);
    put_s(&o, "\"");
  } else {
    put_i(&o, f->info->si_code);
  }
  if (kernel_fault(f->sig, f->info)) {
    put_s(&o, ",\"fault_addr\":\"");
    put_x(&o, (uintptr_t)f->info->si_addr);
    put_s(&o, "\"");
  } else if (f->info->si_code <= 0) {
    put_s(&o, ",\"sender_pid\":");
    put_i(&o, f->info->si_pid);
  }
  char summary[600];
  struct out so = {summary, sizeof(summary) - 1, 0};
  put_summary(&so, f);
  summary[so.len] = '\0';
  put_s(&o, ",\"summary\":");
  put_jstr(&o, summary);
  put_s(&o, ",\"signature\":\"");
  put_s(&o, f->signature);
  put_s(&o, "\",\"stacks\":[{\"role\":\"current\"");
  if (f->thread) {
    put_s(&o, ",\"thread\":");
    put_u(&o, f->thread);
  }
  put_s(&o, ",\"tid\":");
  put_i(&o, f->tid);
  if (unwind_faulted)
    put_s(&o, ",\"truncated\":true");
  put_s(&o, ",\"frames\":[");
  for (int i = 0; i < nframes; i++) {
    put_s(&o, i ? ",{" : "{");
    json_pc(&o, frames[i]);
    put_s(&o, "}");
  }
  put_s(&o, "]}],\"threads\":[");
  for (int i = 0; i < nsnaps; i++) {
    if (o.len + 4096 > o.cap) {
      threads_not_shown += nsnaps - i;
      break;
    }
    const struct thread_snap *s = &snaps[i];
    put_s(&o, i ? ",{\"thread\":" : "{\"thread\":");
    put_u(&o, s->num);
    put_s(&o, ",\"tid\":");
    put_i(&o, s->tid);
    if (s->crashing)
      put_s(&o, ",\"faulting\":true");
    put_s(&o, ",\"inflight\":");
    if (s->has_inflight)
      json_note(&o, f, &s->inflight);
    else
      put_s(&o, "null");
    put_s(&o, ",\"recent\":[");
    for (int r = 0; r < s->nrecent; r++) {
      if (r)
        put_s(&o, ",");
      json_note(&o, f, &s->recent[r]);
    }
    put_s(&o, "]}");
  }
  o.cap = JSON_CAP;
  put_s(&o, "],\"threads_not_shown\":");
  put_i(&o, threads_not_shown);
  put_s(&o, ",\"threads_idle\":");
  put_i(&o, threads_idle);
  put_s(&o, "}\n");
  return o.len;
}

/* ---- the report ----------------------------------------------------- */

/* As report.c's make_signature with no previous stack. */
static void make_signature(struct crash_facts *f) {
  uint64_t a = 0, b = 0; /* frame keys, sorted; the missing one is 0 */
  if (f->first >= 0) {
    const struct module *m = module_of(frames[f->first]);
    const char *mod = m ? base_name(module_names + m->name) : "?";
    uint64_t off = m ? frames[f->first] - m->base : 0;
    b = mapsan_fnv(mapsan_fnv(MAPSAN_FNV_OFFSET, mod, strlen(mod)), &off, sizeof(off));
  }
  uint64_t h = mapsan_fnv(MAPSAN_FNV_OFFSET, "crash", 5);
  h = mapsan_fnv(h, &a, sizeof(a));
  h = mapsan_fnv(h, &b, sizeof(b));
  static const char hex[] = "0123456789abcdef";
  for (int i = 0; i < 16; i++)
    f->signature[i] = hex[(h >> (60 - 4 * i)) & 15];
  f->signature[16] = '\0';
}

/* True the first time a signature is seen in this process. */
static bool first_sighting(const char *signature) {
  uint64_t v = 0;
  for (int i = 0; i < 16; i++) {
    char c = signature[i];
    v = v * 16 + (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  if (v == 0)
    v = 1;
  for (int i = 0; i < SEEN_SIGS; i++) {
    uint64_t cur = atomic_load_explicit(&seen_sigs[i], memory_order_relaxed);
    if (cur == v)
      return false;
    if (cur == 0 && atomic_compare_exchange_strong(&seen_sigs[i], &cur, v))
      return true;
    if (cur == v)
      return false;
  }
  return true; /* table full: report */
}

static void write_sink(bool json, const char *buf, size_t len) {
  int fd = mapsan_sink_open_signal_safe(json);
  if (fd < 0) {
    if (!json)
      mapsan_write_all(2, buf, len);
    return;
  }
  if (!mapsan_write_all(fd, buf, len) && !json)
    mapsan_write_all(2, buf, len);
  close(fd);
}

/* Takes the report ownership: false when another thread keeps it for more
 * than a second (its report is being written; this one is skipped). */
static bool own_report(pid_t me) {
  for (int i = 0; i < 1000; i++) {
    pid_t free_owner = 0;
    if (atomic_compare_exchange_strong(&report_owner, &free_owner, me))
      return true;
    if (free_owner == me)
      return false;
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  return false;
}

static void crash_report(int sig, const char *signame, siginfo_t *info,
                         ucontext_t *uc) {
  if (mapsan_report_count() >= (unsigned long)mapsan_opts.max_reports)
    return;
  pid_t me = gettid_raw();
  if (!own_report(me))
    return;
  int saved_reentry = mapsan_reentry;
  mapsan_enter(); /* libunwind's locks go straight to the real functions */
  reporting = true;
  nframes = 0;
  nsnaps = 0;
  threads_idle = threads_not_shown = 0;
  unwind_faulted = threads_faulted = false;
  /* A fault below comes back to the handler, which jumps here. */
  if (sigsetjmp(report_jmp, 1) == 0)
    unwind_from(uc);
  else
    unwind_faulted = true;
  if (sigsetjmp(report_jmp, 1) == 0)
    gather_threads();
  else
    threads_faulted = true;
  mapsan_reentry = saved_reentry + 1;
  modules_load();

  struct crash_facts f;
  memset(&f, 0, sizeof(f));
  f.sig = sig;
  f.signame = signame;
  f.info = info;
  struct mapsan_thread *t = mapsan_cur_thread;
  f.thread = t ? t->num : 0;
  f.tid = me;
  f.pid = getpid();
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  f.time = now.tv_sec;
  f.now_tsc = __builtin_ia32_rdtsc();
  int64_t dns = mono_ns() - mono0_ns;
  if (f.now_tsc > tsc0 + 100000 && dns > 0)
    f.us_per_tick = (double)dns / 1000.0 / (double)(f.now_tsc - tsc0);
  /* The host name now, not at start-up (one system call fewer for every
   * process; gethostname is uname, async-signal-safe). */
  if (host[0] == '\0' && gethostname(host, sizeof(host) - 1) != 0)
    strcpy(host, "unknown");
  f.first = -1;
  for (int i = 0; i < nframes && f.first < 0; i++)
    if (!mapsan_is_runtime_pc(frames[i]))
      f.first = i;
  make_signature(&f);

  if (first_sighting(f.signature)) {
    size_t n = format_text(&f);
    write_sink(false, text_buf, n);
    if (mapsan_opts.json_path != NULL) {
      n = format_json(&f);
      write_sink(true, json_buf, n);
    }
    mapsan_report_count_crash();
  }
  reporting = false;
  mapsan_reentry = saved_reentry;
  atomic_store(&report_owner, 0);
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
    if (kernel_fault(sig, info))
      set_default(sig); /* the kernel cannot ignore a fault: it kills */
    return;
  }
  set_default(sig);
  if (!kernel_fault(sig, info))
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
  if (from_kernel && reporting && kernel_fault(sig, info))
    siglongjmp(report_jmp, 1); /* the report code faulted: skip that part */
  if (depth >= MAX_DEPTH) { /* mapsan's own code keeps faulting */
    set_default(sig);
    if (!kernel_fault(sig, info))
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
  /* The program blocks this signal, mapsan's masks notwithstanding
   * (sigmask.c): a signal sent stays pending, as it would have; a
   * fault kills with the default action, as the kernel would have. */
  bool blocked = from_kernel && (sig == SIGSEGV || sig == SIGBUS) &&
                 mapsan_sigmask_program_blocks(sig);
  if (blocked && !kernel_fault(sig, info)) {
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
  if (target.sa_handler == SIG_IGN && !kernel_fault(sig, info))
    report = false; /* ignored: not fatal */
  if (report && info != NULL && uc != NULL && !reporting) {
    sigset_t saved_mask;
    block_async(&saved_mask);
    crash_report(sig, s->name, info, uc);
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
  tsc0 = __builtin_ia32_rdtsc();
  mono0_ns = mono_ns();
  modules_snapshot();
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
  mapsan_altstack_thread_start(); /* the main thread's */
  atomic_store_explicit(&inited, true, memory_order_release);
}
