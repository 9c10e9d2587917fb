/*
 * unwind.h: libunwind, loaded on demand.
 *
 * libmapsan.so does not link libunwind: loading it (and liblzma, which it
 * needs, whose IFUNC resolvers run at load and fault in most of its text)
 * costs about 130 KiB of resident memory, which a sampled process that
 * never tracks a map should not pay. It is loaded with dlopen, once:
 *
 *   - at start-up when every map is tracked (sample_rate=1), so the crash
 *     handler can unwind from the first moment;
 *   - otherwise at the first stack capture of a tracked map
 *     (stacks/stack.c), which happens before any tracked map's bucket
 *     array can be quarantined, so the use-after-resize fault handler
 *     (engine/quarantine.c) always finds it loaded.
 *
 * Loading also runs libunwind's one-time set-up, which opens a pipe it
 * keeps for good: reports/fds.c moves that pipe to high descriptor numbers,
 * so the program's own numbers are what they would be without mapsan,
 * whenever libunwind is loaded.
 *
 * dlopen is not async-signal-safe, so signal handlers never load: they use
 * mapsan_unwind_ready() and do without (a crash report before the first
 * tracked map shows the faulting pc only; see crash/report.c), and
 * mapsan_unwind_load declines in mapsan's handlers (mapsan_in_signal). An
 * unwind in a handler takes none of the loader's locks either: libunwind's
 * dl_iterate_phdr is redirected to a lock-free walk there (unwind.c). Nobody
 * waits for a load under way (a thread holding the dynamic loader's lock
 * could deadlock with the loading thread): captures made meanwhile have no
 * stack. One edge remains, only at the very first capture of a sampled
 * process: if it is made inside a program's signal handler (a tracked map
 * used there first), dlopen runs in that handler.
 *
 * Captures (mapsan_unwind_backtrace): unw_backtrace is fast (70 ns for 10
 * frames, platform-notes.md) through a per-thread cache that libunwind
 * maps and fills at the thread's first capture: 2^14 frames of 16 bytes,
 * 256 KiB resident per thread until it exits (measured: one such mapping
 * per capturing thread, all of it resident). The unw_step loop costs ~5 us
 * for 10 frames, more with deep stacks (libunwind validates addresses with
 * system calls on that path), and no memory. So: unw_backtrace for at most
 * MAPSAN_FAST_UNWIND_THREADS live threads (16 MiB at most, for a program of
 * a thousand threads too), unw_step for the others. (Stepping every
 * capture of a sampled process was tried: GLib's gdbus-proxy-threads at
 * sample_rate=2 took 2.16 s instead of 0.36, gmenumodel 104 s instead of
 * 9; a canary pays the cache only in threads that touch a tracked map.)
 * The call-site cache (stacks/stack.c) spares most captures of a loop.
 */
#ifndef MAPSAN_UNWIND_H
#define MAPSAN_UNWIND_H

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include <link.h>
#include <stdbool.h>

#include "../base/base.h"

/* The libunwind functions mapsan calls; valid once mapsan_unwind_ready(). */
struct mapsan_unwind_fns {
  __typeof__(&unw_backtrace) backtrace;
  __typeof__(&unw_tdep_getcontext) getcontext;
  __typeof__(&unw_init_local) init_local;
  __typeof__(&unw_init_local2) init_local2;
  __typeof__(&unw_get_reg) get_reg;
  __typeof__(&unw_step) step;
  __typeof__(&unw_is_signal_frame) is_signal_frame;
};
extern MAPSAN_HIDDEN struct mapsan_unwind_fns mapsan_unw;

/* True once libunwind is loaded. Async-signal-safe (one atomic load). */
bool mapsan_unwind_ready(void);

/* Loads libunwind if it is not loaded yet; returns mapsan_unwind_ready().
 * Thread-safe and never waits: false while another thread is loading it.
 * Not async-signal-safe (dlopen): in mapsan's signal handlers it returns
 * false without loading. The caller must hold no mapsan lock that
 * a library constructor run by dlopen could need. A failed load is not
 * retried: captures then return no stack. */
bool mapsan_unwind_load(void);

/* The fork gate (unwind.c, "Fork"). Around every call into libunwind:
 * enter says whether the call may be made (not REFUSED), and leave takes
 * what it returned. `force` passes while a fork is being prepared (the
 * crash report); otherwise the caller waits for the fork to end, or is
 * refused in a signal handler or when it may hold an engine lock
 * (mapsan_reentry above its own one mapsan_enter). NESTED: a signal
 * handler interrupted this thread's own unwind, which counts for both. */
enum { MAPSAN_UNWIND_REFUSED, MAPSAN_UNWIND_ENTERED, MAPSAN_UNWIND_NESTED };
int mapsan_unwind_enter(bool force);
void mapsan_unwind_leave(int pass);

/* dl_iterate_phdr through the same gate, for mapsan's own walks of the
 * loaded objects in a program's thread (engine/unload.c, around dlclose):
 * the lock it holds is the one fork leaves held. Made even when the gate
 * refuses (the caller needs the walk): that case keeps the old risk. */
int mapsan_gated_iterate_phdr(int (*cb)(struct dl_phdr_info *, size_t,
                                        void *),
                              void *data);

/* The atfork handlers: prepare closes the gate and waits (a second at
 * most) until no thread is inside libunwind; it runs before any engine
 * lock is taken. */
void mapsan_unwind_fork_prepare(void);
void mapsan_unwind_fork_parent(void);
/* In the child after fork: the gate opens; a load that was under way in
 * another thread will never finish here, and the next capture tries
 * again. */
void mapsan_unwind_fork_child(void);

enum { MAPSAN_FAST_UNWIND_THREADS = 64 };

/* The caller's stack (return addresses, as unw_backtrace gives them; see
 * "Captures" above) if loaded, else 0 frames. Never loads. */
int mapsan_unwind_backtrace(void **buf, int size);

/* The caller's frame and its callers', stepped with unw_step, their exact stack
 * pointers and rbp (frames.h) into out, at most size; *complete is set
 * when the stack ended within them. 0 frames if libunwind is not loaded.
 * Never loads. For learning frame sizes (stack.c): slower than
 * mapsan_unwind_backtrace (see "Captures" above), so only when the walk
 * meets a frame it does not know. */
struct mapsan_frame;
int mapsan_unwind_frames(struct mapsan_frame *out, int size, bool *complete);

/* True when pc lies in libunwind's text (shim/unwind_validate.c answers
 * libunwind's own calls). Async-signal-safe. */
bool mapsan_unwind_owns_pc(uintptr_t pc);

/* The calling thread is exiting (its libunwind cache goes with it). */
void mapsan_unwind_thread_exit(void);

#endif
