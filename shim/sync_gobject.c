/*
 * sync_gobject.c: GObject reference counts as happens-before edges.
 *
 * Objects shared by reference are released by whichever thread drops the
 * last reference, and their finalizer destroys what they own (a GDBus
 * message's header table, say) after the other threads' last uses. The
 * count is an atomic that mapsan cannot see, so every g_object_unref is a
 * release on the object, and the thread that disposes it must acquire them
 * all. Which thread that is cannot be told from outside: two threads that
 * both read a count of 2 before either decrements both think they are not
 * last. GLib can tell: it disposes the object in the thread whose unref
 * found the count at 1, after every other unref's decrement, and it calls
 * the object's weak-reference notifications there. So the first time an
 * object is unreferenced while shared, mapsan adds a weak reference to it
 * (once per object, hooks off, so GLib's own locking adds no edges), and
 * its notification is the acquire. An unref that sees the count at 1 is
 * the last for certain and acquires at once. When the object is disposed,
 * what was known at that address is forgotten (the address will be
 * reused).
 *
 * Declared here rather than through <glib-object.h> so that the runtime
 * needs GLib's headers only, not GObject's.
 */
#include "../base/interpose.h"
#include "../engine/sync.h"
#include "../engine/thread.h"

#include <dlfcn.h>
#include <glib.h>
#include <string.h>

/* The start of struct _GObject (gobject.h, public): GTypeInstance, then
 * the reference count. */
struct gobject_head {
  void *g_class;
  unsigned ref_count;
};

void g_object_unref(gpointer object);

typedef void (*weak_notify_fn)(gpointer data, gpointer where_the_object_was);
typedef void (*weak_ref_fn)(gpointer object, weak_notify_fn notify,
                            gpointer data);

static weak_ref_fn weak_ref(void) {
  static weak_ref_fn fn;
  if (fn == NULL) {
    void *p = dlsym(RTLD_DEFAULT, "g_object_weak_ref");
    memcpy(&fn, &p, sizeof(p));
  }
  return fn;
}

/* Called by GLib while disposing the object, in the disposing thread. */
static void disposed(gpointer data, gpointer where) {
  (void)data;
  if (!mapsan_hooks_on())
    return;
  mapsan_sync_acquire((uintptr_t)where);
  mapsan_sync_forget((uintptr_t)where);
}

/* While the clocks are stopped (canary mode between windows) an unref
 * records nothing, as a lock operation does (sync.h): what the program did
 * before it can be compared with nothing later. Only the disposal still
 * forgets what an earlier window learned at the object's address, and
 * only if something was learned there: the count is read (is this the
 * last reference?) only when the presence filter says the address may
 * have a record. Reading it always cost GLib's `threadtests`, whose
 * threads share one object's count, 5.6% of its canary's CPU samples in
 * this function: the load pulls the contended line over before GLib's own
 * atomic, which then pulls it again. Out of line, so that the wrapper
 * tests the clocks and the filter before building a frame. */
static MAPSAN_NOINLINE void unref_stopped(gpointer object) {
  bool last = object != NULL &&
              __atomic_load_n(&((struct gobject_head *)object)->ref_count,
                              __ATOMIC_ACQUIRE) == 1;
  REAL(g_object_unref)(object);
  if (last && mapsan_hooks_on())
    mapsan_sync_forget((uintptr_t)object);
}

static MAPSAN_NOINLINE void unref_live(gpointer object) {
  if (object == NULL || !mapsan_hooks_on()) {
    REAL(g_object_unref)(object);
    return;
  }
  uintptr_t key = (uintptr_t)object;
  mapsan_sync_release(key);
  bool last = __atomic_load_n(&((struct gobject_head *)object)->ref_count,
                              __ATOMIC_ACQUIRE) == 1;
  if (last) {
    mapsan_sync_acquire(key);
  } else if (mapsan_sync_mark_once(key) && weak_ref() != NULL) {
    mapsan_enter();
    weak_ref()(object, disposed, NULL);
    mapsan_leave();
  }
  REAL(g_object_unref)(object);
  if (last)
    mapsan_sync_forget(key);
}

/* Both halves out of line, so that the wrapper is two loads and a jump. */
MAPSAN_EXPORT void g_object_unref(gpointer object) {
  if (MAPSAN_LIKELY(
          !atomic_load_explicit(&mapsan_clocks_live, memory_order_acquire))) {
    if (MAPSAN_LIKELY(!mapsan_presence_maybe(&mapsan_sync_presence,
                                             (uintptr_t)object)))
      REAL(g_object_unref)(object);
    else
      unref_stopped(object);
  } else {
    unref_live(object);
  }
}
