/*
 * crash-early-handler.c: a library whose constructor installs a SIGSEGV
 * handler. The dynamic loader initializes a program's own libraries before
 * the preloaded libmapsan.so, so this handler is in place before mapsan's:
 * mapsan must report, then call it (test-crash-chain-library.c).
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

static void early_handler(int sig, siginfo_t *info, void *uc) {
  (void)info;
  (void)uc;
  static const char msg[] = "library handler: SIGSEGV\n";
  ssize_t r = write(2, msg, sizeof(msg) - 1);
  (void)r;
  _exit(sig == SIGSEGV ? 42 : 43);
}

__attribute__((constructor)) static void install(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = early_handler;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, NULL);
}

/* Referenced by the test so that the link keeps this library. */
int crash_early_handler_linked(void) { return 1; }
