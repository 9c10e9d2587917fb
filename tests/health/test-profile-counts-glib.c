/*
 * test-profile-counts-glib.c: the profile's counters are exact on a
 * scripted workload on GLib's table: 100 new keys from site A, 20
 * overwrites (10 insert, 10 replace) from site B, 30 removals of present
 * keys and 5 of absent ones, 40 lookups and 10 contains that hit, 20
 * lookups and 5 lookup_extended that miss, 2 iterators, 1 foreach; size()
 * is not counted. GLib's table doubled from 8 slots to 128 (4 resizes) and
 * did not shrink (70 entries); its storage is 128 slots of 4-byte keys,
 * values and hashes.
 *
 * mapsan-options: map_profile=1
 * mapsan-expect: none
 * mapsan-profile: NEW size=70 peak_size=100 inserts=100 replacements=20 removals=30 lookups_hit=50 lookups_miss=25 iterations=3 grows=4 shrinks=0 same_size_grows=0 bytes=1536 peak_bytes=1536 only_grows=false api="glib"
 * mapsan-profile-site: NEW A 100
 */
#include <glib.h>

static void count(gpointer k, gpointer v, gpointer data) {
  (void)k;
  (void)v;
  (*(int *)data)++;
}

int main(void) {
  GHashTable *t = g_hash_table_new(NULL, NULL); /* mapsan-mark: NEW */
  for (gsize k = 1; k <= 100; k++)
    g_hash_table_insert(t, GSIZE_TO_POINTER(k), GSIZE_TO_POINTER(k)); /* mapsan-mark: A */
  for (gsize k = 1; k <= 10; k++)
    g_hash_table_insert(t, GSIZE_TO_POINTER(k), GSIZE_TO_POINTER(k + 1));
  for (gsize k = 11; k <= 20; k++)
    g_hash_table_replace(t, GSIZE_TO_POINTER(k), GSIZE_TO_POINTER(k + 1));
  for (gsize k = 1; k <= 30; k++)
    g_hash_table_remove(t, GSIZE_TO_POINTER(k));
  for (gsize k = 1000; k < 1005; k++)
    g_hash_table_remove(t, GSIZE_TO_POINTER(k));
  int n = 0;
  for (gsize k = 51; k <= 90; k++)
    n += g_hash_table_lookup(t, GSIZE_TO_POINTER(k)) != NULL;
  for (gsize k = 91; k <= 100; k++)
    n += g_hash_table_contains(t, GSIZE_TO_POINTER(k));
  for (gsize k = 2000; k < 2020; k++)
    n += g_hash_table_lookup(t, GSIZE_TO_POINTER(k)) != NULL;
  for (gsize k = 3000; k < 3005; k++)
    n += g_hash_table_lookup_extended(t, GSIZE_TO_POINTER(k), NULL, NULL);
  for (int i = 0; i < 2; i++) {
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, t);
    while (g_hash_table_iter_next(&it, &k, &v))
      n++;
  }
  g_hash_table_foreach(t, count, &n);
  n += (int)g_hash_table_size(t);
  return n == 50 + 2 * 70 + 70 + 70 ? 0 : 1;
}
