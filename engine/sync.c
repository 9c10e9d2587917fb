/*
 * sync.c: the sync-object table and the release/acquire rules. See sync.h.
 *
 * Cost. After map operations, lock/unlock pairs are what mapsan sees most,
 * and in canary mode (sample_rate) they are nearly all it sees. Three things
 * keep a pair cheap:
 *
 *  - Until the first tracked map access nothing happens but the held-lock
 *    list (mapsan_clocks_live, thread.h explains why that is exact).
 *
 *  - Each thread keeps its last few objects in a small direct-mapped cache
 *    (address -> object, 32 entries), so it finds its object without the
 *    stripe lock. GLib's `actions` takes many locks in turn: 8 entries
 *    missed often enough that finding the object in the stripe's table was
 *    116 M instructions of its 8.8 G in full mode; 32 cut the run 1.3%.
 *    Objects are never freed, only recycled through a free list, and their
 *    generation is bumped when they are forgotten: a cached pointer is
 *    always safe to read and is the object for its address while the
 *    generation matches.
 *
 *  - Each of an object's two clocks carries a tag, (thread number, clock
 *    version), meaning "this clock equals that thread's clock at that
 *    version", or EMPTY (all zero), or NONE (nothing known). A thread
 *    releasing into a clock tagged with its current version has nothing to
 *    add; a thread acquiring a clock tagged with one of its own versions,
 *    or EMPTY, knows it already. Both are decided from the tag without the
 *    stripe lock. That is sound for the acquire because tags are written
 *    under the stripe lock and before the program's own release (wrappers
 *    call mapsan before releasing, interpose.h): a releaser whose release
 *    this acquire depends on has already replaced the tag with its own.
 *    With the owed tick (mapsan_thread_released), a thread that locks and
 *    unlocks a mutex over and over, with no tracked access and no other
 *    thread's release between, does neither join nor any shared write.
 *
 * Re-taking a lock. A release ticks the thread's clock (at once, or owed
 * until its next access): what it does next must not be covered by what
 * it released. In lock-bound code that tick is the whole cost: one owner
 * locking, touching a map and unlocking, round after round, starts a new
 * epoch every round, and every map access at a new epoch is checked,
 * recorded and given a stack. But the tick only matters to whoever can
 * acquire what was released before the owner's next access. So the first
 * release of an exclusive lock (an unlock in WRITE mode) after accesses at
 * the current clock owes the tick and remembers the lock and the tag it
 * left (thread.h, waive_addr); when the same thread takes the same lock
 * again, the tick is waived if
 *   - it released nothing else since (any other release, or a second one,
 *     pays the tick: mapsan_thread_released_lock),
 *   - the lock's clock still carries that tag (nobody released into it),
 *   - no other thread acquired it since (`taken`, set by any acquire that
 *     is not decided by the acquirer's own tag: a reader, an annotated
 *     edge on the lock's address, an owner that died holding it),
 *   - and its read clock holds nothing new (no reader released into it).
 * Then nobody has learned the clock the owner's next accesses will carry
 * except through this lock, which it now holds: whoever acquires the lock
 * next does so after the owner's next release, which covers them. The
 * thread's accesses stay at one epoch across its sections, the map fast
 * paths apply, and the release that ends the section is decided from the
 * tag alone (release_retaken). A rwlock's read side is the same with the
 * read clock: a read unlock releases into it, only writers (and edges on
 * the lock's address) acquire it and mark `rtaken`, other readers never
 * learn it; the re-taking reader still makes its read acquire of the
 * write clock as usual (retake_read). Full mode only, and not for threads with
 * implicit edges (`follow`, `publish`). Not covered: an annotated acquire
 * on the lock's address made concurrently with the owner's re-take (the
 * mark may come just after the owner read it); locks are acquired by lock
 * calls, which cannot overlap the owner's hold. The lockset hint counts a
 * map's writes per section still (maps.c, mapsan_map_vote_again).
 * Measured (callgrind, bench/overhead owner-1, 1,000,000 rounds): 988 M ->
 * 499 M instructions, against 170 M natively; reader-1 (read-lock, a
 * lookup, unlock): 1,080 -> 634 instructions a round, 170 natively.
 *
 * Measured (callgrind, bench/overhead mt): a lock/unlock pair that takes
 * the stripe lock and joins twice costs about 440 instructions besides
 * glibc's; before the first tracked access it costs 76 (the inline
 * paths in sync.h), and a pair that the tags decide takes no lock.
 *
 * A program that destroys a mutex while another
 * thread uses it (undefined behaviour) can make a cached lookup see the
 * recycled object; the generation is read before and after the tag, so at
 * worst one edge is missed or added, never a crash.
 */
#include "sync.h"
#include "window.h"
#include "../base/alloc.h"

#include "../stacks/stack.h"

#include <errno.h>
#include <stdlib.h>


#define STRIPES 256

/* Tags: thread number in the top 24 bits, clock version in the low 40. */
#define TAG_NONE UINT64_C(0)
#define TAG_EMPTY UINT64_C(1) /* number 0 is no thread */
#define TAG_VER_BITS 40

struct sync_obj {
  uintptr_t addr;
  _Atomic uint64_t gen; /* bumped when forgotten (recycled) */
  mapsan_vclock vc;     /* released by writers, mutex owners, posters */
  mapsan_vclock rvc;    /* released by readers of an rwlock */
  _Atomic uint64_t tag, rtag;
  /* Acquired by a thread other than the one `tag` names since the tag was
   * written: a re-taking lock owner may not waive its tick ("re-taking a
   * lock", above). */
  _Atomic bool taken;
  _Atomic bool rtaken; /* the same for `rtag`: a writer took the read clock */
  uint32_t create_stack;
  bool marked; /* mapsan_sync_mark_once */
  uint8_t kind; /* enum mapsan_lock_kind, from the first acquire that said */
  struct sync_obj *free_next;
};

/* A stripe's objects by address: open addressing with linear probing,
 * slots of (address, object), at most half full, a removal shifting the
 * run after it back (no tombstones); an empty slot has no object (an
 * address may be 0). It was uthash, whose chains link the records
 * themselves and run 6 long on average at 100,000 objects (uthash lets a
 * table fill before it grows): finding a lock not in the thread's cache
 * walked 6 cold records, 40% of full mode's time on bench/run's
 * 100,000-table row (perf). A probe now reads one or two lines of slots. */
struct slot {
  uintptr_t addr;
  struct sync_obj *obj;
};

static struct stripe {
  _Alignas(64) mapsan_lock lock; /* one cache line a stripe */
  uint32_t mask;                 /* slots - 1, when slots is not NULL */
  uint32_t count;
  struct slot *slots;
  struct sync_obj *free;
} stripes[STRIPES] MAPSAN_BIG;

/* Fork and the stripes. The atfork prepare handler takes every engine
 * lock (preload/init.c), and taking the 256 stripe locks makes their 16 KiB
 * resident: a canary that never tracked a map would pay that in every
 * process that forks (GLib's tests fork their subprocesses). So the
 * stripes count as used from the first time one is locked, which is
 * decided under use_lock, and the fork handlers take them only then (the
 * flag cannot change while fork holds use_lock). */
static _Atomic bool stripes_used;
static mapsan_lock use_lock = MAPSAN_LOCK_INIT;

static uint64_t addr_mix(uintptr_t addr) {
  return (uint64_t)addr * 0x9e3779b97f4a7c15ull;
}

static struct stripe *stripe_of(uintptr_t addr) {
  return &stripes[addr_mix(addr) >> 56];
}

/* The home slot: other bits of the mix than the stripe's. */
static uint32_t slot_home(uintptr_t addr) {
  return (uint32_t)(addr_mix(addr) >> 24);
}

/* Which addresses may have an object (base/presence.h). */
MAPSAN_HIDDEN struct mapsan_presence mapsan_sync_presence MAPSAN_BIG;

/* Stripe locked. */
static struct sync_obj *slot_find(const struct stripe *s, uintptr_t addr) {
  if (s->slots == NULL)
    return NULL;
  for (uint32_t i = slot_home(addr) & s->mask;; i = (i + 1) & s->mask) {
    struct sync_obj *o = s->slots[i].obj;
    if (o == NULL)
      return NULL;
    if (s->slots[i].addr == addr)
      return o;
  }
}

static void slot_put(struct slot *slots, uint32_t mask, uintptr_t addr,
                     struct sync_obj *o) {
  uint32_t i = slot_home(addr) & mask;
  while (slots[i].obj != NULL)
    i = (i + 1) & mask;
  slots[i].addr = addr;
  slots[i].obj = o;
}

/* Stripe locked; addr not in the table. */
static void slot_add(struct stripe *s, uintptr_t addr, struct sync_obj *o) {
  uint32_t size = s->slots ? s->mask + 1 : 0;
  if ((s->count + 1) * 2 > size) {
    uint32_t nsize = size ? size * 2 : 16;
    struct slot *n = mapsan_calloc(nsize, sizeof(*n));
    MAPSAN_CHECK(n != NULL);
    for (uint32_t i = 0; i < size; i++)
      if (s->slots[i].obj != NULL)
        slot_put(n, nsize - 1, s->slots[i].addr, s->slots[i].obj);
    mapsan_free(s->slots);
    s->slots = n;
    s->mask = nsize - 1;
  }
  slot_put(s->slots, s->mask, addr, o);
  s->count++;
  mapsan_presence_count(&mapsan_sync_presence, addr, 1);
}

/* Stripe locked; addr in the table. */
static void slot_remove(struct stripe *s, uintptr_t addr) {
  uint32_t mask = s->mask, i = slot_home(addr) & mask;
  while (s->slots[i].addr != addr || s->slots[i].obj == NULL)
    i = (i + 1) & mask;
  /* Each later entry of the run moves back into the hole unless its home
   * lies cyclically in (hole, its slot]. */
  for (uint32_t j = (i + 1) & mask; s->slots[j].obj != NULL;
       j = (j + 1) & mask) {
    uint32_t k = slot_home(s->slots[j].addr) & mask;
    bool stays = i < j ? (k > i && k <= j) : (k > i || k <= j);
    if (!stays) {
      s->slots[i] = s->slots[j];
      i = j;
    }
  }
  s->slots[i].obj = NULL;
  s->slots[i].addr = 0;
  s->count--;
  mapsan_presence_count(&mapsan_sync_presence, addr, -1);
}

static _Atomic size_t live_objs;

size_t mapsan_sync_live(void) {
  return atomic_load_explicit(&live_objs, memory_order_relaxed);
}

static MAPSAN_COLD void stripes_first_use(void) {
  mapsan_lock_acquire(&use_lock);
  atomic_store_explicit(&stripes_used, true, memory_order_relaxed);
  mapsan_lock_release(&use_lock);
}

static struct stripe *stripe_lock(uintptr_t addr) {
  if (MAPSAN_UNLIKELY(
          !atomic_load_explicit(&stripes_used, memory_order_relaxed)))
    stripes_first_use();
  struct stripe *s = stripe_of(addr);
  mapsan_lock_acquire(&s->lock);
  return s;
}

static uint64_t tag_of(const struct mapsan_thread *t) {
  if (t->num >= (1u << (64 - TAG_VER_BITS)) ||
      t->vc_ver >= (UINT64_C(1) << TAG_VER_BITS))
    return TAG_NONE;
  return (uint64_t)t->num << TAG_VER_BITS | t->vc_ver;
}

/* The clock tagged `tag` is known to t already. */
static bool tag_known(uint64_t tag, const struct mapsan_thread *t) {
  if (tag == TAG_EMPTY)
    return true;
  return tag != TAG_NONE && tag >> TAG_VER_BITS == t->num &&
         (tag & ((UINT64_C(1) << TAG_VER_BITS) - 1)) <= t->vc_ver;
}

/* The same, or the tag is `known`, the one t saw on the clock when it last
 * joined it (acquire_only). */
static bool tag_seen(uint64_t tag, uint64_t known,
                     const struct mapsan_thread *t) {
  return (tag == known && tag != TAG_NONE) || tag_known(tag, t);
}

/* The clock tagged `tag` is t's own at a version since which t's clock has
 * changed only in t's own entry (ticks): it differs from t's clock in that
 * entry alone, so a release sets that entry instead of walking the clock.
 * This is what keeps the single-owner case (one thread taking the same
 * lock again and again, its clock ticking between) from costing a walk of
 * every thread's entry a round. */
static bool own_since_tag(uint64_t tag, const struct mapsan_thread *t) {
  return tag != TAG_NONE && tag != TAG_EMPTY &&
         tag >> TAG_VER_BITS == t->num &&
         (tag & ((UINT64_C(1) << TAG_VER_BITS) - 1)) >= t->joined_ver;
}

/* A lock's first-seen stack, made inside its acquisition (lock_acquired):
 * from the wrapper's call site through the call-site cache when the site
 * is the program's. */
static uint32_t lock_site_stack(void) {
  struct mapsan_thread *t = mapsan_cur_thread;
  if (t != NULL && t->lock_pc != 0 && !mapsan_is_runtime_pc(t->lock_pc))
    return mapsan_stack_capture_from(t->lock_pc, t->lock_cfa);
  return mapsan_stack_capture();
}

/* Finds or creates; stripe locked. `kind`: what an acquiring wrapper
 * says the object is (UNKNOWN from other paths), kept if not known yet. */
static struct sync_obj *get_locked(struct stripe *s, uintptr_t addr,
                                   bool create, enum mapsan_lock_kind kind) {
  struct sync_obj *o = slot_find(s, addr);
  if (o && o->kind == MAPSAN_LOCK_KIND_UNKNOWN &&
      kind != MAPSAN_LOCK_KIND_UNKNOWN) {
    __atomic_store_n(&o->kind, (uint8_t)kind, __ATOMIC_RELAXED);
    o->create_stack = lock_site_stack(); /* first seen as a lock */
  }
  if (o || !create)
    return o;
  o = s->free;
  if (o) {
    s->free = o->free_next;
  } else {
    o = mapsan_calloc(1, sizeof(*o));
    MAPSAN_CHECK(o != NULL);
  }
  o->addr = addr;
  atomic_fetch_add_explicit(&live_objs, 1, memory_order_relaxed);
  atomic_store_explicit(&o->tag, TAG_EMPTY, memory_order_relaxed);
  atomic_store_explicit(&o->rtag, TAG_EMPTY, memory_order_relaxed);
  o->marked = false;
  __atomic_store_n(&o->kind, (uint8_t)kind, __ATOMIC_RELAXED);
  /* The first-seen stack is shown for locks only (a report's lock labels),
   * so only a lock's sighting pays for it: objects made by plain edges
   * (every shared GObject's unref, every GSource) were a twelfth of full
   * mode's instructions in GLib's `actions` test. */
  o->create_stack = kind != MAPSAN_LOCK_KIND_UNKNOWN ? lock_site_stack() : 0;
  slot_add(s, addr, o);
  return o;
}

static struct mapsan_sync_cache_entry *cache_entry(struct mapsan_thread *t,
                                                   uintptr_t addr) {
  return &t->sync_cache[addr_mix(addr) >> (64 - MAPSAN_SYNC_CACHE_BITS)];
}

/* The object at addr from t's cache entry e for it, or NULL; *gen is its
 * generation. */
static struct sync_obj *cached_in(const struct mapsan_sync_cache_entry *e,
                                  uintptr_t addr, uint64_t *gen) {
  if (e->addr != addr || e->obj == NULL) /* an unused entry has addr 0 */
    return NULL;
  struct sync_obj *o = e->obj;
  if (atomic_load_explicit(&o->gen, memory_order_acquire) != e->gen)
    return NULL;
  *gen = e->gen;
  return o;
}

static struct sync_obj *cached(struct mapsan_thread *t, uintptr_t addr,
                               uint64_t *gen) {
  return cached_in(cache_entry(t, addr), addr, gen);
}

/* The object at addr, found or created, with its stripe locked; cached
 * for t. `hint` is t's cached object for addr at generation `gen`, or
 * NULL: still that generation under the stripe lock, it is still the
 * object for addr (forgetting bumps it under that lock), and the table
 * lookup is skipped. */
static struct sync_obj *lock_obj(struct mapsan_thread *t, uintptr_t addr,
                                 struct sync_obj *hint, uint64_t gen,
                                 struct stripe **sp,
                                 enum mapsan_lock_kind kind) {
  struct stripe *s = stripe_lock(addr);
  *sp = s;
  if (hint &&
      atomic_load_explicit(&hint->gen, memory_order_relaxed) == gen) {
    if (hint->kind == MAPSAN_LOCK_KIND_UNKNOWN &&
        kind != MAPSAN_LOCK_KIND_UNKNOWN) {
      __atomic_store_n(&hint->kind, (uint8_t)kind, __ATOMIC_RELAXED);
      hint->create_stack = lock_site_stack(); /* first seen as a lock */
    }
    return hint;
  }
  struct sync_obj *o = get_locked(s, addr, true, kind);
  struct mapsan_sync_cache_entry *e = cache_entry(t, addr);
  e->addr = addr;
  e->obj = o;
  e->gen = atomic_load_explicit(&o->gen, memory_order_relaxed);
  e->known = e->known_r = TAG_NONE;
  return o;
}

static bool gen_same(struct sync_obj *o, uint64_t gen) {
  return atomic_load_explicit(&o->gen, memory_order_acquire) == gen;
}

/* What a release left: the tag of the clock it joined into, its object and
 * the object's generation. */
struct left {
  uint64_t tag;
  struct sync_obj *o;
  uint64_t gen;
};

/* Joins t's clock into the object's (or its read clock) without a tick.
 * False when the clocks are not live yet; else *left says what it left. */
static bool join_into(struct mapsan_thread *t, uintptr_t addr, bool reader,
                      struct left *left) {
  if (!atomic_load_explicit(&mapsan_clocks_live, memory_order_acquire))
    return false;
  mapsan_window_sync(t);
  uint64_t mine = tag_of(t), gen = 0;
  struct sync_obj *o = cached(t, addr, &gen);
  if (o && mine != TAG_NONE &&
      atomic_load_explicit(reader ? &o->rtag : &o->tag,
                           memory_order_acquire) == mine &&
      gen_same(o, gen)) {
    *left = (struct left){mine, o, gen};
    return true;
  }
  struct stripe *s;
  o = lock_obj(t, addr, o, gen, &s, MAPSAN_LOCK_KIND_UNKNOWN);
  _Atomic uint64_t *tag = reader ? &o->rtag : &o->tag;
  mapsan_vclock *vc = reader ? &o->rvc : &o->vc;
  uint64_t was = atomic_load_explicit(tag, memory_order_relaxed), now;
  if (own_since_tag(was, t) && mine != TAG_NONE && t->slot < vc->n) {
    vc->c[t->slot] = t->vc.c[t->slot];
    now = mine;
  } else {
    now = mapsan_vclock_join_le(vc, &t->vc) ? mine : TAG_NONE;
  }
  atomic_store_explicit(tag, now, memory_order_release);
  /* A new tag, which nobody has taken yet: cleared after the tag is
   * stored, and read before it by a re-taking thread (retake), which a
   * concurrent reader's release can otherwise show an old tag and a
   * cleared mark. */
  if (now != was)
    atomic_store_explicit(reader ? &o->rtaken : &o->taken, false,
                          memory_order_release);
  *left = (struct left){now, o, atomic_load_explicit(&o->gen,
                                                     memory_order_relaxed)};
  mapsan_lock_release(&s->lock);
  return true;
}

/* t acquired the clock tagged `tag` whose mark is *taken: a tag that is
 * not t's own names a clock t took from another ("re-taking a lock"). */
static void mark_taken(_Atomic bool *taken, uint64_t tag,
                       const struct mapsan_thread *t) {
  if (tag >> TAG_VER_BITS != t->num &&
      !atomic_load_explicit(taken, memory_order_relaxed))
    atomic_store_explicit(taken, true, memory_order_relaxed);
}

/* `how` (sync.h: MAPSAN_LOCK_HOW): a writer's acquire also takes the read
 * clock; the kind is for the object, if this acquire makes it. */
static void acquire_only(struct mapsan_thread *t, uintptr_t addr,
                         unsigned how) {
  bool writer = (how & 1) == MAPSAN_LOCK_WRITE;
  if (!atomic_load_explicit(&mapsan_clocks_live, memory_order_acquire))
    return;
  mapsan_window_sync(t);
  uint64_t gen = 0;
  struct mapsan_sync_cache_entry *e = cache_entry(t, addr);
  struct sync_obj *o = cached_in(e, addr, &gen);
  /* A lock whose object a plain edge or a release made first has no kind
   * or first-seen stack yet: its first acquisition as a lock takes the
   * stripe lock to record them (lock_obj), even when the tags would skip.
   * A clock whose tag is the one this thread saw when it last joined it
   * has not changed since (every change writes the tag, and a tag names
   * one clock value): a reader of a rwlock that others write paid a join
   * of the whole clock at every read lock (bench/run's owner table,
   * reader-256: 2,164 instructions a round, 634 with one other thread). */
  /* Either way, an acquire of a clock another thread's tag names marks it
   * taken ("re-taking a lock"): also one decided by `known`, since a tag
   * can come back (the owner's release writes its own tag again after a
   * join that taught it nothing), and the mark went with the tag that
   * replaced it. */
  uint64_t tag, rtag = 0;
  if (o && (how >> 1 == MAPSAN_LOCK_KIND_UNKNOWN ||
            __atomic_load_n(&o->kind, __ATOMIC_RELAXED) !=
                MAPSAN_LOCK_KIND_UNKNOWN) &&
      tag_seen(tag = atomic_load_explicit(&o->tag, memory_order_acquire),
               e->known, t) &&
      (!writer ||
       tag_seen(rtag = atomic_load_explicit(&o->rtag, memory_order_acquire),
                e->known_r, t)) &&
      gen_same(o, gen)) {
    mark_taken(&o->taken, tag, t);
    if (writer)
      mark_taken(&o->rtaken, rtag, t);
    return;
  }
  struct stripe *s;
  o = lock_obj(t, addr, o, gen, &s, (enum mapsan_lock_kind)(how >> 1));
  tag = atomic_load_explicit(&o->tag, memory_order_relaxed);
  mark_taken(&o->taken, tag, t);
  mapsan_thread_acquire(t, &o->vc);
  e->known = tag; /* the entry is o's: lock_obj */
  if (writer) {
    rtag = atomic_load_explicit(&o->rtag, memory_order_relaxed);
    mark_taken(&o->rtaken, rtag, t);
    mapsan_thread_acquire(t, &o->rvc);
    e->known_r = rtag;
  }
  mapsan_lock_release(&s->lock);
}

void mapsan_sync_publish(struct mapsan_thread *t) {
  struct left left;
  if (t->publish != 0)
    join_into(t, t->publish, false, &left);
}

/* A follow that taught something (typically: a new task was pushed) ticks,
 * so that what the thread does from now on is not covered by what it
 * published before (a publish does not tick: see sync.h). The tick keeps
 * `dirty` (an access may be about to be made at the new clock). The
 * publish follows, so that what the follow taught is published too. */
void mapsan_sync_follow(struct mapsan_thread *t) {
  if (t->follow == 0)
    return;
  uint64_t ver = t->vc_ver;
  acquire_only(t, t->follow, MAPSAN_LOCK_WRITE);
  if (t->vc_ver != ver) {
    bool dirty = t->dirty;
    mapsan_thread_tick(t);
    t->dirty = dirty;
  }
  mapsan_sync_publish(t);
}

/* `lock`: an unlock (of a lock held in WRITE mode, or in READ mode:
 * `reader`), whose owed tick may be waived ("re-taking a lock"). */
static void release(struct mapsan_thread *t, uintptr_t addr, bool reader,
                    bool lock) {
  if (t->follow != 0 && addr != t->follow)
    mapsan_sync_follow(t);
  struct left left;
  if (!join_into(t, addr, reader, &left))
    return;
  if (lock && mapsan_window_always && left.tag != TAG_NONE &&
      t->follow == 0 && t->publish == 0)
    mapsan_thread_released_lock(t, addr, left.tag, left.o, left.gen, reader);
  else
    mapsan_thread_released(t);
}

/* The owed tick is waived: t holds the lock it last released again (with
 * waive_addr still set: thread.h). */
static bool waive(struct mapsan_thread *t) {
  t->tick_due = false;
  t->sections++;
  return true;
}

/* Re-taking a lock in WRITE mode: t holds the exclusive lock it last
 * released again. Its owed tick is waived when nobody has acquired the
 * lock since (no `taken` mark), its tag is still the one t left, and its
 * read clock is known to t. The acquisition is then the one acquire_only
 * would decide from the tags (t's own), and is done here in full. */
static bool retake(struct mapsan_thread *t, unsigned how) {
  struct sync_obj *o = t->waive_obj;
  if (atomic_load_explicit(&o->taken, memory_order_acquire) ||
      atomic_load_explicit(&o->tag, memory_order_acquire) != t->waive_tag ||
      !tag_known(atomic_load_explicit(&o->rtag, memory_order_acquire), t) ||
      (how >> 1 != MAPSAN_LOCK_KIND_UNKNOWN &&
       __atomic_load_n(&o->kind, __ATOMIC_RELAXED) ==
           MAPSAN_LOCK_KIND_UNKNOWN) ||
      !gen_same(o, t->waive_gen))
    return false;
  return waive(t);
}

/* A reader re-taking a read lock (READ mode, after a READ-mode release):
 * the same with the read clock, its tag and `rtaken` (only writers and
 * edges acquire the read clock); the read acquire itself is made as
 * usual (a writer may have released into the lock meanwhile). */
static bool retake_read(struct mapsan_thread *t) {
  struct sync_obj *o = t->waive_obj;
  if (atomic_load_explicit(&o->rtaken, memory_order_acquire) ||
      atomic_load_explicit(&o->rtag, memory_order_acquire) != t->waive_tag ||
      !gen_same(o, t->waive_gen))
    return false;
  return waive(t);
}

/* Releasing the re-taken lock with no tick since: when the object's clock
 * still carries t's current tag it holds t's clock already, and there is
 * nothing to join. */
static bool release_retaken(struct mapsan_thread *t, uintptr_t addr,
                            bool read) {
  struct sync_obj *o = t->waive_obj;
  uint64_t mine = tag_of(t);
  if (mine == TAG_NONE ||
      atomic_load_explicit(read ? &o->rtag : &o->tag, memory_order_acquire) !=
          mine ||
      !gen_same(o, t->waive_gen))
    return false;
  mapsan_thread_released_lock(t, addr, mine, o, t->waive_gen, read);
  return true;
}

static void acquire(struct mapsan_thread *t, uintptr_t addr, unsigned how) {
  acquire_only(t, addr, how);
  if (addr != t->publish)
    mapsan_sync_publish(t);
}

static inline void lock_acquired(uintptr_t addr, unsigned how, uintptr_t pc,
                                 uintptr_t cfa) {
  struct mapsan_thread *t = mapsan_thread_current();
  if (t == NULL)
    return;
  mapsan_thread_held_sync(
      t, atomic_load_explicit(&mapsan_window_gen, memory_order_acquire));
  t->lock_pc = pc; /* left set: only an acquisition reads it */
  t->lock_cfa = cfa;
  bool read = (how & 1) == MAPSAN_LOCK_READ;
  if (t->waive_addr != addr || addr == 0 || !t->tick_due ||
      t->waive_read != read) {
    acquire(t, addr, how);
  } else if (read) {
    acquire(t, addr, how);
    retake_read(t);
  } else if (!retake(t, how)) {
    acquire(t, addr, how);
  }
  mapsan_thread_lock_push(t, addr, (enum mapsan_lock_mode)(how & 1));
}

static inline void lock_releasing(uintptr_t addr) {
  struct mapsan_thread *t = mapsan_thread_current();
  if (t == NULL)
    return;
  mapsan_thread_held_sync(
      t, atomic_load_explicit(&mapsan_window_gen, memory_order_acquire));
  enum mapsan_lock_mode mode;
  /* Unlocking a lock this thread does not hold fails (EPERM) or is
   * undefined: it orders nothing. */
  if (!mapsan_thread_lock_pop(t, addr, &mode))
    return;
  bool read = mode == MAPSAN_LOCK_READ;
  if (addr == t->waive_addr && addr != 0 && !t->tick_due &&
      read == t->waive_read && release_retaken(t, addr, read))
    return;
  release(t, addr, read, true);
}

MAPSAN_NOINLINE void mapsan_lock_acquired_live(uintptr_t addr, unsigned how,
                                               uintptr_t pc, uintptr_t cfa) {
  if (!mapsan_hooks_on())
    return;
  mapsan_enter();
  lock_acquired(addr, how, pc, cfa);
  mapsan_leave();
}

MAPSAN_NOINLINE void mapsan_lock_releasing_live(uintptr_t addr) {
  if (!mapsan_hooks_on())
    return;
  mapsan_enter();
  lock_releasing(addr);
  mapsan_leave();
}

void mapsan_cond_wait_cancelled(void *mutex) {
  int saved = errno;
  mapsan_lock_acquired((uintptr_t)mutex, MAPSAN_LOCK_WRITE,
                       MAPSAN_LOCK_KIND_UNKNOWN);
  errno = saved;
}

/* Plain edges may be recorded in a signal handler (sem_post, a write to
 * a pipe: async-signal-safe): see edge_entry (thread.h, window.c). */
void mapsan_sync_release_live(uintptr_t addr) {
  mapsan_enter(); /* the thread's clock is ticked: see base.h, "signals" */
  struct mapsan_thread *t = mapsan_thread_current();
  if (t) {
    bool outer = t->edge_entry;
    t->edge_entry = true;
    release(t, addr, false, false);
    t->edge_entry = outer;
  }
  mapsan_leave();
}

void mapsan_sync_acquire_live(uintptr_t addr) {
  mapsan_enter();
  struct mapsan_thread *t = mapsan_thread_current();
  if (t) {
    bool outer = t->edge_entry;
    t->edge_entry = true;
    acquire(t, addr, MAPSAN_LOCK_WRITE);
    t->edge_entry = outer;
  }
  mapsan_leave();
}

void mapsan_sync_spawn_scope(uintptr_t follow, uintptr_t publish) {
  struct mapsan_thread *t = mapsan_thread_current();
  if (t) {
    t->spawn_follow = follow;
    t->spawn_publish = publish;
  }
}

void mapsan_sync_joined(pthread_t th) {
  mapsan_thread_joined(th);
  struct mapsan_thread *t = mapsan_thread_current();
  if (t)
    mapsan_sync_publish(t);
}

/* Stripe lock held: o leaves the table for its stripe's free list. */
static void drop_locked(struct stripe *s, struct sync_obj *o) {
  slot_remove(s, o->addr);
  atomic_fetch_sub_explicit(&live_objs, 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&o->gen, 1, memory_order_seq_cst);
  mapsan_vclock_free(&o->vc);
  mapsan_vclock_free(&o->rvc);
  o->free_next = s->free;
  s->free = o;
}

void mapsan_sync_forget_slow(uintptr_t addr) {
  struct stripe *s = stripe_lock(addr);
  struct sync_obj *o = get_locked(s, addr, false, MAPSAN_LOCK_KIND_UNKNOWN);
  if (o)
    drop_locked(s, o);
  mapsan_lock_release(&s->lock);
}

/* GLib's `actions` in full mode made, joined and dropped an object for
 * each of its 430,000 tables' last unrefs (a release, the acquire, the
 * forget: 330 M instructions); only the other threads' releases need the
 * acquire. */
void mapsan_sync_acquire_forget(uintptr_t addr) {
  if (!atomic_load_explicit(&stripes_used, memory_order_relaxed))
    return;
  mapsan_enter();
  struct mapsan_thread *t = mapsan_thread_current();
  bool live = t != NULL &&
              atomic_load_explicit(&mapsan_clocks_live, memory_order_acquire);
  if (live)
    mapsan_window_sync(t);
  struct stripe *s = stripe_lock(addr);
  struct sync_obj *o = get_locked(s, addr, false, MAPSAN_LOCK_KIND_UNKNOWN);
  if (o) {
    if (live) {
      mapsan_thread_acquire(t, &o->vc);
      mapsan_thread_acquire(t, &o->rvc);
    }
    drop_locked(s, o);
  }
  mapsan_lock_release(&s->lock);
  if (live && addr != t->publish)
    mapsan_sync_publish(t);
  mapsan_leave();
}

bool mapsan_sync_mark_once(uintptr_t addr) {
  struct stripe *s = stripe_lock(addr);
  struct sync_obj *o = get_locked(s, addr, true, MAPSAN_LOCK_KIND_UNKNOWN);
  bool first = !o->marked;
  o->marked = true;
  mapsan_lock_release(&s->lock);
  return first;
}

uint32_t mapsan_sync_create_stack(uintptr_t addr) {
  if (!atomic_load_explicit(&stripes_used, memory_order_relaxed))
    return 0;
  struct stripe *s = stripe_lock(addr);
  struct sync_obj *o = get_locked(s, addr, false, MAPSAN_LOCK_KIND_UNKNOWN);
  uint32_t id = o ? o->create_stack : 0;
  mapsan_lock_release(&s->lock);
  return id;
}

enum mapsan_lock_kind mapsan_sync_lock_kind(uintptr_t addr) {
  if (!atomic_load_explicit(&stripes_used, memory_order_relaxed))
    return MAPSAN_LOCK_KIND_UNKNOWN;
  struct stripe *s = stripe_lock(addr);
  struct sync_obj *o = get_locked(s, addr, false, MAPSAN_LOCK_KIND_UNKNOWN);
  enum mapsan_lock_kind k =
      o ? (enum mapsan_lock_kind)o->kind : MAPSAN_LOCK_KIND_UNKNOWN;
  mapsan_lock_release(&s->lock);
  return k;
}

void mapsan_sync_fork_prepare(void) {
  mapsan_lock_acquire(&use_lock);
  if (atomic_load_explicit(&stripes_used, memory_order_relaxed))
    for (int i = 0; i < STRIPES; i++)
      mapsan_lock_acquire(&stripes[i].lock);
}

void mapsan_sync_fork_parent(void) {
  if (atomic_load_explicit(&stripes_used, memory_order_relaxed))
    for (int i = STRIPES; i-- > 0;)
      mapsan_lock_release(&stripes[i].lock);
  mapsan_lock_release(&use_lock);
}

void mapsan_sync_fork_child(void) {
  if (atomic_load_explicit(&stripes_used, memory_order_relaxed))
    for (int i = 0; i < STRIPES; i++)
      mapsan_lock_reset(&stripes[i].lock);
  mapsan_lock_reset(&use_lock);
}
