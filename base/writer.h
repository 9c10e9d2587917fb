/*
 * writer.h: the one way a report's pieces are formatted.
 *
 * A writer appends to a caller's buffer: strings, decimal, hex, two-digit
 * fields, JSON strings and UTC time stamps. It is async-signal-safe (no
 * snprintf, no malloc, no locks, no locale), so the crash report, written
 * from a signal handler (crash/report.c), and the printers of ordinary
 * reports (reports/print_text.c, print_json.c) format the same way with
 * the same code. Output past cap is dropped and marks the writer full: the
 * crash report keeps what fits, the JSON printer starts again with fewer
 * frames.
 */
#ifndef MAPSAN_WRITER_H
#define MAPSAN_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mapsan_writer {
  char *buf;
  size_t cap, len; /* cap: where writing stops (the buffer may have more) */
  bool full;       /* something did not fit */
};

static inline struct mapsan_writer mapsan_writer(char *buf, size_t cap) {
  struct mapsan_writer w = {buf, cap, 0, false};
  return w;
}

void mapsan_put_n(struct mapsan_writer *w, const char *s, size_t n);
void mapsan_put_s(struct mapsan_writer *w, const char *s);
void mapsan_put_u(struct mapsan_writer *w, uint64_t v);
void mapsan_put_i(struct mapsan_writer *w, int64_t v);
/* "0x" and v in lower-case hex, no leading zeros. */
void mapsan_put_x(struct mapsan_writer *w, uint64_t v);
/* v % 100 as two digits, zero-padded. */
void mapsan_put_2(struct mapsan_writer *w, unsigned v);
/* A JSON string, quotes included: '"' and '\' escaped, control bytes as
 * \u00XX, valid UTF-8 copied, any other byte U+FFFD (every line stays
 * valid JSON). NULL is "". */
void mapsan_put_jstr(struct mapsan_writer *w, const char *s);
/* "YYYY-MM-DDTHH:MM:SSZ" for t seconds since the epoch, UTC. */
void mapsan_put_time(struct mapsan_writer *w, int64_t t);

#endif
