/*
 * host-altstack: a thread that installs its own alternate signal stack.
 * mapsan gives every thread it starts one (for stack-overflow crash
 * reports: base/altstack.c) before the program's start routine runs; the
 * program's own replaces it, and must stay the thread's until the thread
 * is gone. The thread's destructor re-arms itself through every round of
 * thread-specific-data destructors (mapsan finishes a thread in the last
 * one) and prints what it sees in each: its own stack, natively and under
 * mapsan (mapsan's end of the thread disables its own stack and reads the
 * one it replaced in one call, and must put the program's back). Three
 * threads in turn, so that the second and third start on a stack the
 * first one's end gave back.
 */
#include <hmap.h>

#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_key_t key;
static char *own;
static size_t own_size = 1 << 16;

static const char *whose(void) {
  stack_t cur;
  if (sigaltstack(NULL, &cur) != 0)
    return "error";
  if (cur.ss_flags & SS_DISABLE)
    return "none";
  return cur.ss_sp == own && cur.ss_size == own_size ? "own" : "other";
}

static void destructor(void *v) {
  uintptr_t round = (uintptr_t)v;
  printf("destructor round %u: %s\n", (unsigned)round, whose());
  if (round < PTHREAD_DESTRUCTOR_ITERATIONS)
    pthread_setspecific(key, (void *)(round + 1));
}

static void *worker(void *arg) {
  stack_t ss = {.ss_sp = own, .ss_size = own_size, .ss_flags = 0};
  if (sigaltstack(&ss, NULL) != 0)
    return NULL;
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  for (uint64_t k = 0; k < 16; k++)
    *(uint64_t *)hmap_assign(m, &k) = k;
  printf("after map work: %s (%zu keys)\n", whose(), hmap_len(m));
  hmap_free(m);
  pthread_setspecific(key, (void *)1);
  return arg;
}

int main(void) {
  own = malloc(own_size);
  if (own == NULL || pthread_key_create(&key, destructor) != 0)
    return 2;
  for (int i = 0; i < 3; i++) {
    pthread_t th;
    pthread_create(&th, NULL, worker, NULL);
    pthread_join(th, NULL);
  }
  fflush(stdout);
  free(own);
  return 0;
}
