/*
 * fuzz-options.c: libFuzzer target for the MAPSAN_OPTIONS parser,
 * mapsan_options_parse(text, source) in base/options.c.
 *
 * options.c is compiled into this file (#include) rather than linked, so
 * that each input starts from the same state: the built-in defaults and an
 * empty string arena (both are static there, and the arena only grows in
 * a process, where the parser runs once or twice). Its one dependency,
 * mapsan_write_all (base/base.c, linked as is), is wrapped at link time
 * (-Wl,--wrap=mapsan_write_all) so that every warning can be checked.
 *
 * Besides the sanitizers (address, undefined), each input checks what the
 * contract in options.h and docs/USAGE.md promises:
 *   - every warning is one line: "mapsan: warning: ...\n", no other
 *     newline in it, no NUL, and nothing else is ever written;
 *   - the string arena never overflows; every string option is NULL or a
 *     NUL-terminated string inside the arena;
 *   - integer options are never negative (the parser refuses them), and
 *     booleans hold 0 or 1;
 *   - an input with no '=' changes no option.
 * A violated property aborts (libFuzzer saves the input as crash-*).
 *
 * FUZZ_TOLERATE=NAME[,NAME] in the environment lets a known, reported
 * defect pass, so that a run can look past it for others (the registered
 * short runs use it; see README.md): multiline-warning.
 */
#include "../../base/options.c"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct mapsan_options defaults = {
#define MAPSAN_OPTION(type, name, def, help) .name = def,
#include "../../base/options.inc"
#undef MAPSAN_OPTION
};

static bool tolerated(const char *name) {
  const char *t = getenv("FUZZ_TOLERATE");
  return t != NULL && strstr(t, name) != NULL;
}

static void fail(const char *what, const char *buf, size_t len) {
  fprintf(stderr, "fuzz-options: %s: '%.*s'\n", what, (int)len, buf);
  abort();
}

bool __real_mapsan_write_all(int fd, const char *buf, size_t len);

/* Every write the parser makes: a warning on fd 2, one whole line. */
bool __wrap_mapsan_write_all(int fd, const char *buf, size_t len) {
  static const char head[] = "mapsan: warning: ";
  if (fd != 2)
    fail("write to a descriptor other than stderr", buf, len);
  if (len < sizeof(head) || memcmp(buf, head, sizeof(head) - 1) != 0)
    fail("not a warning line", buf, len);
  if (buf[len - 1] != '\n')
    fail("warning without its newline", buf, len);
  if (memchr(buf, '\n', len - 1) != NULL && !tolerated("multiline-warning"))
    fail("warning of more than one line", buf, len);
  if (memchr(buf, '\0', len) != NULL)
    fail("NUL in a warning", buf, len);
  if (getenv("FUZZ_VERBOSE"))
    __real_mapsan_write_all(fd, buf, len);
  return true;
}

static void check_string(const char *name, const char *v) {
  if (v == NULL)
    return;
  if (v < string_arena || v >= string_arena + sizeof(string_arena))
    fail("string option outside the arena", name, strlen(name));
  if (memchr(v, '\0', (size_t)(string_arena + sizeof(string_arena) - v)) ==
      NULL)
    fail("string option not terminated inside the arena", name,
         strlen(name));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (text == NULL)
    return 0;
  memcpy(text, data, size);
  text[size] = '\0';

  mapsan_opts = defaults;
  memset(string_arena, 0xa5, sizeof(string_arena)); /* no stale NULs */
  string_used = 0;
  mapsan_options_parse(text, "MAPSAN_OPTIONS");

  if (string_used > sizeof(string_arena))
    fail("string arena overflow", text, size);
#define OPT_CHECK_STR(name) check_string(#name, (const char *)mapsan_opts.name)
#define OPT_CHECK_INT(name)                                                   \
  if ((long)mapsan_opts.name < 0)                                             \
    fail("negative value for " #name, text, size)
#define OPT_CHECK_BOOL(name)                                                  \
  if ((int)mapsan_opts.name != 0 && (int)mapsan_opts.name != 1)               \
    fail("bool option is neither 0 nor 1: " #name, text, size)
#define MAPSAN_OPTION(type, name, def, help) OPT_CHECK_##type(name);
#include "../../base/options.inc"
#undef MAPSAN_OPTION

  if (strchr(text, '=') == NULL) {
#define MAPSAN_OPTION(type, name, def, help)                                  \
  if (mapsan_opts.name != defaults.name)                                      \
    fail("an input without '=' changed " #name, text, size);
#include "../../base/options.inc"
#undef MAPSAN_OPTION
  }
  free(text);
  return 0;
}
