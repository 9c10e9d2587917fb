/*
 * unload.c: use-after-unload (unload.h), the hot-reload incident.
 *
 * The incident. A plugin registers handlers into a map (function pointers
 * as values, names from its own .rodata as keys); the service dlcloses
 * it and loads the next version; the map still holds the old pointers.
 * The next lookup hands the program a pointer into unmapped memory (a
 * crash with no useful stack) or into whatever was mapped there since
 * (the new version: silent corruption); a stale key string crashes the
 * next hash or compare that reaches it.
 *
 * 1. What is unloaded. dlclose is bracketed (shim/dl.c): before the real
 *    call, dl_iterate_phdr lists the loaded modules (address, name, PT_LOAD
 *    segments, build-id: the names belong to the loader and are gone after)
 *    and the dlclose stack is captured; after it, a second walk says which
 *    of them are gone. dlclose unmaps a module only when its last
 *    reference goes, so a module opened twice and closed once, a module
 *    still needed by another, and an RTLD_NODELETE one are still listed and
 *    are not recorded; a dependency unloaded with the plugin is. The walk
 *    after is skipped when the loader's count of removals (dlpi_subs) did
 *    not move. Each module gone enters the unload log (base/unloads.c),
 *    which keeps its range reserved while it stays there.
 *
 * 2. What is a use. The engine does not scan maps: an entry is checked
 *    when the program is handed it, by the read that returns it (a lookup's
 *    value, with the key looked up named but not checked: it is the
 *    caller's own, and a host that unregisters a plugin's function pointer
 *    after dlclose looks it up harmlessly; an iteration's key and value;
 *    a stored key lookup_extended returns that is not the caller's
 *    pointer; the wrappers say which,
 *    shim/map_glib.c and map_hmap.c). So an entry removed, or a map
 *    destroyed, before any use is never looked at (unregistering after
 *    dlclose without calling is harmless), and the cost is per entry
 *    handed out, not per entry stored. A hash or compare that touches a
 *    stale key reads the reserved range and faults: mapsan_unload_fault,
 *    called by the SIGSEGV handler, reports it with the map operation in
 *    flight (the thread's log names the map), then the crash path writes
 *    its own report (crash/report.c) and the signal goes on. The report is
 *    built by the ordinary path from the handler, as use-after-resize's
 *    (quarantine.c explains why that is safe: the thread faulted in the
 *    program's code, holding no mapsan lock); what it needs (libunwind,
 *    libdw) is loaded when the first module enters the log.
 *
 * 3. Which words. The entry's bytes are read as 8-byte words at 8-byte
 *    offsets (GLib: the key and value pointers themselves; libhmap: the
 *    key_size and val_size bytes of the slots). A word is stale only if it
 *    lies inside a PT_LOAD segment of a module in the log: small integers,
 *    hashes and counters are almost never there (the ranges are a few
 *    pages of a 47-bit space, and their former owner is gone), and a
 *    pointer into a live module never is (the reservation keeps anything
 *    else from being mapped there while the module is in the log).
 *
 * 4. Cost. Until the first module is unloaded, one relaxed load per
 *    checked read (mapsan_unload_check); after, two compares per word
 *    against the hull of the log's ranges, and a scan of the log (at most
 *    unload_keep entries) only for a word inside the hull. Nothing on
 *    untracked maps. dlclose itself pays two module walks and a stack.
 *
 * 5. The report names the map, its creation stack, the reading operation
 *    (current), the stale word and whether it is in the key or the value,
 *    the entry's key (its first word), the module (path, build-id, range,
 *    time of unload) and the dlclose stack. The operation that stored the
 *    entry is not recorded (a stack per stored entry is not cheap); what
 *    is cheap, at report time only, is the threads' logs of their last
 *    MAPSAN_RECENT_OPS map operations (engine/thread.h, kept for crash
 *    reports): the latest operation on the map called from the module's
 *    own code, if one is still there, is named (role module-op, its call
 *    site alone), which is where a plugin that registers and is unloaded
 *    soon after stored its entries.
 */
#include "unload.h"

#include "../base/alloc.h"
#include "../base/buildid.h"
#include "../base/options.h"
#include "../reports/report.h"
#include "../stacks/stack.h"
#include "../stacks/unwind.h"
#include "thread.h"

#include <link.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>

struct mod_snap {
  uintptr_t addr;
  bool gone;
  struct mapsan_unloaded u; /* filled as far as known before the call */
};

struct mapsan_unload_ctx {
  struct mod_snap *mods;
  int n, cap;
  bool full; /* ran out of memory: modules past n are not known */
  unsigned long long subs;
};

static bool snap_same(const struct mod_snap *m, const struct dl_phdr_info *i) {
  if (m->addr != i->dlpi_addr)
    return false;
  const char *name = i->dlpi_name ? i->dlpi_name : "";
  return strncmp(m->u.name, name, MAPSAN_UNLOAD_NAME - 1) == 0;
}

static int snap_one(struct dl_phdr_info *info, size_t size, void *data) {
  struct mapsan_unload_ctx *c = data;
  if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof(info->dlpi_subs))
    c->subs = info->dlpi_subs;
  uintptr_t lo, hi;
  if (!mapsan_module_range(info, &lo, &hi))
    return 0;
  if (c->n == c->cap) {
    int cap = c->cap ? 2 * c->cap : 64;
    struct mod_snap *m = mapsan_realloc(c->mods, (size_t)cap * sizeof(*m));
    if (m == NULL) {
      c->full = true;
      return 1;
    }
    c->mods = m;
    c->cap = cap;
  }
  struct mod_snap *m = &c->mods[c->n++];
  memset(m, 0, sizeof(*m));
  m->addr = info->dlpi_addr;
  m->u.lo = lo;
  m->u.hi = (hi + 4095) & ~(uintptr_t)4095;
  m->u.base = info->dlpi_addr;
  for (int i = 0; i < info->dlpi_phnum && m->u.nsegs < MAPSAN_UNLOAD_SEGS; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD)
      continue;
    m->u.seg_lo[m->u.nsegs] = info->dlpi_addr + ph->p_vaddr;
    m->u.seg_hi[m->u.nsegs] = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
    m->u.nsegs++;
  }
  const char *name = info->dlpi_name ? info->dlpi_name : "";
  strncpy(m->u.name, name, MAPSAN_UNLOAD_NAME - 1);
  if (!mapsan_phdr_build_id(info, m->u.build_id))
    m->u.build_id[0] = '\0';
  return 0;
}

static int mark_present(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  struct mapsan_unload_ctx *c = data;
  for (int i = 0; i < c->n; i++)
    if (c->mods[i].gone && snap_same(&c->mods[i], info)) {
      c->mods[i].gone = false;
      break;
    }
  return 0;
}

static int read_subs(struct dl_phdr_info *info, size_t size, void *data) {
  if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof(info->dlpi_subs))
    *(unsigned long long *)data = info->dlpi_subs;
  return 1; /* the counts are the same in every entry */
}

static struct mapsan_unload_ctx *ctx_new(void) {
  struct mapsan_unload_ctx *c = mapsan_calloc(1, sizeof(*c));
  return c;
}

/* What reporting a fault from the handler needs, loaded once outside any
 * signal and with no mapsan lock held, when a module is in the log. */
static void prepare_fault_path(void) {
  static _Atomic bool prepared;
  if (MAPSAN_LIKELY(atomic_load_explicit(&prepared, memory_order_acquire)) ||
      !mapsan_unloads_seen())
    return;
  mapsan_unwind_load();
  mapsan_report_prepare_for_signals();
  atomic_store_explicit(&prepared, true, memory_order_release);
}

struct mapsan_unload_ctx *mapsan_unload_before(uintptr_t pc, uintptr_t cfa) {
  if (mapsan_opts.unload_keep <= 0)
    return NULL;
  mapsan_enter();
  struct mapsan_unload_ctx *c = ctx_new();
  if (c != NULL) {
    mapsan_gated_iterate_phdr(snap_one, c);
    if (c->n == 0) {
      mapsan_free(c->mods);
      mapsan_free(c);
      c = NULL;
    }
  }
  mapsan_leave();
  if (c == NULL)
    return NULL;
  /* The stack is the program's call of dlclose (the capture's own frames
   * are libmapsan's, dropped by printers). */
  uint32_t stack = mapsan_stack_capture_from(pc, cfa);
  struct mapsan_thread *t = mapsan_thread_current();
  const uintptr_t *pcs = NULL;
  size_t n = mapsan_stack_get(stack, &pcs);
  uintptr_t inline_pcs[MAPSAN_UNLOAD_PCS];
  int k = 0;
  for (size_t i = 0; i < n && k < MAPSAN_UNLOAD_PCS; i++)
    if (!mapsan_is_runtime_pc(pcs[i]))
      inline_pcs[k++] = pcs[i];
  for (int i = 0; i < c->n; i++) {
    struct mapsan_unloaded *u = &c->mods[i].u;
    u->stack = stack;
    u->thread = t ? t->num : 0;
    u->npcs = k;
    memcpy(u->pcs, inline_pcs, (size_t)k * sizeof(inline_pcs[0]));
  }
  return c;
}

void mapsan_unload_after(struct mapsan_unload_ctx *c) {
  if (c == NULL)
    return;
  mapsan_enter();
  unsigned long long subs = c->subs;
  mapsan_gated_iterate_phdr(read_subs, &subs);
  if (subs != c->subs) { /* something was unmapped */
    for (int i = 0; i < c->n; i++)
      c->mods[i].gone = true;
    mapsan_gated_iterate_phdr(mark_present, c);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    for (int i = 0; i < c->n; i++) {
      if (!c->mods[i].gone || c->mods[i].u.name[0] == '\0')
        continue; /* the program itself (no name) is never unloaded */
      c->mods[i].u.time = now.tv_sec;
      mapsan_unloaded_add(&c->mods[i].u, mapsan_opts.unload_keep);
    }
  }
  mapsan_free(c->mods);
  mapsan_free(c);
  mapsan_leave();
  prepare_fault_path();
}

/* ---- the rule ----------------------------------------------------------- */

static uintptr_t word_at(const void *p, size_t off) {
  uintptr_t w;
  memcpy(&w, (const char *)p + off, sizeof(w));
  return w;
}

/* The first stale word of [p, p + size), or 0; its module into u. */
static uintptr_t stale_word(const void *p, size_t size,
                            struct mapsan_unloaded *u) {
  if (p == NULL)
    return 0;
  for (size_t off = 0; off + sizeof(uintptr_t) <= size; off += sizeof(uintptr_t)) {
    uintptr_t w = word_at(p, off);
    if (MAPSAN_UNLIKELY(mapsan_unloaded_maybe(w)) &&
        mapsan_unloaded_find(w, false, u))
      return w;
  }
  return 0;
}

/* The latest operation on map called from u's code, from the threads'
 * logs of their recent operations (read without locks, as the crash
 * report does: a note being rewritten may be torn, which only makes it
 * not match); false if none is there. */
static bool module_op(uintptr_t map, const struct mapsan_unloaded *u,
                      struct mapsan_access_rec *out) {
  uint32_t limit =
      atomic_load_explicit(&mapsan_threads_slot_limit, memory_order_acquire);
  if (limit > MAPSAN_MAX_SLOTS)
    limit = MAPSAN_MAX_SLOTS;
  uint64_t best_tsc = 0;
  uintptr_t best_pc = 0;
  for (uint32_t slot = 0; slot < limit; slot++) {
    struct mapsan_thread *t = atomic_load_explicit(
        &mapsan_threads_by_slot[slot], memory_order_acquire);
    if (t == NULL)
      continue;
    uint32_t next = *(volatile uint32_t *)&t->log.next;
    for (uint32_t i = 0; i < MAPSAN_RECENT_OPS && i < next; i++) {
      const volatile struct mapsan_op_note *n =
          &t->log.recent[(next - 1 - i) % MAPSAN_RECENT_OPS];
      uintptr_t pc = n->pc;
      const char *opname = n->op;
      uint64_t tsc = n->tsc;
      if (n->map != map || pc < u->lo || pc >= u->hi || opname == NULL)
        continue;
      if (best_pc == 0 || tsc > best_tsc) {
        best_tsc = tsc;
        best_pc = pc;
        out->thread = t->num;
        out->op = opname;
      }
      break; /* this thread's newest */
    }
  }
  if (best_pc == 0)
    return false;
  out->stack = mapsan_stack_intern(&best_pc, 1);
  return out->stack != 0;
}

static MAPSAN_COLD MAPSAN_NOINLINE void report(struct mapsan_op *op,
                                              const char *where, uintptr_t w,
                                              const void *key, size_t key_size,
                                              const struct mapsan_unloaded *u) {
  struct mapsan_map_info info;
  if (!mapsan_map_describe(op->map, mapsan_map_key(op->map), &info))
    return;
  struct mapsan_report rep;
  memset(&rep, 0, sizeof(rep));
  rep.kind = MAPSAN_KIND_USE_AFTER_UNLOAD;
  rep.api = info.api->name;
  rep.map = mapsan_map_key(op->map);
  rep.generation = -1;
  rep.current_generation = -1;
  rep.unload.stale = where;
  rep.unload.word = w;
  if (key != NULL && key_size >= sizeof(uintptr_t)) {
    rep.unload.has_key = true;
    rep.unload.key = word_at(key, 0);
  }
  rep.unload.lo = u->lo;
  rep.unload.hi = u->hi;
  rep.unload.base = u->base;
  rep.unload.time = u->time;
  memcpy(rep.unload.module, u->name, sizeof(rep.unload.module));
  memcpy(rep.unload.build_id, u->build_id, sizeof(rep.unload.build_id));
  struct mapsan_access_rec cur = {0}, closed = {0};
  struct mapsan_thread *t = mapsan_thread_current();
  cur.thread = t ? t->num : 0;
  cur.stack = mapsan_stack_capture_from(op->caller_pc, op->caller_cfa);
  cur.op = op->opname;
  cur.write = op->write;
  closed.thread = u->thread;
  closed.stack = u->stack;
  closed.op = "dlclose";
  struct mapsan_access_rec stored = {0};
  mapsan_report_add(&rep, MAPSAN_ROLE_CURRENT, &cur);
  mapsan_report_add(&rep, MAPSAN_ROLE_DLCLOSE, &closed);
  if (module_op(rep.map, u, &stored))
    mapsan_report_add(&rep, MAPSAN_ROLE_MODULE_OP, &stored);
  mapsan_report_add(&rep, MAPSAN_ROLE_MAP_CREATED, &info.created);
  mapsan_report_submit(&rep);
}

void mapsan_unload_check_entry(struct mapsan_op *op, const void *key,
                               size_t key_size, bool key_out,
                               const void *val, size_t val_size) {
  struct mapsan_unloaded u;
  uintptr_t w = key_out ? stale_word(key, key_size, &u) : 0;
  if (w != 0) {
    report(op, "key", w, key, key_size, &u);
    return;
  }
  w = stale_word(val, val_size, &u);
  if (w != 0)
    report(op, "value", w, key, key_size, &u);
}

/* ---- a fault in an unloaded range, inside a map operation --------------- */

/* The faulting thread's stack, as quarantine.c's: the faulting pc first
 * (+1, so that the symbolizer's "return address - 1" lands on it), then
 * its callers. A pc in the unloaded module itself has no unwind
 * information: its caller is the return address at the stack pointer. */
static uint32_t fault_stack(const ucontext_t *uc) {
  uintptr_t rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
  void *buf[MAPSAN_STACK_MAX_FRAMES];
  mapsan_enter();
  int n = mapsan_unwind_backtrace(buf, MAPSAN_STACK_MAX_FRAMES);
  mapsan_leave();
  uintptr_t pcs[MAPSAN_STACK_MAX_FRAMES];
  size_t k = 0;
  pcs[k++] = rip + 1;
  int from = -1;
  for (int i = 0; i < n && from < 0; i++)
    if ((uintptr_t)buf[i] == rip)
      from = i;
  if (from < 0) {
    /* Not unwound past the fault (a pc without unwind information): the
     * caller's return address, then what unwinding the handler gave that
     * lies beyond the signal frame is unknown; the caller alone. */
    uintptr_t sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
    pcs[k++] = *(const uintptr_t *)sp;
  } else {
    for (int i = from + 1; i < n && k < MAPSAN_STACK_MAX_FRAMES; i++)
      if (!mapsan_is_runtime_pc((uintptr_t)buf[i]))
        pcs[k++] = (uintptr_t)buf[i];
  }
  return mapsan_stack_intern(pcs, k);
}

bool mapsan_unload_fault(int sig, siginfo_t *info, void *ucontext) {
  if ((sig != SIGSEGV && sig != SIGBUS) || info == NULL || ucontext == NULL ||
      !mapsan_unloads_seen())
    return false;
  const ucontext_t *uc = ucontext;
  uintptr_t addr = (uintptr_t)info->si_addr;
  uintptr_t rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
  struct mapsan_thread *t = mapsan_cur_thread;
  /* In program code (never mapsan's own: it may hold a lock), with a map
   * operation of this thread in flight. */
  if (t == NULL || mapsan_is_runtime_pc(rip))
    return false;
  const struct mapsan_op_note *n = mapsan_op_log_inflight(&t->log);
  if (n == NULL)
    return false;
  uintptr_t map = *(const volatile uintptr_t *)&n->map;
  const char *opname = *(const char *const volatile *)&n->op;
  if (map == 0)
    return false;
  struct mapsan_unloaded u;
  if (!mapsan_unloaded_find(addr, true, &u))
    return false;
  struct mapsan_map_info mi;
  if (!mapsan_map_describe_at(map, &mi))
    return false;
  struct mapsan_report rep;
  memset(&rep, 0, sizeof(rep));
  rep.kind = MAPSAN_KIND_USE_AFTER_UNLOAD;
  rep.api = mi.api->name;
  rep.map = map;
  rep.generation = -1;
  rep.current_generation = -1;
  rep.fault_addr = addr;
  rep.unload.stale = addr == rip ? "pc" : "address";
  rep.unload.word = addr;
  rep.unload.lo = u.lo;
  rep.unload.hi = u.hi;
  rep.unload.base = u.base;
  rep.unload.time = u.time;
  memcpy(rep.unload.module, u.name, sizeof(rep.unload.module));
  memcpy(rep.unload.build_id, u.build_id, sizeof(rep.unload.build_id));
  struct mapsan_access_rec cur = {0}, closed = {0};
  cur.thread = t->num;
  cur.stack = fault_stack(uc);
  cur.op = opname ? opname : "?";
  closed.thread = u.thread;
  closed.stack = u.stack;
  closed.op = "dlclose";
  struct mapsan_access_rec stored = {0};
  mapsan_report_add(&rep, MAPSAN_ROLE_CURRENT, &cur);
  mapsan_report_add(&rep, MAPSAN_ROLE_DLCLOSE, &closed);
  if (module_op(map, &u, &stored))
    mapsan_report_add(&rep, MAPSAN_ROLE_MODULE_OP, &stored);
  mapsan_report_add(&rep, MAPSAN_ROLE_MAP_CREATED, &mi.created);
  mapsan_report_submit(&rep);
  return true;
}
