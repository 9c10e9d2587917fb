/*
 * test-race-retake-other-release.c: the owner keeps its epoch only when
 * the lock it re-takes is the one thing it released since its accesses
 * (engine/sync.c, "re-taking a lock"). Here main posts a semaphore after
 * unlocking mu (a second release, of the same clock) and the other thread
 * waits for it, learning main's clock of the first write; main then
 * re-takes mu, which must not keep that epoch (retake-test.h).
 *
 * mapsan-expect-ordered: write-write-race C B
 * mapsan-overlapping: false
 */
#include "retake-test.h"

#include <semaphore.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static sem_t sem;

static void owner_first(void) {
  sem_init(&sem, 0, 0);
  pthread_mutex_lock(&mu);
  RETAKE_PUT(1);
  pthread_mutex_unlock(&mu);
}

static void owner_between(void) { sem_post(&sem); }

static void other_between(void) { sem_wait(&sem); }

static void owner_second(void) {
  pthread_mutex_lock(&mu);
  RETAKE_PUT(2); /* mapsan-mark: B */
  pthread_mutex_unlock(&mu);
}

static void other_last(void) {
  RETAKE_PUT(3); /* mapsan-mark: C */
}

int main(void) {
  return retake_run(&(struct retake_test){
      owner_first, owner_between, other_between, owner_second, other_last});
}
