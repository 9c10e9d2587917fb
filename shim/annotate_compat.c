/*
 * annotate_compat.c: happens-before annotations written for other tools,
 * honoured by mapsan, so code already annotated for them needs no change.
 *
 *   AnnotateHappensBefore/After(file, line, addr)  the "dynamic
 *       annotations" ABI (ANNOTATE_HAPPENS_BEFORE/AFTER of Chromium's and
 *       Abseil's dynamic_annotations.h when DYNAMIC_ANNOTATIONS_ENABLED=1)
 *   __tsan_release(addr) / __tsan_acquire(addr)    ThreadSanitizer's
 *       interface (sanitizer/tsan_interface.h)
 *
 * Each is a plain release or acquire on addr, as MAPSAN_HAPPENS_BEFORE/
 * AFTER. They are exported under their foreign names (preload/public.sym),
 * the one exception to the mapsan_ prefix, because the ABI is fixed.
 * They are found when the program leaves them undefined (a weak
 * reference, or a reference from a shared library) or defines them in a
 * shared library loaded after libmapsan.so; a definition inside the
 * executable itself (dynamic_annotations.c compiled in) binds the
 * program's calls to itself, and mapsan cannot see them.
 *
 * Valgrind's ANNOTATE_HAPPENS_BEFORE/AFTER (helgrind.h) are not calls but
 * client requests (an inline magic instruction sequence that does nothing
 * outside Valgrind): there is nothing to intercept, and they are ignored.
 */
#include "../base/base.h"
#include "../engine/sync.h"

MAPSAN_EXPORT void AnnotateHappensBefore(const char *file, int line,
                                         const volatile void *addr) {
  if (mapsan_hooks_on())
    mapsan_sync_release((uintptr_t)addr);
}

MAPSAN_EXPORT void AnnotateHappensAfter(const char *file, int line,
                                        const volatile void *addr) {
  if (mapsan_hooks_on())
    mapsan_sync_acquire((uintptr_t)addr);
}

MAPSAN_EXPORT void __tsan_release(void *addr) {
  if (mapsan_hooks_on())
    mapsan_sync_release((uintptr_t)addr);
}

MAPSAN_EXPORT void __tsan_acquire(void *addr) {
  if (mapsan_hooks_on())
    mapsan_sync_acquire((uintptr_t)addr);
}
