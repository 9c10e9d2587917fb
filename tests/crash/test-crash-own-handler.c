/*
 * test-crash-own-handler.c: with crash_report=1 (the default), a SIGSEGV
 * handler the program installs in main replaces mapsan's in the program's
 * view: it runs as without mapsan (writes a line, exits 42), and mapsan
 * makes no crash report. sigaction() reads back the program's handler.
 *
 * mapsan-crash: none
 * mapsan-exit: 42
 * mapsan-stderr: program handler: SIGSEGV
 */
#include "crash-test.h"

static void handler(int sig) {
  ct_say("program handler: SIGSEGV\n");
  _exit(sig == SIGSEGV ? 42 : 43);
}

int main(void) {
  struct sigaction sa, cur;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = handler;
  RT_CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);
  RT_CHECK(sigaction(SIGSEGV, NULL, &cur) == 0);
  RT_CHECK(cur.sa_handler == handler);
  *ct_nowhere = 1;
  ct_say("not reached: no SIGSEGV\n");
  return 1;
}
