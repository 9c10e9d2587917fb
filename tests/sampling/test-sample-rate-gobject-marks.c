/*
 * test-sample-rate-gobject-marks.c: a program linked with libgobject, whose
 * constructor makes GHashTables (the type system's) before mapsan's own
 * constructor has run. GLib's table layout must not be judged from those
 * (mapsan's options and real functions are not known yet, and a verdict
 * made then would leave untracked tables unmarked for the life of the
 * process: every call on them would take the slow path). With
 * sample_rate=1000000, the program's own tables must carry the untracked
 * mark (shim/map_glib.c), and GObject and GHashTable work as usual.
 *
 * mapsan-options: sample_rate=1000000
 * mapsan-expect: none
 */
#include "glib-mark.h"

#include <glib-object.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  GObject *o = g_object_new(G_TYPE_OBJECT, NULL);
  g_object_set_data(o, "k", GINT_TO_POINTER(1));
  GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  check_marked(h);
  for (int i = 0; i < 100; i++)
    g_hash_table_insert(h, g_strdup_printf("%d", i), GINT_TO_POINTER(i + 1));
  check_marked(h);
  CHECK(g_hash_table_size(h) == 100);
  CHECK(g_hash_table_lookup(h, "42") == GINT_TO_POINTER(43));
  CHECK(g_object_get_data(o, "k") == GINT_TO_POINTER(1));
  g_hash_table_destroy(h);
  g_object_unref(o);
  return 0;
}
