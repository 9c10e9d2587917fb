/*
 * quarantine.c: the guarded pool of bucket arrays. (Being written: this
 * first part only answers "not ours" to the fault handler.)
 */
#include "quarantine.h"

bool mapsan_quarantine_fault(int sig, siginfo_t *info, void *ucontext) {
  (void)sig;
  (void)info;
  (void)ucontext;
  return false;
}
