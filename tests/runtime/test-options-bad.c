/*
 * test-options-bad.c: bad MAPSAN_OPTIONS never stop the program. An unknown
 * key and a malformed value each give exactly one warning line naming the
 * key; the other keys still apply; the program runs normally (its own line
 * on stderr) and exits 0 with no report.
 *
 * mapsan-options: bogus_key=1:max_reports=abc:verbosity=1
 * mapsan-expect: none
 * mapsan-stderr: (?m)^mapsan: warning: .*'bogus_key'.*$
 * mapsan-stderr: (?m)^mapsan: warning: .*'abc'.*'max_reports'.*$
 * mapsan-stderr: \A(?![\s\S]*bogus_key[\s\S]*bogus_key)
 * mapsan-stderr: \A(?![\s\S]*max_reports[\s\S]*max_reports)
 * mapsan-stderr: \A(?![\s\S]*warning[\s\S]*warning[\s\S]*warning)
 * mapsan-stderr: (?m)^program ran to the end$
 * mapsan-stderr: mapsan: 0 report\(s\)
 */
#include "runtime-test.h"

#include <hmap.h>

#include <stdint.h>

int main(void) {
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  for (uint64_t k = 0; k < 100; k++)
    *(uint64_t *)hmap_assign(m, &k) = k;
  RT_CHECK(hmap_len(m) == 100);
  hmap_free(m);
  fprintf(stderr, "program ran to the end\n");
  return 0;
}
