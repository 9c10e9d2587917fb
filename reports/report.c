/*
 * report.c: from a finding to printed reports. See report.h.
 *
 * mapsan_report_submit runs with the engine's hooks off for this thread
 * (libdw takes locks and allocates) and under one report lock, so reports
 * are symbolized and written one at a time, each with a single write(2).
 * The signature hashes the kind and the first frame of the current and
 * previous stacks as (module basename, offset) pairs, sorted so that the
 * same two lines give the same signature whichever thread came first.
 */
#include "report.h"

#include "../base/options.h"
#include "../base/base.h"
#include "journal.h"
#include "profile.h"
#include "sink.h"
#include "../stacks/stack.h"
#include "suppress.h"
#include "symbolize.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef MAPSAN_VERSION
#define MAPSAN_VERSION "0"
#endif

#define SEEN_MAX 4096
#define MAX_SUPPRESSED_LISTED 32

/* Suppressed findings, for the exit summary (verbosity=1). */
static char suppressed_list[MAX_SUPPRESSED_LISTED][160] MAPSAN_BIG;
static int nsuppressed_listed;

static mapsan_lock report_lock = MAPSAN_LOCK_INIT;
static _Atomic unsigned long nreports;
static _Atomic unsigned long nsuppressed;
static uint64_t seen[SEEN_MAX] MAPSAN_BIG;
static int nseen;

/* Buffers used under report_lock. */
#define FRAMES_PER_STACK (2 * MAPSAN_STACK_MAX_FRAMES) /* with inlining */
static struct mapsan_frame frame_buf[MAPSAN_REPORT_MAX_STACKS]
                                    [FRAMES_PER_STACK] MAPSAN_BIG;
static char text_buf[128 << 10] MAPSAN_BIG;
static char json_buf[256 << 10] MAPSAN_BIG;
static char journal_head[16 << 10] MAPSAN_BIG;
static char journal_message[600] MAPSAN_BIG;

/* Set while mapsan itself aborts (halt_on_error), so that the crash
 * handler knows the signal is ours. */
_Atomic bool mapsan_self_abort;

const char *mapsan_kind_name(enum mapsan_kind k) {
  switch (k) {
  case MAPSAN_KIND_WRITE_WRITE_RACE:
    return "write-write-race";
  case MAPSAN_KIND_READ_WRITE_RACE:
    return "read-write-race";
  case MAPSAN_KIND_ITERATOR_INVALIDATED:
    return "iterator-invalidated";
  case MAPSAN_KIND_USE_AFTER_RESIZE:
    return "use-after-resize";
  case MAPSAN_KIND_USE_AFTER_DESTROY:
    return "use-after-destroy";
  case MAPSAN_KIND_NIL_MAP_WRITE:
    return "nil-map-write";
  case MAPSAN_KIND_UNBOUNDED_GROWTH:
    return "unbounded-growth";
  case MAPSAN_KIND_USE_AFTER_UNLOAD:
    return "use-after-unload";
  case MAPSAN_KIND_CRASH:
    return "crash";
  }
  return "?";
}

const char *mapsan_role_name(enum mapsan_role r) {
  switch (r) {
  case MAPSAN_ROLE_CURRENT:
    return "current";
  case MAPSAN_ROLE_PREVIOUS:
    return "previous";
  case MAPSAN_ROLE_ITERATOR_CREATED:
    return "iterator-created";
  case MAPSAN_ROLE_RESIZE:
    return "resize";
  case MAPSAN_ROLE_BUCKETS_ALLOCATED:
    return "buckets-allocated";
  case MAPSAN_ROLE_MAP_CREATED:
    return "map-created";
  case MAPSAN_ROLE_THREAD_CREATED:
    return "thread-created";
  case MAPSAN_ROLE_LOCK_CREATED:
    return "lock-created";
  case MAPSAN_ROLE_INSERT_SITE:
    return "insert-site";
  case MAPSAN_ROLE_DLCLOSE:
    return "dlclose";
  case MAPSAN_ROLE_MODULE_OP:
    return "module-op";
  }
  return "?";
}

const char *mapsan_lock_kind_name(enum mapsan_lock_kind k) {
  switch (k) {
  case MAPSAN_LOCK_KIND_UNKNOWN:
    return NULL;
  case MAPSAN_LOCK_KIND_PTHREAD_MUTEX:
    return "pthread_mutex_t";
  case MAPSAN_LOCK_KIND_PTHREAD_RWLOCK:
    return "pthread_rwlock_t";
  case MAPSAN_LOCK_KIND_PTHREAD_SPINLOCK:
    return "pthread_spinlock_t";
  case MAPSAN_LOCK_KIND_C11_MTX:
    return "mtx_t";
  case MAPSAN_LOCK_KIND_GMUTEX:
    return "GMutex";
  case MAPSAN_LOCK_KIND_GRECMUTEX:
    return "GRecMutex";
  case MAPSAN_LOCK_KIND_GRWLOCK:
    return "GRWLock";
  case MAPSAN_LOCK_KIND_G_BIT_LOCK:
    return "g_bit_lock";
  case MAPSAN_LOCK_KIND_G_POINTER_BIT_LOCK:
    return "g_pointer_bit_lock";
  case MAPSAN_LOCK_KIND_GASYNCQUEUE:
    return "GAsyncQueue";
  }
  return NULL;
}

struct mapsan_report_stack *mapsan_report_add(struct mapsan_report *r,
                                              enum mapsan_role role,
                                              const struct mapsan_access_rec *a) {
  static struct mapsan_report_stack overflow;
  if (r->nstacks >= MAPSAN_REPORT_MAX_STACKS)
    return &overflow;
  struct mapsan_report_stack *s = &r->stacks[r->nstacks++];
  memset(s, 0, sizeof(*s));
  s->role = role;
  if (a)
    s->acc = *a;
  return s;
}

unsigned long mapsan_report_count(void) { return nreports; }
unsigned long mapsan_report_suppressed(void) { return nsuppressed; }
void mapsan_report_count_crash(void) { nreports++; }

void mapsan_report_wait_idle(void) {
  mapsan_lock_acquire(&report_lock);
  mapsan_lock_release(&report_lock);
}

/* Adds "thread-created" stacks for each thread that has an access stack,
 * and fills tids. */
static mapsan_thread_info_fn thread_info;

void mapsan_report_set_thread_info(mapsan_thread_info_fn fn) {
  thread_info = fn;
}

static void add_thread_stacks(struct mapsan_report *r) {
  uint32_t done[MAPSAN_REPORT_MAX_STACKS];
  int ndone = 0;
  int n = r->nstacks;
  for (int i = 0; i < n; i++) {
    struct mapsan_report_stack *s = &r->stacks[i];
    if (s->acc.thread == 0)
      continue;
    struct mapsan_thread_info info;
    bool known = thread_info != NULL && thread_info(s->acc.thread, &info);
    if (known) {
      s->tid = info.tid;
      s->running = info.running;
    }
    if (s->role != MAPSAN_ROLE_CURRENT && s->role != MAPSAN_ROLE_PREVIOUS &&
        s->role != MAPSAN_ROLE_ITERATOR_CREATED)
      continue;
    bool dup = false;
    for (int j = 0; j < ndone; j++)
      dup |= done[j] == s->acc.thread;
    if (dup || !known || ndone == MAPSAN_REPORT_MAX_STACKS)
      continue;
    done[ndone++] = s->acc.thread;
    struct mapsan_access_rec a = {0};
    a.thread = info.num;
    a.stack = info.create_stack;
    struct mapsan_report_stack *t =
        mapsan_report_add(r, MAPSAN_ROLE_THREAD_CREATED, &a);
    t->parent_thread = info.parent_num;
    t->tid = info.tid;
    t->running = info.running;
  }
}

static const char *base_name(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

static uint64_t frame_key(const struct mapsan_resolved *res, int idx) {
  if (idx < 0 || res->nframes[idx] == 0)
    return 0;
  const struct mapsan_frame *f = &res->frames[idx][0];
  const char *mod = base_name(f->module);
  uint64_t h = mapsan_fnv(MAPSAN_FNV_OFFSET, mod, strlen(mod));
  uint64_t off = f->offset;
  return mapsan_fnv(h, &off, sizeof(off));
}

int mapsan_lock_label(const struct mapsan_resolved *res, uintptr_t lock) {
  for (int i = 0; i < res->nlabels; i++)
    if (res->labels[i] == lock)
      return i + 1;
  return 0;
}

static void add_label(struct mapsan_resolved *res, uintptr_t lock,
                      const char *name) {
  if (lock == 0 || mapsan_lock_label(res, lock) ||
      res->nlabels == MAPSAN_REPORT_MAX_LABELS)
    return;
  res->labels[res->nlabels] = lock;
  res->label_names[res->nlabels++] = name;
}

/* Labels the locks in the order the report names them. */
static void make_labels(struct mapsan_resolved *res) {
  const struct mapsan_report *r = res->r;
  for (int i = 0; i < r->nstacks; i++) {
    const struct mapsan_report_stack *s = &r->stacks[i];
    if (!s->show_locks)
      continue;
    for (uint32_t l = 0; l < MAPSAN_REPORT_MAX_LOCKS && l < s->acc.nlocks; l++)
      add_label(res, s->acc.locks[l], res->lock_names[i][l]);
  }
  for (int i = 0; i < r->nstacks; i++)
    if (r->stacks[i].role == MAPSAN_ROLE_LOCK_CREATED)
      add_label(res, r->stacks[i].object, res->object_names[i]);
  add_label(res, r->usual_lock, mapsan_symbolize_data(r->usual_lock));
  /* The kind travels with the lock's first-seen stack (engine/maps.c adds
   * one for every lock a race names). */
  for (int i = 0; i < r->nstacks; i++) {
    int label = r->stacks[i].role == MAPSAN_ROLE_LOCK_CREATED
                    ? mapsan_lock_label(res, r->stacks[i].object)
                    : 0;
    if (label)
      res->label_kinds[label - 1] = r->stacks[i].lock_kind;
  }
}

/* The modules with frames that stayed without a function, each once. */
static void find_unnamed(struct mapsan_resolved *res) {
  res->symbolize_off = mapsan_opts.symbolize == 0;
  for (int i = 0; i < res->r->nstacks; i++)
    for (size_t f = 0; f < res->nframes[i]; f++) {
      const struct mapsan_frame *fr = &res->frames[i][f];
      if (fr->function)
        continue;
      bool known = false;
      for (int u = 0; u < res->nunnamed && !known; u++)
        known = strcmp(res->unnamed[u]->module, fr->module) == 0;
      if (!known && res->nunnamed < MAPSAN_REPORT_MAX_UNNAMED)
        res->unnamed[res->nunnamed++] = fr;
    }
}

static void make_signature(struct mapsan_resolved *res) {
  const struct mapsan_report *r = res->r;
  int cur = -1, prev = -1;
  for (int i = 0; i < r->nstacks; i++) {
    if (r->stacks[i].role == MAPSAN_ROLE_CURRENT && cur < 0)
      cur = i;
    if (r->stacks[i].role == MAPSAN_ROLE_PREVIOUS && prev < 0)
      prev = i;
  }
  uint64_t a = frame_key(res, cur), b = frame_key(res, prev);
  if (a > b) {
    uint64_t t = a;
    a = b;
    b = t;
  }
  const char *kind = mapsan_kind_name(r->kind);
  uint64_t h = mapsan_fnv(MAPSAN_FNV_OFFSET, kind, strlen(kind));
  h = mapsan_fnv(h, &a, sizeof(a));
  h = mapsan_fnv(h, &b, sizeof(b));
  snprintf(res->signature, sizeof(res->signature), "%016llx",
           (unsigned long long)h);
  const struct mapsan_frame *top =
      cur >= 0 && res->nframes[cur] ? &res->frames[cur][0] : NULL;
  if (top && top->file)
    snprintf(res->summary, sizeof(res->summary), "%s %s:%d in %s", kind,
             base_name(top->file), top->line,
             top->function ? top->function : "??");
  else if (top)
    snprintf(res->summary, sizeof(res->summary), "%s (%s+0x%lx) in %s", kind,
             base_name(top->module), (unsigned long)top->offset,
             top->function ? top->function : "??");
  else
    snprintf(res->summary, sizeof(res->summary), "%s", kind);
}

/* The machine's name (no quotes or backslashes: it goes into JSON). */
static const char *host_name(void) {
  static char host[256];
  if (host[0] == '\0') {
    if (gethostname(host, sizeof(host) - 1) != 0)
      strcpy(host, "unknown");
    for (char *c = host; *c; c++)
      if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20)
        *c = '_';
  }
  return host;
}

static bool seen_before(const char *sig) {
  uint64_t v = strtoull(sig, NULL, 16);
  for (int i = 0; i < nseen; i++)
    if (seen[i] == v)
      return true;
  if (nseen < SEEN_MAX)
    seen[nseen++] = v;
  return false;
}

/* Before any work: a finding whose first frames (as raw pcs) were seen
 * already has the same signature, so it is dropped here, without
 * symbolizing anything; a racy loop then costs a hash probe per access,
 * not a libdw walk. Returns true when r is new. Report lock held. */
#define RAW_SEEN 8192
static uint64_t raw_seen[RAW_SEEN] MAPSAN_BIG;

static uint64_t first_pc(const struct mapsan_report *r, enum mapsan_role role) {
  for (int i = 0; i < r->nstacks; i++) {
    if (r->stacks[i].role != role)
      continue;
    const uintptr_t *pcs = NULL;
    return mapsan_stack_get(r->stacks[i].acc.stack, &pcs) ? pcs[0] : 0;
  }
  return 0;
}

static bool raw_first_sight(const struct mapsan_report *r) {
  uint64_t a = first_pc(r, MAPSAN_ROLE_CURRENT);
  uint64_t b = first_pc(r, MAPSAN_ROLE_PREVIOUS);
  if (a > b) {
    uint64_t t = a;
    a = b;
    b = t;
  }
  uint64_t h = mapsan_fnv(MAPSAN_FNV_OFFSET, &r->kind, sizeof(r->kind));
  h = mapsan_fnv(h, &a, sizeof(a));
  h = mapsan_fnv(h, &b, sizeof(b));
  h |= 1; /* 0 marks an empty slot */
  for (uint32_t i = (uint32_t)h % RAW_SEEN, n = 0; n < RAW_SEEN;
       i = (i + 1) % RAW_SEEN, n++) {
    if (raw_seen[i] == h)
      return false;
    if (raw_seen[i] == 0) {
      raw_seen[i] = h;
      return true;
    }
  }
  return true; /* full: fall back to the signature check */
}

/* The report as one journal entry (reports/journal.c): the SUMMARY line,
 * the current stack's top frame, the JSON report. Report lock held. */
static void send_journal(const struct mapsan_resolved *res, const char *json,
                         size_t json_len) {
  const struct mapsan_report *r = res->r;
  const struct mapsan_frame *top = NULL;
  for (int i = 0; i < r->nstacks && top == NULL; i++)
    if (r->stacks[i].role == MAPSAN_ROLE_CURRENT && res->nframes[i])
      top = &res->frames[i][0];
  snprintf(journal_message, sizeof(journal_message), "SUMMARY: mapsan: %s",
           res->summary);
  struct mapsan_journal_entry e = {
      .message = journal_message,
      .kind = mapsan_kind_name(r->kind),
      .signature = res->signature,
      .code_file = top ? top->file : NULL,
      .code_line = top && top->file ? top->line : 0,
      .code_func = top ? top->function : NULL,
      .json = json,
      .json_len = json_len,
  };
  mapsan_journal_send(&e, journal_head, sizeof(journal_head));
}

void mapsan_report_submit(struct mapsan_report *r) {
  mapsan_enter();
  mapsan_lock_acquire(&report_lock);
  bool fresh = nreports < (unsigned long)mapsan_opts.max_reports &&
               raw_first_sight(r);
  mapsan_lock_release(&report_lock);
  if (!fresh) {
    mapsan_leave();
    return;
  }
  add_thread_stacks(r);
  mapsan_lock_acquire(&report_lock);
  if (nreports >= (unsigned long)mapsan_opts.max_reports) {
    mapsan_lock_release(&report_lock);
    mapsan_leave();
    return;
  }
  struct mapsan_resolved res;
  memset(&res, 0, sizeof(res));
  res.r = r;
  res.pid = getpid();
  res.host = host_name();
  res.time = (long long)time(NULL);
  mapsan_symbolize_begin();
  for (int i = 0; i < r->nstacks; i++) {
    const struct mapsan_report_stack *s = &r->stacks[i];
    const uintptr_t *pcs = NULL;
    size_t n = mapsan_stack_get(s->acc.stack, &pcs);
    size_t nf = 0;
    for (size_t f = 0; f < n && nf < FRAMES_PER_STACK; f++)
      nf += mapsan_symbolize(pcs[f], true, &frame_buf[i][nf],
                             FRAMES_PER_STACK - nf);
    res.frames[i] = frame_buf[i];
    res.nframes[i] = nf;
    for (uint32_t l = 0; l < MAPSAN_REPORT_MAX_LOCKS && l < s->acc.nlocks; l++)
      res.lock_names[i][l] = mapsan_symbolize_data(s->acc.locks[l]);
    if (s->object)
      res.object_names[i] = mapsan_symbolize_data(s->object);
  }
  make_signature(&res);
  make_labels(&res);
  find_unnamed(&res);
  bool print = false;
  if (mapsan_suppressed(&res)) {
    nsuppressed++;
    if (nsuppressed_listed < MAX_SUPPRESSED_LISTED)
      snprintf(suppressed_list[nsuppressed_listed++], sizeof(suppressed_list[0]),
               "%.120s (%s)", res.summary, res.signature);
  } else if (!seen_before(res.signature))
    print = true;
  if (print) {
    size_t n = mapsan_print_text(&res, text_buf, sizeof(text_buf));
    mapsan_sink_text(text_buf, n);
    if (mapsan_sink_json_enabled() || mapsan_journal_enabled()) {
      n = mapsan_print_json(&res, json_buf, sizeof(json_buf));
      if (n > 0 && mapsan_sink_json_enabled())
        mapsan_sink_json(json_buf, n);
      if (mapsan_journal_enabled())
        send_journal(&res, json_buf, n);
    }
    nreports++;
  }
  mapsan_symbolize_end();
  mapsan_lock_release(&report_lock);
  mapsan_leave();
  if (print && mapsan_opts.halt_on_error) {
    mapsan_self_abort = true;
    abort();
  }
}

void mapsan_report_list_suppressed(void) {
  mapsan_lock_acquire(&report_lock);
  for (int i = 0; i < nsuppressed_listed; i++) {
    char line[200];
    int n = snprintf(line, sizeof(line), "mapsan: suppressed: %s\n",
                     suppressed_list[i]);
    if (n > 0)
      mapsan_write_all(2, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
  }
  mapsan_lock_release(&report_lock);
}

void mapsan_report_write_summary(void) {
  if (!mapsan_sink_json_enabled())
    return;
  mapsan_enter();
  mapsan_lock_acquire(&report_lock);
  char when[32];
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
  int n = snprintf(json_buf, sizeof(json_buf),
                   "{\"tool\":\"mapsan\",\"version\":\"%s\",\"pid\":%d,"
                   "\"host\":\"%s\",\"time\":\"%s\",\"record\":\"summary\","
                   "\"reports\":%lu,"
                   "\"suppressed\":%lu,\"sample_rate\":%ld}\n",
                   MAPSAN_VERSION, (int)getpid(), host_name(), when,
                   (unsigned long)nreports,
                   (unsigned long)nsuppressed, mapsan_opts.sample_rate);
  if (n > 0)
    mapsan_sink_json(json_buf, (size_t)n);
  mapsan_lock_release(&report_lock);
  mapsan_leave();
}

/* Map-profile records (profile.h): as many whole lines as fit in the JSON
 * buffer go out in one write, so that the file is opened once per batch,
 * not once per map. */
void mapsan_report_write_profiles(const struct mapsan_profile_rec *recs,
                                  size_t n) {
  if (!mapsan_sink_json_enabled() || n == 0)
    return;
  mapsan_enter();
  mapsan_lock_acquire(&report_lock);
  mapsan_symbolize_begin();
  pid_t pid = getpid();
  long long now = (long long)time(NULL);
  size_t len = 0;
  for (size_t i = 0; i < n; i++) {
    size_t m = mapsan_print_profile(&recs[i], pid, host_name(), now,
                                    json_buf + len, sizeof(json_buf) - len);
    if (m == 0 && len > 0) { /* full: write the batch, then retry */
      mapsan_sink_json(json_buf, len);
      len = 0;
      mapsan_symbolize_end();
      mapsan_symbolize_begin(); /* recycles the strings of the batch */
      m = mapsan_print_profile(&recs[i], pid, host_name(), now, json_buf,
                               sizeof(json_buf));
    }
    len += m;
  }
  if (len > 0)
    mapsan_sink_json(json_buf, len);
  mapsan_symbolize_end();
  mapsan_lock_release(&report_lock);
  mapsan_leave();
}

void mapsan_report_init(void) { mapsan_suppress_load(mapsan_opts.suppressions); }

void mapsan_report_prepare_for_signals(void) {
  mapsan_lock_acquire(&report_lock); /* the symbolizer's */
  mapsan_symbolize_prepare();
  mapsan_lock_release(&report_lock);
}

void mapsan_report_fork_prepare(void) { mapsan_lock_acquire(&report_lock); }
void mapsan_report_fork_parent(void) { mapsan_lock_release(&report_lock); }
/* A forked child starts its own account: the reports made so far are the
 * parent's (they are in the parent's files and decide the parent's exit
 * status), so the child's counts, its summary record and its exit status
 * cover only what it reports itself. The signatures seen stay: the child
 * does not report the parent's findings again. */
void mapsan_report_fork_child(void) {
  mapsan_lock_reset(&report_lock);
  nreports = 0;
  nsuppressed = 0;
  nsuppressed_listed = 0;
}
