/*
 * launcher.c: the `mapsan` command (docs/USAGE.md).
 *
 *   mapsan [--json DIR|PREFIX] [--log PREFIX] [--sample N] [--halt]
 *          [--options 'k=v ...'] [--] PROGRAM [ARGS...]
 *
 * It finds libmapsan.so next to itself (build tree) or in the install
 * library directory, prepends it to LD_PRELOAD, appends its flags to
 * MAPSAN_OPTIONS (the runtime's parser lets a later key win, so flags
 * override the environment) and execs the program.
 *
 * Two ways the preload would silently not happen, handled here:
 * - A statically linked program (an ELF with no PT_INTERP) never meets the
 *   dynamic loader, so nothing is watched: one warning line, then it runs.
 * - ld.so splits LD_PRELOAD on spaces and colons, so a library installed
 *   under such a path ("ci workspace/tools") is "ignored". It is then
 *   preloaded through a symlink in a private directory without those
 *   characters: $XDG_RUNTIME_DIR/mapsan, else /tmp/mapsan-<uid>, made 0700
 *   and used only if this user owns it with no access for others (the
 *   link is named by a hash of the target, made atomically, reused, never
 *   removed: the program runs after the launcher is gone). If no such
 *   directory can be had, the launcher says so and stops. The other way,
 *   running ld.so explicitly with --preload, would change what the program
 *   sees of itself (/proc/self/exe, AT_EXECFN).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
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

/* ---- statically linked programs ---------------------------------------- */

/* The file execvp would run for name ("" if none is found). */
static void resolve_program(const char *name, char *out, size_t cap) {
  out[0] = '\0';
  if (strchr(name, '/')) {
    snprintf(out, cap, "%s", name);
    return;
  }
  const char *path = getenv("PATH");
  if (path == NULL || *path == '\0')
    path = "/bin:/usr/bin";
  while (*path) {
    size_t n = strcspn(path, ":");
    snprintf(out, cap, "%.*s%s%s", (int)n, path, n ? "/" : "", name);
    struct stat st;
    if (stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
      return;
    path += n + (path[n] == ':');
  }
  out[0] = '\0';
}

/* True when path is an ELF executable without a program interpreter:
 * statically linked (static-pie included), out of LD_PRELOAD's reach. Not
 * ELF (a script: its interpreter is what runs) or unreadable: false. */
static bool is_static_elf(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  Elf64_Ehdr eh;
  bool is_static = false;
  if (pread(fd, &eh, sizeof(eh), 0) == (ssize_t)sizeof(eh) &&
      memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 &&
      eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_phentsize == sizeof(Elf64_Phdr)) {
    is_static = true;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
      Elf64_Phdr ph;
      if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) !=
              (ssize_t)sizeof(ph) ||
          ph.p_type == PT_INTERP) {
        is_static = false;
        break;
      }
    }
  }
  close(fd);
  return is_static;
}

/* ---- a preload path ld.so can take ------------------------------------- */

static bool splits(const char *p) { return strpbrk(p, " \t\n:") != NULL; }

/* dir exists or is made, is a directory owned by us, with no access for
 * anyone else. */
static bool private_dir(const char *dir) {
  mkdir(dir, 0700);
  struct stat st;
  return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
         st.st_uid == getuid() && (st.st_mode & 077) == 0;
}

/* Writes to out a path without spaces or colons that names lib (a symlink
 * to it); returns false when no private directory is available. */
static bool preload_link(const char *lib, char *out, size_t cap) {
  char dir[PATH_MAX - 64];
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  bool ok = false;
  if (xdg && xdg[0] == '/' && !splits(xdg)) {
    snprintf(dir, sizeof(dir), "%s/mapsan", xdg);
    ok = private_dir(dir);
  }
  if (!ok) {
    snprintf(dir, sizeof(dir), "/tmp/mapsan-%u", (unsigned)getuid());
    ok = private_dir(dir);
  }
  if (!ok)
    return false;
  uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a of the target path */
  for (const char *c = lib; *c; c++)
    h = (h ^ (unsigned char)*c) * 0x100000001b3ull;
  snprintf(out, cap, "%s/libmapsan-%016llx.so", dir, (unsigned long long)h);
  char target[PATH_MAX];
  ssize_t n = readlink(out, target, sizeof(target) - 1);
  if (n >= 0) {
    target[n] = '\0';
    if (strcmp(target, lib) == 0)
      return true;
  }
  char tmp[PATH_MAX + 32];
  snprintf(tmp, sizeof(tmp), "%s.%d", out, (int)getpid());
  unlink(tmp);
  if (symlink(lib, tmp) != 0)
    return false;
  if (rename(tmp, out) != 0) {
    unlink(tmp);
    return false;
  }
  return true;
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
  if (splits(lib)) {
    char link[PATH_MAX];
    if (!preload_link(lib, link, sizeof(link))) {
      fprintf(stderr, "mapsan: cannot preload '%s': LD_PRELOAD splits paths "
              "on spaces and colons, and no private directory for a link to "
              "it ($XDG_RUNTIME_DIR/mapsan, /tmp/mapsan-%u)\n",
              lib, (unsigned)getuid());
      return 127;
    }
    snprintf(lib, sizeof(lib), "%s", link);
  }
  char prog[PATH_MAX];
  resolve_program(argv[i], prog, sizeof(prog));
  if (prog[0] && is_static_elf(prog))
    fprintf(stderr, "mapsan: warning: '%s' is statically linked: the "
            "runtime cannot be preloaded into it, nothing is watched\n",
            prog);
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
