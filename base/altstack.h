/*
 * altstack.h: alternate signal stacks for stack-overflow crash reports.
 * See altstack.c.
 */
#ifndef MAPSAN_ALTSTACK_H
#define MAPSAN_ALTSTACK_H

#include <stdbool.h>

/* In a thread mapsan registers (and for the main thread at start-up): gives
 * it an alternate signal stack, with crash_report >= 1, unless it has one.
 * `fresh`: a thread that cannot have one yet (started by mapsan's
 * pthread_create, before the program's start routine), not asked.
 * Idempotent. */
void mapsan_altstack_thread_start(bool fresh);

/* When the thread finishes: disables and frees mapsan's alternate stack,
 * unless the program replaced it or a handler is running on it. */
void mapsan_altstack_thread_exit(void);

#endif
