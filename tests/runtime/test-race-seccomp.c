/*
 * test-race-seccomp: a race in a program sandboxed as hardened services
 * are (seccomp-test.h: process_vm_readv kills the process), installed
 * after start-up with prctl. The report is
 * made as anywhere else, every frame with its module's build-id (read
 * from the mapped notes through a readability probe every filter allows,
 * base/memread.c), and the program ends as it would: exit status 66 for
 * the report, not SIGSYS.
 *
 * mapsan-expect: write-write-race B A
 * mapsan-frames-build-id: true
 */
#include "runtime-test.h"
#include "seccomp-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static hmap *m;
static atomic_int written;

static void *writer(void *arg) {
  (void)arg;
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: A */
  rt_flag_set(&written, 1);
  return NULL;
}

int main(void) {
  sandbox_without_debug_calls(0); /* prctl */
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, writer, NULL);
  if (!rt_flag_wait(&written, 1, 10000))
    return 2;
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: B */
  pthread_join(th, NULL);
  hmap_free(m);
  return 0;
}
