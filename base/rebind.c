/*
 * rebind.c: between canary windows, the program calls the C library's and
 * GLib's lock functions, and the maps' read functions, directly, not
 * mapsan's wrappers.
 *
 * Why. While no window is open the vector clocks are stopped and a lock
 * wrapper records nothing (engine/window.h): it is the real call plus a
 * test. That test, the tail call and the frame around the real call are
 * still 12 instructions a lock and 7 an unlock, and on a lock-bound loop
 * (lock, one map call, unlock: ~190 instructions natively) they were the
 * canary's whole cost, 1.13x, against a goal of 1.03x. No wrapper can be
 * cheaper than a call through a pointer, so between windows there is no
 * wrapper: each loaded object's PLT slot for a lock operation, which the
 * loader bound to mapsan's wrapper, is pointed at the function the wrapper
 * itself calls (REAL: the next definition after libmapsan, so another
 * interposer after mapsan is still called), and pointed back when a
 * window opens. Full mode never does this.
 *
 * Which slots. R_X86_64_JUMP_SLOT relocations naming one of the functions
 * the shim hands over (shim/bypass.c: those whose wrappers do nothing but
 * the real call while no window is open, lock operations and map reads,
 * and those that do nothing but the real call while no map is drawn, the
 * other map operations), a group at a time. A
 * slot holding the wrapper, or not bound yet in an object loaded at
 * start-up (lazy binding: it points back into its own object's PLT, and
 * the loader would bind it to the wrapper), gets the real function and is
 * remembered; only remembered slots get the wrapper back. Anything else
 * (a slot the loader bound elsewhere, an RTLD_DEEPBIND library's, an
 * auditor's PLT stub left unbound in a later object) is left alone. Calls
 * through a function pointer (GOT entries of R_X86_64_GLOB_DAT,
 * `&pthread_mutex_lock` kept in data) keep the wrapper: a pointer the
 * program can compare is never changed.
 *
 * Slots under RELRO (an object linked with -z now, as Debian builds GLib)
 * are read-only once relocated. Those of the objects loaded at start-up are
 * made writable for the stores and read-only again, an object's at once,
 * exactly the pages the loader protected (it rounds the RELRO end down: the page
 * past it stays writable and is never touched); the loader is done with
 * them before any constructor runs, and they are never unloaded. Not in a
 * process with a seccomp filter (a sandbox may kill for mprotect): there
 * they are left alone, and a process that installs its filter after some
 * were rewritten gets no window from then on (a slot that cannot be pointed
 * back would leave lock operations unrecorded inside a window). A RELRO
 * slot of an object loaded later is left alone: while another thread's
 * dlopen is relocating it, the loader may still be writing into it before
 * protecting it, and a protection change of ours could fault the loader.
 *
 * Safety. The walk runs inside dl_iterate_phdr, which holds the loader's
 * list lock: no object leaves while its slots are written (dlclose takes
 * the object off the list under that lock before unmapping it). A slot is
 * written with one aligned 8-byte store, so a thread calling through it
 * concurrently jumps to either function, and both are correct at that
 * moment (a window's opening records nothing until the rewrite is done,
 * engine/window.c). Never from mapsan's signal handlers (the loader's lock).
 * The caller holds rebind_lock, taken with try-lock only: a thread that holds
 * the loader's lock (in a dl_iterate_phdr callback of the program's) may
 * take a lock and reach here; it must not wait for a thread that waits for
 * the loader's lock.
 *
 * Why a window's opening needs more than the rewrite: a thread that entered
 * the real lock function before the slots were pointed back, and returns
 * with the lock after the window opened, acquired it unrecorded. The engine
 * covers that (engine/window.c, "rebound locks").
 */
#include "rebind.h"
#include "alloc.h"
#include "elfsym.h"
#include "interpose.h"
#include "memread.h"

#include <elf.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The interposer's names, as interceptors.inc spells them. */
static const char *const real_names[] = {
#define MAPSAN_INTERCEPTOR(name, version) #name,
#include "interceptors.inc"
#undef MAPSAN_INTERCEPTOR
};

#define NPARK_MAX 96
static const struct mapsan_rebind_fn *fns;
static size_t nfns;
/* Per function: mapsan's wrapper, 0 when the loader bound the name to
 * another library's definition (one preloaded before libmapsan: its slots
 * are not ours to touch). */
static uintptr_t wrapper[NPARK_MAX];

#define STARTUP_MAX 256
static uintptr_t startup_base[STARTUP_MAX];
static const ElfW(Phdr) *startup_phdr[STARTUP_MAX];
static int nstartup;

static mapsan_lock rebind_lock = MAPSAN_LOCK_INIT;
static _Atomic unsigned long parked_total, unparked_total, undrawn_total;

static int note_startup(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  (void)data;
  if (nstartup < STARTUP_MAX) {
    startup_base[nstartup] = info->dlpi_addr;
    startup_phdr[nstartup] = info->dlpi_phdr;
    nstartup++;
  }
  return 0;
}

void mapsan_rebind_init(const struct mapsan_rebind_fn *f, size_t n) {
  if (n > NPARK_MAX)
    n = NPARK_MAX;
  for (size_t i = 0; i < n; i++) {
    uintptr_t w = (uintptr_t)f[i].wrapper;
    wrapper[i] = mapsan_is_runtime_pc(w) ? w : 0;
  }
  dl_iterate_phdr(note_startup, NULL);
  fns = f;
  nfns = n;
}

bool mapsan_rebind_ready(void) { return nfns > 0; }


/* The function's index in fns, or -1. A filter first: GLib's libraries
 * have thousands of g_ slots, and the walk runs at every window's edge. */
static int park_index(const char *name) {
  switch (name[0]) {
  case 'p':
    if (strncmp(name, "pthread_", 8) != 0)
      return -1;
    break;
  case 'm':
    if (strncmp(name, "mtx_", 4) != 0)
      return -1;
    break;
  case 'g':
    if (name[1] != '_' || (strncmp(name + 2, "mutex_", 6) != 0 &&
                           strncmp(name + 2, "rec_mutex_", 10) != 0 &&
                           strncmp(name + 2, "rw_lock_", 8) != 0 &&
                           strncmp(name + 2, "hash_table_", 11) != 0))
      return -1;
    break;
  case 'h':
    if (strncmp(name, "hmap_", 5) != 0)
      return -1;
    break;
  default:
    return -1;
  }
  for (size_t i = 0; i < nfns; i++)
    if (strcmp(name, real_names[fns[i].id]) == 0)
      return (int)i;
  return -1;
}

struct pass {
  unsigned groups; /* a mask of MAPSAN_REBIND_ */
  bool to_real;
  bool sandboxed; /* no mprotect under a seccomp filter */
  bool failed;    /* a slot could not be pointed back at its wrapper */
  uintptr_t real[NPARK_MAX];
  long page;
};

struct object {
  const struct dl_phdr_info *info;
  uintptr_t relro_lo, relro_hi; /* the pages the loader made read-only */
};

static bool in_load(const struct object *o, uintptr_t a, bool writable) {
  for (int i = 0; i < o->info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &o->info->dlpi_phdr[i];
    uintptr_t lo = o->info->dlpi_addr + ph->p_vaddr;
    if (ph->p_type == PT_LOAD && a >= lo && a < lo + ph->p_memsz &&
        (!writable || (ph->p_flags & PF_W)))
      return true;
  }
  return false;
}

/* The slots this process rewrote to a real function, so that only those
 * are pointed back (a slot the loader itself bound to the real function,
 * in an RTLD_DEEPBIND library, stays so): open addressing on the slot's
 * address with its group in the low bits (a slot is 8-byte aligned), under
 * rebind_lock; a group's entries leave after each complete rewrite of the
 * group back. A slot that finds the set full is left at its wrapper. */
#define PARKED_MAX 512 /* 4 KiB: a page a canary process keeps resident */
static uintptr_t parked_set[PARKED_MAX];
static unsigned nparked;

static unsigned parked_home(uintptr_t a) {
  return (unsigned)(((uint64_t)(a & ~(uintptr_t)7) * 0x9e3779b97f4a7c15ull) >>
                    55);
}

static bool parked_has(uintptr_t a) {
  for (unsigned i = parked_home(a);; i = (i + 1) % PARKED_MAX) {
    if (parked_set[i] == a)
      return true;
    if (parked_set[i] == 0)
      return false;
  }
}

static bool parked_add(uintptr_t a) {
  if (nparked >= PARKED_MAX / 2)
    return false;
  unsigned i = parked_home(a);
  while (parked_set[i] != 0 && parked_set[i] != a)
    i = (i + 1) % PARKED_MAX;
  if (parked_set[i] == 0) {
    parked_set[i] = a;
    nparked++;
  }
  return true;
}

/* The groups' entries out: the others put in again (a removal from open
 * addressing would have to move the runs after it). */
static void parked_clear(unsigned groups) {
  uintptr_t keep[PARKED_MAX / 2];
  unsigned n = 0;
  for (unsigned i = 0; i < PARKED_MAX; i++)
    if (parked_set[i] != 0 && !(parked_set[i] & 7 & groups))
      keep[n++] = parked_set[i];
  memset(parked_set, 0, sizeof(parked_set));
  nparked = 0;
  for (unsigned i = 0; i < n; i++)
    parked_add(keep[i]);
}

/* What the slot should hold for this pass, or 0 to leave it. */
static uintptr_t wanted(const struct pass *p, const struct object *o,
                        int k, bool undefined, bool startup, uintptr_t a,
                        uintptr_t cur) {
  uintptr_t real = p->real[k];
  if (real == 0 || wrapper[k] == 0)
    return 0;
  if (!p->to_real)
    return cur == real && parked_has(a | fns[k].group) ? wrapper[k] : 0;
  /* Not bound yet: the slot points into its object's own PLT, and the
   * loader would bind it to the wrapper (an object loaded at start-up: in
   * the global scope; one loaded later may have RTLD_DEEPBIND). */
  bool unbound = startup && undefined && in_load(o, cur, false);
  return cur == wrapper[k] || unbound ? real : 0;
}

static void store(uintptr_t *slot, uintptr_t v) {
  __atomic_store_n(slot, v, __ATOMIC_RELAXED);
}

static void count(const struct pass *p, int k) {
  if (p->to_real && fns[k].group == MAPSAN_REBIND_UNDRAWN)
    atomic_fetch_add_explicit(&undrawn_total, 1, memory_order_relaxed);
  atomic_fetch_add_explicit(p->to_real ? &parked_total : &unparked_total, 1,
                            memory_order_relaxed);
}

/* An object's RELRO slots are written together: its protected pages made
 * writable once, then read-only again (two system calls an object, not two
 * a slot: a 7 ms GLib test paid ~0.5 ms for 66 of them). */
#define RELRO_BATCH 64
struct relro_batch {
  int n;
  uintptr_t *slot[RELRO_BATCH];
  uintptr_t val[RELRO_BATCH];
  int k[RELRO_BATCH];
};

static void relro_flush(struct pass *p, const struct object *o,
                        struct relro_batch *b) {
  if (b->n == 0)
    return;
  void *lo = (void *)o->relro_lo;
  size_t len = o->relro_hi - o->relro_lo;
  if (mprotect(lo, len, PROT_READ | PROT_WRITE) != 0) {
    p->failed |= !p->to_real;
  } else {
    for (int i = 0; i < b->n; i++) {
      store(b->slot[i], b->val[i]);
      count(p, b->k[i]);
    }
    mprotect(lo, len, PROT_READ);
  }
  b->n = 0;
}

/* One slot for a listed function: its address, the function's index in
 * fns, and whether the object leaves the name undefined (imports it). */
struct found {
  uintptr_t *slot;
  uint8_t k;
  bool undefined;
};

/* The slots of a start-up object, found at its first walk and kept (such
 * an object is never unloaded): a later walk, at every window's edge,
 * reads a few dozen entries instead of every PLT relocation of every
 * library (GLib's have thousands: 2.6% of `actions`' instructions under
 * callgrind, whose slowness multiplies the windows). */
struct found_list {
  int n;
  struct found f[];
};
static struct found_list *startup_found[STARTUP_MAX];

static int startup_index(const struct dl_phdr_info *info) {
  for (int i = 0; i < nstartup; i++)
    if (startup_base[i] == info->dlpi_addr &&
        startup_phdr[i] == info->dlpi_phdr)
      return i;
  return -1;
}

/* The JUMP_SLOTs of listed functions, up to max into out; returns how
 * many there are. */
static int each_slot(const struct dl_phdr_info *info, const ElfW(Dyn) *dyn,
                     struct found *out, int max) {
  struct mapsan_elf_plt plt;
  if (!mapsan_elf_plt(info->dlpi_addr, dyn, &plt))
    return 0;
  int n = 0;
  for (size_t i = 0; i < plt.n; i++) {
    uintptr_t *slot;
    bool undefined;
    const char *name = mapsan_elf_plt_slot(&plt, i, &slot, &undefined);
    int k = name ? park_index(name) : -1;
    if (k < 0)
      continue;
    if (n < max)
      out[n] = (struct found){slot, (uint8_t)k, undefined};
    n++;
  }
  return n;
}

static int visit(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  struct pass *p = data;
  struct object o = {info, 0, 0};
  const ElfW(Dyn) *dyn = NULL;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type == PT_DYNAMIC)
      dyn = (const ElfW(Dyn) *)(info->dlpi_addr + ph->p_vaddr);
    else if (ph->p_type == PT_GNU_RELRO) {
      uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
      uintptr_t mask = ~(uintptr_t)(p->page - 1);
      o.relro_lo = lo & mask;
      o.relro_hi = (lo + ph->p_memsz) & mask;
    }
  }
  /* Not libmapsan's own slots (its calls to these names are its own). */
  if (dyn == NULL || in_load(&o, (uintptr_t)&mapsan_rebind, false))
    return 0;
  int si = startup_index(info);
  bool startup = si >= 0;
  struct found local[NPARK_MAX];
  const struct found *list = local;
  int n;
  if (startup && startup_found[si] != NULL) {
    list = startup_found[si]->f;
    n = startup_found[si]->n;
  } else {
    n = each_slot(info, dyn, local, NPARK_MAX);
    if (n > NPARK_MAX)
      n = NPARK_MAX; /* an object importing a name twice: the rest left */
    if (startup) {
      struct found_list *l =
          mapsan_malloc(sizeof(*l) + (size_t)n * sizeof(l->f[0]));
      if (l != NULL) {
        l->n = n;
        memcpy(l->f, local, (size_t)n * sizeof(local[0]));
        startup_found[si] = l;
      }
    }
  }
  struct relro_batch b = {0};
  for (int i = 0; i < n; i++) {
    uintptr_t *slot = list[i].slot;
    uintptr_t a = (uintptr_t)slot;
    int k = list[i].k;
    if (!(fns[k].group & p->groups) || !in_load(&o, a, true))
      continue;
    bool relro = a >= o.relro_lo && a < o.relro_hi;
    if (relro && !startup)
      continue;
    uintptr_t v = wanted(p, &o, k, list[i].undefined, startup, a,
                         __atomic_load_n(slot, __ATOMIC_RELAXED));
    if (v == 0 || (p->to_real && !parked_add(a | fns[k].group)))
      continue;
    if (relro && p->sandboxed) {
      /* Rewritten before the program installed its filter: it cannot be
       * pointed back, so no window may open (the pass fails). */
      if (!p->to_real)
        p->failed = true;
      continue;
    }
    if (relro) {
      if (b.n == RELRO_BATCH)
        relro_flush(p, &o, &b);
      b.slot[b.n] = slot;
      b.k[b.n] = k;
      b.val[b.n++] = v;
    } else {
      store(slot, v);
      count(p, k);
    }
  }
  relro_flush(p, &o, &b);
  return 0;
}

bool mapsan_rebind_trylock(void) {
  return mapsan_lock_try_acquire(&rebind_lock);
}

void mapsan_rebind_unlock(void) { mapsan_lock_release(&rebind_lock); }

bool mapsan_rebind(unsigned groups, bool to_real) {
  if (nfns == 0 || mapsan_in_signal())
    return false;
  struct pass p = {.groups = groups,
                   .to_real = to_real,
                   .sandboxed = mapsan_mem_sandboxed(),
                   .page = sysconf(_SC_PAGESIZE)};
  if (p.page <= 0)
    return false;
  for (size_t i = 0; i < nfns; i++)
    p.real[i] = (uintptr_t)__atomic_load_n(&mapsan_real_table[fns[i].id],
                                           __ATOMIC_ACQUIRE);
  mapsan_enter(); /* the loader's callbacks run no hooks of ours */
  dl_iterate_phdr(visit, &p);
  if (!to_real && !p.failed)
    parked_clear(groups);
  mapsan_leave();
  return !p.failed;
}

void mapsan_rebind_stats(unsigned long *parked, unsigned long *unparked,
                         unsigned long *undrawn) {
  *parked = atomic_load_explicit(&parked_total, memory_order_relaxed);
  *unparked = atomic_load_explicit(&unparked_total, memory_order_relaxed);
  *undrawn = atomic_load_explicit(&undrawn_total, memory_order_relaxed);
}

void mapsan_rebind_fork_prepare(void) { mapsan_lock_acquire(&rebind_lock); }
void mapsan_rebind_fork_parent(void) { mapsan_lock_release(&rebind_lock); }
void mapsan_rebind_fork_child(void) { mapsan_lock_reset(&rebind_lock); }
