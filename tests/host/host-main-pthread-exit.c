/*
 * host-main-pthread-exit: main ends with pthread_exit after a race, with
 * its output still in stdio's buffer (stdout is a pipe: fully buffered).
 * The last thread's return ends the process through glibc's internal
 * exit(0); mapsan turns the status into 66 there and must still let every
 * buffered line out, after the program's own exit handler.
 *
 * host-reports: write-write-race
 */
#include <hmap.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static hmap *m;

static void bye(void) { printf("atexit handler ran\n"); }

static void *writer(void *arg) {
  (void)arg;
  usleep(30 * 1000);
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m, &k) = 2;
  usleep(50 * 1000);
  printf("last thread returns\n");
  return NULL;
}

int main(void) {
  atexit(bye);
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, writer, NULL);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1;
  printf("main calls pthread_exit\n");
  pthread_exit(NULL);
}
