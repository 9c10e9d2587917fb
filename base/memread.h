/*
 * memread.h: reading this process's memory where it may not be mapped,
 * without a descriptor kept and without a call a sandbox kills for. See
 * memread.c.
 */
#ifndef MAPSAN_MEMREAD_H
#define MAPSAN_MEMREAD_H

#include <stdbool.h>
#include <stddef.h>

/* At start-up (preload/init.c), before the program runs: whether the
 * process has a seccomp filter, and that the probe below works. */
void mapsan_mem_init(void);

/* The program is installing a seccomp filter (prctl(PR_SET_SECCOMP),
 * syscall(SYS_seccomp)): called before the real call. Async-signal-safe. */
void mapsan_mem_seccomp_coming(void);

/* A seccomp filter was seen (at start-up or since): system calls beyond
 * the ordinary may kill the process. */
bool mapsan_mem_sandboxed(void);

/* Whether the 8-byte-aligned word holding the byte at p is readable now.
 * Async-signal-safe; one system call. */
bool mapsan_mem_readable(const void *p);

/* Copies n bytes at src into dst; false (dst partly written) unless all of
 * them were readable. Async-signal-safe. */
bool mapsan_mem_copy(void *dst, const void *src, size_t n);

#endif
