/*
 * options.c: the MAPSAN_OPTIONS parser, expanded from options.inc.
 *
 * Sanitizer convention (TSAN_OPTIONS): key=value pairs separated by ':' or
 * whitespace; a value may be quoted with ' or " to hold those characters.
 * The parser runs from the constructor, before main, and must not allocate:
 * values of string options are copied into one static arena. An unknown key
 * or a malformed value gives exactly one warning line naming it; the option
 * keeps its previous value and the program runs on.
 */
#include "options.h"

#include "base.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mapsan_options mapsan_opts = {
#define MAPSAN_OPTION(type, name, def, help) .name = def,
#include "options.inc"
#undef MAPSAN_OPTION
};

enum opt_type { OPT_STR, OPT_INT, OPT_BOOL };

static const struct {
  const char *name;
  enum opt_type type;
  void *field;
  const char *help;
  const char *def;
} option_table[] = {
#define MAPSAN_OPTION(type, name, def, help)                                  \
  {#name, OPT_##type, &mapsan_opts.name, help, #def},
#include "options.inc"
#undef MAPSAN_OPTION
};

/* Every string option value lives here; 4 KiB is plenty for paths. */
static char string_arena[4096] MAPSAN_BIG;
static size_t string_used;

/* One line, always: control characters in what the user wrote (a quoted
 * value may hold a newline) are shown as '?'. */
static void warn(const char *source, const char *what, const char *key,
                 size_t keylen) {
  char buf[512];
  int n = snprintf(buf, sizeof(buf), "mapsan: warning: %s: %s '%.*s'; ignored",
                   source, what, (int)(keylen > 200 ? 200 : keylen), key);
  if (n <= 0)
    return;
  size_t len = (size_t)n < sizeof(buf) - 1 ? (size_t)n : sizeof(buf) - 2;
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)buf[i] < 0x20)
      buf[i] = '?';
  buf[len++] = '\n';
  mapsan_write_all(2, buf, len);
}

static bool set_value(int idx, const char *val, size_t len, const char *source) {
  char tmp[64];
  switch (option_table[idx].type) {
  case OPT_STR: {
    if (string_used + len + 1 > sizeof(string_arena)) {
      warn(source, "value too long for option", option_table[idx].name,
           strlen(option_table[idx].name));
      return false;
    }
    char *dst = string_arena + string_used;
    memcpy(dst, val, len);
    dst[len] = '\0';
    string_used += len + 1;
    *(const char **)option_table[idx].field = len ? dst : NULL;
    return true;
  }
  case OPT_INT:
  case OPT_BOOL: {
    if (len == 0 || len >= sizeof(tmp))
      return false;
    memcpy(tmp, val, len);
    tmp[len] = '\0';
    if (option_table[idx].type == OPT_BOOL) {
      if (!strcmp(tmp, "1") || !strcmp(tmp, "true"))
        *(bool *)option_table[idx].field = true;
      else if (!strcmp(tmp, "0") || !strcmp(tmp, "false"))
        *(bool *)option_table[idx].field = false;
      else
        return false;
      return true;
    }
    char *end;
    errno = 0;
    long v = strtol(tmp, &end, 10);
    if (errno != 0 || *end != '\0' || v < 0)
      return false;
    *(long *)option_table[idx].field = v;
    return true;
  }
  }
  return false;
}

static bool is_sep(char c) {
  return c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

void mapsan_options_parse(const char *text, const char *source) {
  const char *p = text;
  if (p == NULL)
    return;
  for (;;) {
    while (*p && is_sep(*p))
      p++;
    if (!*p)
      return;
    const char *key = p;
    while (*p && *p != '=' && !is_sep(*p))
      p++;
    size_t keylen = (size_t)(p - key);
    if (*p != '=') {
      warn(source, "option without a value", key, keylen);
      continue;
    }
    p++;
    const char *val = p;
    size_t vallen;
    if (*p == '\'' || *p == '"') {
      char q = *p++;
      val = p;
      while (*p && *p != q)
        p++;
      vallen = (size_t)(p - val);
      if (*p == q)
        p++;
    } else {
      while (*p && !is_sep(*p))
        p++;
      vallen = (size_t)(p - val);
    }
    int idx = -1;
    for (size_t i = 0; i < MAPSAN_ARRAY_SIZE(option_table); i++) {
      if (strlen(option_table[i].name) == keylen &&
          !memcmp(option_table[i].name, key, keylen)) {
        idx = (int)i;
        break;
      }
    }
    if (idx < 0) {
      warn(source, "unknown option", key, keylen);
      continue;
    }
    if (!set_value(idx, val, vallen, source)) {
      char what[128];
      snprintf(what, sizeof(what), "bad value '%.*s' for option",
               (int)(vallen > 40 ? 40 : vallen), val);
      warn(source, what, key, keylen);
    }
  }
}

/* A program may define this to change mapsan's defaults at build time; the
 * environment still wins. */
__attribute__((weak)) const char *__mapsan_default_options(void);

void mapsan_options_init(void) {
  if (__mapsan_default_options)
    mapsan_options_parse(__mapsan_default_options(), "__mapsan_default_options");
  mapsan_options_parse(getenv("MAPSAN_OPTIONS"), "MAPSAN_OPTIONS");
}

void mapsan_options_print_help(void) {
  char buf[8192];
  size_t n = 0;
  n += (size_t)snprintf(buf + n, sizeof(buf) - n, "mapsan options (MAPSAN_OPTIONS='key=value:key=value'):\n");
  for (size_t i = 0; i < MAPSAN_ARRAY_SIZE(option_table) && n < sizeof(buf); i++)
    n += (size_t)snprintf(buf + n, sizeof(buf) - n, "  %-14s %s\n",
                          option_table[i].name, option_table[i].help);
  mapsan_write_all(2, buf, n < sizeof(buf) ? n : sizeof(buf) - 1);
}
