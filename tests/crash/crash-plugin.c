/*
 * crash-plugin.c: a library the test program dlopens after start-up, in
 * whose code the program then crashes (test-crash-dlopen-build-id.c).
 */
#include <stdint.h>

/* NULL, and the compiler cannot know it. */
static int *volatile plugin_nowhere;

__attribute__((noinline)) int plugin_crash(int x) {
  *plugin_nowhere = x; /* SIGSEGV in the plugin's own code */
  return x + 1;
}
