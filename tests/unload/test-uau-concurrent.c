/*
 * test-uau-concurrent: modules enter and leave the unload log while other
 * threads read maps. Two threads look up and iterate tables of live
 * handlers (the program's own functions, and the current plugin's, each
 * registered and unregistered under the table's lock around its plugin's
 * life), while the main thread reloads the plugin 2,000 times with a log
 * of 8 (so that evictions run all the time). No entry ever points into an
 * unloaded module when it is read: no report, no crash, no hang.
 *
 * mapsan-options: unload_keep=8
 * mapsan-expect: none
 * mapsan-crash: none
 */
#include "uau-test.h"

#include <pthread.h>
#include <stdatomic.h>

#define RELOADS 2000

static GHashTable *handlers;
static hmap *names;
static GMutex lock;
static atomic_int done;

static int own(int x) { return x - 1; }

static void *reader(void *arg) {
  long calls = 0;
  while (!atomic_load(&done)) {
    g_mutex_lock(&lock);
    uau_handler f = uau_as_handler(g_hash_table_lookup(handlers, "alpha"));
    uau_handler g = uau_as_handler(g_hash_table_lookup(handlers, "own"));
    const char *name = "alpha";
    void **slot = hmap_lookup(names, &name);
    if (f)
      calls += f(1) > 0;
    if (g)
      calls += g(2) > 0;
    if (slot)
      calls += uau_as_handler(*slot)(3) > 0;
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, handlers);
    while (g_hash_table_iter_next(&it, &k, &v))
      calls++;
    g_mutex_unlock(&lock);
  }
  return (void *)calls;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  handlers = uau_table();
  names = hmap_new(&hmap_str_ptr, 0);
  void *p;
  int (*o)(int) = own;
  memcpy(&p, &o, sizeof(p));
  g_hash_table_insert(handlers, g_strdup("own"), p);
  pthread_t t[2];
  for (int i = 0; i < 2; i++)
    pthread_create(&t[i], NULL, reader, NULL);
  for (int i = 0; i < RELOADS; i++) {
    struct uau_plugin pl = uau_load(argv[1], RTLD_NOW);
    g_mutex_lock(&lock);
    pl.register_glib(handlers);
    pl.register_hmap(names, true);
    g_mutex_unlock(&lock);
    g_mutex_lock(&lock);
    pl.unregister_glib(handlers);
    pl.unregister_hmap(names);
    g_mutex_unlock(&lock);
    if (dlclose(pl.handle) != 0)
      return 2;
  }
  atomic_store(&done, 1);
  long calls = 0;
  for (int i = 0; i < 2; i++) {
    void *r;
    pthread_join(t[i], &r);
    calls += (long)r;
  }
  printf("%d reloads, readers busy: %s\n", RELOADS, calls > 0 ? "yes" : "no");
  return 0;
}
