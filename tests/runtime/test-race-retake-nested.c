/*
 * test-race-retake-nested.c: a lock released inside the section counts as
 * a release too (engine/sync.c, "re-taking a lock"). Main's first section
 * under outer takes and releases inner; the other thread takes inner
 * after it (learning main's clock of the first write); main's re-take of
 * outer must not keep that epoch (retake-test.h).
 *
 * mapsan-expect-ordered: write-write-race C B
 * mapsan-overlapping: false
 */
#include "retake-test.h"

static pthread_mutex_t outer = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t inner = PTHREAD_MUTEX_INITIALIZER;

static void owner_first(void) {
  pthread_mutex_lock(&outer);
  RETAKE_PUT(1);
  pthread_mutex_lock(&inner);
  pthread_mutex_unlock(&inner);
  pthread_mutex_unlock(&outer);
}

static void other_between(void) {
  pthread_mutex_lock(&inner);
  pthread_mutex_unlock(&inner);
}

static void owner_second(void) {
  pthread_mutex_lock(&outer);
  RETAKE_PUT(2); /* mapsan-mark: B */
  pthread_mutex_unlock(&outer);
}

static void other_last(void) {
  RETAKE_PUT(3); /* mapsan-mark: C */
}

int main(void) {
  return retake_run(&(struct retake_test){owner_first, NULL, other_between,
                                          owner_second, other_last});
}
