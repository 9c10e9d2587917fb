/*
 * altstack.c: an alternate signal stack for each thread mapsan registers.
 *
 * A stack overflow raises SIGSEGV with no stack left to run a handler on;
 * without an alternate stack the kernel kills the process and the crash
 * report (reports/crash.c, whose handler is installed with SA_ONSTACK) is
 * never written. So, with crash_report >= 1, each thread mapsan registers
 * gets one, as AddressSanitizer does, unless the program already gave it
 * one; a later sigaltstack() of the program's replaces it.
 *
 * Cost: per thread an mmap, an mprotect (the guard page below the stack,
 * so that an overflow of the alternate stack itself faults rather than
 * writes over a neighbour) and a sigaltstack call, and their undoing when
 * the thread finishes. The pages are address space only until a signal
 * is delivered on them: no resident memory.
 */
#include "altstack.h"

#include "../preload/options.h"
#include "../shim/base.h"

#include <signal.h>
#include <string.h>
#include <sys/mman.h>

/* Large enough for a use-after-resize report, which is built on it by the
 * ordinary report path (symbolization included), not only for the
 * async-signal-safe crash report. */
#define ALTSTACK_BYTES ((size_t)256 << 10)
#define ALTSTACK_GUARD ((size_t)4096)

static MAPSAN_TLS char *altstack_map; /* guard page + stack, or NULL */

void mapsan_altstack_thread_start(void) {
  if (mapsan_opts.crash_report < 1 || altstack_map != NULL)
    return;
  stack_t cur;
  if (sigaltstack(NULL, &cur) != 0 || !(cur.ss_flags & SS_DISABLE))
    return; /* the program's own, or unknown */
  char *p = mmap(NULL, ALTSTACK_GUARD + ALTSTACK_BYTES, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    return;
  if (mprotect(p, ALTSTACK_GUARD, PROT_NONE) != 0) {
    munmap(p, ALTSTACK_GUARD + ALTSTACK_BYTES);
    return;
  }
  stack_t ss;
  memset(&ss, 0, sizeof(ss));
  ss.ss_sp = p + ALTSTACK_GUARD;
  ss.ss_size = ALTSTACK_BYTES;
  if (sigaltstack(&ss, NULL) != 0) {
    munmap(p, ALTSTACK_GUARD + ALTSTACK_BYTES);
    return;
  }
  altstack_map = p;
}

void mapsan_altstack_thread_exit(void) {
  char *p = altstack_map;
  if (p == NULL)
    return;
  stack_t cur;
  if (sigaltstack(NULL, &cur) == 0 && cur.ss_sp == p + ALTSTACK_GUARD &&
      !(cur.ss_flags & SS_DISABLE)) {
    if (cur.ss_flags & SS_ONSTACK)
      return; /* finishing from a handler running on it: keep it */
    stack_t off;
    memset(&off, 0, sizeof(off));
    off.ss_flags = SS_DISABLE;
    if (sigaltstack(&off, NULL) != 0)
      return;
  }
  altstack_map = NULL;
  munmap(p, ALTSTACK_GUARD + ALTSTACK_BYTES);
}
