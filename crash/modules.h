/*
 * modules.h: the loaded objects as the crash report names them
 * (module+offset), async-signal-safe; see modules.c.
 */
#ifndef MAPSAN_CRASH_MODULES_H
#define MAPSAN_CRASH_MODULES_H

#include <stdint.h>

struct mapsan_module {
  uintptr_t lo, hi, base; /* [lo, hi) mapped; offsets are from base */
  uintptr_t elf;          /* where its file's offset 0 (the ELF header) is
                             mapped; 0 when not known (the snapshot) */
  uint32_t name;          /* see mapsan_module_name */
  uint32_t build_id;      /* in the name pool, once read; 0: not read */
  uint8_t build_id_read;  /* 0 not yet, 1 read (build_id 0: none) */
};

/* At start-up, outside any signal: the snapshot for a process without
 * /proc. Takes the loader's lock (dl_iterate_phdr). */
void mapsan_modules_snapshot(void);

/* In the handler: fills the table from /proc, else from the snapshot.
 * Async-signal-safe; one thread at a time (the report owner). */
void mapsan_modules_load(void);

/* The module holding pc in the table last loaded, or NULL. */
struct mapsan_module *mapsan_module_of(uintptr_t pc);

/* m's GNU build-id as hex, or NULL: read from the module's own notes in
 * memory, copied with mapsan_mem_copy (a module unmapped meanwhile, or
 * memory that is not an ELF image, gives NULL; base/memread.c), once per
 * module and table; else from base/buildid.c's cache. So a library
 * dlopen'ed after the last walk of the loaded modules has its build-id,
 * and one loaded where a dlclose'd one was has its own. Async-signal-safe,
 * allocates nothing; the report owner only. */
const char *mapsan_module_build_id(struct mapsan_module *m, uintptr_t pc);

/* m's path as the table has it. */
const char *mapsan_module_name(const struct mapsan_module *m);

/* The last component of path. */
const char *mapsan_base_name(const char *path);

#endif
