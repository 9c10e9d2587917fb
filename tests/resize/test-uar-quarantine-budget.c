/*
 * test-uar-quarantine-budget.c: with quarantine_mb=1, a program that grows
 * and frees hundreds of maps releases far more than 1 MiB of bucket
 * arrays; the quarantine keeps within its budget (the oldest are returned
 * to the system), nothing leaks or crashes, no report is made, and the
 * exit summary (verbosity=1) shows the quarantine within budget.
 *
 * mapsan-options: quarantine_mb=1:verbosity=1
 * mapsan-expect: none
 * mapsan-stderr: quarantine: [0-9]+ arrays, (0|[1-9][0-9]{0,3}) KiB
 */
#include "resize-test.h"

int main(void) {
  for (int round = 0; round < 200; round++) {
    hmap *m = hmap_new(&hmap_u64_u64, 0);
    fill(m, 0, 2000);
    hmap_free(m);
  }
  return 0;
}
