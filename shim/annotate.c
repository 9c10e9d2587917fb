/*
 * annotate.c: the functions behind include/mapsan/annotate.h.
 *
 * Happens-before annotations are plain sync edges on the address. Map
 * annotations feed the engine exactly as the hmap shim does; because a
 * begin and its end are two calls, the operation in flight is kept on a
 * small per-thread stack (MAX_DEPTH deep; deeper nesting is not tracked).
 *
 * The header's macros find these functions through a table named by an
 * ELF note of this library (the note and the table are at the end of this
 * file; the header explains why not weak symbols or dlsym). The functions
 * are exported too, for programs built with an earlier header.
 */
#include "../base/base.h"
#include "../engine/iters.h"
#include "../engine/maps.h"
#include "../engine/sync.h"

#include <mapsan/annotate.h>

static const struct mapsan_map_api annotated_api = {.name = "annotated"};

#define MAX_DEPTH 8

/* Exported (preload/public.sym); the header does not declare them. */
MAPSAN_EXPORT void mapsan_annotate_happens_before(const volatile void *addr);
MAPSAN_EXPORT void mapsan_annotate_happens_after(const volatile void *addr);
MAPSAN_EXPORT void mapsan_annotate_map_create(const volatile void *map);
MAPSAN_EXPORT void mapsan_annotate_map_destroy(const volatile void *map);
MAPSAN_EXPORT void mapsan_annotate_map_begin(const volatile void *map,
                                             int write);
MAPSAN_EXPORT void mapsan_annotate_map_end(const volatile void *map);
MAPSAN_EXPORT void mapsan_annotate_map_nil_write(void);
MAPSAN_EXPORT void mapsan_annotate_map_strict_iterators(
    const volatile void *map);
MAPSAN_EXPORT void mapsan_annotate_map_iter(const volatile void *map,
                                            const volatile void *it,
                                            int what);
MAPSAN_EXPORT void mapsan_annotate_map_iter_write_begin(
    const volatile void *map, const volatile void *it);
MAPSAN_EXPORT void mapsan_annotate_map_buckets(
    const volatile void *map, const volatile void *old_buckets,
    const volatile void *new_buckets);

static MAPSAN_TLS struct mapsan_op op_stack[MAX_DEPTH];
static MAPSAN_TLS const volatile void *op_addr[MAX_DEPTH];
static MAPSAN_TLS int op_depth;

MAPSAN_EXPORT void mapsan_annotate_happens_before(const volatile void *addr) {
  if (mapsan_hooks_on())
    mapsan_sync_release((uintptr_t)addr);
}

MAPSAN_EXPORT void mapsan_annotate_happens_after(const volatile void *addr) {
  if (mapsan_hooks_on())
    mapsan_sync_acquire((uintptr_t)addr);
}

MAPSAN_EXPORT void mapsan_annotate_map_create(const volatile void *map) {
  if (mapsan_hooks_on())
    mapsan_map_create((const void *)map, &annotated_api, "create",
                      mapsan_map_sample(),
                      (uintptr_t)__builtin_return_address(0),
                      (uintptr_t)__builtin_dwarf_cfa());
}

MAPSAN_EXPORT void mapsan_annotate_map_destroy(const volatile void *map) {
  if (mapsan_hooks_on())
    mapsan_map_destroy((const void *)map, &annotated_api, "destroy",
                       (uintptr_t)__builtin_return_address(0),
                       (uintptr_t)__builtin_dwarf_cfa());
}

static void begin(const volatile void *map, const volatile void *it,
                  int write, uintptr_t pc, uintptr_t cfa) {
  if (!mapsan_hooks_on())
    return;
  if (op_depth >= MAX_DEPTH) {
    op_depth++;
    return;
  }
  struct mapsan_op *op = &op_stack[op_depth];
  op->caller_pc = pc;
  op->caller_cfa = cfa;
  op_addr[op_depth] = map;
  op_depth++;
  if (mapsan_map_begin(op, (const void *)map, &annotated_api,
                       write ? "write" : "read", write != 0) &&
      write)
    mapsan_map_modified(op, (const void *)it);
}

MAPSAN_EXPORT void mapsan_annotate_map_begin(const volatile void *map,
                                             int write) {
  struct mapsan_op caller;
  MAPSAN_OP_CALLER(&caller);
  begin(map, NULL, write, caller.caller_pc, caller.caller_cfa);
}

MAPSAN_EXPORT void mapsan_annotate_map_iter_write_begin(
    const volatile void *map, const volatile void *it) {
  struct mapsan_op caller;
  MAPSAN_OP_CALLER(&caller);
  begin(map, it, 1, caller.caller_pc, caller.caller_cfa);
}

MAPSAN_EXPORT void mapsan_annotate_map_end(const volatile void *map) {
  if (!mapsan_hooks_on() || op_depth == 0)
    return;
  op_depth--;
  if (op_depth >= MAX_DEPTH || op_addr[op_depth] != map)
    return;
  mapsan_map_end(&op_stack[op_depth]);
}

MAPSAN_EXPORT void mapsan_annotate_map_strict_iterators(
    const volatile void *map) {
  if (mapsan_hooks_on())
    mapsan_map_set_strict_iters((const void *)map);
}

MAPSAN_EXPORT void mapsan_annotate_map_iter(const volatile void *map,
                                            const volatile void *it,
                                            int what) {
  if (!mapsan_hooks_on())
    return;
  if (what == MAPSAN_ITER_END_) {
    mapsan_iter_end((const void *)it);
    return;
  }
  struct mapsan_op op;
  MAPSAN_OP_CALLER(&op);
  const char *name = what == MAPSAN_ITER_BEGIN_ ? "iter_begin" : "iter_next";
  if (!mapsan_map_begin(&op, (const void *)map, &annotated_api, name,
                        false))
    return;
  if (what == MAPSAN_ITER_BEGIN_)
    mapsan_iter_begin(&op, (const void *)it);
  else
    mapsan_iter_check(&op, (const void *)it);
  mapsan_map_end(&op);
}

MAPSAN_EXPORT void mapsan_annotate_map_nil_write(void) {
  if (mapsan_hooks_on())
    mapsan_map_nil_write(&annotated_api, "write");
}

MAPSAN_EXPORT void mapsan_annotate_map_buckets(const volatile void *map,
                                               const volatile void *old_buckets,
                                               const volatile void *new_buckets) {
  (void)old_buckets;
  (void)new_buckets;
  if (!mapsan_hooks_on())
    return;
  /* Inside the write that resizes: the innermost annotated op on this map. */
  for (int d = op_depth < MAX_DEPTH ? op_depth : MAX_DEPTH; d-- > 0;) {
    if (op_addr[d] == map) {
      mapsan_map_resized(&op_stack[d]);
      return;
    }
  }
}

/* ---- how the header finds the functions ---------------------------------- */

MAPSAN_HIDDEN __attribute__((used)) const struct mapsan_annotate_api
    mapsan_annotate_table = {
        .version = MAPSAN_ANNOTATE_API_VERSION,
        .size = sizeof(struct mapsan_annotate_api),
        .happens_before = mapsan_annotate_happens_before,
        .happens_after = mapsan_annotate_happens_after,
        .map_create = mapsan_annotate_map_create,
        .map_destroy = mapsan_annotate_map_destroy,
        .map_begin = mapsan_annotate_map_begin,
        .map_end = mapsan_annotate_map_end,
        .map_nil_write = mapsan_annotate_map_nil_write,
        .map_strict_iterators = mapsan_annotate_map_strict_iterators,
        .map_iter = mapsan_annotate_map_iter,
        .map_iter_write_begin = mapsan_annotate_map_iter_write_begin,
        .map_buckets = mapsan_annotate_map_buckets,
};

#define STR_(x) #x
#define STR(x) STR_(x)

/* The note: name "mapsan", type MAPSAN_ANNOTATE_NOTE_TYPE, and as its
 * descriptor the offset from the descriptor to the table, fixed at link
 * time (no relocation is left for ld.so, and the note stays read-only).
 * "aR": allocated, so it is mapped and in a PT_NOTE segment, and retained
 * by a linker that collects unused sections. If you change the layout,
 * update mapsan_annotate_find_ in the header. */
__asm__(".pushsection .note.mapsan,\"aR\",@note\n"
        ".balign 4\n"
        ".long 7\n" /* namesz, "mapsan" and its NUL */
        ".long 4\n" /* descsz */
        ".long " STR(MAPSAN_ANNOTATE_NOTE_TYPE) "\n"
        ".asciz \"mapsan\"\n"
        ".balign 4\n"
        "1: .long mapsan_annotate_table - 1b\n"
        ".popsection\n");
