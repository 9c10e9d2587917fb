/*
 * buildid.h: the GNU build-id of each loaded module, as hex, read from the
 * module's PT_NOTE segments in memory (no file is opened), cached per
 * module. Reports name it in every JSON frame ("build_id") so that a report
 * made on one machine can be symbolized on another. See buildid.c.
 */
#ifndef MAPSAN_BASE_BUILDID_H
#define MAPSAN_BASE_BUILDID_H

#include <link.h>
#include <stdbool.h>
#include <stdint.h>

/* The address range [*lo, *hi) a loaded module's PT_LOAD segments cover,
 * lo rounded down to its page; false for a module with none. For the
 * dl_iterate_phdr callbacks of this file and of crash/modules.c. */
bool mapsan_module_range(const struct dl_phdr_info *info, uintptr_t *lo,
                         uintptr_t *hi);

/* The GNU build-id note of a loaded module (its program headers as
 * dl_iterate_phdr gives them) as hex into out (at least 65 bytes); false
 * if it has none. Reads memory only; for callers that walk the modules
 * themselves (engine/unload.c), without the cache. */
bool mapsan_module_build_id(const struct dl_phdr_info *info, char *out);

/* Walks the loaded modules (dl_iterate_phdr: takes the dynamic loader's
 * lock; never in a signal handler) and caches each one's build-id. Modules
 * unloaded since the last walk are dropped from the cache. */
void mapsan_build_ids_refresh(void);

/* The hex build-id of the cached module whose loaded range holds pc, or
 * NULL (no such module, or it has no build-id note). Lock-free, allocates
 * nothing, async-signal-safe: the crash path's lookup. With refresh, a
 * miss outside a signal handler walks the modules once and looks again.
 * The string stays valid for the life of the process. */
const char *mapsan_build_id_of(uintptr_t pc, bool refresh);

#endif
