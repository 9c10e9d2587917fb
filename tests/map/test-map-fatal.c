/*
 * test-map-fatal: Go's cheap checks abort with Go's exact messages.
 *
 * Run with one scenario name; the scenario runs in a child process whose
 * stderr is captured. The parent requires death by SIGABRT and the line
 * "fatal error: <message>" on stderr, or, for the "clean" twin, a normal
 * exit with nothing fatal printed.
 *
 *   nil-write     hmap_assign(NULL, ...)   assignment to entry in nil map
 *   writes        write during a write     concurrent map writes
 *   read-write    lookup during a write    concurrent map read and map write
 *   len-write     len during a write       concurrent map read and map write
 *   iter-write    iter step during a write concurrent map iteration and map write
 *   clean         the same operations ordered by a mutex: no error
 *
 * The overlap is made deterministic: the writing thread's key comparison
 * (called while its writing flag is set) announces itself and then blocks
 * forever; the main thread then makes the conflicting call.
 */
#include "map-test.h"

#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static sem_t inside;
static _Thread_local bool block_in_equal;

static uint64_t blocking_hash(const void *k, uint64_t seed) {
  return hmap_hash_bytes(k, sizeof(uint64_t), seed);
}

static bool blocking_equal(const void *a, const void *b) {
  if (block_in_equal) {
    sem_post(&inside);
    for (;;)
      pause();
  }
  return memcmp(a, b, sizeof(uint64_t)) == 0;
}

static const hmap_type blocking_type = {sizeof(uint64_t), sizeof(uint64_t),
                                        blocking_hash, blocking_equal};

static hmap *m;

static void *writer(void *arg) {
  (void)arg;
  uint64_t k = 1; /* present: its comparison runs under the writing flag */
  block_in_equal = true;
  hmap_assign(m, &k);
  return NULL;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *locked_writer(void *arg) {
  (void)arg;
  for (uint64_t i = 0; i < 20000; i++) {
    pthread_mutex_lock(&lock);
    uint64_t k = i % 500;
    *(uint64_t *)hmap_assign(m, &k) = i;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

static void scenario(const char *name) {
  uint64_t one = 1, two = 2;
  if (strcmp(name, "nil-write") == 0) {
    hmap_assign(NULL, &one);
    return;
  }
  m = hmap_new(&blocking_type, 0);
  *(uint64_t *)hmap_assign(m, &one) = 1;
  *(uint64_t *)hmap_assign(m, &two) = 2;
  if (strcmp(name, "clean") == 0) {
    pthread_t t;
    CHECK(pthread_create(&t, NULL, locked_writer, NULL) == 0);
    for (int i = 0; i < 20000; i++) {
      pthread_mutex_lock(&lock);
      CHECK(hmap_lookup(m, &one) != NULL && hmap_len(m) >= 2);
      hmap_iter it;
      hmap_iter_init(&it, m);
      CHECK(hmap_iter_next(&it));
      hmap_iter_stop(&it);
      pthread_mutex_unlock(&lock);
    }
    CHECK(pthread_join(t, NULL) == 0);
    hmap_free(m);
    return;
  }
  hmap_iter it;
  hmap_iter_init(&it, m);
  CHECK(sem_init(&inside, 0, 0) == 0);
  pthread_t t;
  CHECK(pthread_create(&t, NULL, writer, NULL) == 0);
  while (sem_wait(&inside) != 0)
    ;
  uint64_t three = 3;
  if (strcmp(name, "writes") == 0)
    hmap_assign(m, &three);
  else if (strcmp(name, "read-write") == 0)
    hmap_lookup(m, &two);
  else if (strcmp(name, "len-write") == 0)
    hmap_len(m);
  else if (strcmp(name, "iter-write") == 0)
    hmap_iter_next(&it);
  else
    fprintf(stderr, "unknown scenario %s\n", name);
  _exit(3); /* not reached when the check works */
}

static const char *expected(const char *name) {
  static const char *const table[][2] = {
      {"nil-write", "assignment to entry in nil map"},
      {"writes", "concurrent map writes"},
      {"read-write", "concurrent map read and map write"},
      {"len-write", "concurrent map read and map write"},
      {"iter-write", "concurrent map iteration and map write"},
      {"clean", NULL},
  };
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strcmp(table[i][0], name) == 0)
      return table[i][1] != NULL ? table[i][1] : "";
  fprintf(stderr, "unknown scenario %s\n", name);
  exit(2);
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  const char *want = expected(argv[1]);
  int fds[2];
  CHECK(pipe(fds) == 0);
  fflush(NULL);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    dup2(fds[1], STDERR_FILENO);
    scenario(argv[1]);
    exit(0);
  }
  close(fds[1]);
  static char out[65536];
  size_t n = 0;
  ssize_t r;
  while (n < sizeof out - 1 && (r = read(fds[0], out + n, sizeof out - 1 - n)) > 0)
    n += (size_t)r;
  out[n] = '\0';
  int status;
  CHECK(waitpid(pid, &status, 0) == pid);
  fprintf(stderr, "--- child stderr ---\n%s--- end ---\n", out);
  if (want[0] == '\0') {
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(strstr(out, "fatal error") == NULL);
  } else {
    char line[128];
    snprintf(line, sizeof line, "fatal error: %s\n", want);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    CHECK(strncmp(out, line, strlen(line)) == 0);
  }
  printf("ok\n");
  return 0;
}
