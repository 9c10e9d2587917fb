/*
 * launcher.c: the `mapsan` command (interface.md section 1).
 *
 *   mapsan [--json DIR|PREFIX] [--log PREFIX] [--sample N] [--halt]
 *          [--options 'k=v ...'] [--] PROGRAM [ARGS...]
 *
 * It finds libmapsan.so next to itself (build tree) or in the install
 * library directory, prepends it to LD_PRELOAD, appends its flags to
 * MAPSAN_OPTIONS (the runtime's parser lets a later key win, so flags
 * override the environment) and execs the program.
 */
#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MAPSAN_VERSION
#define MAPSAN_VERSION "0"
#endif
#ifndef MAPSAN_LIBDIR
#define MAPSAN_LIBDIR "/usr/local/lib"
#endif

static const char usage[] =
    "usage: mapsan [OPTIONS] [--] PROGRAM [ARGS...]\n"
    "Runs PROGRAM with the mapsan runtime (libmapsan.so) preloaded.\n"
    "\n"
    "  --json DIR|PREFIX  also write JSON Lines reports to PREFIX.<pid>.jsonl\n"
    "                     (DIR/mapsan.<pid>.jsonl when DIR is a directory)\n"
    "  --log PREFIX       write text reports to PREFIX.<pid> instead of stderr\n"
    "                     (DIR/mapsan.<pid> when a directory)\n"
    "  --sample N         track one map in N (canary mode)\n"
    "  --halt             abort at the first report\n"
    "  --options 'K=V …'  any other MAPSAN_OPTIONS keys (see MAPSAN_OPTIONS=help=1)\n"
    "  --help, --version\n"
    "\n"
    "Exit status: the program's, or 66 when it exited 0 but mapsan reported.\n";

static char options[8192];

static void add_option(const char *key, const char *val) {
  size_t len = strlen(options);
  /* The runtime splits on ':' and whitespace: quote such values. */
  bool quote = strpbrk(val, ": \t\n\r") != NULL;
  int n = snprintf(options + len, sizeof(options) - len, "%s%s=%s%s%s",
                   len ? ":" : "", key, quote ? "'" : "", val,
                   quote ? "'" : "");
  if (n < 0 || (size_t)n >= sizeof(options) - len) {
    fprintf(stderr, "mapsan: options too long\n");
    exit(2);
  }
}

static void add_raw(const char *kv) {
  size_t len = strlen(options);
  int n = snprintf(options + len, sizeof(options) - len, "%s%s",
                   len ? ":" : "", kv);
  if (n < 0 || (size_t)n >= sizeof(options) - len) {
    fprintf(stderr, "mapsan: options too long\n");
    exit(2);
  }
}

/* P, or P/mapsan when P is a directory. */
static const char *prefix_of(const char *p, char *buf, size_t cap) {
  struct stat st;
  if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
    snprintf(buf, cap, "%s/mapsan", p);
    return buf;
  }
  return p;
}

static int find_runtime(char *out, size_t cap) {
  char self[PATH_MAX - 32];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n > 0) {
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash) {
      *slash = '\0';
      snprintf(out, cap, "%s/libmapsan.so", self);
      if (access(out, R_OK) == 0)
        return 0;
    }
  }
  snprintf(out, cap, "%s/libmapsan.so", MAPSAN_LIBDIR);
  return access(out, R_OK) == 0 ? 0 : -1;
}

static const char *need_arg(int argc, char **argv, int i) {
  if (i + 1 >= argc) {
    fprintf(stderr, "mapsan: %s needs a value\n%s", argv[i], usage);
    exit(2);
  }
  return argv[i + 1];
}

int main(int argc, char **argv) {
  const char *env = getenv("MAPSAN_OPTIONS");
  char json_buf[PATH_MAX], log_buf[PATH_MAX];
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--")) {
      i++;
      break;
    } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(usage, stdout);
      return 0;
    } else if (!strcmp(a, "--version")) {
      printf("mapsan %s\n", MAPSAN_VERSION);
      return 0;
    } else if (!strcmp(a, "--json")) {
      add_option("json_path",
                 prefix_of(need_arg(argc, argv, i), json_buf, sizeof(json_buf)));
      i++;
    } else if (!strcmp(a, "--log")) {
      add_option("log_path",
                 prefix_of(need_arg(argc, argv, i), log_buf, sizeof(log_buf)));
      i++;
    } else if (!strcmp(a, "--sample")) {
      const char *v = need_arg(argc, argv, i);
      char *end;
      long n = strtol(v, &end, 10);
      if (*v == '\0' || *end != '\0' || n < 1) {
        fprintf(stderr, "mapsan: --sample needs a positive integer, not '%s'\n", v);
        return 2;
      }
      add_option("sample_rate", v);
      i++;
    } else if (!strcmp(a, "--halt")) {
      add_option("halt_on_error", "1");
    } else if (!strcmp(a, "--options")) {
      add_raw(need_arg(argc, argv, i));
      i++;
    } else if (a[0] == '-' && a[1] == '-') {
      fprintf(stderr, "mapsan: unknown flag '%s'\n%s", a, usage);
      return 2;
    } else {
      break;
    }
  }
  if (i >= argc) {
    fprintf(stderr, "mapsan: no program given\n%s", usage);
    return 2;
  }
  char lib[PATH_MAX];
  if (find_runtime(lib, sizeof(lib)) != 0) {
    fprintf(stderr, "mapsan: cannot find libmapsan.so next to %s or in %s\n",
            argv[0], MAPSAN_LIBDIR);
    return 127;
  }
  const char *old = getenv("LD_PRELOAD");
  char preload[2 * PATH_MAX];
  snprintf(preload, sizeof(preload), "%s%s%s", lib, old && *old ? ":" : "",
           old && *old ? old : "");
  setenv("LD_PRELOAD", preload, 1);
  if (options[0]) {
    char merged[16384];
    snprintf(merged, sizeof(merged), "%s%s%s", env && *env ? env : "",
             env && *env ? ":" : "", options);
    setenv("MAPSAN_OPTIONS", merged, 1);
  }
  execvp(argv[i], argv + i);
  fprintf(stderr, "mapsan: cannot run '%s': %s\n", argv[i], strerror(errno));
  return errno == ENOENT ? 127 : 126;
}
