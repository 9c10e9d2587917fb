/*
 * sync_gobject.c: GObject reference counts as happens-before edges.
 *
 * Objects shared by reference are released by whichever thread drops the
 * last reference, and their finalizer destroys what they own (a GDBus
 * message's header table, say) after the other threads' last uses. The
 * count is an atomic that mapsan cannot see, so, as for GHashTable
 * (map_glib.c), every g_object_unref is a release on the object and the
 * unref that drops the last reference first acquires them all. The count is
 * GObject's public `ref_count` field, read just before the real call. When
 * the last reference is gone, what was known at that address is forgotten
 * (the address will be reused).
 *
 * Declared here rather than through <glib-object.h> so that the runtime
 * needs GLib's headers only, not GObject's.
 */
#include "../preload/interpose.h"
#include "sync.h"

#include <glib.h>

/* The start of struct _GObject (gobject.h, public): GTypeInstance, then
 * the reference count. */
struct gobject_head {
  void *g_class;
  unsigned ref_count;
};

void g_object_unref(gpointer object);

MAPSAN_EXPORT void g_object_unref(gpointer object) {
  if (object == NULL || !mapsan_hooks_on()) {
    REAL(g_object_unref)(object);
    return;
  }
  uintptr_t key = (uintptr_t)object;
  mapsan_sync_release(key);
  bool last = __atomic_load_n(&((struct gobject_head *)object)->ref_count,
                              __ATOMIC_ACQUIRE) == 1;
  if (last)
    mapsan_sync_acquire(key);
  REAL(g_object_unref)(object);
  if (last)
    mapsan_sync_forget(key);
}
