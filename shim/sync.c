/*
 * sync.c: the sync-object table and the release/acquire rules. See sync.h.
 */
#include "sync.h"

#include "../reports/stack.h"

#include <stdlib.h>

#include "addr_hash.h"

#define STRIPES 256

struct sync_obj {
  uintptr_t addr;
  mapsan_vclock vc;  /* released by writers, mutex owners, posters */
  mapsan_vclock rvc; /* released by readers of an rwlock */
  uint32_t create_stack;
  bool marked; /* mapsan_sync_mark_once */
  UT_hash_handle hh;
};

static struct stripe {
  mapsan_lock lock;
  struct sync_obj *objs;
  char pad[64 - sizeof(mapsan_lock) - sizeof(void *)];
} stripes[STRIPES];

static struct stripe *stripe_of(uintptr_t addr) {
  uint64_t h = (uint64_t)addr * 0x9e3779b97f4a7c15ull;
  return &stripes[h >> 56];
}

/* Finds or creates; stripe locked. */
static struct sync_obj *get_locked(struct stripe *s, uintptr_t addr,
                                   bool create) {
  struct sync_obj *o;
  HASH_FIND(hh, s->objs, &addr, sizeof(addr), o);
  if (o || !create)
    return o;
  o = calloc(1, sizeof(*o));
  MAPSAN_CHECK(o != NULL);
  o->addr = addr;
  o->create_stack = mapsan_stack_capture();
  HASH_ADD(hh, s->objs, addr, sizeof(addr), o);
  return o;
}

static void release(struct mapsan_thread *t, uintptr_t addr, bool reader) {
  struct stripe *s = stripe_of(addr);
  mapsan_lock_acquire(&s->lock);
  struct sync_obj *o = get_locked(s, addr, true);
  mapsan_vclock_join(reader ? &o->rvc : &o->vc, &t->vc);
  mapsan_lock_release(&s->lock);
  mapsan_thread_tick(t);
}

static void acquire(struct mapsan_thread *t, uintptr_t addr, bool writer) {
  struct stripe *s = stripe_of(addr);
  mapsan_lock_acquire(&s->lock);
  struct sync_obj *o = get_locked(s, addr, true);
  mapsan_thread_acquire(t, &o->vc);
  if (writer)
    mapsan_thread_acquire(t, &o->rvc);
  mapsan_lock_release(&s->lock);
}

void mapsan_lock_acquired(uintptr_t addr, enum mapsan_lock_mode mode) {
  struct mapsan_thread *t = mapsan_thread_current();
  if (t == NULL)
    return;
  acquire(t, addr, mode == MAPSAN_LOCK_WRITE);
  mapsan_thread_lock_push(t, addr, mode);
}

void mapsan_lock_releasing(uintptr_t addr) {
  struct mapsan_thread *t = mapsan_thread_current();
  if (t == NULL)
    return;
  enum mapsan_lock_mode mode;
  /* Unlocking a lock this thread does not hold fails (EPERM) or is
   * undefined: it orders nothing. */
  if (!mapsan_thread_lock_pop(t, addr, &mode))
    return;
  release(t, addr, mode == MAPSAN_LOCK_READ);
}

void mapsan_sync_release(uintptr_t addr) {
  struct mapsan_thread *t = mapsan_thread_current();
  if (t)
    release(t, addr, false);
}

void mapsan_sync_acquire(uintptr_t addr) {
  struct mapsan_thread *t = mapsan_thread_current();
  if (t)
    acquire(t, addr, true);
}

void mapsan_sync_forget(uintptr_t addr) {
  struct stripe *s = stripe_of(addr);
  mapsan_lock_acquire(&s->lock);
  struct sync_obj *o = get_locked(s, addr, false);
  if (o) {
    HASH_DEL(s->objs, o);
    mapsan_vclock_free(&o->vc);
    mapsan_vclock_free(&o->rvc);
    free(o);
  }
  mapsan_lock_release(&s->lock);
}

bool mapsan_sync_mark_once(uintptr_t addr) {
  struct stripe *s = stripe_of(addr);
  mapsan_lock_acquire(&s->lock);
  struct sync_obj *o = get_locked(s, addr, true);
  bool first = !o->marked;
  o->marked = true;
  mapsan_lock_release(&s->lock);
  return first;
}

uint32_t mapsan_sync_create_stack(uintptr_t addr) {
  struct stripe *s = stripe_of(addr);
  mapsan_lock_acquire(&s->lock);
  struct sync_obj *o = get_locked(s, addr, false);
  uint32_t id = o ? o->create_stack : 0;
  mapsan_lock_release(&s->lock);
  return id;
}

void mapsan_sync_fork_prepare(void) {
  for (int i = 0; i < STRIPES; i++)
    mapsan_lock_acquire(&stripes[i].lock);
}

void mapsan_sync_fork_parent(void) {
  for (int i = STRIPES; i-- > 0;)
    mapsan_lock_release(&stripes[i].lock);
}

void mapsan_sync_fork_child(void) {
  for (int i = 0; i < STRIPES; i++)
    mapsan_lock_reset(&stripes[i].lock);
}
