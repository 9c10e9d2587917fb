/*
 * fuzz-suppressions.c: libFuzzer target for the suppressions parser,
 * mapsan_suppress_parse(text, origin) in reports/suppress.c, and for the
 * matcher that applies the parsed rules, mapsan_suppressed().
 *
 * suppress.c is compiled into this file (#include) so that each input
 * starts with no rules (the rule table is static there and fills up to
 * 256 in a process). The rest is the runtime's own code, linked as is:
 * suppress.c calls mapsan_kind_name, which lives in reports/report.c, and
 * report.c brings what it needs (sinks, stack depot, symbolizer, thread
 * registry, options: see meson.build). No stub stands in for any of it,
 * so the kind names the parser accepts are the ones reports print.
 * mapsan_write_all is wrapped at link time (-Wl,--wrap=mapsan_write_all)
 * so that every warning can be checked.
 *
 * Each input: the bytes up to the first NUL are the file's text (the
 * runtime reads the file into a NUL-terminated buffer). Properties
 * checked besides the sanitizers (suppress.h, docs/USAGE.md):
 *   - every warning is one line, "mapsan: warning: ORIGIN:N: ...\n", with
 *     N a line of the input;
 *   - each meaningful line (not blank, not a '#' comment) gives exactly one
 *     rule or one warning, until the 256-rule limit;
 *   - every rule has a known kind or '*', and a pattern that is non-empty,
 *     NUL-terminated, without a newline or trailing blanks;
 *   - matching every kind of report against the rules terminates (fnmatch
 *     on hostile patterns; libFuzzer's -timeout bounds it), and a rule
 *     whose pattern is "*" suppresses every report of its kind.
 * A violated property aborts (libFuzzer saves the input as crash-*).
 */
#include "../../reports/suppress.c"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ORIGIN "fuzz.supp"

static int nwarnings;
static size_t input_lines;

static void fail(const char *what, const char *buf, size_t len) {
  fprintf(stderr, "fuzz-suppressions: %s: '%.*s'\n", what, (int)len, buf);
  abort();
}

bool __real_mapsan_write_all(int fd, const char *buf, size_t len);

bool __wrap_mapsan_write_all(int fd, const char *buf, size_t len) {
  static const char head[] = "mapsan: warning: " ORIGIN ":";
  if (fd != 2)
    fail("write to a descriptor other than stderr", buf, len);
  if (len < sizeof(head) || memcmp(buf, head, sizeof(head) - 1) != 0)
    fail("not a warning line naming the origin", buf, len);
  if (buf[len - 1] != '\n' || memchr(buf, '\n', len - 1) != NULL)
    fail("warning that is not exactly one line", buf, len);
  char *end;
  long line = strtol(buf + sizeof(head) - 1, &end, 10);
  if (*end != ':' || line < 1 || (size_t)line > input_lines)
    fail("warning names no line of the input", buf, len);
  nwarnings++;
  if (getenv("FUZZ_VERBOSE"))
    __real_mapsan_write_all(fd, buf, len);
  return true;
}

/* The lines the parser must act on, counted the way suppress.h defines
 * them (blanks: space and tab, and a trailing CR). */
static size_t meaningful_lines(const char *text, size_t *all) {
  size_t n = 0;
  *all = 0;
  for (const char *p = text; *p || p == text;) {
    const char *e = strchr(p, '\n');
    if (e == NULL)
      e = p + strlen(p);
    const char *s = p, *t = e;
    while (s < t && (*s == ' ' || *s == '\t'))
      s++;
    while (t > s && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\r'))
      t--;
    if (s < t || *e) /* an empty last line after '\n' is not a line */
      ++*all;
    if (s < t && *s != '#')
      n++;
    if (!*e)
      break;
    p = e + 1;
  }
  return n;
}

/* A report with three stacks whose frames carry typical and hostile
 * strings (and NULLs, as frames without symbols have). */
static struct mapsan_frame frames[3][3];
static struct mapsan_report report;
static struct mapsan_resolved resolved;

static void make_report(void) {
  static char long_name[301];
  memset(long_name, 'a', 300);
  long_name[300] = '\0';
  const char *fn[3] = {"worker", NULL, long_name};
  const char *mod[3] = {"/usr/lib/x86_64-linux-gnu/libglib-2.0.so.0",
                        "/opt/app/bin/server", "?"};
  const char *file[3] = {"/src/app/worker.c", NULL, long_name};
  report.nstacks = 3;
  resolved.r = &report;
  for (int s = 0; s < 3; s++) {
    for (int f = 0; f < 3; f++) {
      frames[s][f].function = fn[(s + f) % 3];
      frames[s][f].module = mod[(s + f) % 3];
      frames[s][f].file = file[(s + f) % 3];
    }
    resolved.frames[s] = frames[s];
    resolved.nframes[s] = 3;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (text == NULL)
    return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  if (resolved.r == NULL)
    make_report();

  nrules = 0;
  nwarnings = 0;
  size_t meaningful = meaningful_lines(text, &input_lines);
  mapsan_suppress_parse(text, ORIGIN);

  if (nrules < 0 || nrules > MAX_RULES)
    fail("rule count out of range", text, size);
  size_t acted = (size_t)nrules + (size_t)nwarnings;
  if (nrules < MAX_RULES ? acted != meaningful : acted > meaningful) {
    char what[128];
    snprintf(what, sizeof(what),
             "%zu meaningful lines gave %d rules and %d warnings", meaningful,
             nrules, nwarnings);
    fail(what, text, size);
  }
  for (int i = 0; i < nrules; i++) {
    const struct rule *r = &rules[i];
    size_t len = strnlen(r->pattern, sizeof(r->pattern));
    if (r->kind < -1 || r->kind > MAPSAN_KIND_CRASH)
      fail("rule with an unknown kind", text, size);
    if (len == 0 || len == sizeof(r->pattern))
      fail("empty or unterminated pattern", r->pattern, len);
    if (memchr(r->pattern, '\n', len) != NULL ||
        strchr(" \t\r", r->pattern[len - 1]) != NULL)
      fail("pattern with a newline or trailing blank", r->pattern, len);
  }

  for (int k = MAPSAN_KIND_WRITE_WRITE_RACE; k <= MAPSAN_KIND_CRASH; k++) {
    report.kind = (enum mapsan_kind)k;
    bool suppressed = mapsan_suppressed(&resolved);
    bool star = false;
    for (int i = 0; i < nrules; i++)
      star |= (rules[i].kind == -1 || rules[i].kind == k) &&
              !strcmp(rules[i].pattern, "*");
    if (star && !suppressed)
      fail("a '*' rule for this kind did not suppress it",
           mapsan_kind_name((enum mapsan_kind)k),
           strlen(mapsan_kind_name((enum mapsan_kind)k)));
  }
  free(text);
  return 0;
}
