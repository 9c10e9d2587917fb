/*
 * host-glib-idle-remove-by-data: an idle source the program makes itself
 * (g_idle_source_new + g_source_set_callback + g_source_attach) is found
 * again by its data. g_idle_remove_by_data(data) must return TRUE and the
 * callback must then not run; g_main_context_find_source_by_user_data finds
 * a kept source (and only it), whose callback runs once with its data; each
 * notify gets the program's pointer once. A GHashTable is written first so
 * that the engine is live.
 */
#include <glib.h>

#include <stdio.h>

static int removed_tag, kept_tag;
static int removed_ran, kept_ran, removed_notified, kept_notified;

static gboolean on_removed(gpointer data) {
  removed_ran += data == &removed_tag ? 1 : 100;
  return G_SOURCE_REMOVE;
}

static gboolean on_kept(gpointer data) {
  kept_ran += data == &kept_tag ? 1 : 100;
  return G_SOURCE_REMOVE;
}

static void notify(gpointer data) {
  if (data == &removed_tag)
    removed_notified++;
  else if (data == &kept_tag)
    kept_notified++;
  else
    printf("notify with a foreign pointer\n");
}

static GSource *add(GSourceFunc cb, gpointer data) {
  GSource *s = g_idle_source_new();
  g_source_set_callback(s, cb, data, notify);
  g_source_attach(s, NULL);
  return s;
}

int main(void) {
  GHashTable *h = g_hash_table_new(g_direct_hash, g_direct_equal);
  g_hash_table_insert(h, GINT_TO_POINTER(1), GINT_TO_POINTER(1));

  GSource *r = add(on_removed, &removed_tag);
  GSource *k = add(on_kept, &kept_tag);
  printf("find removed: %d\n",
         g_main_context_find_source_by_user_data(NULL, &removed_tag) == r);
  printf("find kept: %d\n",
         g_main_context_find_source_by_user_data(NULL, &kept_tag) == k);
  printf("find by funcs: %d\n",
         g_main_context_find_source_by_funcs_user_data(
             NULL, &g_idle_funcs, &kept_tag) == k);
  printf("remove by data: %d\n", g_idle_remove_by_data(&removed_tag));
  printf("remove again: %d\n", g_idle_remove_by_data(&removed_tag));
  printf("removed destroyed: %d\n", g_source_is_destroyed(r));
  for (int i = 0; i < 10; i++)
    g_main_context_iteration(NULL, FALSE);
  printf("removed ran: %d, notified: %d\n", removed_ran, removed_notified);
  printf("kept ran: %d, notified: %d\n", kept_ran, kept_notified);
  printf("kept found after: %d\n",
         g_main_context_find_source_by_user_data(NULL, &kept_tag) != NULL);
  g_source_unref(r);
  g_source_unref(k);
  g_hash_table_unref(h);
  return 0;
}
