/*
 * frames.c: walking the stack with frame sizes learned from libunwind.
 *
 * Why. A tracked map's record takes a stack at each new epoch of a thread
 * (stack.c), and in lock-heavy code that is most operations. libunwind's
 * fastest path (unw_backtrace, its own per-pc cache of unwind rules) costs
 * about 100 instructions a frame; GLib's `actions` test in full mode spent
 * 40% of all its instructions on it and on locating the return addresses
 * for the call-site cache. But on x86-64 the distance from one frame's
 * canonical frame address (CFA: the stack pointer before the call that made
 * the frame) to its caller's is a property of the return address alone, in
 * every function whose frame has a fixed size at its call sites: the
 * compiler's CFI says "CFA = rsp + k" there. So the walk is: the return
 * address into frame i lies at CFA(i-1) - 8; look its frame size up; add.
 * Tens of instructions a frame (the lookup included), against about 100.
 *
 * Learning. The sizes are not read from .eh_frame: libunwind reads it
 * already, and when the walk meets a return address it does not know, the
 * stack is unwound once with unw_step, which gives each frame's exact stack
 * pointer (stack.c). The difference of two consecutive ones is the frame's
 * size at that return address. Frames that have no fixed size:
 *   - a frame with a frame pointer whose size varies (alloca, variable-
 *     length arrays, stack realignment): its CFA is rbp + 16. Such frames
 *     are recognized when learned (rbp + 16 equals the caller's stack
 *     pointer; FP below), and the walk computes their CFA from the rbp
 *     their callee saved at its own CFA - 16 whenever the callee also keeps
 *     a frame pointer, checking it against the learned size while the size
 *     has never varied. When the callee keeps none (frame 0, whose callee
 *     is mapsan's wrapper; -O2 code called by such a frame), the learned
 *     size is used only if the next frame confirms it the same way (it
 *     keeps a frame pointer, and the rbp saved at the supposed CFA - 16
 *     gives its CFA as its own size does); otherwise the capture unwinds.
 *     A size seen to change marks the return address VARIABLE: from then
 *     on only the saved rbp walks past it, and without one the capture
 *     unwinds with libunwind (stack.c's old path).
 *   - a signal frame, and a frame whose caller's stack pointer is not above
 *     its own (another stack): VARIABLE at once.
 *   - the outermost frame (thread start, _start): END, nothing above.
 * A frame the size of which changes but that keeps no frame pointer would
 * be walked with its first size: GCC and Clang give every frame of varying
 * size a frame pointer, so that needs hand-written assembly.
 * mapsan's own frames are learned too (marked RUNTIME, left out of stacks,
 * as stack.c's unwind drops them): the thread trampoline lies mid-stack.
 *
 * The table. One for the process, open addressing over 2^13 entries of a
 * return address and a word (frame size, flags, generation), filled under a
 * try-lock (a learner never waits: if another thread is learning, this one
 * just does not record) and read without any lock: an entry is written
 * info first (zero), then its address, then its info, and a reader that
 * finds the address checks it again after reading the info. Entries are
 * never removed, but dlclose (shim/dl.c) may unmap code, and another module
 * can then be mapped at the same addresses: mapsan_frames_forget bumps the
 * generation, and entries of an older one read as empty (and are reused).
 * 128 KiB, mapped at the first learning unwind; a process with more return
 * addresses than the table holds walks those it has and unwinds the rest.
 */
#include "frames.h"

#include "../base/base.h"

#include <sys/mman.h>

#define TAB_BITS 13
#define TAB_SIZE (1u << TAB_BITS)
#define TAB_FULL (TAB_SIZE / 4 * 3)
#define PROBES 16

/* Flags of a return address's frame. */
enum {
  F_RUNTIME = 1,  /* a frame of mapsan's own: left out of stacks */
  F_END = 2,      /* the outermost frame: nothing above */
  F_VARIABLE = 4, /* the size varies: walk past it only by its frame pointer */
  F_FP = 8,       /* keeps a frame pointer at this return address: CFA is
                     rbp + 16, and it saved its caller's rbp at CFA - 16 */
  F_NOFP = 16,    /* seen without one: F_FP never again */
};

/* An entry: key is the return address with the generation in its top 16
 * bits (user-space addresses have 47), info the frame's size and flags.
 * An entry of another generation reads as empty. */
#define GEN_SHIFT 48
#define KEY(pc, gen) ((pc) | (uintptr_t)(gen) << GEN_SHIFT)
#define KEY_GEN(k) ((uint32_t)((k) >> GEN_SHIFT))
#define INFO(d, fl) ((uint64_t)(d) | (uint64_t)(fl) << 32)
#define INFO_SIZE(i) ((uintptr_t)(uint32_t)(i))
#define INFO_FLAGS(i) ((unsigned)((i) >> 32))
#define MAX_SIZE (1u << 24) /* larger frames are VARIABLE */

struct frame_ent {
  _Atomic uintptr_t key;
  _Atomic uint64_t info; /* 0 while being written */
};

static struct frame_ent *_Atomic tab;
static _Atomic uint32_t frames_gen = 1; /* 1..0xffff */
static mapsan_lock learn_lock = MAPSAN_LOCK_INIT;
static uint32_t tab_used, tab_used_gen; /* under learn_lock */
/* The table is full in generation tab_full_gen: an unknown frame then
 * means an unwind (the walk says NO), not a learning unwind that would
 * record nothing, at ten times unw_backtrace's cost, on every miss. */
static _Atomic uint32_t tab_full_gen;

static inline uint32_t slot_of(uintptr_t pc) {
  return (uint32_t)((pc * 0x9e3779b97f4a7c15ull) >> (64 - TAB_BITS));
}

/* The info of return address pc in generation gen, or 0. An entry of an
 * older generation ends the probe like an empty one: all of a generation's
 * entries are written after all of the older ones went stale, so a
 * current entry never lies beyond a stale one in its probe sequence. */
static inline uint64_t lookup(const struct frame_ent *t, uintptr_t pc,
                              uint32_t gen) {
  uintptr_t want = KEY(pc, gen);
  for (uint32_t s = slot_of(pc), j = 0; j < PROBES; j++) {
    const struct frame_ent *e = &t[(s + j) & (TAB_SIZE - 1)];
    uintptr_t k = atomic_load_explicit(&e->key, memory_order_acquire);
    if (MAPSAN_LIKELY(k == want)) {
      uint64_t info = atomic_load_explicit(&e->info, memory_order_acquire);
      /* The key again: the entry may have been reused meanwhile. */
      if (atomic_load_explicit(&e->key, memory_order_relaxed) != want)
        return 0;
      return info;
    }
    if (KEY_GEN(k) != gen) /* empty, or stale */
      return 0;
  }
  return 0;
}

int mapsan_frames_walk(uintptr_t pc, uintptr_t cfa, uintptr_t lo,
                       uintptr_t hi, uintptr_t *pcs, uintptr_t *slots,
                       int max) {
  const struct frame_ent *t = atomic_load_explicit(&tab, memory_order_acquire);
  if (t == NULL || cfa < lo + 2 * sizeof(uintptr_t) || cfa > hi)
    return MAPSAN_WALK_UNKNOWN;
  uint32_t gen = atomic_load_explicit(&frames_gen, memory_order_acquire);
  uintptr_t ra = pc, sp = cfa; /* sp: the CFA of ra's callee */
  unsigned callee = 0;         /* the callee's flags (the wrapper: none) */
  /* The frame just crossed keeps a frame pointer but its callee does not,
   * so its CFA came from its learned size, which an alloca may have
   * changed since: this frame must confirm it with the rbp the crossed one
   * saved (below), or the walk gives up. */
  bool confirm = false;
  int n = 0;
  for (;;) {
    uint64_t info = lookup(t, ra, gen);
    if (info == 0)
      return atomic_load_explicit(&tab_full_gen, memory_order_relaxed) == gen
                 ? MAPSAN_WALK_NO
                 : MAPSAN_WALK_UNKNOWN;
    unsigned fl = INFO_FLAGS(info);
    if (MAPSAN_LIKELY(!(fl & (F_RUNTIME | F_END | F_VARIABLE | F_FP)) &&
                      !confirm)) {
      if (n == max)
        return n;
      pcs[n] = ra;
      slots[n] = sp - sizeof(uintptr_t);
      n++;
      sp += INFO_SIZE(info); /* >= 8: the return address (learn) */
    } else {
      if (confirm && (fl & (F_FP | F_VARIABLE | F_END)) != F_FP)
        return MAPSAN_WALK_NO; /* nothing here can confirm the last size */
      if (!(fl & F_RUNTIME)) {
        if (n == max)
          return n;
        pcs[n] = ra;
        slots[n] = sp - sizeof(uintptr_t);
        n++;
      }
      if (fl & F_END)
        return n;
      uintptr_t up; /* this frame's CFA */
      if ((fl & F_FP) && (callee & F_FP)) {
        /* sp - 16 >= lo: sp only grows from cfa. The callee saved this
         * frame's rbp there, which is this frame's CFA - 16: if the
         * callee's CFA (sp) was wrong, this word is not that. */
        up = *(const uintptr_t *)(sp - 2 * sizeof(uintptr_t)) + 16;
        if (!(fl & F_VARIABLE) && up != sp + INFO_SIZE(info))
          return MAPSAN_WALK_UNKNOWN; /* learn it again: now it varies */
        if (up < sp + sizeof(uintptr_t))
          return MAPSAN_WALK_NO;
        confirm = false;
      } else if (fl & F_VARIABLE) {
        return MAPSAN_WALK_NO;
      } else {
        up = sp + INFO_SIZE(info);
        confirm = (fl & F_FP) != 0;
      }
      sp = up;
    }
    if (sp > hi)
      return MAPSAN_WALK_NO;
    ra = *(const uintptr_t *)(sp - sizeof(uintptr_t));
    callee = fl;
  }
}

/* Under learn_lock: records what one observation says of pc. */
static void record(struct frame_ent *t, uintptr_t pc, uintptr_t size,
                   unsigned fl, uint32_t gen) {
  uintptr_t want = KEY(pc, gen);
  uint32_t s = slot_of(pc);
  for (int j = 0; j < PROBES; j++) {
    struct frame_ent *e = &t[(s + j) & (TAB_SIZE - 1)];
    uintptr_t k = atomic_load_explicit(&e->key, memory_order_relaxed);
    if (k == want) {
      uint64_t old = atomic_load_explicit(&e->info, memory_order_relaxed);
      unsigned ofl = INFO_FLAGS(old), nfl = ofl | (fl & F_NOFP);
      if (INFO_SIZE(old) != size || ((ofl ^ fl) & (F_END | F_RUNTIME)) ||
          (fl & F_VARIABLE))
        nfl |= F_VARIABLE;
      if ((ofl ^ fl) & F_END) /* seen with a caller after all: not the end */
        nfl &= ~(unsigned)F_END;
      if (nfl & F_NOFP)
        nfl &= ~(unsigned)F_FP;
      if (nfl != ofl)
        atomic_store_explicit(&e->info, INFO(INFO_SIZE(old), nfl),
                              memory_order_release);
      return;
    }
    if (KEY_GEN(k) == gen)
      continue;
    if (tab_used >= TAB_FULL) {
      atomic_store_explicit(&tab_full_gen, gen, memory_order_relaxed);
      return;
    }
    tab_used++;
    /* A reader that matched the old key sees the key change (lookup). */
    atomic_store_explicit(&e->key, 0, memory_order_relaxed);
    atomic_store_explicit(&e->info, INFO(size, fl), memory_order_release);
    atomic_store_explicit(&e->key, want, memory_order_release);
    return;
  }
  atomic_store_explicit(&tab_full_gen, gen, memory_order_relaxed); /* crowded */
}

void mapsan_frames_learn(const struct mapsan_frame *f, int n, bool complete) {
  if (n <= 0)
    return;
  mapsan_enter();
  uint32_t free_state = 0;
  if (!atomic_compare_exchange_strong_explicit(&learn_lock.state, &free_state,
                                               1, memory_order_acquire,
                                               memory_order_relaxed)) {
    mapsan_leave();
    return;
  }
  struct frame_ent *t = atomic_load_explicit(&tab, memory_order_relaxed);
  if (t == NULL) {
    void *p = mmap(NULL, TAB_SIZE * sizeof(*t), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) {
      t = p;
      atomic_store_explicit(&tab, t, memory_order_release);
    }
  }
  uint32_t gen = atomic_load_explicit(&frames_gen, memory_order_acquire);
  if (tab_used_gen != gen) {
    tab_used_gen = gen;
    tab_used = 0;
  }
  for (int i = 0; t != NULL && i < n && f[i].ip != 0; i++) {
    unsigned fl = mapsan_is_runtime_pc(f[i].ip) ? F_RUNTIME : 0;
    uintptr_t size = 0;
    if (i == n - 1) {
      if (!complete)
        break;
      fl |= F_END;
    } else {
      uintptr_t up = f[i + 1].sp; /* this frame's CFA */
      if (f[i].signal || up < f[i].sp + sizeof(uintptr_t) ||
          up - f[i].sp >= MAX_SIZE) {
        fl |= F_VARIABLE;
      } else {
        size = up - f[i].sp;
        /* A frame pointer: rbp is CFA - 16, and the caller's rbp is saved
         * there (so the walk can trust it from this frame's caller). */
        if (f[i].rbp + 16 == up &&
            *(const uintptr_t *)(up - 2 * sizeof(uintptr_t)) == f[i + 1].rbp)
          fl |= F_FP;
        else
          fl |= F_NOFP;
      }
    }
    record(t, f[i].ip, size, fl, gen);
  }
  atomic_store_explicit(&learn_lock.state, 0, memory_order_release);
  mapsan_leave();
}

void mapsan_frames_forget(void) {
  /* 16 bits of generation in a key. Before the count wraps, the table is
   * emptied (a program that dlcloses on every request, PAM's modules,
   * gets there): an entry of generation 1 kept from 65535 generations ago
   * would otherwise read as current. A reader walking meanwhile finds
   * empty entries, a miss. */
  uint32_t g = atomic_load_explicit(&frames_gen, memory_order_relaxed);
  while (MAPSAN_LIKELY(g < 0xffff)) /* this call's own step, after its unmap */
    if (atomic_compare_exchange_weak_explicit(&frames_gen, &g, g + 1,
                                              memory_order_acq_rel,
                                              memory_order_relaxed))
      return;
  mapsan_lock_acquire(&learn_lock);
  g = atomic_load_explicit(&frames_gen, memory_order_relaxed);
  if (g == 0xffff) {
    struct frame_ent *t = atomic_load_explicit(&tab, memory_order_relaxed);
    for (uint32_t i = 0; t != NULL && i < TAB_SIZE; i++)
      atomic_store_explicit(&t[i].key, 0, memory_order_relaxed);
    tab_used = 0;
    tab_used_gen = 1;
    atomic_store_explicit(&tab_full_gen, 0, memory_order_relaxed);
    atomic_store_explicit(&frames_gen, 1, memory_order_release);
  } else {
    atomic_fetch_add_explicit(&frames_gen, 1, memory_order_acq_rel);
  }
  mapsan_lock_release(&learn_lock);
}

void mapsan_frames_fork_child(void) { mapsan_lock_reset(&learn_lock); }
