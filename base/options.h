/*
 * options.h: the parsed MAPSAN_OPTIONS. One global, read-only after the
 * constructor. See options.inc for the keys.
 */
#ifndef MAPSAN_OPTIONS_H
#define MAPSAN_OPTIONS_H

#include "base.h"

#include <stdbool.h>

#define MAPSAN_OPT_TYPE_STR const char *
#define MAPSAN_OPT_TYPE_INT long
#define MAPSAN_OPT_TYPE_BOOL bool

struct mapsan_options {
#define MAPSAN_OPTION(type, name, def, help) MAPSAN_OPT_TYPE_##type name;
#include "options.inc"
#undef MAPSAN_OPTION
};

extern MAPSAN_HIDDEN struct mapsan_options mapsan_opts;

/* Parses in the fixed order: defaults, the weak user hook
 * __mapsan_default_options(), then the MAPSAN_OPTIONS environment variable.
 * Allocates nothing (the strings are copied into static storage), so it is
 * safe before the heap is. Bad keys and values produce one warning line each
 * on stderr and keep the default. */
void mapsan_options_init(void);

/* Parses one options string on top of the current values (for tests and for
 * the hook above). `source` names the origin in warnings. */
void mapsan_options_parse(const char *text, const char *source);

/* Writes the help=1 listing to stderr. */
void mapsan_options_print_help(void);

#endif
