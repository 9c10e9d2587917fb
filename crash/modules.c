/*
 * modules.c: the crash report's table of loaded objects (modules.h).
 *
 * Read in the handler from /proc/thread-self/maps with open and read only,
 * so it is current even for a library dlopen'ed a moment ago (not
 * /proc/self/maps, which reads empty once the main thread has exited);
 * without /proc (a chroot, a container), taken from a dl_iterate_phdr
 * snapshot made at start-up, outside any signal: dl_iterate_phdr takes the
 * dynamic loader's lock, which a handler must never wait for. A module's
 * offset is from its first mapping, as in the other reports
 * (reports/symbolize.c). Static buffers only: no malloc in a handler.
 *
 * Build-ids: base/buildid.c's cache is filled by walks of the loaded
 * modules, at start-up and at normal reports, never in a handler; a library
 * dlopen'ed since the last walk is not in it, and one loaded where a
 * dlclose'd one was would be named by the old entry until the next walk.
 * So the crash report reads each module's build-id from the module itself:
 * the ELF header at the module's offset-0 mapping (/proc says where), its
 * program headers, its PT_NOTE segments (mapsan_read_build_id: every byte
 * copied with mapsan_mem_copy, which fails on an address not mapped
 * readable, a library unmapped by another thread since /proc was read:
 * a validated read with no descriptor kept and nothing loaded (base/
 * memread.c); what it copies is checked as it is parsed). The cache is the fallback.
 */
#include "modules.h"

#include "../base/base.h"
#include "../base/buildid.h"
#include "../base/lines.h"

#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <unistd.h>

#define MAX_MODULES 1024 /* modules in the table */
#define MODULE_NAMES (128 << 10)

static struct mapsan_module modules[MAX_MODULES] MAPSAN_BIG;
static int nmodules;
static char module_names[MODULE_NAMES] MAPSAN_BIG;
static size_t module_names_used;

/* The start-up snapshot, for a process without /proc. Names are the
 * loader's own strings (the objects loaded at start-up are never
 * unloaded), so that the snapshot touches one page of mapsan's memory, not
 * four (a canary pays for every page it touches). */
struct snap_module {
  uintptr_t lo, hi, base;
  const char *name;
};
static _Alignas(4096) struct snap_module snap_modules[MAX_MODULES] MAPSAN_BIG;
static int snap_nmodules;

static uint32_t add_name(char *pool, size_t *used, const char *s, size_t n) {
  if (*used + n + 1 > MODULE_NAMES)
    return 0; /* offset 0 is always "" */
  uint32_t at = (uint32_t)*used;
  memcpy(pool + at, s, n);
  pool[at + n] = '\0';
  *used += n + 1;
  return at;
}

static const char *hex_field(const char *p, const char *end, uintptr_t *v) {
  *v = mapsan_parse_hex(&p, end);
  return p;
}

static const char *skip_field(const char *p, const char *end) {
  while (p < end && *p != ' ')
    p++;
  while (p < end && *p == ' ')
    p++;
  return p;
}

/* One line of /proc/self/maps:
 *   lo-hi perms offset dev inode   path */
static void maps_line(const char *p, const char *end, void *arg) {
  (void)arg;
  uintptr_t lo, hi, off;
  p = hex_field(p, end, &lo);
  if (p >= end || *p != '-')
    return;
  p = hex_field(p + 1, end, &hi);
  p = skip_field(p, end); /* to perms */
  p = skip_field(p, end); /* to offset */
  hex_field(p, end, &off);
  p = skip_field(p, end); /* to dev */
  p = skip_field(p, end); /* to inode */
  p = skip_field(p, end); /* to path */
  if (p >= end)
    return; /* anonymous */
  size_t n = (size_t)(end - p);
  struct mapsan_module *last = nmodules ? &modules[nmodules - 1] : NULL;
  if (last && strlen(module_names + last->name) == n &&
      memcmp(module_names + last->name, p, n) == 0 && lo >= last->lo) {
    if (hi > last->hi)
      last->hi = hi;
    return;
  }
  if (nmodules == MAX_MODULES)
    return;
  struct mapsan_module *m = &modules[nmodules++];
  m->lo = lo;
  m->hi = hi;
  m->base = lo - off;
  m->elf = off == 0 ? lo : 0;
  m->name = add_name(module_names, &module_names_used, p, n);
  m->build_id = 0;
  m->build_id_read = 0;
}

static char maps_buf[16 << 10] MAPSAN_BIG;

/* Reads this thread's maps into modules[]; false if it cannot be read.
 * /proc/thread-self/maps, because /proc/self/maps reads empty once the main
 * thread has exited; /proc/self/maps where thread-self does not exist. */
static bool modules_from_proc(void) {
  nmodules = 0;
  module_names_used = 1; /* offset 0: "" */
  module_names[0] = '\0';
  int fd = open("/proc/thread-self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  /* a line too long for the buffer is a path too long to keep: skipped */
  mapsan_read_lines(fd, maps_buf, sizeof(maps_buf), false, maps_line, NULL);
  close(fd);
  return nmodules > 0;
}

static int snapshot_one(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  (void)data;
  if (snap_nmodules == MAX_MODULES)
    return 1;
  uintptr_t lo, hi;
  if (!mapsan_module_range(info, &lo, &hi))
    return 0;
  const char *name = info->dlpi_name;
  if (name == NULL || name[0] == '\0')
    name = program_invocation_name;
  struct snap_module *m = &snap_modules[snap_nmodules++];
  m->lo = lo;
  m->hi = hi;
  m->base = info->dlpi_addr;
  m->name = name;
  return 0;
}

void mapsan_modules_snapshot(void) {
  snap_nmodules = 0;
  dl_iterate_phdr(snapshot_one, NULL);
  mapsan_build_ids_refresh(); /* the crash report's build-ids (base/buildid.c) */
}

void mapsan_modules_load(void) {
  if (modules_from_proc())
    return;
  module_names_used = 1; /* offset 0: "" */
  module_names[0] = '\0';
  for (int i = 0; i < snap_nmodules; i++) {
    const struct snap_module *sm = &snap_modules[i];
    struct mapsan_module *m = &modules[i];
    m->lo = sm->lo;
    m->hi = sm->hi;
    m->base = sm->base;
    m->elf = 0; /* the cache, filled by the same walk, has its build-id */
    m->name = add_name(module_names, &module_names_used, sm->name,
                       strlen(sm->name));
    m->build_id = 0;
    m->build_id_read = 0;
  }
  nmodules = snap_nmodules;
}

struct mapsan_module *mapsan_module_of(uintptr_t pc) {
  for (int i = 0; i < nmodules; i++)
    if (pc >= modules[i].lo && pc < modules[i].hi)
      return &modules[i];
  return NULL;
}

const char *mapsan_module_build_id(struct mapsan_module *m, uintptr_t pc) {
  if (!m->build_id_read) {
    char hex[MAPSAN_BUILD_ID_HEX];
    m->build_id_read = 1;
    if (m->elf && mapsan_read_build_id(m->elf, hex) > 0)
      m->build_id = add_name(module_names, &module_names_used, hex,
                             strlen(hex));
  }
  if (m->build_id)
    return module_names + m->build_id;
  /* The cache the walks filled: read only, never a walk here. */
  const char *id = mapsan_build_id_of(pc, false);
  if (id == NULL && pc > m->lo)
    id = mapsan_build_id_of(pc - 1, false); /* a return address at the end */
  return id;
}

const char *mapsan_module_name(const struct mapsan_module *m) {
  return module_names + m->name;
}

const char *mapsan_base_name(const char *path) {
  const char *b = path;
  for (const char *p = path; *p; p++)
    if (*p == '/')
      b = p + 1;
  return b;
}
