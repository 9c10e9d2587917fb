/*
 * test-elfsym.c: base/elfsym.c gives the loader's answer. For every
 * name mapsan interposes, and a few chosen ones, the lookup must agree with
 * dlsym(RTLD_NEXT): absent where dlsym fails, the same address where it
 * says it found one, and defined wherever it defers to the loader. memcpy
 * is an IFUNC in glibc on x86-64 and must be deferred (its symbol's value
 * is the resolver's address). Linked here, elfsym.c's anchor is this
 * executable, so "after self" is every library, as RTLD_NEXT from main.
 */
#include "../base/elfsym.h"

#include <glib.h>
#include <hmap.h>

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static const char *const names[] = {
#define MAPSAN_INTERCEPTOR(name, version) #name,
#include "../base/interceptors.inc"
#undef MAPSAN_INTERCEPTOR
    "memcpy", "strlen", "malloc", "pthread_cond_wait", "g_free",
    "hmap_len", "mapsan_no_such_symbol", "g_object_unref",
};

int main(void) {
  /* Both libraries are used, so they are loaded. */
  GHashTable *t = g_hash_table_new(NULL, NULL);
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  g_hash_table_unref(t);
  hmap_free(m);

  struct mapsan_elf_set set;
  mapsan_elf_snapshot(&set);
  int fails = 0, found = 0, ask = 0, absent = 0;
  bool memcpy_deferred = false;
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    uintptr_t a;
    int r = mapsan_elf_set_find(&set, names[i], &a);
    void *d = dlsym(RTLD_NEXT, names[i]);
    bool ok = r == MAPSAN_ELF_ABSENT  ? d == NULL
              : r == MAPSAN_ELF_FOUND ? (uintptr_t)d == a
                                      : d != NULL;
    if (!ok) {
      fprintf(stderr, "%s: elfsym says %d (%#lx), dlsym %p\n", names[i], r,
              (unsigned long)a, d);
      fails++;
    }
    found += r == MAPSAN_ELF_FOUND;
    ask += r == MAPSAN_ELF_ASK_LOADER;
    absent += r == MAPSAN_ELF_ABSENT;
    if (strcmp(names[i], "memcpy") == 0)
      memcpy_deferred = r == MAPSAN_ELF_ASK_LOADER;
  }
  printf("%d found, %d deferred to the loader, %d absent, %d wrong\n", found,
         ask, absent, fails);
  if (!memcpy_deferred) {
    fprintf(stderr, "memcpy (an IFUNC) was not deferred to the loader\n");
    fails++;
  }
  /* Most names are plain definitions found without the loader. */
  if (found < 100) {
    fprintf(stderr, "only %d names found without the loader\n", found);
    fails++;
  }
  return fails ? 1 : 0;
}
