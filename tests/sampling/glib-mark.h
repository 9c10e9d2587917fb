/*
 * glib-mark.h: for the canary tests on GLib's tables. CHECK ends the
 * program with status 3 and the failed condition; check_marked is
 * white-box: the untracked mark shim/map_glib.c writes into an untracked
 * table's padding (offset 28 of GLib 2.74's struct), which makes calls on
 * it skip the engine. Checked so that a change of layout or a failed
 * verification, which would silently make canary mode slower on GLib,
 * fails a test.
 */
#ifndef GLIB_MARK_H
#define GLIB_MARK_H

#include <glib.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c)                                                              \
  do {                                                                        \
    if (!(c)) {                                                               \
      fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #c);                 \
      exit(3);                                                                \
    }                                                                         \
  } while (0)

static inline void check_marked(GHashTable *t) {
  uint32_t pad;
  memcpy(&pad, (char *)t + 28, sizeof(pad));
  CHECK(pad == 0x6d61706eu); /* MARK_UNTRACKED */
}

#endif
