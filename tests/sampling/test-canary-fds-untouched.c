/*
 * test-canary-fds-untouched.c: libunwind, loaded in the middle of a
 * sampled process at its first tracked map, keeps a pipe open; mapsan moves
 * that pipe to high descriptor numbers (reports/fds.c), so the program's own
 * descriptors are numbered as without mapsan. The program opens a file,
 * creates maps until one is tracked (at sample_rate=2, the draw recorded
 * in tool_tag), writes it so that a stack is captured and libunwind loaded,
 * and opens another file: its number must follow the first, and the first
 * must be what the same program gets natively (itself, re-executed
 * without the preload). Before the move, GLib's installed test unix-fd
 * aborted under sample_rate=2.
 *
 * mapsan-options: sample_rate=2
 * mapsan-expect: none
 */
#include "native-rerun.h"

#include <hmap.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool libunwind_loaded(void) {
  FILE *f = fopen("/proc/self/maps", "r");
  char line[512];
  bool found = false;
  while (f && fgets(line, sizeof(line), f))
    found |= strstr(line, "libunwind") != NULL;
  if (f)
    fclose(f);
  return found;
}

int main(void) {
  int a = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (native_rerun_child()) {
    printf("%d\n", a);
    return 0;
  }
  if (libunwind_loaded()) {
    fprintf(stderr, "libunwind already loaded at main: nothing to test\n");
    return 3;
  }
  hmap *kept[64];
  int n = 0;
  hmap *tracked = NULL;
  while (tracked == NULL && n < 64) {
    hmap *m = hmap_new(&hmap_u64_u64, 0);
    kept[n++] = m;
    if (m->tool_tag == 1)
      tracked = m;
  }
  if (tracked == NULL) {
    fprintf(stderr, "no map tracked of 64 at sample_rate=2\n");
    return 3;
  }
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(tracked, &k) = 1;
  if (!libunwind_loaded()) {
    fprintf(stderr, "libunwind not loaded after a tracked map's write\n");
    return 3;
  }
  int b = open("/dev/null", O_RDONLY | O_CLOEXEC);
  long native = native_rerun();
  for (int i = 0; i < n; i++)
    hmap_free(kept[i]);
  if (b != a + 1 || a != native) {
    fprintf(stderr, "descriptors %d then %d under mapsan; %ld natively\n", a,
            b, native);
    return 3;
  }
  return 0;
}
