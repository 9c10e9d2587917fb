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
 */
#include "buildid.h"

#include "base.h"

#include <elf.h>
#include <link.h>
#include <stdatomic.h>
#include <string.h>

#define MAX_MODULES 1024
#define MAX_ID_BYTES 32 /* GNU build-ids are 8 (xxhash) to 20 (sha1) bytes */

struct entry {
  uintptr_t lo, hi;    /* the module's loaded range */
  _Atomic bool dead;   /* not loaded at the last walk */
  char hex[2 * MAX_ID_BYTES + 1];
};

static struct entry table[MAX_MODULES] MAPSAN_BIG;
static _Atomic int count;
static bool seen[MAX_MODULES] MAPSAN_BIG; /* of the walk in progress */
static mapsan_lock walk_lock = MAPSAN_LOCK_INIT;
MAPSAN_FORK_LEAF(walk_lock)

/* The build-id note of a loaded module as hex into out; false if none. */
static bool note_build_id(const struct dl_phdr_info *info, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_NOTE)
      continue;
    const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr);
    const char *end = p + ph->p_memsz;
    size_t align = ph->p_align == 8 ? 8 : 4;
    while (p + sizeof(ElfW(Nhdr)) <= end) {
      const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
      size_t namesz = (n->n_namesz + align - 1) & ~(align - 1);
      size_t descsz = (n->n_descsz + align - 1) & ~(align - 1);
      const char *name = p + sizeof(*n);
      const unsigned char *desc = (const unsigned char *)(name + namesz);
      if ((const char *)desc + n->n_descsz > end)
        break;
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
      p = (const char *)desc + descsz;
    }
  }
  return false;
}

bool mapsan_module_build_id(const struct dl_phdr_info *info, char *out) {
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
  char hex[2 * MAX_ID_BYTES + 1];
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

/* The entry holding pc ("" for a module without a build-id), or NULL. */
static const char *lookup(uintptr_t pc) {
  int n = atomic_load_explicit(&count, memory_order_acquire);
  for (int i = n - 1; i >= 0; i--) {
    const struct entry *e = &table[i];
    if (pc >= e->lo && pc < e->hi &&
        !atomic_load_explicit(&e->dead, memory_order_relaxed))
      return e->hex;
  }
  return NULL;
}

const char *mapsan_build_id_of(uintptr_t pc, bool refresh) {
  const char *hex = lookup(pc);
  if (hex == NULL && refresh && !mapsan_in_signal()) {
    mapsan_build_ids_refresh();
    hex = lookup(pc);
  }
  return hex && hex[0] ? hex : NULL;
}
