/*
 * interpose.c: resolution of real functions. See interpose.h.
 */
#include "interpose.h"

#include "elfsym.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

mapsan_fnptr mapsan_real_table[MAPSAN_REAL_COUNT];

static const struct {
  const char *name;
  const char *version;
} real_names[MAPSAN_REAL_COUNT] = {
#define MAPSAN_INTERCEPTOR(name, version) {#name, version},
#include "interceptors.inc"
#undef MAPSAN_INTERCEPTOR
};

/* dlsym returns an object pointer; ISO C has no conversion to a function
 * pointer, POSIX guarantees the representation is the same. */
static mapsan_fnptr to_fn(void *p) {
  mapsan_fnptr f;
  memcpy(&f, &p, sizeof(f));
  return f;
}

/* An absent name is decided without dlsym, whose failure mallocs in the
 * program's heap, and a plain one is found without it (elfsym.c): against
 * `set` when given (the constructor's snapshot), else against the objects
 * loaded now. */
static mapsan_fnptr lookup(enum mapsan_real_id id,
                           struct mapsan_elf_set *set) {
  const char *name = real_names[id].name;
  struct mapsan_elf_set now;
  if (set == NULL) {
    mapsan_elf_snapshot(&now);
    set = &now;
  }
  uintptr_t addr;
  int found = mapsan_elf_set_find(set, name, &addr);
  if (found == MAPSAN_ELF_ABSENT)
    return NULL;
  void *p = NULL;
  if (real_names[id].version)
    p = dlvsym(RTLD_NEXT, name, real_names[id].version);
  else if (found == MAPSAN_ELF_FOUND)
    p = (void *)addr; /* what dlsym would return, found without it */
  if (p == NULL)
    p = dlsym(RTLD_NEXT, name);
  if (p == NULL)
    return NULL;
  /* Self-resolution guard: RTLD_NEXT must never find our own wrapper. (An
   * address-range test: dladdr costs ~40,000 instructions a call.) */
  mapsan_runtime_text_init(); /* idempotent */
  if (mapsan_is_runtime_pc((uintptr_t)p))
    return NULL;
  return to_fn(p);
}

mapsan_fnptr mapsan_real_resolve(enum mapsan_real_id id) {
  mapsan_fnptr f = lookup(id, NULL);
  if (f == NULL) {
    static const char msg1[] = "mapsan: fatal: cannot find the real ";
    static const char msg2[] = " (is libmapsan.so preloaded twice, or the "
                               "library that defines it missing?)\n";
    mapsan_write_all(2, msg1, sizeof(msg1) - 1);
    mapsan_write_all(2, real_names[id].name, strlen(real_names[id].name));
    mapsan_write_all(2, msg2, sizeof(msg2) - 1);
    syscall(SYS_exit_group, 127);
  }
  __atomic_store_n(&mapsan_real_table[id], f, __ATOMIC_RELEASE);
  return f;
}

/* Two thirds of the list are GLib's and libhmap's, absent from most
 * programs. One probe per library decides whether to look its names up at
 * all; absent ones stay NULL and are resolved on first use, as a library
 * loaded later requires anyway. */
static bool family_absent(const char *name, bool have_glib, bool have_hmap) {
  if (strncmp(name, "g_", 2) == 0)
    return !have_glib;
  if (strncmp(name, "hmap_", 5) == 0)
    return !have_hmap;
  return false;
}

void mapsan_real_copy_family(const char *prefix, mapsan_fnptr *out) {
  size_t n = strlen(prefix);
  for (int i = 0; i < MAPSAN_REAL_COUNT; i++) {
    if (strncmp(real_names[i].name, prefix, n) != 0)
      continue;
    mapsan_fnptr f = __atomic_load_n(&mapsan_real_table[i], __ATOMIC_ACQUIRE);
    if (f == NULL) { /* a library loaded after start-up: resolve it now */
      f = lookup((enum mapsan_real_id)i, NULL);
      if (f != NULL)
        __atomic_store_n(&mapsan_real_table[i], f, __ATOMIC_RELEASE);
    }
    __atomic_store_n(&out[i], f, __ATOMIC_RELAXED);
  }
}

void mapsan_interpose_init(void) {
  struct mapsan_elf_set set; /* 1.6 KiB of stack, in the constructor */
  mapsan_elf_snapshot(&set);
  bool have_glib = mapsan_elf_set_may_define(&set, "g_free");
  bool have_hmap = mapsan_elf_set_may_define(&set, "hmap_new");
  for (int i = 0; i < MAPSAN_REAL_COUNT; i++) {
    if (family_absent(real_names[i].name, have_glib, have_hmap))
      continue;
    if (mapsan_real_table[i] == NULL) {
      mapsan_fnptr f = lookup((enum mapsan_real_id)i, &set);
      if (f != NULL)
        __atomic_store_n(&mapsan_real_table[i], f, __ATOMIC_RELEASE);
    }
  }
}
