/*
 * test-race-retake-reader.c: as test-race-retake-other-owner, but the
 * other thread only read-locks the rwlock between main's two write
 * sections. A reader's unlock releases into the lock's read clock and
 * leaves the write clock's tag alone: what stops main from keeping its
 * epoch is the mark the reader's acquire left (`taken`), and the read
 * clock's new tag (engine/sync.c, "re-taking a lock"; either suffices
 * here, test-race-retake-annotated needs the mark).
 *
 * mapsan-expect-ordered: write-write-race C B
 * mapsan-overlapping: false
 */
#include "retake-test.h"

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;

static void owner_first(void) {
  pthread_rwlock_wrlock(&rw);
  RETAKE_PUT(1);
  pthread_rwlock_unlock(&rw);
}

static void other_between(void) {
  pthread_rwlock_rdlock(&rw);
  uint64_t k = 1;
  RT_CHECK(hmap_lookup(m, &k) != NULL);
  pthread_rwlock_unlock(&rw);
}

static void owner_second(void) {
  pthread_rwlock_wrlock(&rw);
  RETAKE_PUT(2); /* mapsan-mark: B */
  pthread_rwlock_unlock(&rw);
}

static void other_last(void) {
  RETAKE_PUT(3); /* mapsan-mark: C */
}

int main(void) {
  return retake_run(&(struct retake_test){owner_first, NULL, other_between,
                                          owner_second, other_last});
}
