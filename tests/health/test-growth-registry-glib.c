/*
 * test-growth-registry-glib.c: proves that growth_limit finds the
 * registration leak in a GHashTable: a handler registry that dedupes by a
 * key made from a freshly allocated closure's address, formatted as a
 * string, never finds the old entry, so each re-registration of the same
 * three handlers adds one and nothing is ever removed. Reported once as
 * unbounded-growth at the insert that makes it hold 101 entries, from the
 * registering call site, which is also the only inserting site (counted
 * 101 then); the exit-time profile says only_grows with every count.
 *
 * mapsan-options: growth_limit=100:map_profile=1
 * mapsan-expect: unbounded-growth REG
 * mapsan-insert-site: REG 101
 * mapsan-field: unbounded-growth growth_limit 100
 * mapsan-field: unbounded-growth entries 101
 * mapsan-field: unbounded-growth api "glib"
 * mapsan-profile: NEW only_grows=true size=600 peak_size=600 inserts=600 removals=0 replacements=0
 * mapsan-profile-site: NEW REG 600
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
  char *key = g_strdup_printf("%p", (void *)c); /* a new key every time */
  g_hash_table_insert(registry, key, c); /* mapsan-mark: REG */
}

int main(void) {
  registry = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free); /* mapsan-mark: NEW */
  for (int round = 0; round < 200; round++) { /* each config reload */
    register_handler("open", on_open);
    register_handler("close", on_close);
    register_handler("reload", on_reload);
  }
  return g_hash_table_size(registry) == 600 ? 0 : 1;
}
