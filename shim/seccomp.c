/*
 * seccomp.c: a seccomp filter being installed. A filter may kill the
 * process for process_vm_readv, which mapsan uses to copy memory that may
 * be unmapped (base/memread.c): told before the real call, so that no copy
 * made after it uses that call. The filter's other form,
 * syscall(SYS_seccomp, ...), is seen by the syscall wrapper
 * (unwind_validate.c).
 */
#include "../base/interpose.h"
#include "../base/memread.h"

#include <stdarg.h>
#include <sys/prctl.h>

MAPSAN_EXPORT int prctl(int option, ...) {
  va_list ap;
  va_start(ap, option);
  unsigned long a2 = va_arg(ap, unsigned long);
  unsigned long a3 = va_arg(ap, unsigned long);
  unsigned long a4 = va_arg(ap, unsigned long);
  unsigned long a5 = va_arg(ap, unsigned long);
  va_end(ap);
  if (option == PR_SET_SECCOMP)
    mapsan_mem_seccomp_coming();
  return REAL(prctl)(option, a2, a3, a4, a5);
}
