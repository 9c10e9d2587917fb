/*
 * test-race-stack-walk-alloca: as test-race-stack-walk, with the frame of
 * varying size at the top: the function that allocates (alloca, its buffer
 * left as it is) calls the map itself, so its callee is mapsan's wrapper,
 * which keeps no frame pointer, and its callers (with GCC) keep none
 * either. Its size at its return address changes from call to call; the
 * walk (stacks/frames.c) must not take a learned size for it unconfirmed.
 * The previous stack must list direct, recurse four times, writer, in
 * order.
 *
 * mapsan-expect: write-write-race B A
 * mapsan-stderr: #0 direct \S+test-race-stack-walk-alloca\.c:\d+[^\n]*\n\s+#1 recurse \S+:\d+[^\n]*\n\s+#2 recurse \S+:\d+[^\n]*\n\s+#3 recurse \S+:\d+[^\n]*\n\s+#4 recurse \S+:\d+[^\n]*\n\s+#5 writer \S+:\d+
 */
#include "runtime-test.h"

#include <hmap.h>

#include <alloca.h>
#include <pthread.h>
#include <stdint.h>

#if defined(__GNUC__) && !defined(__clang__)
#define NO_FP __attribute__((optimize("omit-frame-pointer")))
#else
#define NO_FP
#endif

static hmap *m;
static atomic_int written;
static volatile uintptr_t sink;

static __attribute__((noinline)) void direct(size_t n, uint64_t k) {
  volatile char *p = alloca(n);
  p[0] = (char)k; /* the rest of the buffer keeps what the stack held */
  *(uint64_t *)hmap_assign(m, &k) = k; /* mapsan-mark: A */
  sink += (uintptr_t)p[0];
}

static __attribute__((noinline)) NO_FP void recurse(int depth, size_t n,
                                                     uint64_t k) {
  if (depth > 0)
    recurse(depth - 1, n, k);
  else
    direct(n, k);
  sink += (uintptr_t)depth;
}

static void *writer(void *arg) {
  (void)arg;
  pthread_mutex_t own = PTHREAD_MUTEX_INITIALIZER;
  for (int i = 0; i < 400; i++) {
    recurse(i % 5, 16 + (size_t)(i % 7) * 40, (uint64_t)i);
    pthread_mutex_lock(&own); /* a new epoch: the next write is captured */
    pthread_mutex_unlock(&own);
  }
  recurse(3, 200, 1000);
  rt_flag_set(&written, 1);
  return NULL;
}

int main(void) {
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
