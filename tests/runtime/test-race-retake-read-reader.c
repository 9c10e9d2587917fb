/*
 * test-race-retake-read-reader.c: as test-race-retake-read-writer, but the
 * other thread then also read-locks and unlocks, which gives the read
 * clock a new tag and clears the `rtaken` mark its write-lock had left:
 * only the changed tag tells main that it cannot keep its epoch (engine/
 * sync.c, "re-taking a lock").
 *
 * mapsan-expect-ordered: read-write-race C B
 * mapsan-overlapping: false
 */
#include "retake-test.h"

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;

static void owner_first(void) {
  pthread_rwlock_rdlock(&rw);
  RT_CHECK(hmap_lookup(m, &(uint64_t){1}) == NULL);
  pthread_rwlock_unlock(&rw);
}

static void other_between(void) {
  pthread_rwlock_wrlock(&rw);
  pthread_rwlock_unlock(&rw);
  pthread_rwlock_rdlock(&rw);
  pthread_rwlock_unlock(&rw);
}

static void owner_second(void) {
  pthread_rwlock_rdlock(&rw);
  RT_CHECK(hmap_lookup(m, &(uint64_t){2}) == NULL); /* mapsan-mark: B */
  pthread_rwlock_unlock(&rw);
}

static void other_last(void) {
  RETAKE_PUT(3); /* mapsan-mark: C */
}

int main(void) {
  return retake_run(&(struct retake_test){owner_first, NULL, other_between,
                                          owner_second, other_last});
}
