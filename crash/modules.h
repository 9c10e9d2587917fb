/*
 * modules.h: the loaded objects as the crash report names them
 * (module+offset), async-signal-safe; see modules.c.
 */
#ifndef MAPSAN_CRASH_MODULES_H
#define MAPSAN_CRASH_MODULES_H

#include <stdint.h>

struct mapsan_module {
  uintptr_t lo, hi, base; /* [lo, hi) mapped; offsets are from base */
  uint32_t name;          /* see mapsan_module_name */
};

/* At start-up, outside any signal: the snapshot for a process without
 * /proc. Takes the loader's lock (dl_iterate_phdr). */
void mapsan_modules_snapshot(void);

/* In the handler: fills the table from /proc, else from the snapshot.
 * Async-signal-safe; one thread at a time (the report owner). */
void mapsan_modules_load(void);

/* The module holding pc in the table last loaded, or NULL. */
const struct mapsan_module *mapsan_module_of(uintptr_t pc);

/* m's path as the table has it. */
const char *mapsan_module_name(const struct mapsan_module *m);

/* The last component of path. */
const char *mapsan_base_name(const char *path);

#endif
