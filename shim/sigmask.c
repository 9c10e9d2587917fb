/*
 * sigmask.c: pthread_sigmask and sigprocmask. Both apply the program's
 * request to its view of SIGSEGV and SIGBUS and pass the rest to the
 * kernel (crash/sigmask.c explains why and what the program sees).
 */
#include "../base/base.h"
#include "../crash/sigmask.h"

#include <errno.h>
#include <signal.h>

MAPSAN_EXPORT int pthread_sigmask(int how, const sigset_t *set,
                                  sigset_t *old) {
  return mapsan_sigmask_change(how, set, old);
}

MAPSAN_EXPORT int sigprocmask(int how, const sigset_t *set, sigset_t *old) {
  int r = mapsan_sigmask_change(how, set, old);
  if (r != 0) {
    errno = r;
    return -1;
  }
  return 0;
}
