/*
 * The plugin of host-dlclose-report: writes the program's map from the
 * plugin's own code, so that the access's stack lies in the plugin.
 */
#include <hmap.h>

#include <stdint.h>

void plugin_write(hmap *m, uint64_t k) {
  *(uint64_t *)hmap_assign(m, &k) = k;
}
