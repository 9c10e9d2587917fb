/*
 * loader-lock-test.h: helpers for the tests that fault while another thread
 * holds the dynamic loader's lock. The holding thread calls ll_wait, which
 * returns once the main thread, its fault reported and the handler
 * returned, calls ll_release. A hang is not left to the checker's 120 s
 * timeout: after LL_WAIT_SECONDS unreleased, ll_wait says "deadlock" on
 * stderr and ends the process with status 3, which fails the test.
 */
#ifndef LOADER_LOCK_TEST_H
#define LOADER_LOCK_TEST_H

#include "crash-test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

enum { LL_WAIT_SECONDS = 10 };

static atomic_int ll_inside, ll_released;
static pthread_t ll_thread;

static void ll_sleep_ms(void) {
  struct timespec ts = {0, 1000000};
  nanosleep(&ts, NULL);
}

/* In the holding thread, with the loader's lock held. */
static inline void ll_wait(void) {
  atomic_store(&ll_inside, 1);
  for (int ms = 0; !atomic_load(&ll_released); ms++) {
    if (ms == LL_WAIT_SECONDS * 1000) {
      ct_say("deadlock: the fault was not reported while this thread held "
             "the loader's lock\n");
      _exit(3);
    }
    ll_sleep_ms();
  }
}

/* Starts holder(arg) and returns once it holds the lock. */
static inline void ll_start(void *(*holder)(void *), void *arg) {
  pthread_create(&ll_thread, NULL, holder, arg);
  while (!atomic_load(&ll_inside))
    ll_sleep_ms();
}

/* Lets the holder go, and joins it. */
static inline void ll_release(void) {
  atomic_store(&ll_released, 1);
  pthread_join(ll_thread, NULL);
  ct_say("loader lock released after the report\n");
}

#endif
