/*
 * frames.h: a table of frame sizes learned from libunwind, and a walk of
 * the stack that uses it instead of unwinding. See frames.c.
 */
#ifndef MAPSAN_STACKS_FRAMES_H
#define MAPSAN_STACKS_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One frame as unw_step leaves it: ip (the return address into the frame,
 * or the interrupted pc above a signal frame), sp (the frame's stack
 * pointer at that ip, which is its callee's CFA), rbp (the frame's rbp
 * there), and whether libunwind found a signal frame. */
struct mapsan_frame {
  uintptr_t ip, sp, rbp;
  bool signal;
};

/* The walk's answers. */
enum {
  MAPSAN_WALK_UNKNOWN = -1, /* a frame never learned: unwind and learn */
  MAPSAN_WALK_NO = -2,      /* a frame the table cannot walk: unwind */
};

/* The stack called from return address pc with CFA cfa (the caller's
 * stack pointer before its call), within the thread's stack [lo, hi):
 * the program's return addresses into pcs (mapsan's own frames left out,
 * as stack.c's unwind does), and for each the address of the stack slot
 * that held it into slots (slots[0] is cfa - 8). At most max frames.
 * Returns the count, or a MAPSAN_WALK_ answer. Reads only the calling
 * thread's stack and the table; takes no lock; never faults (every slot
 * read lies in [lo, hi)). */
int mapsan_frames_walk(uintptr_t pc, uintptr_t cfa, uintptr_t lo,
                       uintptr_t hi, uintptr_t *pcs, uintptr_t *slots,
                       int max);

/* Learns from frames f[0..n) as unw_step gave them, callee first. When
 * complete, the last frame has no caller (libunwind's step ended the
 * stack there); otherwise its size is unknown and it is not learned.
 * Never waits: another thread learning at the same moment makes this
 * one skip. */
void mapsan_frames_learn(const struct mapsan_frame *f, int n, bool complete);

/* Code may have been unmapped (dlclose): everything learned is dropped. */
void mapsan_frames_forget(void);

/* In the child after fork (the learning lock may have been held). */
void mapsan_frames_fork_child(void);

#endif
