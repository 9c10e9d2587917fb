/*
 * host-daemon-fds: a daemon-style program closes every descriptor from 3
 * up, then opens many files (so it owns the numbers a tool might park its
 * own at, 512 and above), and races on a map twice, once before and once
 * after; the two reports must leave the program's descriptors as they
 * were: each still open, still its file, with only what the program wrote
 * in it. It prints what it sees of its descriptors.
 *
 * host-reports: write-write-race
 */
#include "host-race.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The descriptors open now, as /proc/self/fd lists them (the directory's
 * own descriptor left out). */
static void list_fds(const char *when) {
  DIR *d = opendir("/proc/self/fd");
  int self = dirfd(d), n = 0, hi = -1;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    int fd = atoi(e->d_name);
    if (fd == self)
      continue;
    n++;
    if (fd > hi)
      hi = fd;
  }
  closedir(d);
  printf("%s: %d open, highest %d\n", when, n, hi);
}

int main(void) {
  host_race_a(); /* a report, and whatever mapsan opens for it */
  for (int fd = 3; fd < 1024; fd++)
    close(fd);
  list_fds("after closing");
  char dir[] = "/tmp/host-daemon-fds-XXXXXX";
  if (mkdtemp(dir) == NULL)
    return 2;
  int fds[600];
  for (int i = 0; i < 600; i++) {
    char path[64];
    snprintf(path, sizeof(path), "%s/f%d", dir, i);
    fds[i] = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    dprintf(fds[i], "file %d\n", i);
  }
  printf("first %d last %d\n", fds[0], fds[599]);
  host_race_b(); /* another report, with the program's files open */
  list_fds("after the reports");
  int same = 0;
  for (int i = 0; i < 600; i++) {
    char want[32], got[64] = {0};
    snprintf(want, sizeof(want), "file %d\n", i);
    if (pread(fds[i], got, sizeof(got) - 1, 0) == (ssize_t)strlen(want) &&
        strcmp(got, want) == 0)
      same++;
    close(fds[i]);
    char path[64];
    snprintf(path, sizeof(path), "%s/f%d", dir, i);
    unlink(path);
  }
  rmdir(dir);
  printf("%d of 600 files intact\n", same);
  return 0;
}
