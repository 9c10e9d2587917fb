/*
 * lines.h: reading /proc's text files (the maps) without allocating.
 *
 * Two callers read /proc/.../maps: crash/modules.c, inside the crash
 * handler, and base/unloads.c, at the unload log's eviction. Both need a
 * reader that uses only read(2) and a buffer the caller owns (no stdio, no
 * malloc: async-signal-safe), and the maps' hex fields.
 */
#ifndef MAPSAN_LINES_H
#define MAPSAN_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reads fd to its end through buf[0..size) and calls line(begin, end, arg)
 * for each line, without its newline. A line longer than the buffer is
 * passed once, cut at size bytes, when keep_long (its leading fields are
 * there), and not at all otherwise. Does not close fd. */
void mapsan_read_lines(int fd, char *buf, size_t size, bool keep_long,
                       void (*line)(const char *, const char *, void *),
                       void *arg);

/* The lowercase hex number at *p (before end); *p is left after it. */
uintptr_t mapsan_parse_hex(const char **p, const char *end);

#endif
