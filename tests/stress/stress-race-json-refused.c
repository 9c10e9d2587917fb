/*
 * stress-race-json-refused.c MODE: the JSON report file cannot be written,
 * in one of several ways chosen by MODE, planted just before the first
 * report at the exact path the runtime will use (json_path.<pid>.jsonl;
 * the file is opened at the first report):
 *   eisdir   a directory is there (an unwritable path that even root,
 *            which these tests run as, cannot write: chmod would not stop
 *            it);
 *   symlink  a symlink to another file is there: it must not be followed
 *            (O_NOFOLLOW), the other file must stay empty;
 *   fifo     a FIFO with no reader is there: opening it must not block the
 *            program;
 *   efbig    the file size limit (RLIMIT_FSIZE, SIGXFSZ ignored) is 0: the
 *            first write fails with EFBIG, as on a full disk (ENOSPC
 *            cannot be had without mounting a small file system; /dev/full
 *            cannot be reached because a symlink is refused);
 *   partial  the limit is 700 bytes, less than one report: the write is cut
 *            short after 700 bytes, as on a disk that fills up mid-report.
 * Then two races with different signatures, one after the other. Proves:
 * exactly one warning line on stderr; both text reports still on stderr;
 * the program keeps running after the failure; exit status 66; and no
 * half-written JSON line anywhere (stress-check.py reads every file the
 * run left, through the symlink too).
 *
 * mapsan-expect: none
 * mapsan-exit: 66
 * mapsan-stderr: (?m)^mapsan: warning: .*json_path.*$
 * mapsan-stderr: (?m)\A(?![\s\S]*^mapsan: warning:[\s\S]*^mapsan: warning:)
 * mapsan-stderr: SUMMARY: mapsan: write-write-race stress-race-json-refused.c:\d+[\s\S]*SUMMARY: mapsan: write-write-race stress-race-json-refused.c:\d+
 * stress-max-seconds: 20
 */
#include "stress-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>

static char path[4200], target[4300];
static bool planted_fifo;
static hmap *m1, *m2;
static atomic_int first_done;

/* Like st_watchdog, but a FIFO is removed first: check.py reads every
 * *.jsonl file and would block on it. */
static void stuck(int sig) {
  (void)sig;
  if (planted_fifo)
    unlink(path);
  static const char msg[] = "stress: watchdog: still running after 15 s "
                            "(blocked on the report file?)\n";
  ssize_t w = write(2, msg, sizeof(msg) - 1);
  (void)w;
  syscall(SYS_exit_group, 4);
}

static void *race1_a(void *arg) {
  (void)arg;
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m1, &k) = 1; /* mapsan-mark: A */
  rt_flag_set(&first_done, 1);
  return NULL;
}

static void *race1_b(void *arg) {
  (void)arg;
  RT_CHECK(rt_flag_wait(&first_done, 1, 5000)); /* orders nothing */
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(m1, &k) = 2; /* mapsan-mark: B */
  return NULL;
}

static void *race2_c(void *arg) {
  (void)arg;
  uint64_t k = 3;
  hmap_delete(m2, &k); /* mapsan-mark: C */
  rt_flag_set(&first_done, 2);
  return NULL;
}

static void *race2_d(void *arg) {
  (void)arg;
  RT_CHECK(rt_flag_wait(&first_done, 2, 5000));
  uint64_t k = 4;
  hmap_delete(m2, &k); /* mapsan-mark: D */
  return NULL;
}

static void race(void *(*a)(void *), void *(*b)(void *)) {
  pthread_t ta, tb;
  RT_CHECK(pthread_create(&ta, NULL, a, NULL) == 0);
  RT_CHECK(pthread_create(&tb, NULL, b, NULL) == 0);
  RT_CHECK(pthread_join(ta, NULL) == 0);
  RT_CHECK(pthread_join(tb, NULL) == 0);
}

static void limit_file_size(rlim_t bytes) {
  signal(SIGXFSZ, SIG_IGN); /* a write past the limit fails with EFBIG */
  struct rlimit rl = {bytes, bytes};
  RT_CHECK(setrlimit(RLIMIT_FSIZE, &rl) == 0);
}

int main(int argc, char **argv) {
  RT_CHECK(argc == 2);
  const char *mode = argv[1];
  signal(SIGALRM, stuck);
  alarm(15);
  char prefix[4096];
  RT_CHECK(st_json_prefix(prefix, sizeof(prefix)));
  snprintf(path, sizeof(path), "%s.%d.jsonl", prefix, (int)getpid());
  snprintf(target, sizeof(target), "%s.symlink-target", prefix);
  m1 = hmap_new(&hmap_u64_u64, 0);
  m2 = hmap_new(&hmap_u64_u64, 0);

  if (!strcmp(mode, "eisdir")) {
    RT_CHECK(mkdir(path, 0755) == 0);
  } else if (!strcmp(mode, "symlink")) {
    int fd = open(target, O_WRONLY | O_CREAT | O_EXCL, 0644);
    RT_CHECK(fd >= 0);
    close(fd);
    RT_CHECK(symlink(target, path) == 0);
  } else if (!strcmp(mode, "fifo")) {
    RT_CHECK(mkfifo(path, 0644) == 0);
    planted_fifo = true;
  } else if (!strcmp(mode, "efbig")) {
    limit_file_size(0);
  } else if (!strcmp(mode, "partial")) {
    limit_file_size(700);
  } else {
    RT_CHECK(!"MODE is eisdir, symlink, fifo, efbig or partial");
  }

  race(race1_a, race1_b);
  /* Still running after the failed write; a second, different report. */
  race(race2_c, race2_d);

  struct stat st;
  if (!strcmp(mode, "eisdir")) {
    RT_CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
    RT_CHECK(rmdir(path) == 0); /* empty: nothing was created in it */
  }
  if (!strcmp(mode, "symlink")) {
    RT_CHECK(lstat(path, &st) == 0 && S_ISLNK(st.st_mode));
    if (stat(target, &st) != 0 || st.st_size != 0) {
      fprintf(stderr, "the report was written through the symlink\n");
      return 3;
    }
  }
  if (planted_fifo) {
    planted_fifo = false;
    unlink(path);
  }
  hmap_free(m1);
  hmap_free(m2);
  return 0;
}
