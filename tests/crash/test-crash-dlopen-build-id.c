/*
 * test-crash-dlopen-build-id.c: a crash in a library dlopen'ed after
 * start-up carries that library's build-id. mapsan's cache of build-ids
 * (base/buildid.c) is filled by walks of the loaded modules at start-up and
 * at normal reports, never in a signal handler, so the library is not in
 * it: the crash report reads the build-id from the library's own notes in
 * memory (crash/modules.c). No normal report is made before the crash.
 *
 * The first argument is the library (crash-plugin.so); the crash is in its
 * plugin_crash, called from main. Every frame's build_id must equal its
 * module file's note (readelf -n), the plugin's frame included.
 *
 * mapsan-expect: crash
 * mapsan-exit: signal:SEGV
 * mapsan-frames-build-id: true
 * mapsan-frame-in: crash-plugin.so
 * mapsan-stderr: WARNING: mapsan: crash: SIGSEGV
 * mapsan-stderr: Frames are module\+offset: a crash report is not symbolized in the process; mapsan-report --symbolize names them
 */
#include "crash-test.h"

#include <dlfcn.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    ct_say("usage: test-crash-dlopen-build-id LIBRARY\n");
    return 2;
  }
  void *h = dlopen(argv[1], RTLD_NOW);
  if (h == NULL) {
    ct_say("dlopen failed\n");
    return 4;
  }
  int (*crash)(int);
  *(void **)&crash = dlsym(h, "plugin_crash");
  if (crash == NULL) {
    ct_say("no plugin_crash\n");
    return 4;
  }
  int r = crash(argc);
  ct_say("not reached: no SIGSEGV\n");
  return r;
}
