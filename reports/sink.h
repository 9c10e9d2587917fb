/*
 * sink.h: where reports go. Text to stderr, or to log_path.<pid>; JSON
 * Lines to json_path.<pid>.jsonl when set. A file is opened for each
 * report and closed once it is written (mapsan keeps no descriptor: see
 * reports/fds.c), with O_APPEND|O_CLOEXEC|O_NOFOLLOW, so a symlink planted in
 * a shared directory is not followed. Under secure execution (setuid) the paths are ignored and
 * everything goes to stderr. A file that cannot be opened or written gives
 * one warning line on stderr; its reports then go to stderr. Each report is
 * one write(2) call, so concurrent reports never interleave. The journal
 * (log_to_journal=1) is a sink of its own: reports/journal.h.
 */
#ifndef MAPSAN_SINK_H
#define MAPSAN_SINK_H

#include <stdbool.h>
#include <stddef.h>

void mapsan_sink_text(const char *buf, size_t len);
/* Returns false when JSON output is off. */
bool mapsan_sink_json_enabled(void);
void mapsan_sink_json(const char *buf, size_t len);

/* For the crash handler (crash/report.c), with async-signal-safe calls
 * only: opens the text sink's file (json false) or the JSON sink's for one
 * write; the caller closes it. Returns -1 when text goes to stderr, or when
 * JSON is off or its file cannot be opened. */
int mapsan_sink_open_signal_safe(bool json);

#endif
