/*
 * dl.c: dlclose, for use-after-unload (engine/unload.c): the modules it
 * really unmapped enter the unload log, with the stack of this call.
 *
 * dlopen is not interposed: glibc's dlopen finds the caller's object from
 * its return address, to search that object's RUNPATH and $ORIGIN and to
 * open in its namespace; a wrapper would make every dlopen look as if
 * libmapsan made it, and change which file is loaded. dlclose takes a
 * handle only. Nothing is needed at load time anyway: the log learns
 * what it needs from the loader's own list just before the unload.
 *
 * Hooks off (mapsan's own dlclose, a finished thread) or unload_keep=0:
 * the real call alone. Calls made inside libc (NSS, iconv modules) do
 * not come here.
 */
#include "../base/interpose.h"
#include "../base/options.h"
#include "../engine/unload.h"
#include "../stacks/frames.h"

#include <dlfcn.h>
#include <errno.h>

/* Any dlclose may unmap code, and another module may be mapped there
 * later: the frame sizes learned for stack walks are dropped after it
 * (stacks/frames.c; one atomic increment). */
static int real_dlclose(void *handle) {
  int r = REAL(dlclose)(handle);
  mapsan_frames_forget();
  return r;
}

MAPSAN_EXPORT int dlclose(void *handle) {
  if (!mapsan_hooks_on() || mapsan_opts.unload_keep <= 0)
    return real_dlclose(handle);
  int saved = errno;
  struct mapsan_unload_ctx *c = mapsan_unload_before(
      (uintptr_t)__builtin_return_address(0), (uintptr_t)__builtin_dwarf_cfa());
  errno = saved;
  int r = real_dlclose(handle);
  saved = errno;
  mapsan_unload_after(c);
  errno = saved;
  return r;
}
