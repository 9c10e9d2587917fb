/*
 * test-race-fd-socketpair.c: the twin of test-clean-fd-socketpair.c. The
 * producer fills the map, sends on its end of the socketpair and THEN
 * writes the map once more; the consumer receives on the other end and
 * writes the map: ordered after the send, not after the map write that
 * follows it. m over a stream pair (send/recv), m2 over a datagram pair
 * (sendmsg/recvmsg). A relaxed flag (no edge) makes the consumer wait.
 *
 * mapsan-expect: write-write-race P C
 * mapsan-expect: write-write-race P2 C2
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

static int sv[2], dg[2];
static hmap *m, *m2;
static atomic_int written;

static void *consumer(void *arg) {
  (void)arg;
  char c;
  RT_CHECK(recv(sv[1], &c, 1, 0) == 1);
  struct iovec iov = {&c, 1};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  RT_CHECK(recvmsg(dg[1], &mh, 0) == 1);
  RT_CHECK(rt_flag_wait(&written, 1, 10000));
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m, &k) = 2; /* mapsan-mark: C */
  *(uint64_t *)hmap_assign(m2, &k) = 2; /* mapsan-mark: C2 */
  return NULL;
}

int main(void) {
  RT_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  RT_CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, dg) == 0);
  m = hmap_new(&hmap_u64_u64, 0);
  m2 = hmap_new(&hmap_u64_u64, 0);
  uint64_t k = 0;
  *(uint64_t *)hmap_assign(m, &k) = 0;
  *(uint64_t *)hmap_assign(m2, &k) = 0;
  pthread_t th;
  pthread_create(&th, NULL, consumer, NULL);
  RT_CHECK(send(sv[0], "x", 1, 0) == 1);
  char c = 'x';
  struct iovec iov = {&c, 1};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  RT_CHECK(sendmsg(dg[0], &mh, 0) == 1);
  k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1; /* mapsan-mark: P */
  *(uint64_t *)hmap_assign(m2, &k) = 1; /* mapsan-mark: P2 */
  rt_flag_set(&written, 1);
  pthread_join(th, NULL);
  hmap_free(m);
  hmap_free(m2);
  return 0;
}
