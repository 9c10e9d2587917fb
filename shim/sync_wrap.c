/*
 * sync_wrap.c: the out-of-line halves of the lock wrappers (sync_wrap.h):
 * the release recorded while the clocks run, then the real unlock; the
 * acquisition recorded after a real lock that returned 0.
 */
#include "sync_wrap.h"

#include "../engine/sync.h"

typedef int (*unlock_int_fn)(void *);
typedef void (*unlock_void_fn)(void *);

/* Here when the clocks run or the real function is not resolved yet. */
int mapsan_unlock_slow_int(void *obj, enum mapsan_real_id id) {
  mapsan_lock_releasing((uintptr_t)obj);
  mapsan_fnptr f = mapsan_real_get(id);
  return ((unlock_int_fn)f)(obj);
}

void mapsan_unlock_slow_void(void *obj, enum mapsan_real_id id) {
  mapsan_lock_releasing((uintptr_t)obj);
  mapsan_fnptr f = mapsan_real_get(id);
  ((unlock_void_fn)f)(obj);
}

/* Tail-called by the wrapper (MAPSAN_LOCK_INT): its return address and
 * CFA are the program's call site (sync.c checks that the address is not
 * mapsan's own, should the compiler not have made the tail call). */
int mapsan_lock_acquired_int(void *obj, int r, unsigned how) {
  if (r == 0)
    mapsan_lock_acquired_live((uintptr_t)obj, how,
                              (uintptr_t)__builtin_return_address(0),
                              (uintptr_t)__builtin_dwarf_cfa());
  return r;
}
