/*
 * map_wrap.h: the fast path every map wrapper shares. An exported map
 * function keeps only "untracked map, real function resolved" and
 * tail-calls the library; everything else goes to its slow half with the
 * program's call site, so that the common case costs a compare and a jump
 * (map_hmap.c measures it).
 */
#ifndef MAPSAN_MAP_WRAP_H
#define MAPSAN_MAP_WRAP_H

#include "../base/base.h"
#include "../base/interpose.h"
#include "../base/unloads.h"
#include "../engine/maps.h"
#include "../engine/profile.h"
#include "../engine/window.h"

#include <stdint.h>

/* The body of a map wrapper split in two (map_hmap.c explains why):
 * when `fast` (the real function, or NULL while it may not be called
 * directly) is set and `pass` holds (an untracked map), a tail call to it;
 * otherwise slow(args..., the program's call site: return address and CFA,
 * as MAPSAN_OP_CALLER records them). */
#define MAPSAN_PASS_OR_SLOW(name, fast, pass, slow, ...)                      \
  do {                                                                        \
    __typeof__(&name) real_ = (fast);                                         \
    if (MAPSAN_LIKELY(real_ != NULL) && (pass))                               \
      return real_(__VA_ARGS__);                                              \
    return slow(__VA_ARGS__, (uintptr_t)__builtin_return_address(0),          \
                (uintptr_t)__builtin_dwarf_cfa());                            \
  } while (0)

/* The same where `pass` implies that `fast` (an expression naming the real
 * function) is resolved, so that it is not tested: the map's own mark was
 * written only after it was (map_hmap.c, map_glib.c). */
#define MAPSAN_MARKED_OR_SLOW(fast, pass, slow, ...)                          \
  do {                                                                        \
    if (MAPSAN_LIKELY(pass))                                                  \
      return (fast)(__VA_ARGS__);                                             \
    return slow(__VA_ARGS__, (uintptr_t)__builtin_return_address(0),          \
                (uintptr_t)__builtin_dwarf_cfa());                            \
  } while (0)

#define MAPSAN_MARKED_OR_SLOW_VOID(fast, pass, slow, ...)                     \
  do {                                                                        \
    if (MAPSAN_LIKELY(pass)) {                                                \
      (fast)(__VA_ARGS__);                                                    \
      return;                                                                 \
    }                                                                         \
    slow(__VA_ARGS__, (uintptr_t)__builtin_return_address(0),                 \
         (uintptr_t)__builtin_dwarf_cfa());                                   \
  } while (0)

/* The same for functions returning void. */
#define MAPSAN_PASS_OR_SLOW_VOID(name, fast, pass, slow, ...)                 \
  do {                                                                        \
    __typeof__(&name) real_ = (fast);                                         \
    if (MAPSAN_LIKELY(real_ != NULL) && (pass)) {                             \
      real_(__VA_ARGS__);                                                     \
      return;                                                                 \
    }                                                                         \
    slow(__VA_ARGS__, (uintptr_t)__builtin_return_address(0),                 \
         (uintptr_t)__builtin_dwarf_cfa());                                   \
  } while (0)

/* The fast path of a read (engine/maps.h, mapsan_map_op_fast), at the top
 * of its `name`_read half, which goes on to the slow half when this does
 * not return: the real call between the note and its end. `name` is the
 * real function, whose arguments follow. Not once a module has been
 * unloaded: what a read hands out is then checked for words into it, in
 * the slow half (a read that races with the dlclose is taken as made
 * before it, as it might have been). */
#define MAPSAN_READ_FAST(type, name, mp, oname, pc, ...)                      \
  do {                                                                        \
    struct mapsan_thread *t_ = mapsan_map_op_fast((mp), false);               \
    __typeof__(&name) real_;                                                  \
    if (t_ != NULL && !mapsan_unloads_seen() &&                               \
        (real_ = REAL_IF_RESOLVED(name)) != NULL) {                           \
      mapsan_map_op_fast_begin(t_, (mp), (oname), (pc));                      \
      type r_ = real_(__VA_ARGS__);                                           \
      mapsan_map_op_fast_end(t_);                                             \
      return r_;                                                              \
    }                                                                         \
  } while (0)

/* A drawn map between canary windows has nothing to check; this is the
 * part of that test which is not the map's, in two: no window open (first,
 * right after the map's tag: full mode, whose window is open for good,
 * leaves there), then (mapsan_between_windows_rest, after the wrapper's
 * own tests) not this thread's turn to poll for one (the slow half polls: a
 * wrapper that made the call itself would build a frame on the untracked
 * path too) and map health off, which takes the turn's count, as
 * mapsan_window_closed would. */
static inline bool mapsan_no_window_open(void) {
  return atomic_load_explicit(&mapsan_window_gen, memory_order_acquire) == 0;
}

static inline bool mapsan_between_windows_rest(void) {
  if (mapsan_window_skips <= 1 || mapsan_profile_on)
    return false;
  mapsan_window_skips--;
  return true;
}
#endif
