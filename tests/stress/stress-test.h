/*
 * stress-test.h: helpers for the stress programs, on top of the runtime
 * tests' own (runtime-test.h: sleeps, relaxed flags that order nothing in
 * mapsan's eyes, RT_CHECK).
 *
 *   st_rss_kib       the process's resident set (VmRSS), for memory bounds;
 *   st_heap_kib      heap bytes in use (mallinfo2: every arena, plus
 *                    mmapped chunks), which, unlike RSS, does not count
 *                    free space that glibc's per-thread arenas keep
 *                    fragmented: the measure for "nothing kept per X";
 *   st_rand          xorshift64*, always from a fixed seed;
 *   st_watchdog      ends the process with status 4 and one line naming the
 *                    phase if it is still running after N seconds: a
 *                    deadlock fails fast and says where, instead of waiting
 *                    for check.py's timeout;
 *   st_json_prefix   the json_path that the launcher passed to the runtime
 *                    (tests that plant files where reports will go).
 *
 * Like runtime-test.h, nothing here is a synchronization that mapsan sees.
 */
#ifndef STRESS_TEST_H
#define STRESS_TEST_H

#include "../runtime/runtime-test.h"

#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Resident set size in KiB from /proc/self/status; -1 if unreadable. Uses
 * open/read, not stdio: it allocates nothing, so it does not disturb the
 * heap it may be measuring next to. */
static inline long st_rss_kib(void) {
  char buf[8192];
  int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  const char *p = strstr(buf, "\nVmRSS:");
  return p ? strtol(p + strlen("\nVmRSS:"), NULL, 10) : -1;
}

/* Heap in use, in KiB: allocated chunks of every arena plus mmapped ones. */
static inline long st_heap_kib(void) {
  struct mallinfo2 mi = mallinfo2();
  return (long)((mi.uordblks + mi.hblkhd) / 1024);
}

static inline uint64_t st_rand(uint64_t *s) { /* xorshift64* */
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 0x2545f4914f6cdd1dull;
}

/* ---- watchdog ------------------------------------------------------------ */

static const char *volatile st_phase = "start";

static inline void st_watchdog_fired(int sig) {
  (void)sig;
  const char *p = st_phase;
  char msg[256] = "stress: watchdog: still running (deadlock?) in phase: ";
  size_t n = strlen(msg), pl = strlen(p);
  if (pl > sizeof(msg) - n - 2)
    pl = sizeof(msg) - n - 2;
  memcpy(msg + n, p, pl);
  msg[n + pl] = '\n';
  ssize_t w = write(2, msg, n + pl + 1);
  (void)w;
  /* Not exit() or _exit(): both may be what is stuck. */
  syscall(SYS_exit_group, 4);
}

/* After `seconds`, prints the current phase (st_phase) and ends the process
 * with status 4. SIGALRM is process-directed: any thread may take it. */
static inline void st_watchdog(unsigned seconds) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = st_watchdog_fired;
  sigaction(SIGALRM, &sa, NULL);
  alarm(seconds);
}

/* ---- reports' destination ---------------------------------------------- */

/* Copies the json_path value from MAPSAN_OPTIONS into buf; false if unset.
 * (The launcher's --json puts it there; the last occurrence wins, as in the
 * runtime's parser.) Unquoted values only: the launcher writes none. */
static inline bool st_json_prefix(char *buf, size_t cap) {
  const char *o = getenv("MAPSAN_OPTIONS");
  bool found = false;
  for (const char *p = o; p && (p = strstr(p, "json_path=")) != NULL; p++) {
    if (p != o && !strchr(": \t\n\r", p[-1]))
      continue;
    const char *v = p + strlen("json_path="), *e = v;
    while (*e && !strchr(": \t\n\r", *e))
      e++;
    if ((size_t)(e - v) + 1 > cap)
      return false;
    memcpy(buf, v, (size_t)(e - v));
    buf[e - v] = '\0';
    found = true;
  }
  return found;
}

#endif
