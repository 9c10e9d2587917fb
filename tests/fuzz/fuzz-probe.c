/* fuzz-probe.c: meson.build compiles this at configure time to learn
 * whether clang can build libFuzzer targets (-fsanitize=fuzzer needs
 * libclang-rt-<version>-dev on Debian). */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  (void)data;
  (void)size;
  return 0;
}
