/*
 * test-sample-rebind-deepbind.c: base/rebind.c points back at mapsan's
 * wrappers only the PLT slots it pointed at the real functions itself. A
 * library loaded with RTLD_DEEPBIND has its slot for pthread_mutex_lock
 * bound by the loader to the C library's function; the first version of
 * the rewrite took any slot holding the real function for one of its own
 * and pointed it at the wrapper when a window opened (found in review).
 * The program loads such a library, calls it while maps are written and
 * 1 ms windows open and close for a second, and reads the library's slot
 * again and again: it must never point into libmapsan.
 *
 * mapsan-options: sample_rate=2:sample_window_ms=1:sample_budget=25
 * mapsan-expect: none
 */
#include "../runtime/runtime-test.h"

#include <hmap.h>

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The library's PLT slot for name. */
static uintptr_t *slot_of(void *h, const char *name) {
  struct link_map *lm;
  if (dlinfo(h, RTLD_DI_LINKMAP, &lm) != 0)
    return NULL;
  const ElfW(Rela) *rel = NULL;
  size_t size = 0;
  const ElfW(Sym) *sym = NULL;
  const char *str = NULL;
  for (const ElfW(Dyn) *d = lm->l_ld; d->d_tag != DT_NULL; d++) {
    if (d->d_tag == DT_JMPREL)
      rel = (const void *)d->d_un.d_ptr;
    else if (d->d_tag == DT_PLTRELSZ)
      size = d->d_un.d_val;
    else if (d->d_tag == DT_SYMTAB)
      sym = (const void *)d->d_un.d_ptr;
    else if (d->d_tag == DT_STRTAB)
      str = (const void *)d->d_un.d_ptr;
  }
  for (size_t i = 0; rel && i < size / sizeof(*rel); i++)
    if (strcmp(str + sym[ELF64_R_SYM(rel[i].r_info)].st_name, name) == 0)
      return (uintptr_t *)(lm->l_addr + rel[i].r_offset);
  return NULL;
}

static int in_mapsan(uintptr_t a) {
  Dl_info i;
  return dladdr((void *)a, &i) && i.dli_fname && strstr(i.dli_fname, "mapsan");
}

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  void *h = dlopen(argv[1], RTLD_LAZY | RTLD_DEEPBIND);
  int (*f)(void) = NULL;
  void *sym = h ? dlsym(h, "deep_lock_unlock") : NULL;
  memcpy(&f, &sym, sizeof(f)); /* ISO C: no cast between the two */
  uintptr_t *slot = h ? slot_of(h, "pthread_mutex_lock") : NULL;
  if (f == NULL || slot == NULL) {
    fprintf(stderr, "cannot load %s\n", argv[1]);
    return 2;
  }
  f(); /* binds the slot, lazily */
  if (in_mapsan(*slot)) {
    fprintf(stderr, "the loader bound the slot to mapsan: nothing tested\n");
    return 2;
  }
  hmap *maps[16];
  for (int i = 0; i < 16; i++)
    maps[i] = hmap_new(&hmap_u64_u64, 0);
  int bad = 0;
  long end = rt_now_ms() + 1000;
  for (uint64_t k = 0; rt_now_ms() < end; k = (k + 1) & 63) {
    for (int i = 0; i < 16; i++)
      *(uint64_t *)hmap_assign(maps[i], &k) = k;
    f();
    bad += in_mapsan(*slot);
  }
  for (int i = 0; i < 16; i++)
    hmap_free(maps[i]);
  if (bad) {
    fprintf(stderr, "the library's slot pointed at mapsan %d times\n", bad);
    return 1;
  }
  return 0;
}
