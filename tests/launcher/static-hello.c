/* static-hello: a statically linked program for launcher.py static. */
#include <stdio.h>

int main(void) {
  puts("static");
  return 0;
}
