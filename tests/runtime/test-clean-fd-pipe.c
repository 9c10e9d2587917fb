/*
 * test-clean-fd-pipe.c: a map handed between two threads through pipes is
 * ordered. Two pipes (one each way) carry a token; each side writes the
 * map only after reading the token the other side wrote after its own map
 * writes. The rounds use every call mapsan models on a pipe: pipe and
 * pipe2, write and writev, read and readv, and a descriptor made by dup2
 * onto a number that was a different pipe's end before (its old meaning
 * is forgotten, the new one shared with the original). The kernel orders
 * each write before the read that returns its bytes; nothing else orders
 * the two threads. No report.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <hmap.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/uio.h>
#include <unistd.h>

enum { ROUNDS = 60 };

static int to_b[2], to_a[2];
static hmap *m;

static void send_token(int fd, int how) {
  char c = 'x';
  if (how % 2 == 0) {
    RT_CHECK(write(fd, &c, 1) == 1);
  } else {
    struct iovec iov = {&c, 1};
    RT_CHECK(writev(fd, &iov, 1) == 1);
  }
}

static void take_token(int fd, int how) {
  char c = 0;
  if (how % 2 == 0) {
    RT_CHECK(read(fd, &c, 1) == 1);
  } else {
    struct iovec iov = {&c, 1};
    RT_CHECK(readv(fd, &iov, 1) == 1);
  }
  RT_CHECK(c == 'x');
}

static void *b_side(void *arg) {
  (void)arg;
  for (uint64_t i = 0; i < ROUNDS; i++) {
    take_token(to_b[0], (int)i);
    uint64_t k = i;
    uint64_t *v = hmap_lookup(m, &k);
    RT_CHECK(v != NULL && *v == i);
    hmap_delete(m, &k);
    k = 100000 + i;
    *(uint64_t *)hmap_assign(m, &k) = i;
    send_token(to_a[1], (int)i + 1);
  }
  return NULL;
}

int main(void) {
  RT_CHECK(pipe(to_b) == 0);
  /* A pipe whose write end is replaced by dup2 below: the number that
   * named it must stop meaning that pipe. */
  int other[2];
  RT_CHECK(pipe2(other, O_CLOEXEC) == 0);
  int tmp[2];
  RT_CHECK(pipe2(tmp, 0) == 0);
  RT_CHECK(dup2(tmp[1], other[1]) == other[1]);
  close(tmp[1]);
  to_a[0] = tmp[0];
  to_a[1] = other[1];
  close(other[0]);
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, b_side, NULL);
  for (uint64_t i = 0; i < ROUNDS; i++) {
    uint64_t k = i;
    *(uint64_t *)hmap_assign(m, &k) = i;
    send_token(to_b[1], (int)i);
    take_token(to_a[0], (int)i);
  }
  pthread_join(th, NULL);
  RT_CHECK(hmap_len(m) == ROUNDS);
  hmap_free(m);
  close(to_a[0]);
  close(to_a[1]);
  close(to_b[0]);
  close(to_b[1]);
  return 0;
}
