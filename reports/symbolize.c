/*
 * symbolize.c: libdw-based symbolizer. See symbolize.h.
 *
 * One Dwfl session describes the process's modules; it is built on first
 * use and rebuilt when a pc falls outside every known module (a library
 * dlopen'ed since). Building one reads no DWARF yet: libdw loads a
 * module's line table on its first query, so the cost is paid per module
 * actually named in a report.
 */
#include "symbolize.h"

#include <elfutils/libdwfl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

static Dwfl *dwfl;
static char *debuginfo_path;

static const Dwfl_Callbacks callbacks = {
    .find_elf = dwfl_linux_proc_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .debuginfo_path = &debuginfo_path,
};

void mapsan_symbolize_refresh(void) {
  if (dwfl)
    dwfl_end(dwfl);
  dwfl = dwfl_begin(&callbacks);
  if (dwfl == NULL)
    return;
  dwfl_report_begin(dwfl);
  if (dwfl_linux_proc_report(dwfl, getpid()) != 0) {
    dwfl_end(dwfl);
    dwfl = NULL;
    return;
  }
  dwfl_report_end(dwfl, NULL, NULL);
}

void mapsan_symbolize(uintptr_t pc, bool return_address,
                      struct mapsan_frame *f) {
  memset(f, 0, sizeof(*f));
  f->pc = pc;
  f->module = "?";
  if (dwfl == NULL)
    mapsan_symbolize_refresh();
  if (dwfl == NULL)
    return;
  Dwarf_Addr lookup = return_address && pc > 0 ? pc - 1 : pc;
  Dwfl_Module *mod = dwfl_addrmodule(dwfl, lookup);
  if (mod == NULL) {
    mapsan_symbolize_refresh();
    if (dwfl == NULL)
      return;
    mod = dwfl_addrmodule(dwfl, lookup);
    if (mod == NULL)
      return;
  }
  Dwarf_Addr start = 0;
  const char *name = dwfl_module_info(mod, NULL, &start, NULL, NULL, NULL,
                                      NULL, NULL);
  if (name)
    f->module = name;
  f->offset = pc - (uintptr_t)start;
  f->function = dwfl_module_addrname(mod, lookup);
  Dwfl_Line *line = dwfl_module_getsrc(mod, lookup);
  if (line) {
    int lineno = 0;
    const char *file = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
    if (file && lineno > 0) {
      f->file = file;
      f->line = lineno;
    }
  }
}
