/*
 * uau-test.h: what the use-after-unload tests share: loading the test
 * plugin (plugin-uau.c, its path is argv[1]) and calling through the
 * function pointers it stores.
 */
#ifndef UAU_TEST_H
#define UAU_TEST_H

#include <glib.h>
#include <hmap.h>

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*uau_handler)(int);

struct uau_plugin {
  void *handle;
  void (*register_glib)(GHashTable *);
  void (*unregister_glib)(GHashTable *);
  void (*register_glib_rodata)(GHashTable *);
  void (*register_hmap)(hmap *, bool);
  void (*unregister_hmap)(hmap *);
  uau_handler alpha;
};

static inline void *uau_sym(void *h, const char *name) {
  void *p = dlsym(h, name);
  if (p == NULL) {
    fprintf(stderr, "dlsym %s: %s\n", name, dlerror());
    exit(2);
  }
  return p;
}

#define UAU_SET(fn, p) memcpy(&(fn), &(p), sizeof(p))

static inline struct uau_plugin uau_load(const char *path, int flags) {
  struct uau_plugin pl;
  pl.handle = dlopen(path, flags);
  if (pl.handle == NULL) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    exit(2);
  }
  void *p;
  p = uau_sym(pl.handle, "plugin_register_glib");
  UAU_SET(pl.register_glib, p);
  p = uau_sym(pl.handle, "plugin_unregister_glib");
  UAU_SET(pl.unregister_glib, p);
  p = uau_sym(pl.handle, "plugin_register_glib_rodata");
  UAU_SET(pl.register_glib_rodata, p);
  p = uau_sym(pl.handle, "plugin_register_hmap");
  UAU_SET(pl.register_hmap, p);
  p = uau_sym(pl.handle, "plugin_unregister_hmap");
  UAU_SET(pl.unregister_hmap, p);
  p = uau_sym(pl.handle, "handler_alpha");
  UAU_SET(pl.alpha, p);
  return pl;
}

static inline uau_handler uau_as_handler(void *p) {
  uau_handler f;
  memcpy(&f, &p, sizeof(f));
  return f;
}

/* A table as plugins' hosts make them: names (owned) -> handlers. */
static inline GHashTable *uau_table(void) {
  return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

#endif
