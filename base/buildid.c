/*
 * buildid.c: the GNU build-ids of the loaded modules (buildid.h).
 *
 * Why: a report names frames as module+offset; the build-id is what ties
 * that offset to one exact build, so a report collected from a fleet can be
 * symbolized later, elsewhere (mapsan-report --symbolize, debuginfod), and
 * a report made with symbolize=0 carries all that is needed.
 *
 * How: dl_iterate_phdr gives each module's program headers as loaded; the
 * NT_GNU_BUILD_ID note ("GNU") lies in a PT_NOTE segment, which the loader
 * maps (it is inside the first PT_LOAD). Reading it touches memory only:
 * no file, no allocation. The walk takes the loader's lock, so it runs at
 * start-up (crash/report.c's init) and on a cache miss at report time,
 * never in a signal handler; the crash path only reads the cache.
 *
 * The cache is an append-only table (MAX_MODULES entries, a static array:
 * nothing allocated) published by an atomic count, so a reader, in a
 * signal handler or not, needs no lock and always sees whole entries; an
 * entry's string is never rewritten. A walk marks the entries of modules
 * no longer loaded dead (a library dlclose'd), and a module loaded since
 * at the same addresses gets a new entry, found first (readers scan from
 * the newest). Walks are serialized by a leaf lock. When the table is
 * full, modules loaded afterwards have no build-id in reports.
 *
 * A library dlclose'd and another mapped in its place between two walks
 * would be found under the old entry: so a lookup made for a report, out
 * of a signal handler, first checks the entry against the module's notes
 * as mapped now (mapsan_read_build_id: a few validated copies a frame,
 * memread.c, reports being rare), and walks again when they differ. The crash
 * path reads the mapped module's notes itself (crash/modules.c).
 */
#include "buildid.h"


#include "base.h"
#include "memread.h"

#include <elf.h>
#include <link.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#define MAX_MODULES 1024
#define MAX_ID_BYTES ((MAPSAN_BUILD_ID_HEX - 1) / 2)

struct entry {
  uintptr_t lo, hi;    /* the module's loaded range */
  uintptr_t elf;       /* where its file offset 0 (ELF header) is; 0 */
  _Atomic bool dead;   /* not loaded at the last walk */
  char hex[MAPSAN_BUILD_ID_HEX];
};

static struct entry table[MAX_MODULES] MAPSAN_BIG;
static _Atomic int count;
static bool seen[MAX_MODULES] MAPSAN_BIG; /* of the walk in progress */
static mapsan_lock walk_lock = MAPSAN_LOCK_INIT;
MAPSAN_FORK_LEAF(walk_lock)

bool mapsan_notes_build_id(const void *notes, size_t len, size_t align,
                           char out[MAPSAN_BUILD_ID_HEX]) {
  static const char digits[] = "0123456789abcdef";
  const char *p = notes;
  const char *end = p + len;
  align = align == 8 ? 8 : 4;
  while ((size_t)(end - p) >= sizeof(ElfW(Nhdr))) {
    const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
    size_t namesz = (n->n_namesz + align - 1) & ~(align - 1);
    size_t descsz = (n->n_descsz + align - 1) & ~(align - 1);
    const char *name = p + sizeof(*n);
    if (namesz > (size_t)(end - name) ||
        n->n_descsz > (size_t)(end - name) - namesz)
      break;
    const unsigned char *desc = (const unsigned char *)(name + namesz);
    if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
        memcmp(name, "GNU", 4) == 0 && n->n_descsz > 0 &&
        n->n_descsz <= MAX_ID_BYTES) {
      for (size_t b = 0; b < n->n_descsz; b++) {
        out[2 * b] = digits[desc[b] >> 4];
        out[2 * b + 1] = digits[desc[b] & 15];
      }
      out[2 * n->n_descsz] = '\0';
      return true;
    }
    if (descsz > (size_t)(end - (const char *)desc))
      break;
    p = (const char *)desc + descsz;
  }
  return false;
}

/* The build-id note of a loaded module as hex into out; false if none. */
static bool note_build_id(const struct dl_phdr_info *info, char *out) {
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type == PT_NOTE &&
        mapsan_notes_build_id((const char *)(info->dlpi_addr + ph->p_vaddr),
                              ph->p_memsz, ph->p_align, out))
      return true;
  }
  return false;
}

/* Copies n bytes at addr of this process into dst; false unless all of
 * them were readable (memread.h). */
static bool copy_in(void *dst, uintptr_t addr, size_t n) {
  return mapsan_mem_copy(dst, (const void *)addr, n);
}

#define MAX_PHDRS 32
#define MAX_NOTES 1024 /* bytes of one PT_NOTE segment read */

int mapsan_read_build_id(uintptr_t elf, char hex[MAPSAN_BUILD_ID_HEX]) {
  ElfW(Ehdr) eh;
  ElfW(Phdr) phdrs[MAX_PHDRS];
  _Alignas(8) char notes[MAX_NOTES];
  if (elf == 0 || !copy_in(&eh, elf, sizeof(eh)) ||
      memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
      eh.e_ident[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32) ||
      eh.e_phentsize != sizeof(ElfW(Phdr)) || eh.e_phnum == 0 ||
      eh.e_phnum > MAX_PHDRS ||
      !copy_in(phdrs, elf + eh.e_phoff, eh.e_phnum * sizeof(ElfW(Phdr))))
    return -1;
  /* The load bias: the segment mapped from file offset 0 is at elf. */
  uintptr_t bias = 0;
  bool have_bias = false;
  for (int i = 0; i < eh.e_phnum && !have_bias; i++)
    if (phdrs[i].p_type == PT_LOAD && phdrs[i].p_offset == 0) {
      bias = elf - (uintptr_t)phdrs[i].p_vaddr;
      have_bias = true;
    }
  if (!have_bias)
    return -1;
  for (int i = 0; i < eh.e_phnum; i++) {
    const ElfW(Phdr) *ph = &phdrs[i];
    if (ph->p_type != PT_NOTE)
      continue;
    size_t n = ph->p_filesz < MAX_NOTES ? ph->p_filesz : MAX_NOTES;
    if (copy_in(notes, bias + (uintptr_t)ph->p_vaddr, n) &&
        mapsan_notes_build_id(notes, n, ph->p_align, hex))
      return 1;
  }
  return 0;
}

/* Where the module's file offset 0 is mapped (its ELF header), or 0. */
static uintptr_t elf_header(const struct dl_phdr_info *info) {
  for (int i = 0; i < info->dlpi_phnum; i++)
    if (info->dlpi_phdr[i].p_type == PT_LOAD &&
        info->dlpi_phdr[i].p_offset == 0)
      return info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
  return 0;
}

bool mapsan_phdr_build_id(const struct dl_phdr_info *info, char *out) {
  return note_build_id(info, out);
}

bool mapsan_module_range(const struct dl_phdr_info *info, uintptr_t *lo,
                         uintptr_t *hi) {
  uintptr_t l = UINTPTR_MAX, h = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD)
      continue;
    uintptr_t a = info->dlpi_addr + ph->p_vaddr;
    if (a < l)
      l = a;
    if (a + ph->p_memsz > h)
      h = a + ph->p_memsz;
  }
  *lo = l & ~(uintptr_t)4095;
  *hi = h;
  return h != 0;
}

static int walk_one(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  (void)data;
  uintptr_t lo, hi;
  if (!mapsan_module_range(info, &lo, &hi))
    return 0;
  char hex[MAPSAN_BUILD_ID_HEX];
  if (!note_build_id(info, hex))
    hex[0] = '\0'; /* cached too: a module without one costs no more walks */
  int n = atomic_load_explicit(&count, memory_order_relaxed);
  for (int i = 0; i < n; i++) {
    struct entry *e = &table[i];
    if (!e->dead && e->lo == lo && e->hi == hi && strcmp(e->hex, hex) == 0) {
      seen[i] = true;
      return 0;
    }
  }
  if (n == MAX_MODULES)
    return 0;
  struct entry *e = &table[n];
  e->lo = lo;
  e->hi = hi;
  e->elf = elf_header(info);
  memcpy(e->hex, hex, strlen(hex) + 1);
  seen[n] = true;
  atomic_store_explicit(&count, n + 1, memory_order_release);
  return 0;
}

void mapsan_build_ids_refresh(void) {
  if (mapsan_in_signal())
    return;
  mapsan_lock_acquire(&walk_lock);
  int before = atomic_load_explicit(&count, memory_order_relaxed);
  memset(seen, 0, sizeof(seen[0]) * (size_t)before);
  dl_iterate_phdr(walk_one, NULL);
  for (int i = 0; i < before; i++)
    if (!seen[i])
      atomic_store_explicit(&table[i].dead, true, memory_order_relaxed);
  mapsan_lock_release(&walk_lock);
}

/* The entry holding pc (hex "" for a module without a build-id), or
 * NULL. */
static struct entry *lookup(uintptr_t pc) {
  int n = atomic_load_explicit(&count, memory_order_acquire);
  for (int i = n - 1; i >= 0; i--) {
    struct entry *e = &table[i];
    if (pc >= e->lo && pc < e->hi &&
        !atomic_load_explicit(&e->dead, memory_order_relaxed))
      return e;
  }
  return NULL;
}

/* The entry still describes what is mapped at its address: a library
 * dlclose'd since the last walk, and another one mapped in its place,
 * would otherwise lend the new one the old build-id. */
static bool still_loaded(const struct entry *e) {
  if (e->elf == 0)
    return true; /* nothing to compare with */
  char hex[MAPSAN_BUILD_ID_HEX];
  int r = mapsan_read_build_id(e->elf, hex);
  if (r < 0) /* unmapped, or an unloaded module's reserved range */
    return false;
  return r == 0 ? e->hex[0] == '\0' : strcmp(hex, e->hex) == 0;
}

const char *mapsan_build_id_of(uintptr_t pc, bool refresh) {
  struct entry *e = lookup(pc);
  if (refresh && !mapsan_in_signal()) {
    if (e && !still_loaded(e)) {
      atomic_store_explicit(&e->dead, true, memory_order_relaxed);
      e = NULL;
    }
    if (e == NULL) {
      mapsan_build_ids_refresh();
      e = lookup(pc);
    }
  }
  return e && e->hex[0] ? e->hex : NULL;
}
