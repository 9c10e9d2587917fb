/*
 * symbolize.c: libdw-based symbolizer. See symbolize.h.
 *
 * One Dwfl session describes the process's modules; it is built for each
 * report and rebuilt when a pc falls outside every known module (a library
 * dlopen'ed since). Building one reads no DWARF yet: libdw loads a
 * module's debug information on its first query, so the cost is paid per
 * module actually named in a report. It is closed once the report is
 * written (mapsan_symbolize_end): libdw keeps every ELF and debug file it
 * opened, and a program that goes on after a report would otherwise find
 * its next descriptors numbered three or more higher than without mapsan
 * (reports are rare and deduplicated; the session costs a few ms).
 *
 * Source paths are made absolute with the compilation directory and
 * "a/../" folded, so reports name files the same way whatever directory
 * the build ran in. Every string a frame names (module, function, file) is
 * copied into an arena recycled per report: the session may be rebuilt in
 * the middle of a report (a pc in a library dlclose'd since, or dlopen'ed
 * since), and dwfl_end frees what the frames resolved before it pointed
 * to; the dynamic linker's names (the fallback without libdw) go away when
 * another thread dlcloses a library. A frame's strings are the report's.
 *
 * libdw is loaded with dlopen, not linked: a process that never reports (a
 * canary, most test runs) does not pay for libdw, libelf and their
 * compression libraries in memory or start-up time (preloading mapsan cost
 * 0.9 MiB of resident memory with them linked). It is loaded at the first
 * report made outside a signal handler, or earlier by
 * mapsan_symbolize_prepare, which the engine calls when the first bucket
 * array enters the quarantine: a use-after-resize report is made in the
 * SIGSEGV handler, where nothing may be loaded.
 *
 * In a signal handler (mapsan_in_signal) this file loads nothing and takes
 * none of the dynamic loader's locks, whichever thread holds them:
 *   - dw_load declines without giving up: a later report outside a handler
 *     loads libdw;
 *   - separate debug files are found by build-id only: libdw's standard
 *     search ends with debuginfod, whose client it dlopens at first use
 *     (libdebuginfod and some thirty libraries: libcurl, gnutls, ...);
 *   - without libdw, a frame gets module+offset from _dl_find_object (glibc
 *     2.35: lock-free), not dladdr, which takes the loader's lock.
 * Outside handlers, without libdw, frames get module+offset and the dynamic
 * symbol (dladdr).
 *
 * Every frame also gets its module's GNU build-id (base/buildid.c: read
 * from the loaded notes, cached), so a report can be symbolized elsewhere.
 *
 * A pc in the range of a module that dlclose unloaded (base/unloads.h:
 * the range stays reserved while the module is logged, so nothing else is
 * there) is named after that module, "(unloaded)", with its build-id and
 * offset. Each session also reports the logged modules to libdw from
 * their files at their old addresses (report_unloaded), when the file on
 * disk still has the module's build-id (a hot reload may have replaced
 * it), so that their frames get functions and lines too.
 *
 * The symbolize option (base/options.inc) says how far this goes:
 *   0  never: libdw is not loaded at all (a fleet symbolizes offline with
 *      mapsan-report --symbolize); frames are module+offset+build-id from
 *      _dl_find_object, without even dladdr's dynamic symbol;
 *   1  (default) local files only: the module itself, the build-id
 *      directories, .gnu_debuglink (find_debuginfo_local). libdw's own
 *      standard search would query debuginfod whenever DEBUGINFOD_URLS is
 *      set, loading libdebuginfod and libcurl and waiting on the network in
 *      the middle of a report: a canary must not;
 *   2  libdw's standard search, debuginfod included when DEBUGINFOD_URLS is
 *      set (never in a signal handler).
 */
#include "symbolize.h"
#include "../base/unloads.h"

#include "../base/base.h"
#include "../base/buildid.h"
#include "../base/options.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Every libdw function used below, resolved once from libdw.so.1. */
#define LIBDW_FUNCTIONS(X)                                                    \
  X(dwarf_attr) X(dwarf_attr_integrate) X(dwarf_filesrc) X(dwarf_formstring) \
  X(dwarf_formudata) X(dwarf_getscopes) X(dwarf_getscopes_die)               \
  X(dwarf_getsrcfiles) X(dwarf_tag) X(dwfl_addrmodule) X(dwfl_begin)         \
  X(dwfl_end) X(dwfl_line_comp_dir) X(dwfl_lineinfo)                         \
  X(dwfl_linux_proc_find_elf) X(dwfl_linux_proc_maps_report)               \
  X(dwfl_module_addrdie) X(dwfl_module_addrinfo) X(dwfl_module_addrname)     \
  X(dwfl_module_getsrc) X(dwfl_module_info) X(dwfl_report_begin)             \
  X(dwfl_report_end) X(dwfl_standard_find_debuginfo)                       \
  X(dwfl_build_id_find_debuginfo) X(dwfl_module_build_id) X(dwfl_report_elf)

static struct {
#define X(name) __typeof__(&name) name;
  LIBDW_FUNCTIONS(X)
#undef X
} dw;
static int dw_state; /* 0 not tried, 1 loaded, -1 unavailable */

/* Loads libdw once; false if it is unavailable. In a signal handler it
 * never loads (a later call outside one does). The caller holds the report
 * lock, or is the engine before any report can be made. */
static bool dw_load(void) {
  if (dw_state != 0)
    return dw_state > 0;
  if (mapsan_opts.symbolize <= 0) { /* symbolize=0: no libdw, ever */
    dw_state = -1;
    return false;
  }
  if (mapsan_in_signal())
    return false;
  dw_state = -1;
  void *h = dlopen("libdw.so.1", RTLD_NOW | RTLD_LOCAL);
  if (h == NULL)
    return false;
#define X(name)                                                               \
  {                                                                           \
    void *p = dlsym(h, #name);                                                \
    if (p == NULL)                                                            \
      return false;                                                           \
    memcpy(&dw.name, &p, sizeof(p));                                          \
  }
  LIBDW_FUNCTIONS(X)
#undef X
  dw_state = 1;
  return true;
}

/* From here on, the names mean the loaded functions. */
#define dwarf_attr dw.dwarf_attr
#define dwarf_attr_integrate dw.dwarf_attr_integrate
#define dwarf_filesrc dw.dwarf_filesrc
#define dwarf_formstring dw.dwarf_formstring
#define dwarf_formudata dw.dwarf_formudata
#define dwarf_getscopes dw.dwarf_getscopes
#define dwarf_getscopes_die dw.dwarf_getscopes_die
#define dwarf_getsrcfiles dw.dwarf_getsrcfiles
#define dwarf_tag dw.dwarf_tag
#define dwfl_addrmodule dw.dwfl_addrmodule
#define dwfl_begin dw.dwfl_begin
#define dwfl_end dw.dwfl_end
#define dwfl_line_comp_dir dw.dwfl_line_comp_dir
#define dwfl_lineinfo dw.dwfl_lineinfo
#define dwfl_linux_proc_maps_report dw.dwfl_linux_proc_maps_report
#define dwfl_module_addrdie dw.dwfl_module_addrdie
#define dwfl_module_addrinfo dw.dwfl_module_addrinfo
#define dwfl_module_addrname dw.dwfl_module_addrname
#define dwfl_module_getsrc dw.dwfl_module_getsrc
#define dwfl_module_info dw.dwfl_module_info
#define dwfl_report_begin dw.dwfl_report_begin
#define dwfl_report_end dw.dwfl_report_end

static Dwfl *dwfl;
static char *debuginfo_path;
static char arena[256 << 10] MAPSAN_BIG;
static size_t arena_used;
static Dwfl_Callbacks callbacks; /* filled once libdw is loaded */

/* The modules, from this thread's view of the address space: once the
 * main thread has exited (pthread_exit), /proc/<pid>/maps and
 * /proc/self/maps read empty for the rest of the process, while
 * /proc/thread-self/maps (Linux 3.17) still lists every mapping. */
static int report_modules(void) {
  FILE *f = fopen("/proc/thread-self/maps", "re");
  if (f == NULL)
    f = fopen("/proc/self/maps", "re");
  if (f == NULL)
    return -1;
  int r = dwfl_linux_proc_maps_report(dwfl, f);
  fclose(f);
  return r;
}

/* Whether the ELF file open on fd has a GNU build-id note equal to
 * id[0..len): its SHT_NOTE sections, read with pread (a separate debug file
 * keeps its notes). */
static bool file_has_build_id(int fd, const unsigned char *id, int len) {
  Elf64_Ehdr eh;
  if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
      memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
      eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_shentsize != sizeof(Elf64_Shdr))
    return false;
  for (unsigned i = 0; i < eh.e_shnum && i < 4096; i++) {
    Elf64_Shdr sh;
    if (pread(fd, &sh, sizeof(sh), (off_t)(eh.e_shoff + i * sizeof(sh))) !=
        (ssize_t)sizeof(sh))
      return false;
    if (sh.sh_type != SHT_NOTE || sh.sh_size > 4096)
      continue;
    unsigned char buf[4096];
    if (pread(fd, buf, sh.sh_size, (off_t)sh.sh_offset) != (ssize_t)sh.sh_size)
      continue;
    size_t at = 0, align = sh.sh_addralign == 8 ? 8 : 4;
    while (at + sizeof(Elf64_Nhdr) <= sh.sh_size) {
      Elf64_Nhdr nh;
      memcpy(&nh, buf + at, sizeof(nh));
      size_t name = at + sizeof(nh);
      size_t desc = name + ((nh.n_namesz + align - 1) & ~(align - 1));
      if (desc + nh.n_descsz > sh.sh_size)
        break;
      if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
          memcmp(buf + name, "GNU", 4) == 0)
        return (int)nh.n_descsz == len && memcmp(buf + desc, id, (size_t)len) == 0;
      at = desc + ((nh.n_descsz + align - 1) & ~(align - 1));
    }
  }
  return false;
}

/* symbolize=1's search for a separate debug file: local files only.
 * libdw's standard search (dwfl_standard_find_debuginfo) ends with a
 * debuginfod query whenever DEBUGINFOD_URLS is set in the environment, and
 * takes no flag to skip it; clearing the variable around the call would
 * race with the program's own getenv/setenv in other threads. So this is
 * the standard search's local part, done here: the build-id directories of
 * the debuginfo path (/usr/lib/debug/.build-id/xx/rest.debug), then the
 * .gnu_debuglink name beside the module, in its .debug directory and under
 * /usr/lib/debug, each candidate accepted only when its build-id note is
 * the module's (or, for a module without one, as found). */
static int find_debuginfo_local(Dwfl_Module *mod, void **userdata,
                                const char *modname, Dwarf_Addr base,
                                const char *file, const char *debuglink,
                                GElf_Word crc, char **debuginfo_file_name) {
  int fd = dw.dwfl_build_id_find_debuginfo(mod, userdata, modname, base, file,
                                           debuglink, crc, debuginfo_file_name);
  if (fd >= 0 || debuglink == NULL || file == NULL || file[0] != '/' ||
      strchr(debuglink, '/') != NULL)
    return fd;
  const unsigned char *id = NULL;
  GElf_Addr id_vaddr;
  int id_len = dw.dwfl_module_build_id(mod, &id, &id_vaddr);
  const char *slash = strrchr(file, '/');
  int dirlen = (int)(slash - file);
  static const char *const forms[] = {"%.*s/%s", "%.*s/.debug/%s",
                                      "/usr/lib/debug%.*s/%s"};
  for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
    char path[4096];
    int n = snprintf(path, sizeof(path), forms[i], dirlen, file, debuglink);
    if (n <= 0 || (size_t)n >= sizeof(path) || strcmp(path, file) == 0)
      continue;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      continue;
    if (id_len <= 0 || file_has_build_id(fd, id, id_len)) {
      *debuginfo_file_name = strdup(path);
      return fd;
    }
    close(fd);
  }
  return -1;
}

/* The search for separate debug files, by the symbolize option: 2, libdw's
 * standard search (debuginfod last, when DEBUGINFOD_URLS is set); 1, the
 * local files only. By build-id only in a signal handler (see the top: no
 * debuginfod there). */
static int find_debuginfo(Dwfl_Module *mod, void **userdata,
                          const char *modname, Dwarf_Addr base,
                          const char *file, const char *debuglink,
                          GElf_Word crc, char **debuginfo_file_name) {
  if (mapsan_in_signal())
    return dw.dwfl_build_id_find_debuginfo(mod, userdata, modname, base, file,
                                           debuglink, crc, debuginfo_file_name);
  if (mapsan_opts.symbolize >= 2)
    return dw.dwfl_standard_find_debuginfo(mod, userdata, modname, base, file,
                                           debuglink, crc, debuginfo_file_name);
  return find_debuginfo_local(mod, userdata, modname, base, file, debuglink,
                              crc, debuginfo_file_name);
}

/* A module dlclose unloaded, its range still reserved: reported to libdw
 * from its file at its old load address, so that its frames get functions
 * and lines, if the file on disk is still that module (same build-id: a
 * hot reload may have replaced it). */
static void report_unloaded(const struct mapsan_unloaded *u, void *arg) {
  (void)arg;
  size_t n = strlen(u->build_id) / 2;
  unsigned char id[32];
  if (!u->reserved || n == 0 || n > sizeof(id))
    return;
  for (size_t i = 0; i < n; i++) {
    unsigned v = 0;
    for (int d = 0; d < 2; d++) {
      char c = u->build_id[2 * i + (size_t)d];
      v = v * 16 + (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    id[i] = (unsigned char)v;
  }
  int fd = open(u->name, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  bool same = file_has_build_id(fd, id, (int)n);
  close(fd);
  if (same)
    dw.dwfl_report_elf(dwfl, u->name, u->name, -1, u->base, false);
}

static void refresh(void) {
  if (!dw_load())
    return;
  callbacks.find_elf = dw.dwfl_linux_proc_find_elf;
  callbacks.find_debuginfo = find_debuginfo;
  callbacks.debuginfo_path = &debuginfo_path;
  if (dwfl)
    dwfl_end(dwfl);
  dwfl = dwfl_begin(&callbacks);
  if (dwfl == NULL)
    return;
  dwfl_report_begin(dwfl);
  if (report_modules() != 0) {
    dwfl_end(dwfl);
    dwfl = NULL;
    return;
  }
  mapsan_unloaded_each(report_unloaded, NULL);
  dwfl_report_end(dwfl, NULL, NULL);
}

bool mapsan_symbolize_prepare(void) {
  mapsan_enter(); /* dlopen and libdw's start-up pass straight through */
  bool ok = dw_load();
  mapsan_leave();
  return ok;
}

void mapsan_symbolize_begin(void) { arena_used = 0; }

void mapsan_symbolize_end(void) {
  if (dwfl)
    dwfl_end(dwfl);
  dwfl = NULL;
}

/* A copy of s in the arena; NULL for NULL, and when the arena is full
 * (the frame then shows that name as unknown). */
static const char *keep(const char *s) {
  if (s == NULL || (s >= arena && s < arena + sizeof(arena)))
    return s;
  size_t n = strlen(s) + 1;
  if (arena_used + n > sizeof(arena))
    return NULL;
  char *out = arena + arena_used;
  memcpy(out, s, n);
  arena_used += n;
  return out;
}

/* dir + "/" + file, with "x/../" and "./" folded, in the arena; a copy of
 * file when it is absolute or dir is unknown. */
static const char *absolute(const char *dir, const char *file) {
  if (file == NULL || file[0] == '/' || dir == NULL || dir[0] != '/')
    return keep(file);
  size_t need = strlen(dir) + strlen(file) + 2;
  if (arena_used + need > sizeof(arena))
    return NULL;
  char *out = arena + arena_used;
  size_t len = 0;
  const char *parts[2] = {dir, file};
  for (int p = 0; p < 2; p++) {
    const char *s = parts[p];
    while (*s) {
      while (*s == '/')
        s++;
      const char *e = strchr(s, '/');
      size_t n = e ? (size_t)(e - s) : strlen(s);
      if (n == 0)
        break;
      if (n == 1 && s[0] == '.') {
        /* skip */
      } else if (n == 2 && s[0] == '.' && s[1] == '.') {
        while (len > 0 && out[len - 1] != '/')
          len--;
        if (len > 0)
          len--;
      } else {
        out[len++] = '/';
        memcpy(out + len, s, n);
        len += n;
      }
      s += n;
    }
  }
  out[len++] = '\0';
  arena_used += len;
  return out;
}

static const char *die_name(Dwarf_Die *die) {
  Dwarf_Attribute attr;
  if (dwarf_attr_integrate(die, DW_AT_name, &attr))
    return dwarf_formstring(&attr);
  return NULL;
}

static const char *comp_dir(Dwarf_Die *cu) {
  Dwarf_Attribute attr;
  if (dwarf_attr(cu, DW_AT_comp_dir, &attr))
    return dwarf_formstring(&attr);
  return NULL;
}

/* The call site recorded on an inlined subroutine: file and line in its
 * caller. */
static bool call_site(Dwarf_Die *cu, Dwarf_Die *inl, const char **file,
                      int *line) {
  Dwarf_Attribute attr;
  Dwarf_Word idx, ln;
  if (!dwarf_attr(inl, DW_AT_call_file, &attr) || dwarf_formudata(&attr, &idx))
    return false;
  if (!dwarf_attr(inl, DW_AT_call_line, &attr) || dwarf_formudata(&attr, &ln))
    return false;
  Dwarf_Files *files;
  size_t nfiles;
  if (dwarf_getsrcfiles(cu, &files, &nfiles) != 0 || idx >= nfiles)
    return false;
  *file = absolute(comp_dir(cu), dwarf_filesrc(files, idx, NULL, NULL));
  *line = (int)ln;
  return true;
}

/* The main program's path as a frame names it: absolute, from
 * /proc/self/exe (read once; readlink is async-signal-safe), so that a
 * report read in another directory or on another machine (mapsan-report
 * --symbolize) finds the file; argv[0], which may be relative, only
 * without /proc. The caller holds the report lock. */
static const char *main_program(void) {
  static char exe[4096];
  static bool done;
  if (!done) {
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    exe[n > 0 ? n : 0] = '\0';
    done = true;
  }
  return exe[0] == '/' ? exe : program_invocation_name;
}

/* The module's name as the loader has it, the main program's made
 * absolute (the loader names it "" or by argv[0]). */
static const char *module_name(const char *name) {
  if (name == NULL || name[0] == '\0' ||
      strcmp(name, program_invocation_name) == 0)
    return main_program();
  return name;
}

/* The frames of pc from libdw's session (dwfl set): out[0..] filled as
 * mapsan_symbolize says; 0 when no module holds it. */
static size_t symbolize_dwfl(uintptr_t pc, uintptr_t lookup,
                             struct mapsan_frame *out, size_t max) {
  struct mapsan_frame *f = &out[0];
  Dwfl_Module *mod = dwfl_addrmodule(dwfl, lookup);
  if (mod == NULL) {
    /* Not in a signal handler (a fault reported from it, engine/unload.c,
     * the guarded pool): a refresh rebuilds libdw's whole session. */
    if (mapsan_in_signal())
      return 0;
    refresh();
    if (dwfl == NULL || (mod = dwfl_addrmodule(dwfl, lookup)) == NULL)
      return 0;
  }
  f->build_id = mapsan_build_id_of(lookup, !mapsan_in_signal());
  Dwarf_Addr start = 0;
  const char *name =
      dwfl_module_info(mod, NULL, &start, NULL, NULL, NULL, NULL, NULL);
  if ((name = keep(name)) != NULL)
    f->module = name;
  f->offset = pc - (uintptr_t)start;
  f->function = keep(dwfl_module_addrname(mod, lookup));
  Dwfl_Line *line = dwfl_module_getsrc(mod, lookup);
  const char *file = NULL;
  int lineno = 0;
  if (line) {
    file = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
    if (file && lineno > 0) {
      f->file = absolute(dwfl_line_comp_dir(line), file);
      f->line = lineno;
    }
  }
  /* Inlined calls: the innermost scope first. */
  Dwarf_Addr bias = 0;
  Dwarf_Die *cu = dwfl_module_addrdie(mod, lookup, &bias);
  if (cu == NULL)
    return 1;
  Dwarf_Die *scopes = NULL;
  int nscopes = dwarf_getscopes(cu, lookup - bias, &scopes);
  /* dwarf_getscopes continues past an inlined subroutine into its abstract
   * origin's scopes; the callers are the DIE's physical parents, which
   * dwarf_getscopes_die gives. */
  Dwarf_Die *chain = NULL;
  int nchain = 0;
  for (int i = 0; i < nscopes; i++) {
    int tag = dwarf_tag(&scopes[i]);
    if (tag == DW_TAG_inlined_subroutine || tag == DW_TAG_subprogram) {
      nchain = dwarf_getscopes_die(&scopes[i], &chain);
      break;
    }
  }
  free(scopes);
  size_t n = 0;
  const struct mapsan_frame base = *f;
  const char *cur_file = f->file;
  int cur_line = f->line;
  for (int i = 0; i < nchain && n < max; i++) {
    int tag = dwarf_tag(&chain[i]);
    if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram)
      continue;
    struct mapsan_frame *fr = &out[n++];
    *fr = base;
    fr->file = cur_file;
    fr->line = cur_line;
    const char *fn = keep(die_name(&chain[i]));
    if (fn)
      fr->function = fn;
    if (tag == DW_TAG_subprogram)
      break;
    fr->inlined = true;
    if (!call_site(cu, &chain[i], &cur_file, &cur_line)) {
      cur_file = NULL;
      cur_line = 0;
    }
  }
  scopes = chain;
  free(scopes);
  return n ? n : 1;
}

size_t mapsan_symbolize(uintptr_t pc, bool return_address,
                        struct mapsan_frame *out, size_t max) {
  if (max == 0)
    return 0;
  struct mapsan_frame *f = &out[0];
  memset(f, 0, sizeof(*f));
  f->pc = pc;
  f->module = "?";
  uintptr_t lookup = return_address && pc > 0 ? pc - 1 : pc;
  /* A pc of a module dlclose unloaded, whose range is still reserved:
   * named after it, not after whatever the address space holds now. */
  struct mapsan_unloaded u;
  bool unloaded = mapsan_unloads_seen() &&
                  mapsan_unloaded_find(lookup, true, &u) && u.reserved;
  if (dwfl == NULL)
    refresh();
  if (unloaded) { /* libdw knows it if its file is still the module */
    size_t n = dwfl ? symbolize_dwfl(pc, lookup, out, max) : 0;
    const char *module = keep(u.name), *id = keep(u.build_id);
    if (n == 0)
      n = 1;
    for (size_t i = 0; i < n; i++) {
      out[i].module = module ? module : "?";
      out[i].offset = pc - u.base;
      out[i].build_id = id && id[0] ? id : NULL;
      out[i].unloaded = true;
    }
    return n;
  }
  if (dwfl == NULL && (mapsan_in_signal() || mapsan_opts.symbolize <= 0)) {
    /* no libdw, no loader lock; symbolize=0: module+offset+build-id only */
    struct dl_find_object obj;
    if (_dl_find_object((void *)lookup, &obj) == 0) {
      const char *name = obj.dlfo_link_map ? obj.dlfo_link_map->l_name : "";
      const char *module = keep(module_name(name));
      f->module = module ? module : "?";
      f->offset = pc - (uintptr_t)obj.dlfo_map_start;
    }
    f->build_id = mapsan_build_id_of(lookup, true); /* no walk in a handler */
    return 1;
  }
  if (dwfl == NULL) { /* no libdw: the dynamic linker's view */
    Dl_info info;
    if (dladdr((void *)lookup, &info) &&
        info.dli_fname) {
      const char *module = keep(module_name(info.dli_fname));
      f->module = module ? module : "?";
      f->offset = pc - (uintptr_t)info.dli_fbase;
      f->function = keep(info.dli_sname);
    }
    f->build_id = mapsan_build_id_of(lookup, true);
    return 1;
  }
  size_t n = symbolize_dwfl(pc, lookup, out, max);
  return n ? n : 1;
}

const char *mapsan_symbolize_data(uintptr_t addr) {
  if (dwfl == NULL)
    refresh();
  if (dwfl == NULL)
    return NULL;
  Dwfl_Module *mod = dwfl_addrmodule(dwfl, addr);
  if (mod == NULL)
    return NULL;
  GElf_Sym sym;
  GElf_Off off = 0;
  const char *name = dwfl_module_addrinfo(mod, addr, &off, &sym, NULL, NULL, NULL);
  if (name == NULL || GELF_ST_TYPE(sym.st_info) != STT_OBJECT)
    return NULL;
  return keep(name);
}
