/*
 * test-map-embed: maps embedded by value (hmap_init / hmap_destroy) work
 * like heap maps, several in one struct, independently; init zeroes
 * tool_tag and, for a small hint, allocates nothing until the first write;
 * a large hint preallocates enough buckets that no growth happens; destroy
 * releases every array (counters return to their start).
 */
#include "map-test.h"

#include <string.h>

struct owner {
  int before;
  hmap ids;
  hmap names;
  int after;
};

static unsigned long live_arrays(void) {
  hmap_counters c;
  hmap_debug_counters(&c);
  return c.arrays_allocated - c.arrays_freed;
}

int main(void) {
  unsigned long base = live_arrays();
  struct owner o;
  memset(&o, 0xff, sizeof o);
  o.before = 1;
  o.after = 2;
  hmap_init(&o.ids, &hmap_u64_u64, 0);
  hmap_init(&o.names, &hmap_str_ptr, 4000);
  CHECK(o.ids.tool_tag == 0 && o.names.tool_tag == 0);
  CHECK(o.ids.buckets == NULL && o.names.buckets != NULL);
  CHECK(hmap_len(&o.ids) == 0 && hmap_lookup(&o.ids, &(uint64_t){1}) == NULL);
  static char buf[4000][16];
  for (uint64_t i = 0; i < 4000; i++) {
    u64_put(&o.ids, i, i * 2);
    snprintf(buf[i], sizeof buf[i], "n%llu", (unsigned long long)i);
    const char *k = buf[i];
    *(void **)hmap_assign(&o.names, &k) = buf[i];
  }
  CHECK(o.before == 1 && o.after == 2);
  CHECK_MAP(&o.ids);
  CHECK_MAP(&o.names);
  hmap_stats st;
  hmap_debug_stats(&o.names, &st);
  CHECK(st.grows == 0 && st.same_size_grows == 0);
  for (uint64_t i = 0; i < 4000; i++) {
    CHECK(*u64_lookup(&o.ids, i) == i * 2);
    const char *k = buf[i];
    CHECK(*(char **)hmap_lookup(&o.names, &k) == buf[i]);
  }
  hmap_destroy(&o.ids);
  CHECK(o.ids.buckets == NULL && hmap_len(&o.names) == 4000);
  hmap_destroy(&o.names);
  hmap_destroy(NULL);
  CHECK(live_arrays() == base);
  /* Re-initialized after destroy, the embedded map is usable again. */
  hmap_init(&o.ids, &hmap_u64_u64, 1);
  u64_put(&o.ids, 5, 6);
  CHECK(*u64_lookup(&o.ids, 5) == 6);
  hmap_destroy(&o.ids);
  CHECK(live_arrays() == base);
  printf("ok\n");
  return 0;
}
