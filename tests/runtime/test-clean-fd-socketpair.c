/*
 * test-clean-fd-socketpair.c: a map handed between two threads over a
 * socketpair is ordered, in both directions: what one end sends, the other
 * end receives (both ends share mapsan's object). The rounds use send/recv,
 * sendto/recvfrom, sendmsg/recvmsg and write/read, on a stream pair and on
 * a datagram pair. No report.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

enum { ROUNDS = 80 };

static int sv[2], dg[2];
static hmap *m;

static void put(int fd, int how) {
  char c = 'x';
  ssize_t r;
  struct iovec iov = {&c, 1};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  switch (how % 4) {
  case 0:
    r = send(fd, &c, 1, 0);
    break;
  case 1:
    r = sendto(fd, &c, 1, 0, NULL, 0);
    break;
  case 2:
    r = sendmsg(fd, &mh, 0);
    break;
  default:
    r = write(fd, &c, 1);
    break;
  }
  RT_CHECK(r == 1);
}

static void get(int fd, int how) {
  char c = 0;
  ssize_t r;
  struct iovec iov = {&c, 1};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  switch (how % 4) {
  case 0:
    r = recv(fd, &c, 1, 0);
    break;
  case 1:
    r = recvfrom(fd, &c, 1, 0, NULL, NULL);
    break;
  case 2:
    r = recvmsg(fd, &mh, 0);
    break;
  default:
    r = read(fd, &c, 1);
    break;
  }
  RT_CHECK(r == 1 && c == 'x');
}

/* Rounds 0..ROUNDS/2-1 over the stream pair, the rest over datagrams. */
static int end_of(int i, int side) {
  return i < ROUNDS / 2 ? sv[side] : dg[side];
}

static void *b_side(void *arg) {
  (void)arg;
  for (uint64_t i = 0; i < ROUNDS; i++) {
    get(end_of((int)i, 1), (int)i);
    uint64_t k = i;
    uint64_t *v = hmap_lookup(m, &k);
    RT_CHECK(v != NULL && *v == i);
    hmap_delete(m, &k);
    k = 100000 + i;
    *(uint64_t *)hmap_assign(m, &k) = i;
    put(end_of((int)i, 1), (int)i + 1);
  }
  return NULL;
}

int main(void) {
  RT_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  RT_CHECK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, dg) == 0);
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, b_side, NULL);
  for (uint64_t i = 0; i < ROUNDS; i++) {
    uint64_t k = i;
    *(uint64_t *)hmap_assign(m, &k) = i;
    put(end_of((int)i, 0), (int)i);
    get(end_of((int)i, 0), (int)i + 1);
  }
  pthread_join(th, NULL);
  RT_CHECK(hmap_len(m) == ROUNDS);
  hmap_free(m);
  for (int s = 0; s < 2; s++) {
    close(sv[s]);
    close(dg[s]);
  }
  return 0;
}
