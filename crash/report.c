/*
 * report.c: the crash report (crash/report.h): what the faulting thread
 * and every thread's map log show, gathered first, then formatted as text
 * and as a JSON line with the report writer (base/writer.h) and written
 * with one write(2) per sink.
 *
 * ---- Async-signal safety ---------------------------------------------------
 *
 * No malloc, no stdio, no locks: the crashing thread may hold any of
 * mapsan's or libc's. The report is built in static buffers by the report
 * writer (base/writer.h: no snprintf, no malloc), and written
 * with one write(2) per sink. Calls made: clock_gettime, getpid, syscall
 * (gettid, tgkill), open/read/close (/proc/thread-self/maps; a sink file
 * not yet open), write, nanosleep, with log_to_journal=1 socket, sendmsg,
 * memfd_create and fcntl as raw system calls (reports/journal.c), sigprocmask, sigaction,
 * sigsetjmp/siglongjmp (only within our own report code), and libunwind's
 * unw_init_local2 and unw_step (when libunwind is loaded: it is loaded on
 * demand, never in a handler, see unwind.h; before that the stack is the
 * faulting pc alone),
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
 * Frames are printed as module+offset (docs/USAGE.md: "a frame shows
 * module+offset always") and the raw pc; function names need libdw, which
 * is not safe here. The module table is read from /proc/thread-self/maps
 * in the handler (open/read only, so it is current even for libraries
 * dlopen'ed a moment ago; not /proc/self/maps, which reads empty once the
 * main thread has exited), or, without /proc, taken from a dl_iterate_phdr
 * snapshot made at start-up (modules.c). The offset is from the module's
 * first mapping, as in the other reports (reports/symbolize.c).
 *
 * A fault whose address, or a pc, lies in the reserved range of a module
 * dlclose unloaded (base/unloads.h: a call through a stale handler, a
 * compare of a stale key) makes the report's kind use-after-unload: it
 * names the module and gives its dlclose stack, kept inline in the log
 * (the stack depot takes a lock). Frames in such a range are named after
 * the module ("plugin.so (unloaded)+0x..."); the faulting stack of a call
 * into one continues from the return address the call pushed, since the
 * unloaded function has no unwind information any more.
 *
 * Ages of map operations come from __rdtsc() deltas. The clock is
 * calibrated at crash time, against CLOCK_MONOTONIC, over the whole time
 * since start-up (both read at init): no start-up delay, and a longer
 * base than a few milliseconds of calibration would give.
 *
 * Two threads crashing at once: one atomic owner word; the second waits up
 * to a second for the first report, then goes on to chain without one.
 * Each crash signature (kind, first frame's module basename and offset,
 * FNV-1a 64 as in reports/report.c) is reported once per process, and the crash
 * report counts as a report (mapsan_report_count: an atomic increment)
 * within max_reports, so a program that survives a handled SIGSEGV at one
 * place many times gets one report.
 */
#include "report.h"

#include "../base/base.h"
#include "../base/buildid.h"
#include "../base/options.h"
#include "../base/unloads.h"
#include "../base/writer.h"
#include "../engine/thread.h"
#include "../reports/journal.h"
#include "../reports/report.h"
#include "../reports/sink.h"
#include "../stacks/stack.h"
#include "../stacks/unwind.h"
#include "modules.h"

#include <errno.h>
#include <setjmp.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef MAPSAN_VERSION
#define MAPSAN_VERSION "0"
#endif

#define MAX_FRAMES 64        /* of the faulting thread */
#define MAX_THREADS 256      /* threads listed in one report */
#define TEXT_CAP (512 << 10)
#define JSON_CAP (768 << 10)
#define TAIL_RESERVE 4096    /* kept free for the end of a report */
#define SEEN_SIGS 64         /* crash signatures reported, per process */
#define OP_NAME 24           /* bytes of an op name kept */

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
/* The unloaded module of a use-after-unload report, and a scratch copy for
 * naming frames: the report owner's alone, as every static here. */
static struct mapsan_unloaded crash_unl, frame_unl;
static volatile int nframes;
static volatile bool unwind_faulted, threads_faulted;
static struct thread_snap snaps[MAX_THREADS] MAPSAN_BIG;
static volatile int nsnaps;
static int threads_idle, threads_not_shown;
static char text_buf[TEXT_CAP] MAPSAN_BIG;
static char json_buf[JSON_CAP] MAPSAN_BIG;
static char journal_head[8192] MAPSAN_BIG;   /* the journal entry's fields */
static char journal_message[700] MAPSAN_BIG; /* its MESSAGE */

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

/* The frames of the signal's context, with libunwind loaded. */
static void unwind_cursor(ucontext_t *uc) {
  unw_cursor_t cursor;
  /* A call through a stale pointer faults on the first instruction of the
   * unloaded function, which has no unwind information any more: its
   * caller is the return address the call pushed, at the stack pointer,
   * and the unwinding goes on from there as from a return. */
  uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
  if (mapsan_unloaded_find(pc, true, &frame_unl)) {
    static ucontext_t caller; /* the report owner's alone */
    memcpy(&caller, uc, sizeof(caller));
    uintptr_t sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
    frames[0] = pc;
    nframes = 1;
    caller.uc_mcontext.gregs[REG_RIP] = (greg_t) * (const uintptr_t *)sp;
    caller.uc_mcontext.gregs[REG_RSP] = (greg_t)(sp + sizeof(uintptr_t));
    if (mapsan_unw.init_local2(&cursor, (unw_context_t *)&caller, 0) < 0)
      return;
  } else if (mapsan_unw.init_local2(&cursor, (unw_context_t *)uc,
                                    UNW_INIT_SIGNAL_FRAME) < 0) {
    return;
  }
  do {
    unw_word_t ip = 0;
    if (mapsan_unw.get_reg(&cursor, UNW_REG_IP, &ip) < 0 || ip == 0)
      break;
    frames[nframes] = (uintptr_t)ip;
    nframes = nframes + 1;
  } while (nframes < MAX_FRAMES && mapsan_unw.step(&cursor) > 0);
}

/* The faulting thread's stack, from the signal's context. libunwind is
 * never loaded here (dlopen is not async-signal-safe): before it is loaded
 * (a sampled process that has tracked no map yet, see unwind.h) the stack
 * is the interrupted pc alone, which is also the crash's signature. The
 * unwind passes the fork gate even while a fork is being prepared: this
 * process is ending, and its report wants the stack. */
static void unwind_from(ucontext_t *uc) {
  if (!mapsan_unwind_ready()) {
    frames[0] = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    nframes = frames[0] != 0;
    return;
  }
  int pass = mapsan_unwind_enter(true);
  unwind_cursor(uc);
  mapsan_unwind_leave(pass);
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
    const struct mapsan_op_note *inflight = mapsan_op_log_inflight(&t->log);
    if (next == 0 && inflight == NULL && t != me) {
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
    s->has_inflight = false;
    if (inflight != NULL) {
      copy_note(&s->inflight, inflight);
      s->has_inflight = s->inflight.map != 0;
    }
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
  /* use-after-unload: the pc or the fault address lies in a module that
   * dlclose unloaded (its range still reserved); kind names the report. */
  const char *kind;
  const char *stale; /* "pc" or "address"; NULL: an ordinary crash */
  uintptr_t stale_word;
};


/* Where pc lies: a loaded module, else one dlclose unloaded (its range
 * still reserved, so nothing else is there). */
struct place {
  const char *name; /* NULL: nowhere known */
  uintptr_t base;
  bool unloaded;
};

static struct place place_of(uintptr_t pc) {
  struct place p = {0};
  const struct mapsan_module *m = mapsan_module_of(pc);
  if (m) {
    p.name = mapsan_module_name(m);
    p.base = m->base;
  } else if (mapsan_unloaded_find(pc, true, &frame_unl) &&
             frame_unl.reserved) {
    p.name = frame_unl.name;
    p.base = frame_unl.base;
    p.unloaded = true;
  }
  return p;
}

/* "0x... (module+0x...)" in text. */
static void text_pc(struct mapsan_writer *o, uintptr_t pc) {
  struct place m = place_of(pc);
  mapsan_put_x(o, pc);
  mapsan_put_s(o, " (");
  if (m.name) {
    mapsan_put_s(o, mapsan_base_name(m.name));
    if (m.unloaded)
      mapsan_put_s(o, " (unloaded)");
    mapsan_put_s(o, "+");
    mapsan_put_x(o, pc - m.base);
  } else {
    mapsan_put_s(o, "<unknown module>");
  }
  mapsan_put_s(o, ")");
}

/* "pc":"0x..","module":"..","offset":"0x..","build_id":".." in JSON. */
static void json_pc(struct mapsan_writer *o, uintptr_t pc) {
  struct place pl = place_of(pc);
  if (pl.unloaded) {
    mapsan_put_s(o, "\"pc\":\"");
    mapsan_put_x(o, pc);
    mapsan_put_s(o, "\",\"module\":");
    mapsan_put_jstr(o, pl.name);
    mapsan_put_s(o, ",\"offset\":\"");
    mapsan_put_x(o, pc - pl.base);
    mapsan_put_s(o, "\"");
    if (frame_unl.build_id[0]) {
      mapsan_put_s(o, ",\"build_id\":\"");
      mapsan_put_s(o, frame_unl.build_id);
      mapsan_put_s(o, "\"");
    }
    mapsan_put_s(o, ",\"unloaded\":true");
    return;
  }
  struct mapsan_module *m = mapsan_module_of(pc);
  mapsan_put_s(o, "\"pc\":\"");
  mapsan_put_x(o, pc);
  mapsan_put_s(o, "\",\"module\":");
  mapsan_put_jstr(o, m ? mapsan_module_name(m) : "?");
  mapsan_put_s(o, ",\"offset\":\"");
  mapsan_put_x(o, m ? pc - m->base : pc);
  mapsan_put_s(o, "\"");
  /* From the module's notes, else the cache (modules.c). */
  const char *id = m ? mapsan_module_build_id(m, pc) : NULL;
  if (id) {
    mapsan_put_s(o, ",\"build_id\":\"");
    mapsan_put_s(o, id);
    mapsan_put_s(o, "\"");
  }
}

static int64_t age_us(const struct crash_facts *f, uint64_t tsc) {
  if (f->us_per_tick <= 0 || tsc == 0)
    return -1;
  if (tsc >= f->now_tsc)
    return 0;
  return (int64_t)((double)(f->now_tsc - tsc) * f->us_per_tick);
}

static void text_thread(struct mapsan_writer *o, uint32_t num, pid_t tid) {
  mapsan_put_s(o, "thread T");
  mapsan_put_u(o, num);
  mapsan_put_s(o, " (tid=");
  mapsan_put_i(o, tid);
  mapsan_put_s(o, ")");
}

static void text_note(struct mapsan_writer *o, const struct crash_facts *f,
                      const struct note *n) {
  mapsan_put_s(o, n->op[0] ? n->op : "?");
  mapsan_put_s(o, " on map ");
  mapsan_put_x(o, n->map);
  if (n->pc) {
    mapsan_put_s(o, " from ");
    text_pc(o, n->pc);
  }
  int64_t age = age_us(f, n->tsc);
  if (age >= 0) {
    mapsan_put_s(o, ", ");
    mapsan_put_i(o, age);
    mapsan_put_s(o, " us ago");
  }
  mapsan_put_s(o, "\n");
}

static void put_summary(struct mapsan_writer *o, const struct crash_facts *f) {
  mapsan_put_s(o, f->kind);
  mapsan_put_s(o, " ");
  mapsan_put_s(o, f->signame);
  if (f->first >= 0) {
    struct place m = place_of(frames[f->first]);
    mapsan_put_s(o, " (");
    if (m.name) {
      mapsan_put_s(o, mapsan_base_name(m.name));
      if (m.unloaded)
        mapsan_put_s(o, " (unloaded)");
      mapsan_put_s(o, "+");
      mapsan_put_x(o, frames[f->first] - m.base);
    } else {
      mapsan_put_x(o, frames[f->first]);
    }
    mapsan_put_s(o, ")");
  }
}

/* use-after-unload: the module the pc or address lies in, and its
 * dlclose stack (kept inline in the log: the depot takes a lock). */
static void text_unloaded(struct mapsan_writer *o, const struct crash_facts *f) {
  const struct mapsan_unloaded *u = &crash_unl;
  mapsan_put_s(o, "  The faulting ");
  mapsan_put_s(o, f->stale);
  mapsan_put_s(o, " ");
  mapsan_put_x(o, f->stale_word);
  mapsan_put_s(o, " lies in ");
  mapsan_put_s(o, u->name);
  mapsan_put_s(o, " (unloaded) [");
  mapsan_put_x(o, u->lo);
  mapsan_put_s(o, ", ");
  mapsan_put_x(o, u->hi);
  mapsan_put_s(o, ")");
  if (u->build_id[0]) {
    mapsan_put_s(o, ", build-id ");
    mapsan_put_s(o, u->build_id);
  }
  mapsan_put_s(o, ", unloaded at ");
  mapsan_put_time(o, u->time);
  mapsan_put_s(o, ".\n  Module unloaded (dlclose) by ");
  if (u->thread) {
    mapsan_put_s(o, "thread T");
    mapsan_put_u(o, u->thread);
  } else {
    mapsan_put_s(o, "an unknown thread");
  }
  mapsan_put_s(o, ":\n");
  for (int i = 0; i < u->npcs && i < MAPSAN_UNLOAD_PCS; i++) {
    mapsan_put_s(o, "    #");
    mapsan_put_u(o, (uint64_t)i);
    mapsan_put_s(o, " ");
    text_pc(o, u->pcs[i]);
    mapsan_put_s(o, "\n");
  }
  if (u->npcs == 0)
    mapsan_put_s(o, "    <no stack>\n");
}

static void json_unloaded(struct mapsan_writer *o, const struct crash_facts *f) {
  const struct mapsan_unloaded *u = &crash_unl;
  mapsan_put_s(o, ",\"stale\":\"");
  mapsan_put_s(o, f->stale);
  mapsan_put_s(o, "\",\"stale_word\":\"");
  mapsan_put_x(o, f->stale_word);
  mapsan_put_s(o, "\",\"unloaded_module\":");
  mapsan_put_jstr(o, u->name);
  if (u->build_id[0]) {
    mapsan_put_s(o, ",\"unloaded_build_id\":\"");
    mapsan_put_s(o, u->build_id);
    mapsan_put_s(o, "\"");
  }
  mapsan_put_s(o, ",\"unloaded_range\":[\"");
  mapsan_put_x(o, u->lo);
  mapsan_put_s(o, "\",\"");
  mapsan_put_x(o, u->hi);
  mapsan_put_s(o, "\"],\"unloaded_at\":\"");
  mapsan_put_time(o, u->time);
  mapsan_put_s(o, "\"");
}

/* The dlclose stack, after the current one in "stacks". */
static void json_dlclose_stack(struct mapsan_writer *o) {
  const struct mapsan_unloaded *u = &crash_unl;
  mapsan_put_s(o, ",{\"role\":\"dlclose\"");
  if (u->thread) {
    mapsan_put_s(o, ",\"thread\":");
    mapsan_put_u(o, u->thread);
  }
  mapsan_put_s(o, ",\"op\":\"dlclose\",\"frames\":[");
  for (int i = 0; i < u->npcs && i < MAPSAN_UNLOAD_PCS; i++) {
    mapsan_put_s(o, i ? ",{" : "{");
    json_pc(o, u->pcs[i]);
    mapsan_put_s(o, "}");
  }
  mapsan_put_s(o, "]}");
}

static size_t format_text(const struct crash_facts *f) {
  struct mapsan_writer o = mapsan_writer(text_buf, TEXT_CAP - TAIL_RESERVE);
  const char *code = code_name(f->sig, f->info->si_code);
  mapsan_put_s(&o, "==================\nWARNING: mapsan: ");
  mapsan_put_s(&o, f->kind);
  mapsan_put_s(&o, ": ");
  mapsan_put_s(&o, f->signame);
  mapsan_put_s(&o, " (");
  if (code)
    mapsan_put_s(&o, code);
  else
    mapsan_put_i(&o, f->info->si_code);
  mapsan_put_s(&o, ")");
  if (mapsan_crash_kernel_fault(f->sig, f->info)) {
    mapsan_put_s(&o, " at address ");
    mapsan_put_x(&o, (uintptr_t)f->info->si_addr);
  } else if (f->info->si_code <= 0) {
    mapsan_put_s(&o, " sent by pid ");
    mapsan_put_i(&o, f->info->si_pid);
  }
  mapsan_put_s(&o, " (pid=");
  mapsan_put_i(&o, f->pid);
  mapsan_put_s(&o, ")\n  Fatal signal in ");
  if (f->thread)
    text_thread(&o, f->thread, f->tid);
  else {
    mapsan_put_s(&o, "a thread unknown to mapsan (tid=");
    mapsan_put_i(&o, f->tid);
    mapsan_put_s(&o, ")");
  }
  mapsan_put_s(&o, ":\n");
  for (int i = 0; i < nframes; i++) {
    mapsan_put_s(&o, "    #");
    mapsan_put_u(&o, (uint64_t)i);
    mapsan_put_s(&o, " ");
    text_pc(&o, frames[i]);
    mapsan_put_s(&o, "\n");
  }
  if (nframes == 0)
    mapsan_put_s(&o, "    <no stack>\n");
  if (unwind_faulted)
    mapsan_put_s(&o, "    <unwinding stopped: the stack is unreadable>\n");
  if (f->stale)
    text_unloaded(&o, f);

  int inflight = 0;
  for (int i = 0; i < nsnaps; i++)
    inflight += snaps[i].has_inflight;
  mapsan_put_s(&o, "  Map operations in flight:");
  mapsan_put_s(&o, inflight ? "\n" : " none\n");
  for (int i = 0; i < nsnaps && o.len < o.cap; i++) {
    if (!snaps[i].has_inflight)
      continue;
    mapsan_put_s(&o, "    ");
    text_thread(&o, snaps[i].num, snaps[i].tid);
    mapsan_put_s(&o, ": ");
    text_note(&o, f, &snaps[i].inflight);
  }
  mapsan_put_s(&o, "  Recent map operations, newest first:\n");
  for (int i = 0; i < nsnaps; i++) {
    if (o.len + 2048 > o.cap) {
      threads_not_shown += nsnaps - i;
      break;
    }
    mapsan_put_s(&o, "    ");
    text_thread(&o, snaps[i].num, snaps[i].tid);
    mapsan_put_s(&o, snaps[i].crashing ? " (the faulting thread):\n" : ":\n");
    for (int r = 0; r < snaps[i].nrecent; r++) {
      mapsan_put_s(&o, "      ");
      text_note(&o, f, &snaps[i].recent[r]);
    }
    if (snaps[i].nrecent == 0)
      mapsan_put_s(&o, "      none\n");
  }
  if (threads_faulted)
    mapsan_put_s(&o, "    <a thread record could not be read>\n");
  o.cap = TEXT_CAP; /* the tail always fits */
  if (threads_not_shown) {
    mapsan_put_s(&o, "  (");
    mapsan_put_i(&o, threads_not_shown);
    mapsan_put_s(&o, " more threads with map operations not shown)\n");
  }
  if (threads_idle) {
    mapsan_put_s(&o, "  (");
    mapsan_put_i(&o, threads_idle);
    mapsan_put_s(&o, " threads without map operations)\n");
  }
  /* No name here is no loss: said plainly, with the way to get them. */
  mapsan_put_s(&o, "  Frames are module+offset: a crash report is not "
                   "symbolized in the process; mapsan-report --symbolize "
                   "names them from the JSON report's build-ids.\n");
  mapsan_put_s(&o, "SUMMARY: mapsan: ");
  put_summary(&o, f);
  mapsan_put_s(&o, "\n==================\n");
  return o.len;
}

static void json_note(struct mapsan_writer *o, const struct crash_facts *f,
                      const struct note *n) {
  mapsan_put_s(o, "{\"map\":\"");
  mapsan_put_x(o, n->map);
  mapsan_put_s(o, "\",\"op\":");
  mapsan_put_jstr(o, n->op[0] ? n->op : "?");
  if (n->pc) {
    mapsan_put_s(o, ",");
    json_pc(o, n->pc);
  }
  int64_t age = age_us(f, n->tsc);
  if (age >= 0) {
    mapsan_put_s(o, ",\"age_us\":");
    mapsan_put_i(o, age);
  }
  mapsan_put_s(o, "}");
}

static size_t format_json(const struct crash_facts *f) {
  struct mapsan_writer o = mapsan_writer(json_buf, JSON_CAP - TAIL_RESERVE);
  mapsan_put_s(&o, "{\"tool\":\"mapsan\",\"version\":\"" MAPSAN_VERSION "\",\"pid\":");
  mapsan_put_i(&o, f->pid);
  mapsan_put_s(&o, ",\"host\":");
  mapsan_put_jstr(&o, host);
  mapsan_put_s(&o, ",\"time\":\"");
  mapsan_put_time(&o, f->time);
  mapsan_put_s(&o, "\",\"kind\":\"");
  mapsan_put_s(&o, f->kind);
  mapsan_put_s(&o, "\",\"signal\":\"");
  mapsan_put_s(&o, f->signame);
  mapsan_put_s(&o, "\",\"signal_code\":");
  const char *code = code_name(f->sig, f->info->si_code);
  if (code) {
    mapsan_put_s(&o, "\"");
    mapsan_put_s(&o, code);
    mapsan_put_s(&o, "\"");
  } else {
    mapsan_put_i(&o, f->info->si_code);
  }
  if (mapsan_crash_kernel_fault(f->sig, f->info)) {
    mapsan_put_s(&o, ",\"fault_addr\":\"");
    mapsan_put_x(&o, (uintptr_t)f->info->si_addr);
    mapsan_put_s(&o, "\"");
  } else if (f->info->si_code <= 0) {
    mapsan_put_s(&o, ",\"sender_pid\":");
    mapsan_put_i(&o, f->info->si_pid);
  }
  if (f->stale)
    json_unloaded(&o, f);
  char summary[600];
  struct mapsan_writer so = mapsan_writer(summary, sizeof(summary) - 1);
  put_summary(&so, f);
  summary[so.len] = '\0';
  mapsan_put_s(&o, ",\"summary\":");
  mapsan_put_jstr(&o, summary);
  mapsan_put_s(&o, ",\"signature\":\"");
  mapsan_put_s(&o, f->signature);
  mapsan_put_s(&o, "\",\"stacks\":[{\"role\":\"current\"");
  if (f->thread) {
    mapsan_put_s(&o, ",\"thread\":");
    mapsan_put_u(&o, f->thread);
  }
  mapsan_put_s(&o, ",\"tid\":");
  mapsan_put_i(&o, f->tid);
  if (unwind_faulted)
    mapsan_put_s(&o, ",\"truncated\":true");
  mapsan_put_s(&o, ",\"frames\":[");
  for (int i = 0; i < nframes; i++) {
    mapsan_put_s(&o, i ? ",{" : "{");
    json_pc(&o, frames[i]);
    mapsan_put_s(&o, "}");
  }
  mapsan_put_s(&o, "]}");
  if (f->stale)
    json_dlclose_stack(&o);
  mapsan_put_s(&o, "],\"threads\":[");
  for (int i = 0; i < nsnaps; i++) {
    if (o.len + 4096 > o.cap) {
      threads_not_shown += nsnaps - i;
      break;
    }
    const struct thread_snap *s = &snaps[i];
    mapsan_put_s(&o, i ? ",{\"thread\":" : "{\"thread\":");
    mapsan_put_u(&o, s->num);
    mapsan_put_s(&o, ",\"tid\":");
    mapsan_put_i(&o, s->tid);
    if (s->crashing)
      mapsan_put_s(&o, ",\"faulting\":true");
    mapsan_put_s(&o, ",\"inflight\":");
    if (s->has_inflight)
      json_note(&o, f, &s->inflight);
    else
      mapsan_put_s(&o, "null");
    mapsan_put_s(&o, ",\"recent\":[");
    for (int r = 0; r < s->nrecent; r++) {
      if (r)
        mapsan_put_s(&o, ",");
      json_note(&o, f, &s->recent[r]);
    }
    mapsan_put_s(&o, "]}");
  }
  o.cap = JSON_CAP;
  mapsan_put_s(&o, "],\"threads_not_shown\":");
  mapsan_put_i(&o, threads_not_shown);
  mapsan_put_s(&o, ",\"threads_idle\":");
  mapsan_put_i(&o, threads_idle);
  mapsan_put_s(&o, "}\n");
  return o.len;
}

/* ---- the report ----------------------------------------------------- */

/* As reports/report.c's make_signature with no previous stack. */
static void make_signature(struct crash_facts *f) {
  uint64_t a = 0, b = 0; /* frame keys, sorted; the missing one is 0 */
  if (f->first >= 0) {
    struct place m = place_of(frames[f->first]);
    const char *mod = m.name ? mapsan_base_name(m.name) : "?";
    uint64_t off = m.name ? frames[f->first] - m.base : 0;
    b = mapsan_fnv(mapsan_fnv(MAPSAN_FNV_OFFSET, mod, strlen(mod)), &off, sizeof(off));
  }
  uint64_t h = mapsan_fnv(MAPSAN_FNV_OFFSET, f->kind, strlen(f->kind));
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

/* The crash report as one journal entry; json is the JSON report. No
 * CODE_FILE/CODE_LINE/CODE_FUNC: the crash path does not symbolize. */
static void send_journal(const struct crash_facts *f, size_t json_len) {
  struct mapsan_writer m =
      mapsan_writer(journal_message, sizeof(journal_message) - 1);
  mapsan_put_s(&m, "SUMMARY: mapsan: ");
  put_summary(&m, f);
  journal_message[m.len] = '\0';
  struct mapsan_journal_entry e = {
      .message = journal_message,
      .kind = f->kind,
      .signature = f->signature,
      .json = json_buf,
      .json_len = json_len,
  };
  mapsan_journal_send(&e, journal_head, sizeof(journal_head));
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

void mapsan_crash_report(int sig, const char *signame, siginfo_t *info,
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
  mapsan_modules_load();

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
  f.kind = "crash";
  /* A fault on, or a pc in, the reserved range of an unloaded module. */
  if ((sig == SIGSEGV || sig == SIGBUS) &&
      mapsan_crash_kernel_fault(sig, info) &&
      mapsan_unloaded_find((uintptr_t)info->si_addr, true, &crash_unl)) {
    f.stale_word = (uintptr_t)info->si_addr;
    f.stale = nframes > 0 && frames[0] == f.stale_word ? "pc" : "address";
  } else if (nframes > 0 && mapsan_unloaded_find(frames[0], true, &crash_unl)) {
    f.stale_word = frames[0];
    f.stale = "pc";
  }
  if (f.stale)
    f.kind = "use-after-unload";
  f.first = -1;
  for (int i = 0; i < nframes && f.first < 0; i++)
    if (!mapsan_is_runtime_pc(frames[i]))
      f.first = i;
  make_signature(&f);

  if (first_sighting(f.signature)) {
    size_t n = format_text(&f);
    write_sink(false, text_buf, n);
    if (mapsan_opts.json_path != NULL || mapsan_journal_enabled()) {
      n = format_json(&f);
      if (mapsan_opts.json_path != NULL)
        write_sink(true, json_buf, n);
      if (mapsan_journal_enabled())
        send_journal(&f, n);
    }
    mapsan_report_count_crash();
  }
  reporting = false;
  mapsan_reentry = saved_reentry;
  atomic_store(&report_owner, 0);
}

bool mapsan_crash_reporting(void) { return reporting; }

void mapsan_crash_report_skip_part(void) { siglongjmp(report_jmp, 1); }

void mapsan_crash_report_init(void) {
  tsc0 = __builtin_ia32_rdtsc();
  mono0_ns = mono_ns();
  mapsan_modules_snapshot();
}
