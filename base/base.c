/*
 * base.c: the internal futex lock, write-all, and the check-failure path.
 * See base.h for why mapsan has a lock of its own.
 */
#include "base.h"

#include <errno.h>
#include <link.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

MAPSAN_TLS int mapsan_reentry;
MAPSAN_TLS int mapsan_signal_depth;
_Atomic bool mapsan_active;

static void futex_wait(_Atomic uint32_t *addr, uint32_t val) {
  syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake_one(_Atomic uint32_t *addr) {
  syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

void mapsan_lock_slow(mapsan_lock *l) {
  /* Spin briefly: critical sections are a few hundred instructions. */
  for (int i = 0; i < 100; i++) {
    uint32_t free_state = 0;
    if (atomic_load_explicit(&l->state, memory_order_relaxed) == 0 &&
        atomic_compare_exchange_weak_explicit(&l->state, &free_state, 1,
                                              memory_order_acquire,
                                              memory_order_relaxed))
      return;
    __builtin_ia32_pause();
  }
  while (atomic_exchange_explicit(&l->state, 2, memory_order_acquire) != 0)
    futex_wait(&l->state, 2);
}

void mapsan_unlock_wake(mapsan_lock *l) { futex_wake_one(&l->state); }

bool mapsan_write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    buf += n;
    len -= (size_t)n;
  }
  return true;
}

void mapsan_check_failed(const char *file, int line, const char *cond) {
  char buf[512];
  char num[16];
  int n = 0;
  int v = line;
  do {
    num[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v > 0 && n < (int)sizeof(num));
  size_t len = 0;
  const char *parts[] = {"mapsan: CHECK failed: ", file, ":"};
  for (size_t i = 0; i < MAPSAN_ARRAY_SIZE(parts); i++) {
    size_t pl = strlen(parts[i]);
    if (len + pl >= sizeof(buf) - 40)
      pl = sizeof(buf) - 40 - len;
    memcpy(buf + len, parts[i], pl);
    len += pl;
  }
  while (n > 0)
    buf[len++] = num[--n];
  buf[len++] = ':';
  buf[len++] = ' ';
  size_t cl = strlen(cond);
  if (cl > sizeof(buf) - len - 2)
    cl = sizeof(buf) - len - 2;
  memcpy(buf + len, cond, cl);
  len += cl;
  buf[len++] = '\n';
  mapsan_write_all(2, buf, len);
  abort();
}

/* ---- fork leaves (base.h) ------------------------------------------------ */

#define MAX_LEAVES 16
static mapsan_lock *leaves[MAX_LEAVES];
static int nleaves;

void mapsan_fork_register_leaf(mapsan_lock *l) {
  MAPSAN_CHECK(nleaves < MAX_LEAVES);
  leaves[nleaves++] = l;
}

void mapsan_fork_leaves_prepare(void) {
  for (int i = 0; i < nleaves; i++)
    mapsan_lock_acquire(leaves[i]);
}

void mapsan_fork_leaves_parent(void) {
  for (int i = nleaves; i-- > 0;)
    mapsan_lock_release(leaves[i]);
}

void mapsan_fork_leaves_child(void) {
  for (int i = 0; i < nleaves; i++)
    mapsan_lock_reset(leaves[i]);
}

/* ---- the runtime's own code (base.h) ---------------------------------- */

static uintptr_t self_lo, self_hi;

bool mapsan_is_runtime_pc(uintptr_t pc) {
  return pc >= self_lo && pc < self_hi;
}

static int find_self(struct dl_phdr_info *info, size_t size, void *data) {
  uintptr_t probe = (uintptr_t)data;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
      continue;
    uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
    uintptr_t hi = lo + ph->p_memsz;
    if (probe >= lo && probe < hi) {
      self_lo = lo;
      self_hi = hi;
      return 1;
    }
  }
  return 0;
}

void mapsan_runtime_text_init(void) {
  if (self_hi != 0)
    return;
  dl_iterate_phdr(find_self, (void *)(uintptr_t)&mapsan_runtime_text_init);
}
