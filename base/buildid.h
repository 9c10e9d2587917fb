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
#include <stddef.h>
#include <stdint.h>

/* A build-id as hex with its NUL: GNU build-ids are 8 (xxhash) to 20
 * (sha1) bytes; up to 32 are taken. */
#define MAPSAN_BUILD_ID_HEX 65

/* The GNU build-id among the ELF notes in [notes, notes + len) (a PT_NOTE
 * segment's contents, entries aligned to `align`: 4 or 8) as hex into out;
 * false if there is none. Reads only inside the buffer, whatever it holds:
 * async-signal-safe (crash/modules.c parses notes copied from a module
 * loaded after the last walk). */
bool mapsan_notes_build_id(const void *notes, size_t len, size_t align,
                           char out[MAPSAN_BUILD_ID_HEX]);

/* The build-id of the ELF image whose header (file offset 0) is mapped at
 * elf, read from its program headers and PT_NOTE segments as mapped: 1
 * with hex filled, 0 for an image without one, -1 when elf holds no
 * readable ELF image. Every byte is copied with mapsan_mem_copy (memread.h),
 * which fails where nothing readable is mapped (a library unmapped by
 * another thread meanwhile) instead of faulting. Async-signal-safe,
 * allocates nothing, uses about 3 KiB of stack. */
int mapsan_read_build_id(uintptr_t elf, char hex[MAPSAN_BUILD_ID_HEX]);

/* The address range [*lo, *hi) a loaded module's PT_LOAD segments cover,
 * lo rounded down to its page; false for a module with none. For the
 * dl_iterate_phdr callbacks of this file and of crash/modules.c. */
bool mapsan_module_range(const struct dl_phdr_info *info, uintptr_t *lo,
                         uintptr_t *hi);

/* The GNU build-id note of a loaded module (its program headers as
 * dl_iterate_phdr gives them) as hex into out (at least 65 bytes); false
 * if it has none. Reads memory only; for callers that walk the modules
 * themselves (engine/unload.c), without the cache. */
bool mapsan_phdr_build_id(const struct dl_phdr_info *info, char *out);

/* Walks the loaded modules (dl_iterate_phdr: takes the dynamic loader's
 * lock; never in a signal handler) and caches each one's build-id. Modules
 * unloaded since the last walk are dropped from the cache. */
void mapsan_build_ids_refresh(void);

/* The hex build-id of the cached module whose loaded range holds pc, or
 * NULL (no such module, or it has no build-id note). Lock-free, allocates
 * nothing, async-signal-safe: the crash path's lookup. With refresh,
 * outside a signal handler, the entry found is checked against the
 * module's notes as mapped now, and a miss or a stale entry walks the
 * modules once and looks again.
 * The string stays valid for the life of the process. */
const char *mapsan_build_id_of(uintptr_t pc, bool refresh);

#endif
