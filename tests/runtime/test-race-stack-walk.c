/*
 * test-race-stack-walk: the previous access's stack is its whole call
 * chain, frame for frame, when it was taken by the frame walk
 * (stacks/frames.c) and the call-site cache rather than by libunwind.
 * The writer thread first writes the map a few hundred times through
 * chains that make the walk's work hard, each write a new epoch (a private
 * mutex between them), so that every one is captured:
 *   - recursion of varying depth, so the same return addresses sit at
 *     varying places;
 *   - a frame of varying size (alloca) at every depth: its size at one
 *     return address changes from call to call (GCC gives it a frame
 *     pointer; the walk must use it, or unwind);
 *   - two leaf callers of identical frame size called from one place, so
 *     one call site (pc, cfa) is reached through two chains;
 *   - with GCC, the recursion compiled without a frame pointer.
 * Then one last write through a known chain, and a second thread writes
 * the map with nothing ordering the two: a write-write race whose previous
 * stack must list put, leaf_b, sized, recurse four times, writer, in
 * order, with nothing between.
 *
 * mapsan-expect: write-write-race B A
 * mapsan-stderr: #0 put \S+test-race-stack-walk\.c:\d+[^\n]*\n\s+#1 leaf_b \S+:\d+[^\n]*\n\s+#2 sized \S+:\d+[^\n]*\n\s+#3 recurse \S+:\d+[^\n]*\n\s+#4 recurse \S+:\d+[^\n]*\n\s+#5 recurse \S+:\d+[^\n]*\n\s+#6 recurse \S+:\d+[^\n]*\n\s+#7 writer \S+:\d+
 */
#include "runtime-test.h"

#include <hmap.h>

#include <alloca.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__)
#define NO_FP __attribute__((optimize("omit-frame-pointer")))
#else
#define NO_FP
#endif

static hmap *m;
static atomic_int written;
static volatile uintptr_t sink;

static __attribute__((noinline)) void put(uint64_t k) {
  *(uint64_t *)hmap_assign(m, &k) = k; /* mapsan-mark: A */
  sink += k;
}

static __attribute__((noinline)) void leaf_a(uint64_t k) {
  put(k);
  sink += 1;
}

static __attribute__((noinline)) void leaf_b(uint64_t k) {
  put(k);
  sink += 2;
}

static __attribute__((noinline)) void sized(size_t n, int which, uint64_t k) {
  char *p = alloca(n);
  memset(p, (int)k, n);
  sink += (uintptr_t)p[n - 1];
  if (which)
    leaf_b(k);
  else
    leaf_a(k);
  sink += (uintptr_t)p[0];
}

static __attribute__((noinline)) NO_FP void recurse(int depth, size_t n,
                                                     int which, uint64_t k) {
  if (depth > 0)
    recurse(depth - 1, n, which, k);
  else
    sized(n, which, k);
  sink += (uintptr_t)depth;
}

static void *writer(void *arg) {
  (void)arg;
  pthread_mutex_t own = PTHREAD_MUTEX_INITIALIZER;
  for (int i = 0; i < 400; i++) {
    recurse(i % 5, 16 + (size_t)(i % 7) * 40, i & 1, (uint64_t)i);
    pthread_mutex_lock(&own); /* a new epoch: the next write is captured */
    pthread_mutex_unlock(&own);
  }
  recurse(3, 200, 1, 1000);
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
