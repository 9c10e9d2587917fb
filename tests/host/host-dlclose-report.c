/*
 * host-dlclose-report: a plugin writes a map from a thread, the plugin is
 * dlclose'd, and then the main thread races with that write, so the
 * report's previous stack lies in a module that is gone. The report must
 * be made and printed whole (the symbolizer rebuilds its module list in
 * the middle of the report: what it resolved before must stay valid), and
 * the program goes on as natively.
 *
 * host-reports: write-write-race
 */
#include <hmap.h>

#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static hmap *m;
static void (*plugin_write)(hmap *, uint64_t);

static atomic_int written, reported;

/* The flags are relaxed atomics: they order nothing in mapsan's eyes (or
 * C11's), so the plugin's write and main's stay a race. */
static void *worker(void *arg) {
  plugin_write(m, 2);
  atomic_store_explicit(&written, 1, memory_order_relaxed);
  while (!atomic_load_explicit(&reported, memory_order_relaxed))
    sched_yield();
  return arg;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  void *h = dlopen(argv[1], RTLD_NOW);
  if (h == NULL) {
    printf("dlopen: %s\n", dlerror());
    return 2;
  }
  *(void **)&plugin_write = dlsym(h, "plugin_write");
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  while (!atomic_load_explicit(&written, memory_order_relaxed))
    sched_yield();
  printf("dlclose: %d\n", dlclose(h));
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = k; /* races with the plugin's write */
  atomic_store_explicit(&reported, 1, memory_order_relaxed);
  pthread_join(t, NULL);
  printf("len %zu\n", hmap_len(m));
  return 0;
}
