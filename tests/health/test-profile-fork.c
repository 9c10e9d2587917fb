/*
 * test-profile-fork.c: a forked child writes its own map-profile records at
 * its exit: the map it inherited, counted on from the parent's numbers at
 * the fork (10 inserts), with its own 5 more; the parent's records, at its
 * exit, count only what the parent did (11). Two processes, two sets.
 *
 * mapsan-options: map_profile=1
 * mapsan-expect: none
 * mapsan-profile: NEW size=15 inserts=15
 * mapsan-profile: NEW size=11 inserts=11
 * mapsan-profile-site: NEW CHILD 5
 * mapsan-profile-site: NEW PARENT2 1
 * mapsan-profile-site: NEW PARENT 10
 * mapsan-profile-pids: 2
 */
#include <hmap.h>

#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  hmap *m = hmap_new(&hmap_u64_u64, 0); /* mapsan-mark: NEW */
  uint64_t k = 0;
  for (; k < 10; k++)
    *(uint64_t *)hmap_assign(m, &k) = k; /* mapsan-mark: PARENT */
  pid_t pid = fork();
  if (pid == 0) {
    for (uint64_t j = 100; j < 105; j++)
      *(uint64_t *)hmap_assign(m, &j) = j; /* mapsan-mark: CHILD */
    exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  k = 10;
  *(uint64_t *)hmap_assign(m, &k) = k; /* mapsan-mark: PARENT2 */
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
