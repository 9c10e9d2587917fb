/*
 * test-race-report-fds-untouched.c: a program that goes on after a report
 * finds its descriptors as if mapsan were not there. Making the report
 * opens files: libdw reads the ELF and debug files of every object named,
 * and the JSON report file is opened and kept. libdw's are closed once the
 * report is written (reports/symbolize.c) and the report file is moved
 * above the program's range (reports/fds.c). The program notes which of
 * descriptors 0-255 are open, races (two threads write one map unordered,
 * so the report is made in the middle of the program), then checks that
 * the same ones are open.
 *
 * mapsan-expect: write-write-race A B
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

static hmap *m;
static atomic_int written;

#include <fcntl.h>
#include <string.h>

#define LOW_FDS 256

static void open_fds(bool open[LOW_FDS]) {
  for (int fd = 0; fd < LOW_FDS; fd++)
    open[fd] = fcntl(fd, F_GETFD) != -1;
}

static void *writer(void *arg) {
  (void)arg;
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: A */
  rt_flag_set(&written, 1);
  return NULL;
}

int main(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  static bool before[LOW_FDS], after[LOW_FDS];
  open_fds(before);
  pthread_t th;
  pthread_create(&th, NULL, writer, NULL);
  RT_CHECK(rt_flag_wait(&written, 1, 10000));
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: B */
  pthread_join(th, NULL);
  open_fds(after);
  for (int fd = 0; fd < LOW_FDS; fd++)
    if (before[fd] != after[fd]) {
      fprintf(stderr, "descriptor %d %s before the report, %s after\n", fd,
              before[fd] ? "open" : "free", after[fd] ? "open" : "free");
      return 3;
    }
  hmap_free(m);
  return 0;
}
