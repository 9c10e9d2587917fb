/*
 * test-crash-abort.c: abort() in the program: a crash report (SIGABRT,
 * sent by the process itself) whose stack passes through the marked call,
 * then the default action: the process dies of SIGABRT.
 *
 * mapsan-expect-in-stack: crash ABORT
 * mapsan-exit: signal:ABRT
 * mapsan-stderr: WARNING: mapsan: crash: SIGABRT \(SI_TKILL\) sent by pid \d+
 */
#include "crash-test.h"

#include <hmap.h>

static void give_up(void) {
  abort(); /* mapsan-mark: ABORT */
}

int main(void) {
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1;
  give_up();
  ct_say("not reached: abort returned\n");
  return 1;
}
