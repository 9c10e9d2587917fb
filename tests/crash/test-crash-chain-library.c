/*
 * test-crash-chain-library.c: a SIGSEGV handler installed before mapsan's
 * (by a library's constructor, crash-early-handler.c) is chained to: the
 * crash report first, then that handler, which says so and exits 42.
 *
 * mapsan-expect: crash CRASH
 * mapsan-exit: 42
 * mapsan-stderr: (?s)WARNING: mapsan: crash: SIGSEGV.*SUMMARY: mapsan: crash.*library handler: SIGSEGV
 */
#include "crash-test.h"

#include <hmap.h>

int crash_early_handler_linked(void);

int main(void) {
  RT_CHECK(crash_early_handler_linked());
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1;
  *ct_nowhere = 1; /* mapsan-mark: CRASH */
  ct_say("not reached: no SIGSEGV\n");
  return 1;
}
