/*
 * hooks.c: the default definitions of the functions a preloaded tool may
 * replace: hmap_buckets_alloc / hmap_buckets_free (every byte of every
 * bucket array) and hmap_fatal (every fatal error).
 *
 * They live in their own file so that map/hmap.c can only reach them as
 * external functions: in libhmap.so every call goes through the PLT and a
 * definition in a preloaded library (or in the executable) takes over. Do not
 * make them static, hidden, or aliases, and do not link with -Bsymbolic.
 */
#include "hmap.h"

#include <execinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Bucket arrays are 64-byte aligned: one array header per cache line and
 * buckets that start on a line. */
enum { HOOK_ALIGN = 64, FATAL_FRAMES = 64 };
#define HUGE_PAGE ((size_t)2 << 20)
#define HUGE_MIN ((size_t)8 << 20) /* arrays from this size get THP advice */

void *hmap_buckets_alloc(size_t size) {
  /* C11 wants the size to be a multiple of the alignment. */
  size_t rounded = (size + HOOK_ALIGN - 1) & ~(size_t)(HOOK_ALIGN - 1);
  if (rounded < size)
    return NULL;
  void *p = aligned_alloc(HOOK_ALIGN, rounded);
  /* Lookups in a large map touch a random page each: ask for transparent
   * huge pages (honoured in the kernel's "madvise" mode) to spare the TLB. */
  if (p != NULL && rounded >= HUGE_MIN) {
    uintptr_t lo = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    uintptr_t hi = ((uintptr_t)p + rounded) & ~(uintptr_t)(HUGE_PAGE - 1);
    if (hi > lo)
      madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
  }
  return p;
}

void hmap_buckets_free(void *p, size_t size) {
  (void)size;
  free(p);
}

/* Writes the whole of s to fd, retrying short writes; errors are ignored
 * because we are about to abort anyway. */
static void write_all(int fd, const char *s, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, s, n);
    if (w <= 0)
      return;
    s += w;
    n -= (size_t)w;
  }
}

void hmap_fatal(const char *msg) {
  char line[512];
  void *frames[FATAL_FRAMES];
  int len = snprintf(line, sizeof line, "fatal error: %s\n\n", msg);
  if (len < 0)
    len = 0;
  if ((size_t)len >= sizeof line)
    len = (int)sizeof line - 1;
  /* One write for the message so that it stays whole among other output. */
  write_all(STDERR_FILENO, line, (size_t)len);
  int n = backtrace(frames, FATAL_FRAMES);
  backtrace_symbols_fd(frames, n, STDERR_FILENO);
  abort();
}
