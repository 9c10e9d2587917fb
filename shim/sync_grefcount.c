/*
 * sync_grefcount.c: GLib's reference-counting helpers as happens-before
 * edges.
 *
 * The pattern: several threads hold a reference to something that owns a
 * map; each uses it, then drops its reference; the one whose release drops
 * the count to zero destroys the map (in the box's clear function, or
 * after g_ref_count_dec returned TRUE). GLib's atomic decrement is a full
 * barrier, so the destroyer is ordered after every other holder's release
 * and uses, but the count is an atomic mapsan cannot see. The model:
 * every decrement releases on the count's address (the grefcount's, or the
 * box's data pointer for rc boxes), and the decrement that reaches zero
 * acquires from it, before the clear function runs or before TRUE is
 * returned. Then what was known at that address is forgotten: the memory
 * is about to be freed and reused.
 *
 * What GLib 2.74.6 exports, and what is wrapped:
 *   - g_ref_count_{init,inc,dec,compare}, g_atomic_ref_count_{...}: dec
 *     (the release, and the acquire when it returns TRUE) and init (a
 *     counter set up again: forget). inc and compare order nothing (GLib's
 *     increment is relaxed). With G_DISABLE_CHECKS under GCC, grefcount.h
 *     makes all eight inline macros that call nothing: nothing is seen.
 *   - g_rc_box_* and g_atomic_rc_box_*: release and release_full. The
 *     acquire and dup macros only cast around the real call; alloc and
 *     acquire order nothing. GLib's release is release_full(b, NULL), and
 *     release_full calls clear_func(b) exactly when its decrement reached
 *     zero, in the calling thread, then frees the box. Whether a decrement
 *     will be the last cannot be read before the call (another holder may
 *     drop its reference in between; the box header is private), so both
 *     wrappers call the real release_full with box_cleared as the clear
 *     function: it acquires, forgets, then calls the program's clear
 *     function (kept in a thread-local; a clear function that releases
 *     other boxes nests, and each wrapper restores the outer one).
 *     g_ref_string_release, GLib's other box user, releases inside libglib
 *     (-Bsymbolic-functions): invisible, and strings are not maps.
 *
 * The non-atomic helpers are documented as not thread-safe: a program that
 * shares them orders its releases itself, usually with a lock mapsan sees.
 * They get the same edges (an ordering the program made where mapsan
 * cannot see it still reaches the destroyer); a program whose threads
 * decrement a non-atomic count without ordering races on the count, which
 * mapsan does not see, and the edge can then hide the map race it allows.
 */
#include "../base/interpose.h"
#include "../engine/sync.h"

#include <glib.h>

#define ADDR(p) ((uintptr_t)(p))

/* ---- grefcount, gatomicrefcount ------------------------------------------ */

/* grefcount.h may define these names as macros (G_DISABLE_CHECKS): the
 * parentheses keep them from expanding. */
MAPSAN_EXPORT void(g_ref_count_init)(grefcount *rc) {
  REAL(g_ref_count_init)(rc);
  if (mapsan_hooks_on())
    mapsan_sync_forget(ADDR(rc));
}

MAPSAN_EXPORT void(g_atomic_ref_count_init)(gatomicrefcount *rc) {
  REAL(g_atomic_ref_count_init)(rc);
  if (mapsan_hooks_on())
    mapsan_sync_forget(ADDR(rc));
}

/* TRUE: the caller dropped the last reference and will destroy. */
#define REF_COUNT_DEC(name, type)                                             \
  MAPSAN_EXPORT gboolean(name)(type * rc) {                                   \
    bool on = mapsan_hooks_on();                                              \
    if (on)                                                                   \
      mapsan_sync_release(ADDR(rc));                                          \
    gboolean last = REAL(name)(rc);                                           \
    if (on && last) {                                                         \
      mapsan_sync_acquire(ADDR(rc));                                          \
      mapsan_sync_forget(ADDR(rc));                                           \
    }                                                                         \
    return last;                                                              \
  }

REF_COUNT_DEC(g_ref_count_dec, grefcount)
REF_COUNT_DEC(g_atomic_ref_count_dec, gatomicrefcount)

/* ---- rc boxes ------------------------------------------------------------ */

/* The program's clear function of the innermost release_full in flight on
 * this thread (NULL: none, or the program gave none). */
static MAPSAN_TLS GDestroyNotify box_clear;

/* Called by GLib's release_full, on the releasing thread, when its
 * decrement dropped the last reference, before the box is freed. */
static void box_cleared(gpointer box) {
  GDestroyNotify clear = box_clear;
  if (mapsan_hooks_on()) {
    mapsan_sync_acquire(ADDR(box));
    mapsan_sync_forget(ADDR(box));
  }
  if (clear != NULL)
    clear(box);
}

#define BOX_RELEASE_FULL(name)                                                \
  MAPSAN_EXPORT void name(gpointer box, GDestroyNotify clear) {               \
    if (box == NULL || !mapsan_hooks_on()) {                                  \
      REAL(name)(box, clear);                                                 \
      return;                                                                 \
    }                                                                         \
    mapsan_sync_release(ADDR(box));                                           \
    GDestroyNotify outer = box_clear;                                         \
    box_clear = clear;                                                        \
    REAL(name)(box, box_cleared);                                             \
    box_clear = outer;                                                        \
  }

BOX_RELEASE_FULL(g_rc_box_release_full)
BOX_RELEASE_FULL(g_atomic_rc_box_release_full)

/* In GLib, release is release_full with no clear function. */
MAPSAN_EXPORT void g_rc_box_release(gpointer box) {
  if (box == NULL || !mapsan_hooks_on()) {
    REAL(g_rc_box_release)(box);
    return;
  }
  g_rc_box_release_full(box, NULL);
}

MAPSAN_EXPORT void g_atomic_rc_box_release(gpointer box) {
  if (box == NULL || !mapsan_hooks_on()) {
    REAL(g_atomic_rc_box_release)(box);
    return;
  }
  g_atomic_rc_box_release_full(box, NULL);
}
