/*
 * retake-test.h: the schedule of the test-race-retake-* tests, which check
 * when a lock's owner may keep its epoch across sections (engine/sync.c,
 * "re-taking a lock") and when it must not. Main, the owner, makes its
 * first section (owner_first: writes the map under its lock) and does what
 * the test puts between (owner_between, may be NULL); then the other
 * thread does its part (other_between: something that teaches it main's
 * clock of that first write, or that should); then main re-takes its lock
 * and writes again (owner_second, the test's line B); last the other
 * thread writes with no lock (other_last, line C). Other is ordered after
 * main's first write at most, never after its second: the race C/B must be
 * reported, and would go unseen were main's second write at the epoch of
 * its first. The turns are unseen (runtime-test.h); the map calls are the
 * tests' own, in their sources.
 */
#ifndef RETAKE_TEST_H
#define RETAKE_TEST_H

#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

struct retake_test {
  void (*owner_first)(void);
  void (*owner_between)(void);
  void (*other_between)(void);
  void (*owner_second)(void);
  void (*other_last)(void);
};

static hmap *m;
static const struct retake_test *retake;
static atomic_int retake_turn;

static void *retake_other(void *arg) {
  long end = rt_now_ms() + 10000;
  RT_CHECK(rt_turn_wait(&retake_turn, 1, end));
  retake->other_between();
  rt_turn_pass(&retake_turn, 2);
  RT_CHECK(rt_turn_wait(&retake_turn, 3, end));
  retake->other_last();
  return arg;
}

static int retake_run(const struct retake_test *t) {
  retake = t;
  m = hmap_new(&hmap_u64_u64, 0);
  pthread_t th;
  pthread_create(&th, NULL, retake_other, NULL);
  t->owner_first();
  if (t->owner_between)
    t->owner_between();
  rt_turn_pass(&retake_turn, 1);
  RT_CHECK(rt_turn_wait(&retake_turn, 2, rt_now_ms() + 10000));
  t->owner_second();
  rt_turn_pass(&retake_turn, 3);
  pthread_join(th, NULL);
  hmap_free(m);
  return 0;
}

/* A write of key k, for the tests' lines. */
#define RETAKE_PUT(k) (*(uint64_t *)hmap_assign(m, &(uint64_t){k}) = (k))

#endif
