/*
 * report.h: the report model. A finding is built as a struct mapsan_report
 * by the engine (plain data: kinds, thread numbers, stack ids), then handed
 * to mapsan_report_submit, which completes it (thread-creation stacks),
 * symbolizes it, computes its signature, filters it (suppressions, dedup,
 * max_reports) and gives it to the printers. Printers format only.
 *
 * If you add a kind or a role, the switches in report.c, print_text.c and
 * print_json.c fail to compile (-Werror=switch) until they handle it; if it
 * is user-visible, document it with the report kinds in README.md.
 */
#ifndef MAPSAN_REPORT_H
#define MAPSAN_REPORT_H

#include "../base/base.h"
#include "../base/unloads.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum mapsan_kind {
  MAPSAN_KIND_WRITE_WRITE_RACE,
  MAPSAN_KIND_READ_WRITE_RACE,
  MAPSAN_KIND_ITERATOR_INVALIDATED,
  MAPSAN_KIND_USE_AFTER_RESIZE,
  MAPSAN_KIND_USE_AFTER_DESTROY,
  MAPSAN_KIND_NIL_MAP_WRITE,
  MAPSAN_KIND_UNBOUNDED_GROWTH, /* engine/profile.c: growth_limit */
  MAPSAN_KIND_USE_AFTER_UNLOAD,
  MAPSAN_KIND_CRASH,
};

enum mapsan_role {
  MAPSAN_ROLE_CURRENT,
  MAPSAN_ROLE_PREVIOUS,
  MAPSAN_ROLE_ITERATOR_CREATED,
  MAPSAN_ROLE_RESIZE,
  MAPSAN_ROLE_BUCKETS_ALLOCATED,
  MAPSAN_ROLE_MAP_CREATED,
  MAPSAN_ROLE_THREAD_CREATED,
  MAPSAN_ROLE_LOCK_CREATED,
  MAPSAN_ROLE_INSERT_SITE, /* unbounded-growth: a top inserting call site */
  MAPSAN_ROLE_DLCLOSE, /* use-after-unload: the dlclose that unloaded it */
  MAPSAN_ROLE_MODULE_OP, /* use-after-unload: the map's latest operation
                            from the unloaded module's code, if known */
};

/* What a lock is, as the wrapper that first saw it knows (engine/sync.h):
 * shown beside the lock in reports. UNKNOWN: seen first through a path
 * that does not say (a cancelled condition wait). If you add one, name it
 * in mapsan_lock_kind_name and in docs/USAGE.md. */
enum mapsan_lock_kind {
  MAPSAN_LOCK_KIND_UNKNOWN,
  MAPSAN_LOCK_KIND_PTHREAD_MUTEX,
  MAPSAN_LOCK_KIND_PTHREAD_RWLOCK,
  MAPSAN_LOCK_KIND_PTHREAD_SPINLOCK,
  MAPSAN_LOCK_KIND_C11_MTX,
  MAPSAN_LOCK_KIND_GMUTEX,
  MAPSAN_LOCK_KIND_GRECMUTEX,
  MAPSAN_LOCK_KIND_GRWLOCK,
  MAPSAN_LOCK_KIND_G_BIT_LOCK,
  MAPSAN_LOCK_KIND_G_POINTER_BIT_LOCK,
  MAPSAN_LOCK_KIND_GASYNCQUEUE,
};

#define MAPSAN_REPORT_MAX_LOCKS 2
#define MAPSAN_REPORT_MAX_STACKS 12
#define MAPSAN_REPORT_MAX_LABELS \
  (MAPSAN_REPORT_MAX_STACKS * (MAPSAN_REPORT_MAX_LOCKS + 1))

/* One access as the engine recorded it. */
struct mapsan_access_rec {
  uint32_t thread; /* thread number, 0 = none */
  uint32_t stack;  /* depot id */
  const char *op;  /* static string: "assign", "lookup", ... */
  bool write;
  uint32_t nlocks; /* locks held (may exceed the ones kept) */
  uintptr_t locks[MAPSAN_REPORT_MAX_LOCKS];
  uint64_t op_id;  /* the map operation that made it (engine/maps.c); 0 */
};

struct mapsan_report_stack {
  enum mapsan_role role;
  struct mapsan_access_rec acc; /* THREAD_CREATED: acc.thread is the thread
                                   described, parent_thread its creator */
  bool show_locks;      /* print the locks-held line */
  uintptr_t object;     /* LOCK_CREATED: the lock */
  enum mapsan_lock_kind lock_kind; /* LOCK_CREATED: what it is */
  uint32_t parent_thread;
  uint64_t count;       /* INSERT_SITE: new keys inserted from there */
  pid_t tid;            /* filled by mapsan_report_submit */
  bool running;         /* idem: is acc.thread still running */
};

struct mapsan_report {
  enum mapsan_kind kind;
  /* Races: the previous access's own operation was still in flight when
   * the current one began (a proof; false means not seen, not disproved). */
  bool overlapping;
  const char *api;   /* "hmap", "glib", "annotated" */
  uintptr_t map;
  int64_t generation;         /* bucket generation involved, -1 if n/a */
  int64_t current_generation; /* the map's current one, -1 if n/a */
  uintptr_t fault_addr;       /* use-after-resize: the faulting address */
  /* Lockset hint: the map is usually written holding this lock
   * (usual_lock_writes of its last usual_lock_total writes), and the
   * current and/or the previous access did not hold it. */
  uintptr_t usual_lock;
  uint32_t usual_lock_writes;
  uint32_t usual_lock_total;
  bool usual_lock_skipped_current;
  bool usual_lock_skipped_previous;
  /* unbounded-growth: the limit, the entries after the crossing insert,
   * and the map's inserts of new keys so far (growth == 0: not that kind). */
  uint64_t growth_limit, growth_entries, growth_inserts;
  /* use-after-unload (stale != NULL): the word that points into an
   * unloaded module, where it was, the entry's key (its first word), and
   * the module, copied from the unload log (which may evict it). */
  struct mapsan_report_unload {
    const char *stale; /* "key" or "value" */
    uintptr_t word;
    bool has_key;
    uintptr_t key;
    uintptr_t lo, hi, base; /* base: the module's load address */
    int64_t time;
    char module[MAPSAN_UNLOAD_NAME];
    char build_id[65];
  } unload;
  int nstacks;
  struct mapsan_report_stack stacks[MAPSAN_REPORT_MAX_STACKS];
};

/* What a report adds of a thread it names: its tid, whether it still runs,
 * and where it was created. The engine numbers threads and knows these;
 * it sits above the reports, so start-up hands its lookup down
 * (mapsan_report_set_thread_info). Until then threads are unknown. */
struct mapsan_thread_info {
  uint32_t num;
  pid_t tid;
  uint32_t create_stack; /* 0 if not known */
  uint32_t parent_num;   /* 0 if not known */
  bool running;
};

/* Copies what is known of thread `num` into out; false if forgotten. Called
 * under the report lock (which comes before the thread registry's). */
typedef bool (*mapsan_thread_info_fn)(uint32_t num,
                                      struct mapsan_thread_info *out);
void mapsan_report_set_thread_info(mapsan_thread_info_fn fn);

/* Adds a stack to r (ignored when full). Returns it for further fields. */
MAPSAN_COLD struct mapsan_report_stack *mapsan_report_add(struct mapsan_report *r,
                                              enum mapsan_role role,
                                              const struct mapsan_access_rec *a);

/* Completes, filters and prints r. Thread-safe; reports never interleave.
 * With halt_on_error, does not return. Call without engine locks held. */
MAPSAN_COLD void mapsan_report_submit(struct mapsan_report *r);

const char *mapsan_kind_name(enum mapsan_kind k);
const char *mapsan_role_name(enum mapsan_role r);
/* The C type's name ("pthread_mutex_t", "GMutex"); NULL for UNKNOWN. */
const char *mapsan_lock_kind_name(enum mapsan_lock_kind k);

/* Counters for the exit summary and the forced exit code. */
unsigned long mapsan_report_count(void);
unsigned long mapsan_report_suppressed(void);
/* Counts a report written outside mapsan_report_submit (a crash report,
 * crash/report.c). Async-signal-safe: one atomic increment. */
void mapsan_report_count_crash(void);

/* Set just before mapsan itself calls abort() (halt_on_error), so that the
 * crash handler does not report mapsan's own SIGABRT as a crash. */
extern MAPSAN_HIDDEN _Atomic bool mapsan_self_abort;

/* At exit: with json_path, one last line {"record":"summary", ...}: the
 * counts of this process (no "kind": it is not a report). Once. */
void mapsan_report_write_summary(void);

/* Lists the suppressed findings on stderr, one line each (the first 32):
 * for the exit summary at verbosity=1. */
void mapsan_report_list_suppressed(void);

/* Blocks until no report is being written (used before the map library's
 * own fatal abort, so that it cannot cut a report in half). */
void mapsan_report_wait_idle(void);

/* A report resolved for printing: frames symbolized, signature made.
 * Printers (print_text.c, print_json.c) take this and format only. */
struct mapsan_frame;
#define MAPSAN_REPORT_MAX_UNNAMED 4
struct mapsan_resolved {
  const struct mapsan_report *r;
  struct mapsan_frame *frames[MAPSAN_REPORT_MAX_STACKS];
  size_t nframes[MAPSAN_REPORT_MAX_STACKS];
  char signature[17];
  char summary[512]; /* "<kind> <file>:<line> in <function>" */
  /* Symbol names of the locks in stacks[i].acc.locks, and of usual_lock
   * and LOCK_CREATED objects (NULL when not a named global). */
  const char *lock_names[MAPSAN_REPORT_MAX_STACKS][MAPSAN_REPORT_MAX_LOCKS];
  const char *object_names[MAPSAN_REPORT_MAX_STACKS];
  /* Lock labels: lock L<n> is labels[n - 1], numbered in the order the
   * report first names them (locks held, stack by stack, then lock-created
   * objects); label_names as lock_names. */
  uintptr_t labels[MAPSAN_REPORT_MAX_LABELS];
  const char *label_names[MAPSAN_REPORT_MAX_LABELS];
  enum mapsan_lock_kind label_kinds[MAPSAN_REPORT_MAX_LABELS];
  int nlabels;
  /* Frames that stayed without a function, one per module (the first
   * MAPSAN_REPORT_MAX_UNNAMED modules): the text report says so plainly,
   * naming each module and its build-id. symbolize_off: symbolize=0. */
  const struct mapsan_frame *unnamed[MAPSAN_REPORT_MAX_UNNAMED];
  int nunnamed;
  bool symbolize_off;
  pid_t pid;
  const char *host; /* gethostname, for fleet-wide grouping */
  long long time;   /* seconds since the epoch */
};

/* The label number n of lock (printed "L<n>"), 0 if r has none for it. */
int mapsan_lock_label(const struct mapsan_resolved *r, uintptr_t lock);

/* Format r into buf (at most cap bytes); return the length written. */
size_t mapsan_print_text(const struct mapsan_resolved *r, char *buf,
                         size_t cap);
size_t mapsan_print_json(const struct mapsan_resolved *r, char *buf,
                         size_t cap);

void mapsan_report_init(void);

/* Loads what mapsan_report_submit needs that it would otherwise load at
 * the first report (libdw), so that a report later submitted from a signal
 * handler has function names and lines: a handler never loads code.
 * Not async-signal-safe; the caller holds no mapsan lock. Idempotent. */
void mapsan_report_prepare_for_signals(void);

void mapsan_report_fork_prepare(void);
void mapsan_report_fork_parent(void);
void mapsan_report_fork_child(void);

#endif
