/*
 * seccomp-test.h: the sandbox of a hardened service, for the tests that
 * must run in one: a seccomp filter that kills the process with SIGSYS on
 * process_vm_readv (systemd's SystemCallFilter=@system-service leaves it
 * out, as a debugging call, and kills unless SystemCallErrorNumber= is
 * set) and allows every other call.
 */
#ifndef SECCOMP_TEST_H
#define SECCOMP_TEST_H

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* via_syscall: installed as libseccomp does, syscall(SYS_seccomp, ...);
 * else with prctl(PR_SET_SECCOMP, ...). */
static inline void sandbox_without_debug_calls(int via_syscall) {
  struct sock_filter f[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_process_vm_readv, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {(unsigned short)(sizeof(f) / sizeof(f[0])), f};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      (via_syscall ? syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)
                   : prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) != 0) {
    perror("seccomp");
    exit(2);
  }
}

#endif
