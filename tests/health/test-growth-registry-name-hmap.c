/*
 * test-growth-registry-name-hmap.c: the clean twin of
 * test-growth-registry-hmap.c: keyed by the handler's name, re-registering
 * overwrites; three entries, no report.
 *
 * mapsan-options: growth_limit=100:map_profile=1
 * mapsan-expect: none
 * mapsan-profile: NEW size=3 peak_size=3 inserts=3 replacements=597 removals=0
 * mapsan-profile-site: NEW REG 3
 */
#include <hmap.h>

#include <stdlib.h>

struct closure {
  void (*fn)(void);
  const char *name;
};

static hmap *registry;

static void on_open(void) {}
static void on_close(void) {}
static void on_reload(void) {}

static void register_handler(const char *name, void (*fn)(void)) {
  struct closure *c = calloc(1, sizeof(*c));
  c->fn = fn;
  c->name = name;
  struct closure **slot = hmap_assign(registry, &name); /* mapsan-mark: REG */
  free(*slot);
  *slot = c;
}

int main(void) {
  registry = hmap_new(&hmap_str_ptr, 0); /* mapsan-mark: NEW */
  for (int round = 0; round < 200; round++) {
    register_handler("open", on_open);
    register_handler("close", on_close);
    register_handler("reload", on_reload);
  }
  return hmap_len(registry) == 3 ? 0 : 1;
}
