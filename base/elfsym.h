/*
 * elfsym.h: symbol presence without the loader's error path (elfsym.c).
 */
#ifndef MAPSAN_ELFSYM_H
#define MAPSAN_ELFSYM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The searchable objects loaded after libmapsan, at one moment: valid
 * until the next dlopen or dlclose (the constructor takes one, asks ~150
 * names, drops it). */
enum { MAPSAN_ELF_MAX_OBJS = 64 };
struct mapsan_elf_obj {
  uintptr_t base;
  const uint16_t *versym; /* NULL: no symbol versions */
  const uint32_t *gnu_hash;
  const void *symtab; /* ElfW(Sym) */
  const char *strtab;
};
struct mapsan_elf_set {
  int n;
  bool incomplete; /* an object could not be searched: every answer true */
  struct mapsan_elf_obj obj[MAPSAN_ELF_MAX_OBJS];
};

void mapsan_elf_snapshot(struct mapsan_elf_set *set);

/* False only when no object of the set defines name: a dlsym with
 * RTLD_NEXT would fail. No allocation, no loader error. */
bool mapsan_elf_set_may_define(struct mapsan_elf_set *set, const char *name);

enum {
  MAPSAN_ELF_ABSENT,     /* no object of the set defines name */
  MAPSAN_ELF_FOUND,      /* *addr is what dlsym(RTLD_NEXT) would return */
  MAPSAN_ELF_ASK_LOADER, /* defined, but ask dlsym (IFUNC, versions...) */
};
int mapsan_elf_set_find(struct mapsan_elf_set *set, const char *name,
                        uintptr_t *addr);

/* An object's PLT relocations, from its dynamic section (dyn: its
 * ElfW(Dyn) array as loaded; base: its load bias). False without any. */
struct mapsan_elf_plt {
  uintptr_t base;
  const void *rela; /* ElfW(Rela)[n] */
  size_t n;
  const void *symtab; /* ElfW(Sym) */
  const char *strtab;
};
bool mapsan_elf_plt(uintptr_t base, const void *dyn, struct mapsan_elf_plt *out);

/* Relocation i: the name of the function whose PLT slot it fills, with
 * the slot's address and whether the object imports the name (leaves it
 * undefined), or NULL when it is not an R_X86_64_JUMP_SLOT. */
const char *mapsan_elf_plt_slot(const struct mapsan_elf_plt *p, size_t i,
                                uintptr_t **slot, bool *undefined);


#endif
