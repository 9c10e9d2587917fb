/*
 * journal-race.c: the program the journal tests run under mapsan. Two
 * distinct races on one hmap, each at a marked line, so that a run makes
 * two reports: test-journal.py finds the first in the journal (its
 * CODE_FILE/CODE_LINE must be a marked line) and test-journal-absent.py
 * checks that two reports give one warning, not two. With the argument
 * "crash" it then dies of a SIGSEGV, for the crash-time entry; with
 * "crash-big", first 200 threads make map operations on maps of their own
 * and stay alive, so that the crash report lists them all and is larger
 * than a datagram may be (the journal sink's memfd path).
 */
#include <hmap.h>

#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static hmap *m;

static void put(uint64_t k) {
  *(uint64_t *)hmap_assign(m, &k) = k; /* mapsan-mark: PUT */
}

static void get(uint64_t k) {
  volatile void *v = hmap_lookup(m, &k); /* mapsan-mark: GET */
  (void)v;
}

static void *writer(void *arg) {
  (void)arg;
  usleep(50 * 1000);
  put(1);
  return NULL;
}

static void *reader(void *arg) {
  (void)arg;
  usleep(100 * 1000);
  get(2);
  return NULL;
}

#define BIG_THREADS 200
static atomic_int busy_done;

static void *busy(void *arg) {
  (void)arg;
  hmap *own = hmap_new(&hmap_u64_u64, 0);
  for (uint64_t k = 0; k < 8; k++)
    *(uint64_t *)hmap_assign(own, &k) = k;
  atomic_fetch_add(&busy_done, 1);
  for (;;)
    pause(); /* alive until the crash */
  return NULL;
}

static int *volatile nowhere; /* NULL, and the compiler cannot know it */

static void crash(void) {
  *nowhere = 1; /* mapsan-mark: CRASH */
}

int main(int argc, char **argv) {
  m = hmap_new(&hmap_u64_u64, 0);
  put(0);
  pthread_t a, b;
  pthread_create(&a, NULL, writer, NULL);
  pthread_join(a, NULL);
  /* joined: ordered; the races are with threads not joined yet */
  pthread_create(&a, NULL, writer, NULL);
  pthread_create(&b, NULL, reader, NULL);
  put(3);
  get(4);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  if (argc > 1 && strcmp(argv[1], "crash") == 0)
    crash();
  if (argc > 1 && strcmp(argv[1], "crash-big") == 0) {
    for (int i = 0; i < BIG_THREADS; i++) {
      pthread_t t;
      pthread_create(&t, NULL, busy, NULL);
    }
    while (atomic_load(&busy_done) < BIG_THREADS)
      usleep(1000);
    crash();
  }
  return 0;
}
