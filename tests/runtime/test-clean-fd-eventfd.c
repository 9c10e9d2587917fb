/*
 * test-clean-fd-eventfd.c: a map handed between two threads through
 * eventfds is ordered. Two eventfds (one each way, one of them in
 * semaphore mode) carry a count; each side writes the map only after
 * reading the count the other side added after its own map writes. The
 * rounds alternate write/read with eventfd_write/eventfd_read (glibc
 * implements those with internal calls no interposer sees, so they are
 * modelled themselves). No report.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

enum { ROUNDS = 60 };

static int to_b, to_a;
static hmap *m;

static void post(int fd, int how) {
  if (how % 2 == 0) {
    uint64_t one = 1;
    RT_CHECK(write(fd, &one, sizeof(one)) == (ssize_t)sizeof(one));
  } else {
    RT_CHECK(eventfd_write(fd, 1) == 0);
  }
}

static void take(int fd, int how) {
  eventfd_t v = 0;
  if (how % 2 == 0)
    RT_CHECK(read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v));
  else
    RT_CHECK(eventfd_read(fd, &v) == 0);
  RT_CHECK(v == 1);
}

static void *b_side(void *arg) {
  (void)arg;
  for (uint64_t i = 0; i < ROUNDS; i++) {
    take(to_b, (int)i);
    uint64_t k = i;
    uint64_t *v = hmap_lookup(m, &k);
    RT_CHECK(v != NULL && *v == i);
    hmap_delete(m, &k);
    k = 100000 + i;
    *(uint64_t *)hmap_assign(m, &k) = i;
    post(to_a, (int)i + 1);
  }
  return NULL;
}

int main(void) {
  to_b = eventfd(0, EFD_CLOEXEC);
  to_a = eventfd(0, EFD_SEMAPHORE);
  RT_CHECK(to_b >= 0 && to_a >= 0);
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, b_side, NULL);
  for (uint64_t i = 0; i < ROUNDS; i++) {
    uint64_t k = i;
    *(uint64_t *)hmap_assign(m, &k) = i;
    post(to_b, (int)i);
    take(to_a, (int)i);
  }
  pthread_join(th, NULL);
  RT_CHECK(hmap_len(m) == ROUNDS);
  hmap_free(m);
  close(to_a);
  close(to_b);
  return 0;
}
