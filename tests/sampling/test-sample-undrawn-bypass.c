/*
 * test-sample-undrawn-bypass.c: a canary that draws no map calls the map
 * libraries' writes, iterations and lists without mapsan (engine/window.c,
 * "before the first draw"): their PLT slots point at the real functions
 * from start-up, none comes back (no map is drawn), and the program works
 * as natively. Two threads each fill, iterate, trim and list a GHashTable
 * and a project map of their own and check every result; the exit summary
 * (verbosity=1) counts the slots rewritten until the first draw and none
 * rewritten back. Its racy counterparts are the window tests: there the
 * first drawn map brings the wrappers back before its first call, or no
 * window would open and no race be found (test-sample-window-race,
 * -window-race-glib, -rebind-race fail when it does not).
 *
 * mapsan-options: sample_rate=1000000000:verbosity=1
 * mapsan-expect: none
 * mapsan-stderr: back: 0 \([1-9][0-9]* until the first draw\)
 */
#include "../runtime/runtime-test.h"

#include <hmap.h>

#include <glib.h>

#include <pthread.h>
#include <stdint.h>

enum { N = 2000 };

static gboolean odd_key(gpointer k, gpointer v, gpointer data) {
  (void)v;
  (void)data;
  return (GPOINTER_TO_SIZE(k) & 1) != 0;
}

static void *worker(void *arg) {
  uintptr_t base = (uintptr_t)arg;
  GHashTable *g = g_hash_table_new(g_direct_hash, g_direct_equal);
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  for (uintptr_t i = 1; i <= N; i++) {
    g_hash_table_insert(g, GSIZE_TO_POINTER(base + i), GSIZE_TO_POINTER(i));
    uint64_t k = base + i;
    *(uint64_t *)hmap_assign(m, &k) = i;
  }
  RT_CHECK(g_hash_table_size(g) == N && hmap_len(m) == N);
  /* Iterate: every value once, each replaced by its double. */
  GHashTableIter it;
  gpointer k, v;
  uint64_t sum = 0;
  g_hash_table_iter_init(&it, g);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    sum += GPOINTER_TO_SIZE(v);
    g_hash_table_iter_replace(&it, GSIZE_TO_POINTER(2 * GPOINTER_TO_SIZE(v)));
  }
  RT_CHECK(sum == (uint64_t)N * (N + 1) / 2);
  uint64_t hsum = 0;
  hmap_iter hi;
  hmap_iter_init(&hi, m);
  while (hmap_iter_next(&hi))
    hsum += *(uint64_t *)hi.val;
  RT_CHECK(hsum == sum);
  /* Trim: the odd keys, by foreach_remove and by delete. */
  RT_CHECK(g_hash_table_foreach_remove(g, odd_key, NULL) == N / 2);
  for (uintptr_t i = 1; i <= N; i += 2) {
    uint64_t hk = base + i;
    RT_CHECK(hmap_delete(m, &hk));
  }
  RT_CHECK(g_hash_table_size(g) == N / 2 && hmap_len(m) == N / 2);
  GList *keys = g_hash_table_get_keys(g);
  RT_CHECK(g_list_length(keys) == N / 2);
  g_list_free(keys);
  RT_CHECK(g_hash_table_remove(g, GSIZE_TO_POINTER(base + 2)));
  RT_CHECK(g_hash_table_lookup(g, GSIZE_TO_POINTER(base + 4)) ==
           GSIZE_TO_POINTER(8));
  g_hash_table_remove_all(g);
  RT_CHECK(g_hash_table_size(g) == 0);
  g_hash_table_unref(g);
  hmap_free(m);
  return NULL;
}

int main(void) {
  pthread_t t[2];
  for (uintptr_t i = 0; i < 2; i++)
    RT_CHECK(pthread_create(&t[i], NULL, worker, (void *)(i << 20)) == 0);
  for (int i = 0; i < 2; i++)
    RT_CHECK(pthread_join(t[i], NULL) == 0);
  return 0;
}
