/*
 * memread.h: reading this process's memory where it may not be mapped,
 * without a descriptor kept and without a call a sandbox kills for. See
 * memread.c.
 */
#ifndef MAPSAN_MEMREAD_H
#define MAPSAN_MEMREAD_H

#include <stdbool.h>
#include <stddef.h>

/* Whether the 8-byte-aligned word holding the byte at p is readable now.
 * Async-signal-safe; one system call. */
bool mapsan_mem_readable(const void *p);

/* Copies n bytes at src into dst; false (dst partly written) unless all of
 * them were readable. Async-signal-safe. For reports and crash reports:
 * it may read /proc/self/status. */
bool mapsan_mem_copy(void *dst, const void *src, size_t n);

#endif
