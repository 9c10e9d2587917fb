/*
 * test-uau-integers: after a real unload, maps whose keys and values are
 * small integers, 64-bit hashes, and pointers into live modules (libc,
 * the program, the heap) are looked up and iterated: none of their words
 * lies in the unloaded module's segments, so nothing is reported. The
 * plugin's load address is known here, so words just below it are tried
 * too.
 *
 * mapsan-expect: none
 */
#include "uau-test.h"

#include <stdint.h>

static uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  struct uau_plugin pl = uau_load(argv[1], RTLD_NOW);
  Dl_info info;
  void *any;
  memcpy(&any, &pl.alpha, sizeof(any));
  if (!dladdr(any, &info))
    return 2;
  uintptr_t base = (uintptr_t)info.dli_fbase;
  if (dlclose(pl.handle) != 0)
    return 2;
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  GHashTable *t = g_hash_table_new(g_direct_hash, g_direct_equal);
  uint64_t vals[] = {0, 1, 42, 4096, (uint64_t)-1, mix(1), mix(2), mix(3),
                     (uint64_t)(uintptr_t)&printf, (uint64_t)(uintptr_t)&main,
                     (uint64_t)(uintptr_t)m, (uint64_t)(uintptr_t)t,
                     base - 1, base - 4096};
  size_t n = sizeof(vals) / sizeof(vals[0]);
  for (size_t i = 0; i < n; i++) {
    uint64_t k = vals[i];
    *(uint64_t *)hmap_assign(m, &k) = vals[n - 1 - i];
    g_hash_table_insert(t, (gpointer)(uintptr_t)vals[i],
                        (gpointer)(uintptr_t)vals[n - 1 - i]);
  }
  uint64_t sum = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t k = vals[i];
    sum += *(uint64_t *)hmap_lookup(m, &k);
    sum += (uintptr_t)g_hash_table_lookup(t, (gpointer)(uintptr_t)vals[i]);
  }
  hmap_iter it;
  hmap_iter_init(&it, m);
  size_t seen = 0;
  while (hmap_iter_next(&it))
    seen++;
  GHashTableIter gi;
  gpointer k, v;
  g_hash_table_iter_init(&gi, t);
  while (g_hash_table_iter_next(&gi, &k, &v))
    seen++;
  printf("%zu entries seen, checksum %s\n", seen, sum ? "nonzero" : "zero");
  return 0;
}
