/*
 * test-race-after-main-exit.c: a report made after the main thread called
 * pthread_exit still has functions, files and lines. Once the main thread
 * is gone, /proc/<pid>/maps (and /proc/self/maps) read empty, so a
 * symbolizer that reads them finds no module; /proc/thread-self/maps still
 * works. The writer waits until /proc/self/maps reads empty, then races
 * with main's earlier write.
 *
 * mapsan-expect-ordered: write-write-race B A
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <hmap.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

static hmap *m;

static bool self_maps_empty(void) {
  char buf[64];
  int fd = open("/proc/self/maps", O_RDONLY);
  if (fd < 0)
    return true;
  ssize_t n = read(fd, buf, sizeof(buf));
  close(fd);
  return n <= 0;
}

static void *writer(void *arg) {
  (void)arg;
  long deadline = rt_now_ms() + 5000;
  while (!self_maps_empty() && rt_now_ms() < deadline)
    rt_sleep_ms(1);
  RT_CHECK(self_maps_empty());
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: B */
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, writer, NULL);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: A */
  pthread_exit(NULL);
}
