/*
 * thread.c: thread slots, clocks, join records and the thread registry.
 * See thread.h for the model.
 *
 * A thread's creation stack is captured only once libunwind is loaded
 * (stacks/unwind.h): a sampled process that has tracked no map yet does
 * not load it for thread creation alone, and its threads have none.
 */
#include "thread.h"
#include "window.h"
#include "../base/alloc.h"
#include "../base/fifo.h"

#include "../base/altstack.h"
#include "../stacks/stack.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define uthash_fatal(msg) MAPSAN_CHECK(!msg)
/* uthash's own allocations come from mapsan's allocator too (alloc.c). */
#define uthash_malloc(sz) mapsan_malloc(sz)
#define uthash_free(ptr, sz) mapsan_free(ptr)
#include <uthash.h>

MAPSAN_TLS struct mapsan_thread *mapsan_cur_thread;
struct mapsan_thread *_Atomic mapsan_threads_by_slot[MAPSAN_MAX_SLOTS] MAPSAN_BIG;
_Atomic uint32_t mapsan_threads_slot_limit;

/* Finished threads' structures, for reuse (see mapsan_threads_by_slot). */
static struct mapsan_thread *thread_free_list;
MAPSAN_TLS bool mapsan_thread_gone;

/* A running or recently finished thread, for reports. */
struct info_rec {
  struct mapsan_thread_info info;
  struct mapsan_fifo_link finished; /* FIFO of finished records */
  UT_hash_handle hh;              /* by info.num */
};

/* A live thread, by pthread_t (for detach). */
struct live_rec {
  pthread_t self;
  struct mapsan_thread *thread;
  UT_hash_handle hh;
};

/* A finished joinable thread's final clock, by pthread_t. */
struct join_rec {
  pthread_t self;
  mapsan_vclock vc;
  UT_hash_handle hh;
};

static mapsan_lock registry_lock = MAPSAN_LOCK_INIT;
static struct info_rec *infos;
static struct mapsan_fifo finished;
static struct live_rec *live;
static struct join_rec *joins;
static uint32_t next_num = 1;

/* Slot table, grown on demand: in use; the floor, the clock of the last map
 * access of earlier occupants (a creator must know it to reuse the slot);
 * the top, the highest clock earlier occupants reached (a new occupant
 * starts above it, so its epochs are never an earlier one's). */
static uint8_t *slot_used;
static uint64_t *slot_floor;
static uint64_t *slot_top;
static uint32_t slot_cap;
static uint32_t slot_min_free; /* no free slot below this */

/* The lowest free slot whose previous occupant `known` covers entirely
 * (thread.h); `known` may be NULL (no creator seen: fresh slots only). */
static uint32_t slot_alloc_locked(const mapsan_vclock *known) {
  uint32_t s = slot_min_free;
  while (s < slot_cap &&
         (slot_used[s] ||
          slot_floor[s] > (known ? mapsan_vclock_get(known, s) : 0)))
    s++;
  if (s >= MAPSAN_MAX_SLOTS)
    return UINT32_MAX;
  if (s >= slot_cap) {
    uint32_t cap = slot_cap ? slot_cap * 2 : 64;
    if (cap > MAPSAN_MAX_SLOTS)
      cap = MAPSAN_MAX_SLOTS;
    uint8_t *u = mapsan_realloc(slot_used, cap);
    uint64_t *f = mapsan_realloc(slot_floor, cap * sizeof(*f));
    MAPSAN_CHECK(u != NULL && f != NULL);
    slot_floor = f;
    uint64_t *top = mapsan_realloc(slot_top, cap * sizeof(*top));
    MAPSAN_CHECK(top != NULL);
    slot_top = top;
    memset(u + slot_cap, 0, cap - slot_cap);
    memset(f + slot_cap, 0, (cap - slot_cap) * sizeof(*f));
    memset(top + slot_cap, 0, (cap - slot_cap) * sizeof(*top));
    slot_used = u;
    slot_cap = cap;
  }
  slot_used[s] = 1;
  if (s == slot_min_free)
    slot_min_free = s + 1;
  return s;
}

static void slot_free_locked(uint32_t s, uint64_t last_access,
                             uint64_t last_clock) {
  slot_used[s] = 0;
  if (last_access > slot_floor[s])
    slot_floor[s] = last_access;
  if (last_clock > slot_top[s])
    slot_top[s] = last_clock;
  if (s < slot_min_free)
    slot_min_free = s;
}

static pid_t gettid_raw(void) { return (pid_t)syscall(SYS_gettid); }

/* Creates the thread structure for the caller; registry lock held. */
_Atomic bool mapsan_multithreaded;

static struct mapsan_thread *create_locked(uint32_t parent_num,
                                           uint32_t create_stack,
                                           const mapsan_vclock *known) {
  if (next_num > 1) /* not the first thread registered */
    atomic_store_explicit(&mapsan_multithreaded, true, memory_order_seq_cst);
  uint32_t slot = slot_alloc_locked(known);
  if (slot == UINT32_MAX)
    return NULL;
  struct mapsan_thread *t = thread_free_list;
  if (t) {
    thread_free_list = *(struct mapsan_thread **)t;
    memset(t, 0, sizeof(*t));
  } else {
    t = mapsan_calloc(1, sizeof(*t));
  }
  struct info_rec *ir = mapsan_calloc(1, sizeof(*ir));
  struct live_rec *lr = mapsan_calloc(1, sizeof(*lr));
  MAPSAN_CHECK(t != NULL && ir != NULL && lr != NULL);
  t->held = t->held_inline;
  t->held_cap = MAPSAN_HELD_INLINE;
  t->held_gen = atomic_load_explicit(&mapsan_window_gen, memory_order_acquire);
  /* In full mode the window is the one every thread is in from its start
   * (window.h: mapsan_window_track does not look again). */
  if (mapsan_window_always)
    t->window_gen = t->window_seen = t->held_gen;
  t->slot = slot;
  t->num = next_num++;
  t->tid = gettid_raw();
  t->self = pthread_self();
  t->own_start = slot_top[slot] + 1;
  t->inherited_own = 0;
  mapsan_vclock_reserve(&t->vc, slot + 1);
  t->vc.c[slot] = t->own_start;
  atomic_store_explicit(&t->pub_clock, t->own_start, memory_order_relaxed);
  ir->info.num = t->num;
  ir->info.tid = t->tid;
  ir->info.create_stack = create_stack;
  ir->info.parent_num = parent_num;
  ir->info.running = true;
  HASH_ADD(hh, infos, info.num, sizeof(ir->info.num), ir);
  lr->self = t->self;
  lr->thread = t;
  HASH_ADD(hh, live, self, sizeof(lr->self), lr);
  t->registry_link = lr;
  atomic_store_explicit(&mapsan_threads_by_slot[slot], t, memory_order_release);
  if (slot + 1 > atomic_load_explicit(&mapsan_threads_slot_limit,
                                      memory_order_relaxed))
    atomic_store_explicit(&mapsan_threads_slot_limit, slot + 1,
                          memory_order_release);
  return t;
}

/* ---- the end of a thread -------------------------------------------------
 *
 * glibc runs thread-specific-data destructors in rounds, at most
 * PTHREAD_DESTRUCTOR_ITERATIONS, after cleanup handlers; a round runs again
 * while some destructor stored a value anew. Ours stores its value again in
 * every round but the last, so it runs after every other destructor's
 * first-round work, and the thread is finished as late as anything can be
 * seen. The joiner wakes only after all destructors: the join record is
 * there in time. */

static pthread_key_t finish_key;
static bool finish_key_ok;
static MAPSAN_TLS int finish_rounds;

static void finish_destructor(void *value) {
  if (++finish_rounds < PTHREAD_DESTRUCTOR_ITERATIONS) {
    pthread_setspecific(finish_key, value);
    return;
  }
  mapsan_thread_finish();
}

static void arm_finish(void) {
  if (finish_key_ok)
    pthread_setspecific(finish_key, (void *)1);
}

void mapsan_thread_init(void) {
  finish_key_ok = pthread_key_create(&finish_key, finish_destructor) == 0;
}

struct mapsan_thread *mapsan_thread_register_slow(void) {
  if (mapsan_thread_gone)
    return NULL;
  mapsan_lock_acquire(&registry_lock);
  struct mapsan_thread *t = create_locked(0, 0, NULL);
  mapsan_lock_release(&registry_lock);
  if (t == NULL)
    mapsan_thread_gone = true; /* no slot: this thread stays untracked */
  mapsan_cur_thread = t;
  if (t) {
    arm_finish();
    mapsan_altstack_thread_start(false);
  }
  return t;
}

_Atomic bool mapsan_clocks_live;

void mapsan_clocks_go_live(void) {
  atomic_store_explicit(&mapsan_clocks_live, true, memory_order_seq_cst);
}

void mapsan_thread_acquire(struct mapsan_thread *t, const mapsan_vclock *src) {
  uint64_t own = t->vc.c[t->slot];
  if (mapsan_vclock_join(&t->vc, src))
    t->joined_ver = ++t->vc_ver;
  /* Our own slot: a value below own_start is knowledge of an earlier
   * occupant, kept apart from our own clock (vclock.h). */
  uint64_t theirs = mapsan_vclock_get(src, t->slot);
  if (theirs < t->own_start && theirs > t->inherited_own)
    t->inherited_own = theirs;
  t->vc.c[t->slot] = own;
}

void mapsan_thread_learn_all(struct mapsan_thread *t) {
  mapsan_lock_acquire(&registry_lock);
  uint32_t limit = atomic_load_explicit(&mapsan_threads_slot_limit,
                                        memory_order_acquire);
  if (limit > slot_cap)
    limit = slot_cap;
  mapsan_vclock_reserve(&t->vc, limit);
  bool changed = false;
  for (uint32_t s = 0; s < limit; s++) {
    if (s == t->slot)
      continue;
    uint64_t c = slot_top[s];
    struct mapsan_thread *o =
        atomic_load_explicit(&mapsan_threads_by_slot[s], memory_order_acquire);
    if (slot_used[s] && o != NULL) {
      uint64_t pub = atomic_load_explicit(&o->pub_clock, memory_order_relaxed);
      c = pub > 0 ? pub - 1 : 0;
    }
    if (c > t->vc.c[s]) {
      t->vc.c[s] = c;
      changed = true;
    }
  }
  mapsan_lock_release(&registry_lock);
  if (t->own_start > 0 && t->own_start - 1 > t->inherited_own)
    t->inherited_own = t->own_start - 1;
  if (changed)
    t->joined_ver = ++t->vc_ver;
}

bool mapsan_thread_held_grow(struct mapsan_thread *t) {
  uint32_t cap = t->held_cap * 2;
  struct mapsan_held_lock *h = mapsan_malloc(cap * sizeof(*h));
  if (h == NULL)
    return false;
  memcpy(h, t->held, t->nheld * sizeof(*h));
  if (t->held != t->held_inline)
    mapsan_free(t->held);
  t->held = h;
  t->held_cap = cap;
  return true;
}

bool mapsan_thread_lock_pop(struct mapsan_thread *t, uintptr_t addr,
                            enum mapsan_lock_mode *mode) {
  if (MAPSAN_LIKELY(mapsan_thread_lock_pop_top(t, addr, mode)))
    return true;
  uint32_t n = t->nheld;
  for (uint32_t i = n; i-- > 0;) {
    if (t->held[i].addr == addr) {
      *mode = (enum mapsan_lock_mode)t->held[i].mode;
      memmove(&t->held[i], &t->held[i + 1], (n - i - 1) * sizeof(t->held[0]));
      t->nheld--;
      return true;
    }
  }
  *mode = MAPSAN_LOCK_WRITE;
  if (t->held_lost > 0) {
    t->held_lost--; /* one of the locks that could not be stored */
    return true;
  }
  return t->held_unknown; /* maybe taken while the clocks were stopped */
}

void mapsan_thread_prepare_create(struct mapsan_thread_start *st,
                                  bool detached) {
  memset(st, 0, sizeof(*st));
  st->detached = detached;
  /* Before the real pthread_create: the new thread may run before it
   * registers, and this thread's next reads could race with it. */
  atomic_store_explicit(&mapsan_multithreaded, true, memory_order_seq_cst);
  st->create_stack = mapsan_stack_capture_if_loaded();
  struct mapsan_thread *t = mapsan_thread_current();
  if (t == NULL)
    return;
  st->parent_num = t->num;
  /* The child starts from this clock: a release (window.c). */
  mapsan_window_enter(t);
  st->follow = t->spawn_follow ? t->spawn_follow : t->follow;
  st->publish = t->spawn_follow ? t->spawn_publish : t->publish;
  mapsan_vclock_copy(&st->vc, &t->vc);
  mapsan_thread_tick(t);
}

void mapsan_thread_cancel_create(struct mapsan_thread_start *st) {
  mapsan_vclock_free(&st->vc);
}

void mapsan_thread_begin(struct mapsan_thread_start *st) {
  mapsan_lock_acquire(&registry_lock);
  struct mapsan_thread *t =
      create_locked(st->parent_num, st->create_stack, &st->vc);
  mapsan_lock_release(&registry_lock);
  mapsan_cur_thread = t;
  if (t == NULL) {
    mapsan_thread_gone = true;
  } else {
    t->detached = st->detached;
    t->follow = st->follow;
    t->publish = st->publish;
    mapsan_thread_acquire(t, &st->vc);
    arm_finish();
    mapsan_altstack_thread_start(true);
  }
  mapsan_vclock_free(&st->vc);
}

static void info_finish_locked(uint32_t num) {
  struct info_rec *ir;
  HASH_FIND(hh, infos, &num, sizeof(num), ir);
  if (ir == NULL || !ir->info.running)
    return;
  ir->info.running = false;
  mapsan_fifo_push(&finished, &ir->finished);
  if (finished.count > MAPSAN_FINISHED_INFOS) {
    struct info_rec *old =
        MAPSAN_FIFO_ENTRY(mapsan_fifo_pop(&finished), struct info_rec, finished);
    HASH_DEL(infos, old);
    mapsan_free(old);
  }
}

/* Removes t from the live set and frees it; registry lock held. Returns
 * nothing; t is gone after this. */
static void destroy_locked(struct mapsan_thread *t) {
  struct live_rec *lr = t->registry_link;
  HASH_DEL(live, lr);
  mapsan_free(lr);
  info_finish_locked(t->num);
  /* The slot's floor: the last clock at which this thread accessed a map.
   * Without an access since its last release, that release's clock (one
   * below the current) is all anyone must know, and a thread that learned
   * it (sem_wait on a detached thread's post, say) may take the slot. */
  uint64_t c = t->vc.c[t->slot];
  slot_free_locked(t->slot, t->dirty || c == 0 ? c : c - 1, c);
  atomic_store_explicit(&mapsan_threads_by_slot[t->slot], NULL,
                        memory_order_release);
  mapsan_vclock_free(&t->vc);
  if (t->held != t->held_inline)
    mapsan_free(t->held); /* create_locked points a reused one inline */
  t->log.inflight = 0;
  *(struct mapsan_thread **)t = thread_free_list;
  thread_free_list = t;
}

void mapsan_thread_finish(void) {
  struct mapsan_thread *t = mapsan_cur_thread;
  mapsan_thread_gone = true;
  mapsan_cur_thread = NULL;
  mapsan_stack_thread_exit();
  mapsan_altstack_thread_exit();
  if (t == NULL)
    return;
  /* The joiner learns this clock: a release (window.c). */
  mapsan_window_enter(t);
  mapsan_lock_acquire(&registry_lock);
  if (!t->detached) {
    struct join_rec *jr = mapsan_calloc(1, sizeof(*jr));
    MAPSAN_CHECK(jr != NULL);
    jr->self = t->self;
    mapsan_vclock_copy(&jr->vc, &t->vc);
    struct join_rec *old;
    HASH_FIND(hh, joins, &jr->self, sizeof(jr->self), old);
    if (old) { /* a pthread_t reused without a join we saw */
      HASH_DEL(joins, old);
      mapsan_vclock_free(&old->vc);
      mapsan_free(old);
    }
    HASH_ADD(hh, joins, self, sizeof(jr->self), jr);
  }
  /* No tick: the joiner learns exactly the clock of the last accesses, which
   * is what makes the slot reusable by a thread it creates next. */
  destroy_locked(t);
  mapsan_lock_release(&registry_lock);
}

void mapsan_thread_joined(pthread_t th) {
  struct mapsan_thread *t = mapsan_thread_current();
  mapsan_lock_acquire(&registry_lock);
  struct join_rec *jr;
  HASH_FIND(hh, joins, &th, sizeof(th), jr);
  if (jr)
    HASH_DEL(joins, jr);
  mapsan_lock_release(&registry_lock);
  if (jr == NULL)
    return;
  if (t)
    mapsan_thread_acquire(t, &jr->vc);
  mapsan_vclock_free(&jr->vc);
  mapsan_free(jr);
}

void mapsan_thread_detach(pthread_t th) {
  mapsan_lock_acquire(&registry_lock);
  struct join_rec *jr;
  HASH_FIND(hh, joins, &th, sizeof(th), jr);
  if (jr) {
    HASH_DEL(joins, jr);
    mapsan_vclock_free(&jr->vc);
    mapsan_free(jr);
  } else {
    struct live_rec *lr;
    HASH_FIND(hh, live, &th, sizeof(th), lr);
    if (lr)
      lr->thread->detached = true;
  }
  mapsan_lock_release(&registry_lock);
}

bool mapsan_thread_info_get(uint32_t num, struct mapsan_thread_info *out) {
  mapsan_lock_acquire(&registry_lock);
  struct info_rec *ir;
  HASH_FIND(hh, infos, &num, sizeof(num), ir);
  if (ir)
    *out = ir->info;
  mapsan_lock_release(&registry_lock);
  return ir != NULL;
}

void mapsan_thread_fork_prepare(void) { mapsan_lock_acquire(&registry_lock); }
void mapsan_thread_fork_parent(void) { mapsan_lock_release(&registry_lock); }

void mapsan_thread_after_fork_child(void) {
  mapsan_lock_reset(&registry_lock);
  struct mapsan_thread *me = mapsan_cur_thread;
  struct live_rec *lr, *tmp;
  HASH_ITER(hh, live, lr, tmp) {
    if (lr->thread != me)
      destroy_locked(lr->thread);
  }
  if (me) {
    me->tid = gettid_raw();
    struct info_rec *ir;
    HASH_FIND(hh, infos, &me->num, sizeof(me->num), ir);
    if (ir)
      ir->info.tid = me->tid;
  }
}
