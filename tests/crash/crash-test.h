/*
 * crash-test.h: helpers for the crash tests, on top of runtime-test.h.
 * Everything a signal handler here calls is async-signal-safe (write,
 * _exit).
 */
#ifndef CRASH_TEST_H
#define CRASH_TEST_H

#include "../runtime/runtime-test.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

/* NULL, and the compiler cannot know it (no trap instruction instead). */
static int *volatile ct_nowhere;
static volatile int ct_zero;

static inline void ct_say(const char *s) {
  ssize_t r = write(2, s, strlen(s));
  (void)r;
}

#endif
