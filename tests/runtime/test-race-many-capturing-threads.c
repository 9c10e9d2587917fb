/*
 * test-race-many-capturing-threads.c: libunwind's fast capture keeps a
 * 256 KiB cache per thread (stacks/unwind.h), so mapsan gives it to at
 * most 64 live threads and lets the others step. 200 threads each write
 * their own map (capturing a stack) and stay alive; then about 64 resident
 * 256 KiB mappings may exist (200 without the bound; fewer are counted when
 * neighbours merge, 84 of 150 in one run). The limit allows 8 more, as one
 * run in CI counted 65: a resident 256 KiB mapping that is not libunwind's
 * (a malloc'd block filled by meson's MALLOC_PERTURB_, say). Then two
 * more threads, which capture only now and so step, race on a shared map:
 * the race is reported with both lines, from stepped stacks.
 *
 * mapsan-expect: write-write-race A B
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

enum { HOLDERS = 200, FAST_MAX = 64, SLACK = 8 };

static atomic_int holders_ready, a_done;
static hmap *shared;
/* Holders block reading it (150 pollers would starve 2 cores); a pipe is
 * nothing mapsan orders by. */
static int release_pipe[2];

static void *holder(void *arg) {
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  uint64_t k = (uint64_t)(uintptr_t)arg;
  *(uint64_t *)hmap_assign(m, &k) = k;
  atomic_fetch_add_explicit(&holders_ready, 1, memory_order_relaxed);
  char c;
  RT_CHECK(read(release_pipe[0], &c, 1) == 1);
  hmap_free(m);
  return NULL;
}

static void *racer_a(void *arg) {
  (void)arg;
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(shared, &k) = 1; /* mapsan-mark: A */
  rt_flag_set(&a_done, 1);
  return NULL;
}

static void *racer_b(void *arg) {
  (void)arg;
  RT_CHECK(rt_flag_wait(&a_done, 1, 60000));
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(shared, &k) = 2; /* mapsan-mark: B */
  return NULL;
}

/* Anonymous mappings of exactly 256 KiB that are (almost) all resident:
 * libunwind's per-thread trace caches. (The alternate signal stacks are
 * 256 KiB too, but untouched.) */
static int resident_256k_mappings(void) {
  FILE *f = fopen("/proc/self/smaps", "r");
  RT_CHECK(f != NULL);
  char line[512];
  unsigned long lo = 0, hi = 0;
  int n = 0;
  while (fgets(line, sizeof(line), f)) {
    unsigned long a, b;
    long rss;
    if (sscanf(line, "%lx-%lx ", &a, &b) == 2 && strchr(line, '/') == NULL) {
      lo = a;
      hi = b;
    } else if (sscanf(line, "%lx-%lx ", &a, &b) == 2) {
      lo = hi = 0;
    } else if (sscanf(line, "Rss: %ld kB", &rss) == 1 &&
               hi - lo == 256 * 1024 && rss >= 192) {
      n++;
    }
  }
  fclose(f);
  return n;
}

int main(void) {
  pthread_t th[HOLDERS], a, b;
  RT_CHECK(pipe(release_pipe) == 0);
  shared = hmap_new(&hmap_u64_u64, 0);
  for (int i = 0; i < HOLDERS; i++)
    RT_CHECK(pthread_create(&th[i], NULL, holder, (void *)(uintptr_t)i) == 0);
  RT_CHECK(rt_flag_wait(&holders_ready, HOLDERS, 60000));
  int caches = resident_256k_mappings();
  fprintf(stderr, "%d resident 256 KiB mappings\n", caches);
  if (caches > FAST_MAX + SLACK) {
    fprintf(stderr, "%d resident 256 KiB mappings with %d threads alive\n",
            caches, HOLDERS);
    return 3;
  }
  pthread_create(&a, NULL, racer_a, NULL);
  pthread_create(&b, NULL, racer_b, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  static const char bytes[HOLDERS];
  RT_CHECK(write(release_pipe[1], bytes, HOLDERS) == HOLDERS);
  for (int i = 0; i < HOLDERS; i++)
    pthread_join(th[i], NULL);
  hmap_free(shared);
  return 0;
}
