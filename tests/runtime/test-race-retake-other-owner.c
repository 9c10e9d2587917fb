/*
 * test-race-retake-other-owner.c: a thread that re-takes the mutex it last
 * released keeps its clock only if nobody took the mutex in between
 * (engine/sync.c, "re-taking a lock"). Here the other thread takes and
 * releases mu between main's two sections under it, which changes mu's
 * tag: main's second write must be at a new epoch (retake-test.h).
 *
 * mapsan-expect-ordered: write-write-race C B
 * mapsan-overlapping: false
 */
#include "retake-test.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void owner_first(void) {
  pthread_mutex_lock(&mu);
  RETAKE_PUT(1);
  pthread_mutex_unlock(&mu);
}

static void other_between(void) {
  pthread_mutex_lock(&mu);
  pthread_mutex_unlock(&mu);
}

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
