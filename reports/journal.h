/*
 * journal.h: the journald sink (log_to_journal=1). Each report, crash-time
 * reports included, is also sent to systemd's journal as one structured
 * entry through journald's native protocol, so that a fleet that already
 * collects the journal collects mapsan's reports with it (docs/USAGE.md,
 * "The journal form"). Async-signal-safe: no allocation, no locks, no
 * stdio; the caller lends the buffer the entry's small fields are built in.
 */
#ifndef MAPSAN_JOURNAL_H
#define MAPSAN_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

/* MESSAGE_ID of every mapsan report (docs/USAGE.md says it too). */
#define MAPSAN_JOURNAL_MESSAGE_ID "2e39c5c48f6b4108833668c83bd33b98"

struct mapsan_journal_entry {
  const char *message;   /* the SUMMARY line, without its newline */
  const char *kind;      /* MAPSAN_KIND */
  const char *signature; /* MAPSAN_SIGNATURE */
  const char *code_file; /* the top frame's; NULL when unknown */
  int code_line;         /* 0 when unknown */
  const char *code_func; /* NULL when unknown */
  const char *json;      /* the JSON report (a trailing newline is dropped) */
  size_t json_len;
};

/* log_to_journal=1. */
bool mapsan_journal_enabled(void);

/* Sends e as one entry: one datagram to /run/systemd/journal/socket, or,
 * when that is too large for a datagram, a sealed memfd passed with
 * SCM_RIGHTS. The socket is made for this entry and closed after it
 * (reports/fds.c). When no journal listens, or the send fails, one warning
 * line goes to stderr, once per process; the entry is dropped. head (cap
 * bytes) holds every field but the JSON report's value. */
void mapsan_journal_send(const struct mapsan_journal_entry *e, char *head,
                         size_t cap);

#endif
