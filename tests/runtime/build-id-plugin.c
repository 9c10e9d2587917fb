/*
 * build-id-plugin.c: built twice, with PLUGIN_TAG 1 and 2: two libraries of
 * the same size and layout with different build-ids, so that the second,
 * dlopen'ed after the first is dlclose'd, is mapped where the first was
 * (test-race-build-id-reload.c).
 */
#include <hmap.h>

#include <stdint.h>

__attribute__((noinline)) void plugin_write(hmap *m, uint64_t k) {
  *(uint64_t *)hmap_assign(m, &k) = k + PLUGIN_TAG;
}
