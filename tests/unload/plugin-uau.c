/*
 * plugin-uau.c: the plugin of the use-after-unload tests, a shared module
 * that registers its handlers (function pointers) and names into the
 * host's maps, as plugins do. Names are either copies the map owns (the
 * usual registration) or the plugin's own .rodata strings.
 */
#include <glib.h>
#include <hmap.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int handler_alpha(int x);
int handler_beta(int x);

int handler_alpha(int x) { return x + 1; }
int handler_beta(int x) { return x * 2; }

/* A function pointer as the maps store it (ISO C has no cast). */
static void *as_ptr(int (*f)(int)) {
  void *p;
  memcpy(&p, &f, sizeof(p));
  return p;
}

/* GHashTable (g_str_hash, g_str_equal, g_free keys): copied name -> handler. */
void plugin_register_glib(GHashTable *h);
void plugin_register_glib(GHashTable *h) {
  g_hash_table_insert(h, g_strdup("alpha"), as_ptr(handler_alpha));
  g_hash_table_insert(h, g_strdup("beta"), as_ptr(handler_beta));
}

void plugin_unregister_glib(GHashTable *h);
void plugin_unregister_glib(GHashTable *h) {
  g_hash_table_remove(h, "alpha");
  g_hash_table_remove(h, "beta");
}

/* GHashTable without key ownership: the plugin's own .rodata name. */
void plugin_register_glib_rodata(GHashTable *h);
void plugin_register_glib_rodata(GHashTable *h) {
  g_hash_table_insert(h, (gpointer) "alpha", as_ptr(handler_alpha));
}

/* hmap_str_ptr: name -> handler; the name copied (rodata false) or the
 * plugin's own string. */
void plugin_register_hmap(hmap *m, bool rodata);
void plugin_register_hmap(hmap *m, bool rodata) {
  const char *a = rodata ? "alpha" : strdup("alpha");
  const char *b = rodata ? "beta" : strdup("beta");
  *(void **)hmap_assign(m, &a) = as_ptr(handler_alpha);
  *(void **)hmap_assign(m, &b) = as_ptr(handler_beta);
}

void plugin_unregister_hmap(hmap *m);
void plugin_unregister_hmap(hmap *m) {
  const char *a = "alpha", *b = "beta";
  hmap_delete(m, &a); /* the copied names leak: a test */
  hmap_delete(m, &b);
}

/* A table made by the plugin with its own hash and compare functions. */
static guint name_hash(gconstpointer k) { return g_str_hash(k); }
static gboolean name_equal(gconstpointer a, gconstpointer b) {
  return g_str_equal(a, b);
}

GHashTable *plugin_new_table(void);
GHashTable *plugin_new_table(void) {
  GHashTable *h = g_hash_table_new_full(name_hash, name_equal, g_free, NULL);
  g_hash_table_insert(h, g_strdup("alpha"), NULL);
  return h;
}
