/*
 * unwind_validate.c: libunwind validates addresses without a descriptor.
 *
 * Before libunwind reads a word through a frame it cannot trust (a frame
 * without unwind information, a signal frame), it checks that the word is
 * readable: mincore says the page is mapped, then it writes one byte from
 * the address into a pipe it keeps open (the kernel copies from the
 * address, or fails with EFAULT), reading the pipe empty first and
 * re-opening it if the read fails. That pipe would be a descriptor the
 * program can close, reuse or count against its limit, and libunwind
 * closes whatever holds its numbers when a read fails (reports/fds.c).
 *
 * So the pipe libunwind asks for (pipe2 called from libunwind's own text)
 * is not made: both ends are FAKE_FD, a negative number no descriptor ever
 * has. libunwind's drain read and its closes fail with EBADF and touch
 * nothing; its write, syscall(SYS_write, FAKE_FD, addr, 1), is answered
 * here with a readability probe (base/memread.h: rt_sigprocmask, which no
 * sandbox refuses, reading the word), which fails with EFAULT exactly
 * where the pipe write would. Every other
 * syscall passes straight through; every other pipe2 is recorded as a
 * channel (shim/sync_fd.c) once made.
 */
#include "../base/interpose.h"
#include "../base/memread.h"
#include "../stacks/unwind.h"
#include "sync_fd.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#define FAKE_FD (-2)
#define STR_(x) #x
#define STR(x) STR_(x)

MAPSAN_EXPORT int pipe2(int fds[2], int flags) {
  if (MAPSAN_UNLIKELY(
          mapsan_unwind_owns_pc((uintptr_t)__builtin_return_address(0)))) {
    fds[0] = fds[1] = FAKE_FD;
    return 0;
  }
  int r = REAL(pipe2)(fds, flags);
  if (r == 0)
    mapsan_fd_pipe_made(fds);
  return r;
}

/* 1 if the byte at addr is readable, else -1 with errno EFAULT (as the pipe
 * write). */
static long validate(const void *addr) {
  if (mapsan_mem_readable(addr))
    return 1;
  errno = EFAULT;
  return -1;
}

/* syscall(2) is variadic, and GLib calls it for every futex wait and wake,
 * so its wrapper must cost a compare and a jump, which C cannot write: a
 * variadic C function must copy its arguments out of the va_list and make
 * a call (30 instructions a syscall, a third of mapsan's cost in GLib's
 * `cancellable` test with no map drawn). The exported entry is written in
 * assembly: anything but SYS_write and SYS_seccomp (seccomp.c) goes to the
 * real function, all argument registers and the stack untouched; those
 * two, and every call while the real function is not resolved yet, go to
 * syscall_slow, which takes the
 * seven arguments where the caller put them (six registers, the seventh on
 * the stack above the return address) and sees the caller's return
 * address as its own. */
long mapsan_syscall_slow(long number, long a0, long a1, long a2, long a3,
                         long a4, long a5);
MAPSAN_HIDDEN mapsan_fnptr mapsan_syscall_real;

long mapsan_syscall_slow(long number, long a0, long a1, long a2, long a3,
                         long a4, long a5) {
  /* The descriptor was passed as an int: only its low 32 bits are set, as
   * the kernel reads them. */
  if (MAPSAN_UNLIKELY(number == SYS_write && (int)a0 == FAKE_FD) &&
      mapsan_unwind_owns_pc((uintptr_t)__builtin_return_address(0)))
    return validate((const void *)a1);
  if (number == SYS_seccomp) /* a filter may kill for process_vm_readv */
    mapsan_mem_seccomp_coming();
  __typeof__(&syscall) real = REAL(syscall);
  __atomic_store_n(&mapsan_syscall_real, (mapsan_fnptr)real, __ATOMIC_RELEASE);
  return real(number, a0, a1, a2, a3, a4, a5);
}

__asm__(".text\n"
        ".globl syscall\n"
        ".type syscall, @function\n"
        ".p2align 4\n"
        "syscall:\n"
        "  .cfi_startproc\n"
        "  endbr64\n"
        "  cmpq $" STR(SYS_write) ", %rdi\n"
        "  je mapsan_syscall_slow\n"
        "  cmpq $" STR(SYS_seccomp) ", %rdi\n"
        "  je mapsan_syscall_slow\n"
        "  movq mapsan_syscall_real(%rip), %rax\n"
        "  testq %rax, %rax\n"
        "  je mapsan_syscall_slow\n"
        "  jmp *%rax\n"
        "  .cfi_endproc\n"
        ".size syscall, .-syscall\n");
