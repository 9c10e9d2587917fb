/*
 * test-sample-rate-glib-untracked.c: with sample_rate=1000000 a GHashTable
 * is all but certainly untracked, and mapsan marks it so in the table's
 * padding (shim/map_glib.c) to skip every later call. The racy program
 * stays silent, exits 0, and GLib works unchanged around the mark: every
 * call of the API (insert, replace, add, lookup, contains, size, find,
 * foreach, iterate and remove through the iterator, steal, remove, get
 * keys and values, foreach_remove, remove_all, destroy) on a table grown
 * to thousands of keys and switched to 64-bit keys, checked against the
 * expected contents; and the table carries the untracked mark.
 *
 * mapsan-options: sample_rate=1000000
 * mapsan-expect: none
 */
#include "glib-mark.h"

#include <glib.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static GHashTable *h;

static void *writer(void *arg) {
  (void)arg;
  usleep(20 * 1000);
  for (uintptr_t i = 1; i <= 1000; i++)
    g_hash_table_insert(h, (gpointer)i, (gpointer)(i + 1));
  return NULL;
}

static void sum_values(gpointer k, gpointer v, gpointer data) {
  (void)k;
  *(uintptr_t *)data += (uintptr_t)v;
}

static gboolean is_odd_key(gpointer k, gpointer v, gpointer data) {
  (void)v;
  (void)data;
  return ((uintptr_t)k & 1) != 0;
}

static gboolean key_is_7(gpointer k, gpointer v, gpointer data) {
  (void)v;
  (void)data;
  return (uintptr_t)k == 7;
}

int main(void) {
  h = g_hash_table_new(NULL, NULL);
  check_marked(h);
  pthread_t th;
  pthread_create(&th, NULL, writer, NULL);
  for (uintptr_t i = 1; i <= 1000; i++)
    g_hash_table_insert(h, (gpointer)i, (gpointer)(i + 1)); /* races */
  pthread_join(th, NULL);

  CHECK(g_hash_table_size(h) == 1000);
  for (uintptr_t i = 1; i <= 1000; i++)
    CHECK(g_hash_table_lookup(h, (gpointer)i) == (gpointer)(i + 1));
  CHECK(g_hash_table_replace(h, (gpointer)5, (gpointer)50) == FALSE);
  CHECK(g_hash_table_add(h, (gpointer)2000) == TRUE);
  CHECK(g_hash_table_contains(h, (gpointer)2000));
  gpointer ok, ov;
  CHECK(g_hash_table_lookup_extended(h, (gpointer)5, &ok, &ov) && ov == (gpointer)50);
  CHECK(g_hash_table_find(h, key_is_7, NULL) == (gpointer)8);
  for (uintptr_t i = 1; i <= 3000; i++) /* 64-bit keys and values, growth */
    g_hash_table_insert(h, (gpointer)(i << 40), (gpointer)(i << 41));
  CHECK(g_hash_table_size(h) == 4001);
  uintptr_t sum = 0;
  g_hash_table_foreach(h, sum_values, &sum);
  CHECK(sum != 0);
  GHashTableIter it;
  gpointer k, v;
  guint seen = 0, removed = 0;
  g_hash_table_iter_init(&it, h);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    seen++;
    if ((uintptr_t)k >= ((uintptr_t)1 << 40) && ((uintptr_t)k >> 40) % 2 == 0) {
      g_hash_table_iter_remove(&it);
      removed++;
    }
  }
  CHECK(seen == 4001 && removed == 1500);
  CHECK(g_hash_table_size(h) == 2501);
  CHECK(g_hash_table_steal(h, (gpointer)2000));
  CHECK(g_hash_table_remove(h, (gpointer)1));
  GList *keys = g_hash_table_get_keys(h), *vals = g_hash_table_get_values(h);
  CHECK(g_list_length(keys) == 2499 && g_list_length(vals) == 2499);
  g_list_free(keys);
  g_list_free(vals);
  guint odd = g_hash_table_foreach_remove(h, is_odd_key, NULL);
  CHECK(odd > 0 && g_hash_table_size(h) == 2499 - odd);
  g_hash_table_remove_all(h);
  CHECK(g_hash_table_size(h) == 0);
  g_hash_table_destroy(h);
  return 0;
}
