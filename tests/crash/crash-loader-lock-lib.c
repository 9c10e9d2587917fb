/*
 * crash-loader-lock-lib.c: a library whose constructor runs inside the
 * dlopen that loads it, holding the dynamic loader's lock, and waits there
 * for the test program (loader_lock_wait, exported by the program with
 * -rdynamic). See test-crash-loader-lock-dlopen.c.
 */
__attribute__((weak)) void loader_lock_wait(void); /* the program's */

__attribute__((constructor)) static void hold_loader_lock(void) {
  if (loader_lock_wait)
    loader_lock_wait();
}
