/*
 * test-race-retake-annotated.c: an acquire that leaves no release behind
 * must still stop the owner from keeping its epoch (engine/sync.c,
 * "re-taking a lock": the `taken` mark). The other thread annotates that
 * it happens after mu, learning main's clock of the first write without
 * taking mu or releasing into it, so mu's tag is still main's when main
 * re-takes it (retake-test.h).
 *
 * mapsan-expect-ordered: write-write-race C B
 * mapsan-overlapping: false
 */
#include "retake-test.h"

#include <mapsan/annotate.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void owner_first(void) {
  pthread_mutex_lock(&mu);
  RETAKE_PUT(1);
  pthread_mutex_unlock(&mu);
}

static void other_between(void) { MAPSAN_HAPPENS_AFTER(&mu); }

static void owner_second(void) {
  pthread_mutex_lock(&mu);
  RETAKE_PUT(2); /* mapsan-mark: B */
  pthread_mutex_unlock(&mu);
}

static void other_last(void) {
  RETAKE_PUT(3); /* mapsan-mark: C */
}

int main(void) {
  return retake_run(&(struct retake_test){owner_first, NULL, other_between,
                                          owner_second, other_last});
}
