/*
 * test-sample-rate-glib-unseen-first.c: the first GHashTable mapsan meets is
 * one GLib made inside itself (g_uri_parse_params), whose creation mapsan
 * cannot see, so GLib's table layout cannot be read from a new table and
 * mapsan verifies it on a private one (shim/map_glib.c, layout_probe).
 * Marks must then be on as usual: with sample_rate=1000000 the unseen table,
 * drawn untracked when first met, and the program's own next table carry
 * the untracked mark, and GLib works unchanged around them. With
 * sample_rebind=0: by default a canary that has drawn nothing calls GLib's
 * insert without mapsan (engine/window.c, "before the first draw") and
 * meets the table later, first at a call that a drawn map's existence
 * brings back to the wrappers; the first sight at a write is tested here.
 *
 * mapsan-options: sample_rate=1000000:sample_rebind=0
 * mapsan-expect: none
 */
#include "glib-mark.h"

#include <glib.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  GHashTable *params =
      g_uri_parse_params("a=1&b=2", -1, "&", G_URI_PARAMS_NONE, NULL);
  CHECK(params != NULL);
  /* mapsan's first sight of any table: */
  g_hash_table_insert(params, g_strdup("c"), g_strdup("3"));
  check_marked(params);
  CHECK(g_hash_table_size(params) == 3);
  CHECK(strcmp(g_hash_table_lookup(params, "a"), "1") == 0);
  CHECK(strcmp(g_hash_table_lookup(params, "c"), "3") == 0);

  GHashTable *h = g_hash_table_new(g_direct_hash, g_direct_equal);
  check_marked(h);
  for (uintptr_t i = 1; i <= 100; i++)
    g_hash_table_insert(h, (gpointer)i, (gpointer)(i * 2));
  check_marked(h);
  for (uintptr_t i = 1; i <= 100; i++)
    CHECK(g_hash_table_lookup(h, (gpointer)i) == (gpointer)(i * 2));
  g_hash_table_destroy(h);
  g_hash_table_unref(params);
  return 0;
}
