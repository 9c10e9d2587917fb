/*
 * host-rlimit-nofile: under a soft descriptor limit of 16, a program that
 * raced on a map (a report, written to a JSON file) opens files until the
 * limit refuses one, then races again with every number in use. It prints
 * how many it could open and which numbers it got: mapsan's files must not
 * take any of them, and the second report must still be written.
 *
 * host-ulimit-nofile: 16
 * host-reports: write-write-race
 */
#include "host-race.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
  host_race_a();
  int n = 0, fds[64];
  while (n < 64 && (fds[n] = open("/dev/null", O_RDONLY)) >= 0)
    n++;
  printf("opened %d:", n);
  for (int i = 0; i < n; i++)
    printf(" %d", fds[i]);
  printf("\n");
  fflush(stdout);
  host_race_b();
  for (int i = 0; i < n; i++)
    close(fds[i]);
  return 0;
}
