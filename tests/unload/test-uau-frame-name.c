/*
 * test-uau-frame-name: a frame of an unloaded module is named after it. A
 * thread registers the plugin's handlers into a map (the writes are the
 * plugin's), the plugin is dlclose'd, and the main thread then writes the
 * same map without synchronization: a write-write race whose previous
 * stack starts in the unloaded plugin. That frame must read
 * "plugin-uau.so (unloaded)+0x..." (JSON "unloaded": true), not the name
 * of whatever was mapped at the address since (mapsan itself loads libdw
 * for the report: it used to land there), and, the file being still the
 * module that was unloaded (same build-id), with its function and line. Flags are relaxed atomics: they
 * order nothing, so the two writes stay a race.
 *
 * mapsan-expect: write-write-race WRITE
 * mapsan-stderr: #0 plugin_register_hmap \S*plugin-uau\.c:\d+ \(plugin-uau\.so \(unloaded\)\+0x[0-9a-f]+\)
 */
#include "uau-test.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

static hmap *m;
static struct uau_plugin pl;
static atomic_int registered, written;

static void *worker(void *arg) {
  pl.register_hmap(m, false);
  atomic_store_explicit(&registered, 1, memory_order_relaxed);
  while (!atomic_load_explicit(&written, memory_order_relaxed))
    sched_yield();
  return arg;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  pl = uau_load(argv[1], RTLD_NOW);
  m = hmap_new(&hmap_str_ptr, 0);
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  while (!atomic_load_explicit(&registered, memory_order_relaxed))
    sched_yield();
  if (dlclose(pl.handle) != 0)
    return 2;
  const char *name = "gamma";
  *(void **)hmap_assign(m, &name) = &name; /* mapsan-mark: WRITE */
  atomic_store_explicit(&written, 1, memory_order_relaxed);
  pthread_join(t, NULL);
  printf("%zu entries\n", hmap_len(m));
  return 0;
}
