/*
 * suppress.h: suppression rules (docs/USAGE.md). One rule a line,
 * KIND:PATTERN, '#' starts a comment; KIND is a report kind or '*';
 * PATTERN is a glob (fnmatch) matched against every frame's function name,
 * module path and source file path of every stack of the report.
 */
#ifndef MAPSAN_SUPPRESS_H
#define MAPSAN_SUPPRESS_H

#include "report.h"

#include <stdbool.h>

/* Loads the file named by the suppressions option. An unreadable file or a
 * malformed line gives one warning line; the rest still applies. */
void mapsan_suppress_load(const char *path);

/* Parses rules from text (also used by tests); `origin` names it in
 * warnings. */
void mapsan_suppress_parse(const char *text, const char *origin);

bool mapsan_suppressed(const struct mapsan_resolved *r);

#endif
