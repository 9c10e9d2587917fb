/*
 * altstack.c: an alternate signal stack for each thread mapsan registers.
 *
 * A stack overflow raises SIGSEGV with no stack left to run a handler on;
 * without an alternate stack the kernel kills the process and the crash
 * report (crash/handler.c, whose handler is installed with SA_ONSTACK) is
 * never written. So, with crash_report >= 1, each thread mapsan registers
 * gets one, as AddressSanitizer does, unless the program already gave it
 * one; a later sigaltstack() of the program's replaces it.
 *
 * Cost: a stack is an mmap and an mprotect (the guard page below it, so
 * that an overflow of the alternate stack itself faults rather than writes
 * over a neighbour). A finishing thread's stack is kept, up to CACHE_MAX,
 * for the next thread, instead of an mmap, an mprotect and an munmap, the
 * dearest calls in a multithreaded process (an munmap makes the other CPUs
 * flush their TLBs). Then a thread costs one sigaltstack call at its start
 * and one at its end (strace: they were 4 of the 5 system calls a thread
 * cost a canary, the fifth a gettid; GLib's `threadtests` starts 5,005
 * threads, and its run time moves too much to show the difference): a
 * thread started by mapsan's pthread_create runs nothing of the program's before its
 * stack is set (a new thread has none: the kernel does not inherit it), so
 * only a thread met unannounced is asked first; the end disables the stack
 * and reads the one it replaced in the same call, and puts the program's
 * back in the rare case that it was the program's. The pages are address
 * space only until a signal is delivered on them: no resident memory.
 */
#include "altstack.h"

#include "options.h"
#include "base.h"

#include <signal.h>
#include <string.h>
#include <sys/mman.h>

/* Large enough for a use-after-resize report, which is built on it by the
 * ordinary report path (symbolization included), not only for the
 * async-signal-safe crash report. */
#define ALTSTACK_BYTES ((size_t)256 << 10)
#define ALTSTACK_GUARD ((size_t)4096)

#define CACHE_MAX 64

static MAPSAN_TLS char *altstack_map; /* guard page + stack, or NULL */

static mapsan_lock cache_lock = MAPSAN_LOCK_INIT;
MAPSAN_FORK_LEAF(cache_lock)
static char *cache[CACHE_MAX]; /* stacks of finished threads */
static int ncache;

static char *take_cached(void) {
  char *p = NULL;
  mapsan_lock_acquire(&cache_lock);
  if (ncache > 0)
    p = cache[--ncache];
  mapsan_lock_release(&cache_lock);
  return p;
}

/* Keeps p for the next thread, or unmaps it. */
static void put_back(char *p) {
  mapsan_lock_acquire(&cache_lock);
  bool kept = ncache < CACHE_MAX;
  if (kept)
    cache[ncache++] = p;
  mapsan_lock_release(&cache_lock);
  if (!kept)
    munmap(p, ALTSTACK_GUARD + ALTSTACK_BYTES);
}

static char *new_stack(void) {
  char *p = mmap(NULL, ALTSTACK_GUARD + ALTSTACK_BYTES, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    return NULL;
  if (mprotect(p, ALTSTACK_GUARD, PROT_NONE) != 0) {
    munmap(p, ALTSTACK_GUARD + ALTSTACK_BYTES);
    return NULL;
  }
  return p;
}

void mapsan_altstack_thread_start(bool fresh) {
  if (mapsan_opts.crash_report < 1 || altstack_map != NULL)
    return;
  stack_t cur;
  if (!fresh &&
      (sigaltstack(NULL, &cur) != 0 || !(cur.ss_flags & SS_DISABLE)))
    return; /* the program's own, or unknown */
  char *p = take_cached();
  if (p == NULL && (p = new_stack()) == NULL)
    return;
  stack_t ss;
  memset(&ss, 0, sizeof(ss));
  ss.ss_sp = p + ALTSTACK_GUARD;
  ss.ss_size = ALTSTACK_BYTES;
  if (sigaltstack(&ss, NULL) != 0) {
    put_back(p);
    return;
  }
  altstack_map = p;
}

void mapsan_altstack_thread_exit(void) {
  char *p = altstack_map;
  if (p == NULL)
    return;
  stack_t off, was;
  memset(&off, 0, sizeof(off));
  off.ss_flags = SS_DISABLE;
  if (sigaltstack(&off, &was) != 0) {
    /* EPERM: a handler runs on the current alternate stack, which is left
     * as it is. If that is ours, keep it. */
    if (sigaltstack(NULL, &was) != 0 ||
        (was.ss_sp == p + ALTSTACK_GUARD && !(was.ss_flags & SS_DISABLE)))
      return;
  } else if (!(was.ss_flags & SS_DISABLE) && was.ss_sp != p + ALTSTACK_GUARD) {
    was.ss_flags &= ~SS_ONSTACK; /* the program's own: put it back */
    sigaltstack(&was, NULL);
  }
  altstack_map = NULL;
  put_back(p); /* no longer this thread's: signals now use its own stack */
}
