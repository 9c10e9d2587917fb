/*
 * deepbind-lib.c: a library for test-sample-rebind-deepbind, loaded with
 * RTLD_DEEPBIND: its own PLT slot for pthread_mutex_lock is bound by the
 * loader to the C library's function (its dependencies come first), not to
 * mapsan's wrapper.
 */
#include <pthread.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

int deep_lock_unlock(void) {
  int r = pthread_mutex_lock(&m);
  pthread_mutex_unlock(&m);
  return r;
}
