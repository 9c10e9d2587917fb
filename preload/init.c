/*
 * init.c: the life of libmapsan.so in a process.
 *
 * Start: the constructor resolves real functions, reads options, loads
 * suppressions, registers the first thread (normally main) as T1 and only
 * then turns the hooks on; calls before that pass straight through.
 *
 * End: the exit status is the program's own unless a report was made and
 * the program exited 0; then it is `exitcode` (66). "A report" means one
 * this process made: a forked child starts with its count at zero
 * (reports/report.c), so a child that exits 0 (exit, _exit, or an exec'd
 * program, which starts a fresh runtime) exits 0 to its parent unless it
 * reported something itself. main's return value is
 * seen by wrapping main itself through __libc_start_main (glibc calls exit
 * internally after main, out of reach of an exit interposer); explicit
 * exit, _exit and _Exit calls are wrapped too. Reports are written when
 * they are made, so there is nothing to flush.
 *
 * Exits that no wrapper sees: glibc calls its internal exit when the last
 * thread ends after main called pthread_exit (always exit(0)), and from
 * error(), argp and the like. Two hooks cover them: an on_exit handler,
 * registered just before main, learns the status every exit path passes
 * to the exit handlers; and the loader's fini function, which
 * __libc_start_main registers first so that it runs after every other exit
 * handler and every destructor, is replaced by one that calls it and then
 * writes the summary record if no path wrote it. If that status was 0 and
 * reports were made, it flushes stdio (the one thing exit does after the
 * handlers) and ends the process with `exitcode` itself.
 *
 * fork: every engine lock is taken by an atfork prepare handler and released
 * after it in the parent; the child resets them and forgets the threads that
 * did not follow it ("fork" below says why a handler and not a wrapper).
 * Order (also the lock order everywhere else, see maps.c):
 * report, map table, iterators, sync stripes, thread registry, stack
 * depot; then the leaf locks registered with MAPSAN_FORK_LEAF (base.h);
 * last the allocator's (base/alloc.c), which any of the others may take.
 */
#include "../base/interpose.h"
#include "../base/memread.h"
#include "../base/options.h"

#include "../crash/crash.h"
#include "../reports/report.h"
#include "../stacks/stack.h"
#include "../stacks/unwind.h"
#include "../base/alloc.h"
#include "../engine/iters.h"
#include "../engine/maps.h"
#include "../engine/profile.h"
#include "../engine/quarantine.h"
#include "../crash/sigmask.h"
#include "../engine/sync.h"
#include "../engine/window.h"
#include "../base/rebind.h"
#include "../shim/bypass.h"
#include "../engine/thread.h"

#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef MAPSAN_VERSION
#define MAPSAN_VERSION "0"
#endif

static _Atomic bool summary_done;

static void print_summary(void) {
  if (atomic_exchange(&summary_done, true))
    return;
  mapsan_profile_dump(true); /* map_profile=1: before the summary record */
  mapsan_report_write_summary();
  if (mapsan_opts.verbosity < 1)
    return;
  char buf[512];
  uint64_t windows;
  unsigned permille;
  mapsan_window_stats(&windows, &permille);
  unsigned long parked, unparked, undrawn;
  mapsan_rebind_stats(&parked, &unparked, &undrawn);
  struct mapsan_pool_stats ps;
  mapsan_pool_get_stats(&ps);
  int n = snprintf(buf, sizeof(buf),
                   "mapsan: %lu report(s), %lu suppressed (pid=%d); pool: %zu "
                   "live arrays, %zu KiB mapped, %zu KiB cached; quarantine: "
                   "%zu arrays, %zu KiB (budget %ld MiB); engine: %zu map "
                   "records, %zu sync objects, %zu KiB of records; canary "
                   "windows: %llu, %u.%u%% of the run; PLT slots rebound: %lu, back: "
                   "%lu (%lu until the first draw)\n",
                   mapsan_report_count(), mapsan_report_suppressed(),
                   (int)getpid(), ps.live_arrays, ps.mapped_bytes >> 10,
                   ps.cached_bytes >> 10,
                   ps.quarantined_arrays, ps.quarantined_bytes >> 10,
                   mapsan_opts.quarantine_mb, mapsan_maps_held(),
                   mapsan_sync_live(), mapsan_alloc_mapped_bytes() >> 10,
                   (unsigned long long)windows, permille / 10, permille % 10,
                   parked, unparked, undrawn);
  if (n > 0)
    mapsan_write_all(2, buf, (size_t)n);
  mapsan_report_list_suppressed();
}

/* The status the process should exit with. The summary (which formats and
 * takes the report lock) is written only on the orderly paths, main's
 * return and exit(): _exit and _Exit are what signal handlers and forked
 * children call, where neither is safe. */
static int exit_status(int status, bool summary) {
  if (!mapsan_active)
    return status;
  if (summary)
    print_summary();
  if (status == 0 && mapsan_report_count() > 0)
    return (int)mapsan_opts.exitcode;
  return status;
}

/* The status every exit path hands to the exit handlers (on_exit). */
static _Atomic int exit_handler_status = -1; /* from on_exit; -1: not yet */

static void on_exit_status(int status, void *arg) {
  (void)arg;
  atomic_store(&exit_handler_status, status);
}

/* process_sample_rate=N: one process in N runs mapsan; the draw mixes the
 * pid and the clock, so the processes of a fleet draw independently. */
static bool process_sampled(void) {
  long rate = mapsan_opts.process_sample_rate;
  if (rate <= 1)
    return true;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t x = ((uint64_t)getpid() << 32) ^ (uint64_t)ts.tv_nsec ^
               ((uint64_t)ts.tv_sec << 16);
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return x % (uint64_t)rate == 0;
}

static void fork_prepare(void);
static void fork_parent(void);
static void fork_child(void);

__attribute__((constructor)) static void mapsan_init(void) {
  mapsan_interpose_init();
  mapsan_options_init();
  if (mapsan_opts.help)
    mapsan_options_print_help();
  if (!process_sampled()) {
    if (mapsan_opts.verbosity >= 1) {
      static const char msg[] = "mapsan: not sampled in this process "
                                "(process_sample_rate); hooks off\n";
      mapsan_write_all(2, msg, sizeof(msg) - 1);
    }
    return; /* mapsan_active stays false: every wrapper passes through */
  }
  mapsan_runtime_text_init();
  mapsan_mem_init(); /* a seccomp filter? (base/memread.c) */
  /* With every map tracked the first capture is moments away: load
   * libunwind now, so the crash handler can unwind from the start. When
   * sampling, the first capture loads it (stacks/unwind.h). */
  if (mapsan_opts.sample_rate <= 1)
    mapsan_unwind_load();
  mapsan_report_init();
  mapsan_report_set_thread_info(mapsan_thread_info_get);
  mapsan_bypass_init();
  mapsan_window_init(); /* before the first thread: engine/window.h */
  mapsan_profile_init();
  mapsan_thread_init();
  mapsan_thread_current();
  mapsan_crash_init();
  mapsan_sigmask_init();
  pthread_atfork(fork_prepare, fork_parent, fork_child);
  if (mapsan_opts.verbosity >= 1) {
    char buf[128];
    int n = snprintf(buf, sizeof(buf), "mapsan %s: active (pid=%d)\n",
                     MAPSAN_VERSION, (int)getpid());
    if (n > 0)
      mapsan_write_all(2, buf, (size_t)n);
  }
  atomic_store(&mapsan_active, true);
  mapsan_map_fast_ops_init();
}

/* ---- main and exit ------------------------------------------------------ */

typedef int (*main_fn)(int, char **, char **);
static main_fn real_main;
static void (*real_rtld_fini)(void);

/* Runs last in exit (see the top of the file). */
static void fini_wrapper(void) {
  real_rtld_fini();
  if (!mapsan_active)
    return;
  print_summary();
  int status = atomic_load(&exit_handler_status);
  if (status == 0 && mapsan_report_count() > 0) {
    fflush(NULL);
    REAL(_exit)((int)mapsan_opts.exitcode);
  }
}

static int main_wrapper(int argc, char **argv, char **envp) {
  /* Here, not in the constructor: ld.so runs constructors before
   * __libc_start_main registers the fini function, and exit handlers run
   * in reverse order; this one must run before fini_wrapper. */
  if (mapsan_active)
    on_exit(on_exit_status, NULL);
  return exit_status(real_main(argc, argv, envp), true);
}

MAPSAN_EXPORT int __libc_start_main(main_fn main, int argc, char **argv,
                                    void (*init)(void), void (*fini)(void),
                                    void (*rtld_fini)(void), void *stack_end) {
  real_main = main;
  real_rtld_fini = rtld_fini;
  return REAL(__libc_start_main)(main_wrapper, argc, argv, init, fini,
                                 rtld_fini ? fini_wrapper : NULL, stack_end);
}

MAPSAN_EXPORT void exit(int status) {
  REAL(exit)(exit_status(status, true));
  __builtin_unreachable();
}

MAPSAN_EXPORT void _exit(int status) {
  REAL(_exit)(exit_status(status, false));
  __builtin_unreachable();
}

MAPSAN_EXPORT void _Exit(int status) {
  REAL(_Exit)(exit_status(status, false));
  __builtin_unreachable();
}

/* ---- fork ---------------------------------------------------------------
 *
 * The engine's locks are taken by a pthread_atfork prepare handler, not by
 * a fork wrapper: glibc runs prepare handlers in reverse order of
 * registration, and the constructor registers mapsan's before the program
 * can register any, so mapsan's runs last, after the program's own prepare
 * handlers (which may lock the program's mutexes, under which its other
 * threads make maps: taking the engine's locks first would invert that
 * order). The parent and child handlers run in registration order, so
 * mapsan's run first and the program's own handlers find the engine whole.
 * Order of the engine's locks: the file header. The guard count (base.h)
 * raised by the locks is restored as a whole in the child, whose locks are
 * reset rather than released.
 */

static int fork_saved_reentry;

static void fork_prepare(void) {
  if (!mapsan_active)
    return;
  fork_saved_reentry = mapsan_reentry;
  mapsan_enter();
  /* Before any engine lock: a thread inside libunwind may need one. */
  mapsan_unwind_fork_prepare();
  mapsan_rebind_fork_prepare(); /* first: it is held while others are taken */
  mapsan_report_fork_prepare();
  mapsan_maps_fork_prepare();
  mapsan_iters_fork_prepare();
  mapsan_sync_fork_prepare();
  mapsan_thread_fork_prepare();
  mapsan_stack_fork_prepare();
  mapsan_fork_leaves_prepare();
  mapsan_alloc_fork_prepare();
}

static void fork_parent(void) {
  if (!mapsan_active)
    return;
  mapsan_alloc_fork_parent();
  mapsan_fork_leaves_parent();
  mapsan_stack_fork_parent();
  mapsan_thread_fork_parent();
  mapsan_sync_fork_parent();
  mapsan_iters_fork_parent();
  mapsan_maps_fork_parent();
  mapsan_report_fork_parent();
  mapsan_rebind_fork_parent();
  mapsan_unwind_fork_parent();
  mapsan_leave();
}

static void fork_child(void) {
  if (!mapsan_active)
    return;
  mapsan_alloc_fork_child();
  mapsan_fork_leaves_child();
  mapsan_stack_fork_child();
  mapsan_unwind_fork_child();
  mapsan_thread_after_fork_child();
  mapsan_sync_fork_child();
  mapsan_iters_fork_child();
  mapsan_maps_fork_child();
  mapsan_rebind_fork_child();
  mapsan_report_fork_child();
  mapsan_reentry = fork_saved_reentry;
}
