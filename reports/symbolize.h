/*
 * symbolize.h: program counters to module+offset, function and file:line,
 * at report time, with elfutils libdw (the DWARF of each loaded module,
 * found through /proc/self/maps and the usual debuginfo paths). One pc may
 * stand for several frames: a call inlined into its caller is shown as its
 * own frame, as the sanitizers do, from DWARF's inlined-subroutine scopes.
 * Not async-signal-safe, but loads nothing and takes none of the loader's
 * locks in mapsan's signal handlers (symbolize.c); the crash path prints
 * module+offset only.
 */
#ifndef MAPSAN_SYMBOLIZE_H
#define MAPSAN_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mapsan_frame {
  uintptr_t pc;
  const char *module;   /* path; "?" if unknown */
  uintptr_t offset;     /* pc - module load address */
  const char *function; /* NULL if no symbol */
  const char *file;     /* absolute when known; NULL if no line info */
  int line;
  bool inlined;         /* a call inlined into the next frame */
  const char *build_id; /* the module's GNU build-id, hex; NULL if none */
  bool unloaded;        /* module is one dlclose unloaded (base/unloads.h) */
};

/* Fills out[0..] with the frames pc stands for (innermost first, at most
 * max, at least 1 when max > 0) and returns how many. A return address
 * (every frame but a fault's first) is looked up at pc-1, inside the call
 * instruction. Strings stay valid until mapsan_symbolize_begin. The caller
 * holds the report lock. */
size_t mapsan_symbolize(uintptr_t pc, bool return_address,
                        struct mapsan_frame *out, size_t max);

/* Loads libdw now, outside any signal handler, so that a report made in
 * one later has function names and lines (a handler never loads it).
 * Returns whether libdw is available. Not async-signal-safe; the caller
 * holds no mapsan lock. */
bool mapsan_symbolize_prepare(void);

/* Starts a new report: recycles the string storage of the previous one. */
void mapsan_symbolize_begin(void);

/* The report is written: closes libdw's session and the files it opened,
 * so that the program's next descriptors are numbered as without mapsan.
 * The next report opens a new one. */
void mapsan_symbolize_end(void);

/* The name of the data symbol at addr (a global lock, say), or NULL. */
const char *mapsan_symbolize_data(uintptr_t addr);

#endif
