/*
 * test-race-build-id-reload.c: a report names the build-id of the library
 * its frames are in, also when that library was dlopen'ed where another,
 * dlclose'd since, was mapped. mapsan's cache of build-ids
 * (base/buildid.c) learns the first library at the first report (a miss
 * walks the loaded modules); an address in the second library, mapped at
 * the same place, hits the first one's stale entry unless each report
 * walks the modules first (reports/report.c).
 *
 * The arguments are the two plugins (build-id-plugin.c built with
 * PLUGIN_TAG 1 and 2). Each plugin writes a map from a thread and main
 * races with that write: two reports, each with a previous stack in its
 * plugin. Every frame's build_id must equal its module file's note (the
 * second report's plugin frames were named after the first plugin).
 * The program prints where each plugin was mapped: the second lands on
 * the first (checked: "same address"). Only with the use-after-unload rule
 * off (unload_keep=0): on, the first plugin's range stays reserved after
 * its dlclose, and the second cannot be mapped there.
 *
 * mapsan-options: unload_keep=0
 * mapsan-expect: write-write-race FIRST
 * mapsan-expect: write-write-race SECOND
 * mapsan-frames-build-id: true
 * mapsan-frame-in: libbuild-id-plugin-1.so
 * mapsan-frame-in: libbuild-id-plugin-2.so
 * mapsan-stderr: same address
 */
#include "runtime-test.h"

#include <hmap.h>

#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

static void (*plugin_write)(hmap *, uint64_t);
static hmap *shared;

/* The thread's write and main's are unordered: the flags are relaxed
 * atomics, which order nothing (runtime-test.h), and the thread is joined
 * only after main's write. */
static atomic_int written, raced;

static void *racer(void *arg) {
  (void)arg;
  plugin_write(shared, 2);
  rt_flag_set(&written, 1);
  RT_CHECK(rt_flag_wait(&raced, 1, 10000));
  return NULL;
}

static void *load(const char *path) {
  void *h = dlopen(path, RTLD_NOW);
  RT_CHECK(h != NULL);
  *(void **)&plugin_write = dlsym(h, "plugin_write");
  RT_CHECK(plugin_write != NULL);
  return h;
}

static void race_once(int which) {
  shared = hmap_new(&hmap_u64_u64, 0);
  rt_flag_set(&written, 0);
  rt_flag_set(&raced, 0);
  pthread_t th;
  pthread_create(&th, NULL, racer, NULL);
  RT_CHECK(rt_flag_wait(&written, 1, 10000));
  uint64_t k = 1;
  if (which == 1)
    *(uint64_t *)hmap_assign(shared, &k) = 1; /* mapsan-mark: FIRST */
  else
    *(uint64_t *)hmap_assign(shared, &k) = 2; /* mapsan-mark: SECOND */
  rt_flag_set(&raced, 1);
  pthread_join(th, NULL);
  hmap_free(shared);
}

int main(int argc, char **argv) {
  RT_CHECK(argc == 3);
  void *h = load(argv[1]);
  uintptr_t first = (uintptr_t)plugin_write;
  race_once(1);
  RT_CHECK(dlclose(h) == 0);
  h = load(argv[2]);
  fprintf(stderr, "%s\n", (uintptr_t)plugin_write == first
                              ? "same address" : "another address");
  race_once(2);
  dlclose(h);
  return 0;
}
