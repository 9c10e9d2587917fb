/*
 * symbolize.h: program counters to module+offset, function and file:line,
 * at report time, with elfutils libdw (the DWARF line tables of each loaded
 * module, found through /proc/self/maps and the usual debuginfo paths).
 * Not async-signal-safe: the crash path prints module+offset only.
 */
#ifndef MAPSAN_SYMBOLIZE_H
#define MAPSAN_SYMBOLIZE_H

#include <stdbool.h>
#include <stdint.h>

struct mapsan_frame {
  uintptr_t pc;
  const char *module; /* path; "?" if unknown */
  uintptr_t offset;   /* pc - module load address */
  const char *function; /* NULL if no symbol */
  const char *file;     /* NULL if no line information */
  int line;
};

/* Fills f for pc. A return address (every frame but a fault's first) is
 * looked up at pc-1, inside the call instruction. The strings stay valid
 * until the next mapsan_symbolize_refresh. Caller holds the report lock. */
void mapsan_symbolize(uintptr_t pc, bool return_address,
                      struct mapsan_frame *f);

/* Re-reads the module list (after dlopen). Caller holds the report lock. */
void mapsan_symbolize_refresh(void);

#endif
