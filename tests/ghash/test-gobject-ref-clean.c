/*
 * test-gobject-ref-clean.c: a GObject that owns a GHashTable (destroyed by
 * the object's finalization) is shared by reference: two threads each read
 * the table and drop their reference, and whichever drops the last one
 * destroys the table. GObject's reference count orders the earlier reads
 * before the destruction, as with any atomic reference count: no report.
 * (Without the reference-count edge, the destruction would be reported as
 * racing with the other thread's read.)
 *
 * mapsan-expect: none
 */
#include <glib-object.h>
#include <glib.h>
#include <pthread.h>
#include <unistd.h>

static gpointer reader(gpointer data) {
  GObject *obj = data;
  GHashTable *t = g_object_get_data(obj, "table");
  g_assert(g_hash_table_lookup(t, GINT_TO_POINTER(1)) != NULL);
  g_usleep(20 * 1000);
  g_object_unref(obj);
  return NULL;
}

int main(void) {
  for (int round = 0; round < 20; round++) {
    GObject *obj = g_object_new(G_TYPE_OBJECT, NULL);
    GHashTable *t = g_hash_table_new(NULL, NULL);
    g_hash_table_insert(t, GINT_TO_POINTER(1), GINT_TO_POINTER(1));
    g_object_set_data_full(obj, "table", t, (GDestroyNotify)g_hash_table_unref);
    g_object_ref(obj);
    g_object_ref(obj);
    GThread *a = g_thread_new("a", reader, obj);
    GThread *b = g_thread_new("b", reader, obj);
    g_object_unref(obj); /* the threads hold the last two references */
    /* Detach: only the reference count orders the threads. */
    g_thread_unref(a);
    g_thread_unref(b);
    g_usleep(60 * 1000);
  }
  return 0;
}
