/*
 * test-growth-registry-hmap.c: test-growth-registry-glib.c on the project's
 * map (hmap_str_ptr: the key slot holds a string whose contents are hashed):
 * the key is a fresh closure's address formatted as a string, so the leak
 * is reported as unbounded-growth from the registering call site.
 *
 * mapsan-options: growth_limit=100:map_profile=1
 * mapsan-expect: unbounded-growth REG
 * mapsan-insert-site: REG 101
 * mapsan-field: unbounded-growth entries 101
 * mapsan-field: unbounded-growth api "hmap"
 * mapsan-profile: NEW only_grows=true size=600 inserts=600 removals=0
 * mapsan-profile-site: NEW REG 600
 */
#include <hmap.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
  char buf[32];
  snprintf(buf, sizeof(buf), "%p", (void *)c);
  const char *key = strdup(buf); /* lives as long as its entry */
  *(struct closure **)hmap_assign(registry, &key) = c; /* mapsan-mark: REG */
}

int main(void) {
  registry = hmap_new(&hmap_str_ptr, 0); /* mapsan-mark: NEW */
  for (int round = 0; round < 200; round++) {
    register_handler("open", on_open);
    register_handler("close", on_close);
    register_handler("reload", on_reload);
  }
  return hmap_len(registry) == 600 ? 0 : 1;
}
