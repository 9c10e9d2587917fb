/*
 * crash-demo.c: a program that crashes with a map operation behind it, for
 * the offline symbolization of a crash-time report (check_report_tool.py,
 * case crash-symbolize). Built with -g, stripped at test time. The fault is
 * in a static function (no dynamic symbol names it: only the debug file
 * does), after a map write from main whose call site the report's
 * recent-operations list names. The faulting store is the first
 * instruction of its line (the pointer is loaded on the line before), so
 * a tool that looked the faulting pc up as a return address (pc - 1) would
 * name the line before.
 */
#include <hmap.h>

#include <stdint.h>
#include <stdio.h>

static int *volatile nowhere; /* NULL, and the compiler cannot know it */

static __attribute__((noinline)) void store_session(hmap *m, uint64_t k) {
  *(uint64_t *)hmap_assign(m, &k) = k; /* CRASH-DEMO: recent operation */
  int *p = nowhere;
  *p = (int)k; /* CRASH-DEMO: the fault */
}

int main(void) {
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  store_session(m, 7);
  printf("not reached\n");
  hmap_free(m);
  return 0;
}
