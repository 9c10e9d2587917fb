/*
 * elfsym.c: does a library loaded after libmapsan define a symbol? Answered
 * from the objects' own GNU hash tables, so that a "no" costs no malloc.
 *
 * Why not dlsym: a failed dlsym formats an error message with malloc and
 * keeps a per-thread error record allocated (glibc 2.36: 75 + 24 bytes for
 * one absent GLib name). Those bytes land in the program's heap before
 * main, and a C heap's later layout is chaotic in its early contents: on
 * bench/overhead's single-thread map workload a preloaded constructor that
 * mallocs 8..200 bytes moves the heap's size at the high point by 0 to
 * +290 KiB (aligned_alloc splits chunks differently). mapsan must not be
 * that constructor: a canary's memory must be the program's own. So
 * interpose.c asks here first and calls dlsym only for names that exist.
 *
 * The lookup also gives the address when nothing is left for the loader
 * to decide (mapsan_elf_set_find): the name's only definition, or its one
 * default version, and not an IFUNC (whose address is its resolver's).
 * interpose.c then skips dlsym, which costs ~1,000 instructions a name in
 * the loader's generic path (start-up of /bin/true under mapsan: 64k of
 * its 268k instructions were dlsym). Versions asked by name (dlvsym) and
 * every doubtful case still go to the loader.
 *
 * Search order as RTLD_NEXT's: the objects after libmapsan in the loader's
 * list (dl_iterate_phdr walks it in order). A definition is a symbol with a
 * section (not an undefined reference) and a nonzero value. An object
 * without DT_GNU_HASH (rare since binutils 2.x defaults) makes every
 * answer "ask the loader", and the caller asks dlsym as before. The loader relocates the
 * dynamic section's addresses in place on x86-64 except in read-only
 * dynamic sections (the vDSO's), whose entries are still offsets: an
 * address below the load base is one of those.
 */
#include "elfsym.h"

#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <string.h>

enum { ANSWER_NO = 0, ANSWER_YES = 1 };

/* ElfW(Versym) flag: a version that is not the default (foo@V, not
 * foo@@V); dlsym without a version never returns one. */
#define VERSYM_HIDDEN 0x8000

static uint32_t gnu_hash(const char *s) {
  uint32_t h = 5381;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    h = h * 33 + *p;
  return h;
}

static bool contains(const struct dl_phdr_info *info, uintptr_t addr) {
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
    if (ph->p_type == PT_LOAD && addr >= lo && addr < lo + ph->p_memsz)
      return true;
  }
  return false;
}

static uintptr_t dyn_addr_at(uintptr_t base, ElfW(Addr) v) {
  return v < base ? base + v : v;
}

static uintptr_t dyn_addr(const struct dl_phdr_info *info, ElfW(Addr) v) {
  return dyn_addr_at(info->dlpi_addr, v);
}

/* Finds the object's tables; false (answer "maybe") without a GNU hash. */
static bool tables_of(const struct dl_phdr_info *info,
                      struct mapsan_elf_obj *o) {
  const ElfW(Dyn) *dyn = NULL;
  memset(o, 0, sizeof(*o));
  for (int i = 0; i < info->dlpi_phnum; i++)
    if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
      dyn = (const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
  if (dyn == NULL)
    return true; /* a static object exports nothing: no buckets, answer no */
  o->base = info->dlpi_addr;
  for (; dyn->d_tag != DT_NULL; dyn++) {
    if (dyn->d_tag == DT_VERSYM)
      o->versym = (const uint16_t *)dyn_addr(info, dyn->d_un.d_ptr);
    else if (dyn->d_tag == DT_GNU_HASH)
      o->gnu_hash = (const uint32_t *)dyn_addr(info, dyn->d_un.d_ptr);
    else if (dyn->d_tag == DT_SYMTAB)
      o->symtab = (const void *)dyn_addr(info, dyn->d_un.d_ptr);
    else if (dyn->d_tag == DT_STRTAB)
      o->strtab = (const char *)dyn_addr(info, dyn->d_un.d_ptr);
  }
  return o->gnu_hash != NULL && o->symtab != NULL && o->strtab != NULL;
}

/* ANSWER_YES with *addr set (0: ask the loader), or ANSWER_NO. */
static int lookup_in(const struct mapsan_elf_obj *o, const char *name,
                     uint32_t h, uintptr_t *addr) {
  const uint32_t *gh = o->gnu_hash;
  if (gh == NULL)
    return ANSWER_NO;
  uint32_t nbuckets = gh[0], symoffset = gh[1], bloom_size = gh[2];
  uint32_t shift = gh[3];
  if (nbuckets == 0 || bloom_size == 0)
    return ANSWER_NO;
  const ElfW(Addr) *bloom = (const ElfW(Addr) *)(gh + 4);
  const uint32_t *buckets = (const uint32_t *)(bloom + bloom_size);
  const uint32_t *chain = buckets + nbuckets;
  enum { BITS = sizeof(ElfW(Addr)) * 8 };
  ElfW(Addr) word = bloom[(h / BITS) % bloom_size];
  ElfW(Addr) mask = ((ElfW(Addr))1 << (h % BITS)) |
                    ((ElfW(Addr))1 << ((h >> shift) % BITS));
  if ((word & mask) != mask)
    return ANSWER_NO;
  uint32_t i = buckets[h % nbuckets];
  if (i < symoffset)
    return ANSWER_NO;
  const ElfW(Sym) *symtab = o->symtab;
  const ElfW(Sym) *found = NULL;
  int defaults = 0;
  for (;; i++) {
    uint32_t h2 = chain[i - symoffset];
    if ((h | 1) == (h2 | 1)) {
      const ElfW(Sym) *s = &symtab[i];
      if (s->st_shndx != SHN_UNDEF && s->st_value != 0 &&
          strcmp(o->strtab + s->st_name, name) == 0) {
        bool hidden = o->versym && (o->versym[i] & VERSYM_HIDDEN);
        if (!hidden) {
          found = s;
          defaults++;
        } else if (found == NULL) {
          found = s; /* a hidden version only: the loader decides */
        }
      }
    }
    if (h2 & 1)
      break;
  }
  if (found == NULL)
    return ANSWER_NO;
  *addr = 0;
  if (defaults == 1 && ELF64_ST_TYPE(found->st_info) != STT_GNU_IFUNC &&
      found->st_shndx != SHN_ABS)
    *addr = o->base + found->st_value;
  return ANSWER_YES;
}

struct walk {
  struct mapsan_elf_set *set;
  uintptr_t self; /* an address inside libmapsan */
  bool after_self;
};

static int visit(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  struct walk *w = data;
  if (!w->after_self) {
    w->after_self = contains(info, w->self);
    return 0;
  }
  struct mapsan_elf_set *set = w->set;
  if (set->n == MAPSAN_ELF_MAX_OBJS) {
    set->incomplete = true;
    return 1;
  }
  if (!tables_of(info, &set->obj[set->n]))
    set->incomplete = true; /* no GNU hash: ask the loader for every name */
  else
    set->n++;
  return 0;
}

void mapsan_elf_snapshot(struct mapsan_elf_set *set) {
  struct walk w = {set, (uintptr_t)&gnu_hash, false};
  set->n = 0;
  set->incomplete = false;
  dl_iterate_phdr(visit, &w);
  /* libmapsan not in the list (cannot happen when preloaded): "maybe". */
  if (!w.after_self)
    set->incomplete = true;
}

/* In search order: the first object that defines name decides, as in the
 * loader. */
int mapsan_elf_set_find(struct mapsan_elf_set *set, const char *name,
                        uintptr_t *addr) {
  *addr = 0;
  if (set->incomplete)
    return MAPSAN_ELF_ASK_LOADER;
  uint32_t h = gnu_hash(name);
  for (int i = 0; i < set->n; i++) {
    uintptr_t a;
    if (lookup_in(&set->obj[i], name, h, &a) == ANSWER_YES) {
      *addr = a;
      return a ? MAPSAN_ELF_FOUND : MAPSAN_ELF_ASK_LOADER;
    }
  }
  return MAPSAN_ELF_ABSENT;
}

bool mapsan_elf_set_may_define(struct mapsan_elf_set *set, const char *name) {
  uintptr_t a;
  return mapsan_elf_set_find(set, name, &a) != MAPSAN_ELF_ABSENT;
}

bool mapsan_elf_plt(uintptr_t base, const void *dynp,
                    struct mapsan_elf_plt *out) {
  size_t size = 0;
  bool rela = true;
  memset(out, 0, sizeof(*out));
  out->base = base;
  for (const ElfW(Dyn) *d = dynp; d->d_tag != DT_NULL; d++) {
    if (d->d_tag == DT_JMPREL)
      out->rela = (const void *)dyn_addr_at(base, d->d_un.d_ptr);
    else if (d->d_tag == DT_PLTRELSZ)
      size = d->d_un.d_val;
    else if (d->d_tag == DT_SYMTAB)
      out->symtab = (const void *)dyn_addr_at(base, d->d_un.d_ptr);
    else if (d->d_tag == DT_STRTAB)
      out->strtab = (const char *)dyn_addr_at(base, d->d_un.d_ptr);
    else if (d->d_tag == DT_PLTREL)
      rela = d->d_un.d_val == DT_RELA;
  }
  out->n = size / sizeof(ElfW(Rela));
  return out->rela != NULL && out->symtab != NULL && out->strtab != NULL &&
         rela;
}

const char *mapsan_elf_plt_slot(const struct mapsan_elf_plt *p, size_t i,
                                uintptr_t **slot, bool *undefined) {
  const ElfW(Rela) *r = (const ElfW(Rela) *)p->rela + i;
  if (ELF64_R_TYPE(r->r_info) != R_X86_64_JUMP_SLOT)
    return NULL;
  const ElfW(Sym) *sym = (const ElfW(Sym) *)p->symtab + ELF64_R_SYM(r->r_info);
  *slot = (uintptr_t *)(p->base + r->r_offset);
  *undefined = sym->st_shndx == SHN_UNDEF;
  return p->strtab + sym->st_name;
}
