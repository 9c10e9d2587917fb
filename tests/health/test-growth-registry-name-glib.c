/*
 * test-growth-registry-name-glib.c: the clean twin of
 * test-growth-registry-glib.c: the registry is keyed by the handler's name,
 * so re-registering replaces the entry; it holds three entries whatever the
 * number of reloads, and growth_limit reports nothing. The profile counts
 * 3 inserts of new keys and 597 replacements.
 *
 * mapsan-options: growth_limit=100:map_profile=1
 * mapsan-expect: none
 * mapsan-profile: NEW size=3 peak_size=3 inserts=3 replacements=597 removals=0
 * mapsan-profile-site: NEW REG 3
 */
#include <glib.h>

struct closure {
  void (*fn)(void);
  const char *name;
};

static GHashTable *registry;

static void on_open(void) {}
static void on_close(void) {}
static void on_reload(void) {}

static void register_handler(const char *name, void (*fn)(void)) {
  struct closure *c = g_new0(struct closure, 1);
  c->fn = fn;
  c->name = name;
  g_hash_table_replace(registry, g_strdup(name), c); /* mapsan-mark: REG */
}

int main(void) {
  registry = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free); /* mapsan-mark: NEW */
  for (int round = 0; round < 200; round++) {
    register_handler("open", on_open);
    register_handler("close", on_close);
    register_handler("reload", on_reload);
  }
  return g_hash_table_size(registry) == 3 ? 0 : 1;
}
