/*
 * unwind.c: libunwind, loaded on demand. See unwind.h for when and why.
 *
 * Finding unwind tables without the loader's lock. libunwind finds the
 * object holding a pc with dl_iterate_phdr, which holds glibc's
 * dl_load_write_lock while it runs its callback; a thread holding that lock
 * (inside a dl_iterate_phdr callback of its own, or dlopen adding an
 * object) would make an unwind in a signal handler wait forever
 * (tests/crash/test-crash-loader-lock-iterate.c). So, once libunwind is
 * loaded, its own PLT slot for dl_iterate_phdr is pointed at
 * iterate_objects (libunwind alone: the rest of the process keeps glibc's).
 * Outside mapsan's signal handlers it calls glibc's dl_iterate_phdr;
 * inside them it walks the loader's list of objects (_r_debug.r_map)
 * without the lock and finds each object's program headers through
 * _dl_find_object (glibc 2.35, lock-free: it reads the loader's table under
 * a version counter) and the object's mapped ELF header. The walk races
 * only with a dlclose freeing an object at that moment; the crash report
 * survives a fault there (crash/report.c), the stack of a use-after-resize
 * report would not.
 *
 * Fork. glibc's fork resets the loader's dl_load_lock in the child but not
 * dl_load_write_lock, which dl_iterate_phdr holds, and nothing resets
 * libunwind's own locks (its caches, its memory pool). A thread inside
 * libunwind when another forks would leave the child with them held, and
 * the child's first capture that needs libunwind would wait for good
 * (tests/host/host-fork-unwinding.c): a hang in a program that never calls
 * dl_iterate_phdr itself. So every call into libunwind passes a gate, and
 * mapsan's atfork prepare handler closes it and waits until nobody is
 * inside (preload/init.c calls it before taking any engine lock, so a
 * thread inside, which may take one through an intercepted call, can
 * finish). A capture that finds the gate closed waits for the fork to end,
 * unless it cannot: in a signal handler (the forker may be the thread it
 * interrupted) or holding an engine lock (the forker takes them all next);
 * those go without libunwind this once, and their stack is the frames the
 * walk knows or none. The crash report's unwind passes without waiting:
 * the dying process's stack comes first. The wait is bounded (a second) in
 * case a thread inside waits on something the forker holds (a lock of the
 * program's own prepare handlers, or the loader's, were libunwind to need
 * one): past that the fork goes on as it would have without the gate. The
 * gate costs two atomic operations a libunwind call, which the call-site
 * cache and the frame walk make rare. libunwind's loading (a dlopen, at
 * a sampled process's first capture) and mapsan's own walks of the loaded
 * objects around a program's dlclose (engine/unload.c) pass it too.
 */
#include "unwind.h"
#include "frames.h"

#include "../base/base.h"
#include "../base/elfsym.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stddef.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <time.h>

struct mapsan_unwind_fns mapsan_unw;


/* 0 not tried, 2 being loaded by one thread, 1 loaded, -1 unavailable.
 * The loader is chosen by a compare-and-swap and nobody waits for it: a
 * capture that finds the load under way returns no stack. (Waiting could
 * deadlock: the waiter may hold the dynamic loader's lock, running a
 * library constructor, which the loading thread's dlopen needs.) Read with
 * acquire: the function pointers are published before the state. */
static _Atomic int state;

/* Threads allowed unw_backtrace now alive, and this thread's lot: 0 not
 * yet decided, 1 unw_backtrace, 2 unw_step. */
static _Atomic int fast_threads;
static MAPSAN_TLS uint8_t lot;

/* libunwind's executable segment, [text_lo, text_hi); set before its first
 * use, never changed (libunwind is never unloaded). */
static _Atomic uintptr_t text_lo, text_hi;
/* libunwind's PT_GNU_RELRO range, read-only once relocated. */
static _Atomic uintptr_t relro_lo, relro_hi;

bool mapsan_unwind_owns_pc(uintptr_t pc) {
  return pc >= atomic_load_explicit(&text_lo, memory_order_relaxed) &&
         pc < atomic_load_explicit(&text_hi, memory_order_relaxed);
}

static int find_text(struct dl_phdr_info *info, size_t size, void *arg) {
  const struct link_map *lm = arg;
  if (info->dlpi_addr != lm->l_addr || info->dlpi_name == NULL ||
      strcmp(info->dlpi_name, lm->l_name) != 0)
    return 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
    if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
      atomic_store_explicit(&text_hi, lo + ph->p_memsz, memory_order_relaxed);
      atomic_store_explicit(&text_lo, lo, memory_order_relaxed);
    } else if (ph->p_type == PT_GNU_RELRO) {
      atomic_store_explicit(&relro_hi, lo + ph->p_memsz, memory_order_relaxed);
      atomic_store_explicit(&relro_lo, lo, memory_order_relaxed);
    }
  }
  return 1;
}

bool mapsan_unwind_ready(void) {
  return atomic_load_explicit(&state, memory_order_acquire) == 1;
}

static bool resolve(void *h, const char *name, void *out) {
  void *p = dlsym(h, name);
  if (p == NULL)
    return false;
  memcpy(out, &p, sizeof(p));
  return true;
}

/* The exported names of the functions behind libunwind's macros (with
 * UNW_LOCAL_ONLY, unw_step is _ULx86_64_step, and so on). */
#define STR2(x) #x
#define STR(x) STR2(x)

/* The return addresses of the caller's callers, as unw_backtrace gives
 * them, with the step loop. Not inlined: the context is this frame's. */
static MAPSAN_NOINLINE int step_backtrace(void **buf, int size) {
  unw_context_t uc;
  unw_cursor_t c;
  if (mapsan_unw.getcontext(&uc) != 0 || mapsan_unw.init_local(&c, &uc) != 0)
    return 0;
  int n = 0;
  while (n < size && mapsan_unw.step(&c) > 0) {
    unw_word_t ip;
    if (mapsan_unw.get_reg(&c, UNW_REG_IP, &ip) < 0 || ip == 0)
      break;
    buf[n++] = (void *)(uintptr_t)ip;
  }
  return n;
}

MAPSAN_NOINLINE int mapsan_unwind_frames(struct mapsan_frame *out, int size,
                                         bool *complete) {
  unw_context_t uc;
  unw_cursor_t c;
  *complete = false;
  if (!mapsan_unwind_ready())
    return 0;
  int pass = mapsan_unwind_enter(false);
  if (pass == MAPSAN_UNWIND_REFUSED)
    return 0;
  int n = 0;
  if (mapsan_unw.getcontext(&uc) != 0 || mapsan_unw.init_local(&c, &uc) != 0)
    goto out;
  for (;;) {
    int r = mapsan_unw.step(&c);
    if (r == 0)
      *complete = true;
    if (r <= 0 || n == size)
      break;
    unw_word_t ip, sp, rbp;
    if (mapsan_unw.get_reg(&c, UNW_REG_IP, &ip) < 0 ||
        mapsan_unw.get_reg(&c, UNW_REG_SP, &sp) < 0 ||
        mapsan_unw.get_reg(&c, UNW_X86_64_RBP, &rbp) < 0)
      break;
    if (ip == 0) {
      *complete = true;
      break;
    }
    out[n].ip = ip;
    out[n].sp = sp;
    out[n].rbp = rbp;
    out[n].signal = mapsan_unw.is_signal_frame(&c) > 0;
    n++;
  }
out:
  mapsan_unwind_leave(pass);
  return n;
}

/* A thread's first few captures take the unw_step loop: unw_backtrace's
 * per-thread cache is a 256 KiB mapping, unmapped when the thread exits,
 * and an munmap in a multithreaded process makes every other CPU flush its
 * TLB; a short-lived thread that captures a stack or two (its creation, a
 * first access) paid that for nothing (stress-clean-100k-threads: a third
 * of its kernel time). */
#define STEP_FIRST 8
static MAPSAN_TLS uint8_t early_captures;

static bool fast_allowed(void) {
  if (MAPSAN_LIKELY(lot != 0))
    return lot == 1;
  if (early_captures < STEP_FIRST) {
    early_captures++;
    return false;
  }
  int n = atomic_load_explicit(&fast_threads, memory_order_relaxed);
  while (n < MAPSAN_FAST_UNWIND_THREADS)
    if (atomic_compare_exchange_weak_explicit(&fast_threads, &n, n + 1,
                                              memory_order_relaxed,
                                              memory_order_relaxed)) {
      lot = 1;
      return true;
    }
  lot = 2;
  return false;
}

/* ---- the fork gate (see the top) ------------------------------------------ */

static _Atomic int gate_inside;  /* threads now in libunwind */
static _Atomic int gate_closing; /* forks being prepared */
static MAPSAN_TLS bool gate_mine; /* this thread counts in gate_inside */

int mapsan_unwind_enter(bool force) {
  if (gate_mine)
    return MAPSAN_UNWIND_NESTED; /* a handler inside this thread's unwind */
  for (;;) {
    if (force || atomic_load(&gate_closing) == 0) {
      atomic_fetch_add(&gate_inside, 1);
      if (force || atomic_load(&gate_closing) == 0) {
        gate_mine = true;
        return MAPSAN_UNWIND_ENTERED;
      }
      atomic_fetch_sub(&gate_inside, 1);
    }
    /* The caller's own mapsan_enter is the one expected: more means an
     * engine lock may be held. */
    if (mapsan_in_signal() || mapsan_reentry > 1)
      return MAPSAN_UNWIND_REFUSED;
    sched_yield();
  }
}

void mapsan_unwind_leave(int pass) {
  if (pass != MAPSAN_UNWIND_ENTERED)
    return;
  gate_mine = false;
  atomic_fetch_sub(&gate_inside, 1);
}

int mapsan_gated_iterate_phdr(int (*cb)(struct dl_phdr_info *, size_t,
                                        void *),
                              void *data) {
  int pass = mapsan_unwind_enter(false);
  int r = dl_iterate_phdr(cb, data);
  mapsan_unwind_leave(pass);
  return r;
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void mapsan_unwind_fork_prepare(void) {
  atomic_fetch_add(&gate_closing, 1);
  int self = gate_mine; /* forking from a handler inside its own unwind */
  if (atomic_load(&gate_inside) <= self)
    return;
  uint64_t until = now_ns() + 1000000000u;
  while (atomic_load(&gate_inside) > self && now_ns() < until)
    sched_yield();
}

void mapsan_unwind_fork_parent(void) {
  atomic_fetch_sub(&gate_closing, 1);
}

/* ---- dl_iterate_phdr without the loader's lock ----------------------------- */

/* One object as dl_iterate_phdr describes it, from its link_map; false if
 * its ELF header is not where _dl_find_object says it is mapped. */
static bool describe(const struct link_map *l, struct dl_phdr_info *info) {
  struct dl_find_object obj;
  if (l->l_ld == NULL || _dl_find_object(l->l_ld, &obj) != 0)
    return false;
  const ElfW(Ehdr) *eh = obj.dlfo_map_start;
  if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_phoff == 0)
    return false;
  memset(info, 0, sizeof(*info));
  info->dlpi_addr = l->l_addr;
  info->dlpi_name = l->l_name;
  info->dlpi_phdr = (const ElfW(Phdr) *)((const char *)eh + eh->e_phoff);
  info->dlpi_phnum = eh->e_phnum;
  return true;
}

/* libunwind's dl_iterate_phdr (see the top). In a signal handler the
 * callback gets the fields up to dlpi_phnum (the size says so: no load
 * counters, no TLS); async-signal-safe there. */
static int iterate_objects(int (*cb)(struct dl_phdr_info *, size_t, void *),
                           void *data) {
  if (!mapsan_in_signal())
    return dl_iterate_phdr(cb, data);
  int r = 0;
  for (const struct link_map *l = _r_debug.r_map; l != NULL && r == 0;
       l = l->l_next) {
    struct dl_phdr_info info;
    if (describe(l, &info))
      r = cb(&info, offsetof(struct dl_phdr_info, dlpi_adds), data);
  }
  return r;
}

/* Points lm's PLT slot for dl_iterate_phdr at iterate_objects; false if it
 * has none. The slot is written once, before libunwind is published; a
 * slot under RELRO (an object linked -z now) is unprotected for the store. */
static bool redirect_iterate(const struct link_map *lm) {
  struct mapsan_elf_plt plt;
  if (!mapsan_elf_plt(lm->l_addr, lm->l_ld, &plt))
    return false;
  for (size_t i = 0; i < plt.n; i++) {
    uintptr_t *slot;
    bool undefined;
    const char *name = mapsan_elf_plt_slot(&plt, i, &slot, &undefined);
    if (name == NULL || strcmp(name, "dl_iterate_phdr") != 0)
      continue;
    void *page = (void *)((uintptr_t)slot & ~(uintptr_t)4095);
    __typeof__(&iterate_objects) to = iterate_objects;
    if (atomic_load_explicit(&relro_lo, memory_order_relaxed) <= (uintptr_t)slot &&
        (uintptr_t)slot < atomic_load_explicit(&relro_hi, memory_order_relaxed)) {
      if (mprotect(page, 4096, PROT_READ | PROT_WRITE) != 0)
        return false;
      memcpy(slot, &to, sizeof(to));
      mprotect(page, 4096, PROT_READ);
    } else {
      memcpy(slot, &to, sizeof(to));
    }
    return true;
  }
  return false;
}

static int capture(void **buf, int size) {
  int pass = mapsan_unwind_enter(false);
  if (pass == MAPSAN_UNWIND_REFUSED)
    return 0;
  int n = fast_allowed() ? mapsan_unw.backtrace(buf, size)
                         : step_backtrace(buf, size);
  mapsan_unwind_leave(pass);
  return n;
}

void mapsan_unwind_thread_exit(void) {
  if (lot == 1)
    atomic_fetch_sub_explicit(&fast_threads, 1, memory_order_relaxed);
  lot = 0;
}

bool mapsan_unwind_load(void) {
  int s = atomic_load_explicit(&state, memory_order_acquire);
  if (MAPSAN_LIKELY(s != 0))
    return s == 1;
  if (mapsan_in_signal())
    return false; /* never dlopen in a handler; a later call loads */
  mapsan_enter(); /* dlopen and libunwind's start-up pass straight through */
  /* Through the fork gate: dlopen takes the loader's write lock too. */
  int pass = mapsan_unwind_enter(false);
  if (pass == MAPSAN_UNWIND_REFUSED ||
      !atomic_compare_exchange_strong_explicit(&state, &s, 2,
                                               memory_order_acq_rel,
                                               memory_order_acquire)) {
    /* Loaded or failed meanwhile, being loaded, or a fork under way: a
     * later call loads. */
    mapsan_unwind_leave(pass);
    mapsan_leave();
    return s == 1;
  }
  {
    struct mapsan_unwind_fns f;
    void *h = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
    bool ok = h != NULL && resolve(h, STR(unw_backtrace), &f.backtrace) &&
              resolve(h, STR(unw_tdep_getcontext), &f.getcontext) &&
              resolve(h, STR(unw_init_local), &f.init_local) &&
              resolve(h, STR(unw_init_local2), &f.init_local2) &&
              resolve(h, STR(unw_get_reg), &f.get_reg) &&
              resolve(h, STR(unw_step), &f.step) &&
              resolve(h, STR(unw_is_signal_frame), &f.is_signal_frame);
    struct link_map *lm = NULL;
    if (ok && dlinfo(h, RTLD_DI_LINKMAP, &lm) == 0 && lm != NULL)
      dl_iterate_phdr(find_text, lm);
    /* Without the redirect, an unwind in a handler could wait for the
     * loader's lock: libunwind is then not used at all. */
    ok = ok && lm != NULL && redirect_iterate(lm);
    if (ok) {
      mapsan_unw = f;
      /* libunwind's one-time set-up, now (at start-up with sample_rate=1),
       * where it asks for its validation pipe (shim/unwind_validate.c). */
      void *warm[4];
      capture(warm, 4);
    }
    atomic_store_explicit(&state, ok ? 1 : -1, memory_order_release);
  }
  mapsan_unwind_leave(pass);
  mapsan_leave();
  return mapsan_unwind_ready();
}

int mapsan_unwind_backtrace(void **buf, int size) {
  if (!mapsan_unwind_ready())
    return 0;
  return capture(buf, size);
}

void mapsan_unwind_fork_child(void) {
  atomic_store(&gate_closing, 0);
  atomic_store(&gate_inside, gate_mine ? 1 : 0);
  /* Only this thread's cache survives the fork. */
  atomic_store_explicit(&fast_threads, lot == 1, memory_order_relaxed);
  int loading = 2;
  atomic_compare_exchange_strong_explicit(&state, &loading, 0,
                                          memory_order_relaxed,
                                          memory_order_relaxed);
}
