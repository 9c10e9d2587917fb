/*
 * test-race-retake-read-writer.c: a reader that re-takes the read side of
 * a rwlock keeps its epoch only if no writer took the lock in between
 * (engine/sync.c, "re-taking a lock": a writer's acquire takes the read
 * clock, and leaves the `rtaken` mark). Main reads the map under the read
 * side; the other thread write-locks and unlocks (learning main's clock of
 * that read); main read-locks again and reads; the other thread then
 * writes with no lock: ordered after main's first read, not its second
 * (retake-test.h).
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
