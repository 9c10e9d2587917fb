/*
 * fifo.h: an intrusive first-in, first-out list, for the engine's bounded
 * histories (destroyed maps, iterators, finished threads, quarantined
 * bucket arrays): the oldest entry is evicted when one too many is pushed.
 *
 * A record embeds a struct mapsan_fifo_link and is found again from it
 * with MAPSAN_FIFO_ENTRY; the list is doubly linked, so a record leaves
 * from anywhere in O(1) (a map destroyed twice, an iterator restarted).
 * No allocation and no lock: the owner of the list locks it. An unlinked
 * record has both links NULL.
 */
#ifndef MAPSAN_FIFO_H
#define MAPSAN_FIFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mapsan_fifo_link {
  struct mapsan_fifo_link *prev, *next; /* towards the head, the tail */
};

struct mapsan_fifo {
  struct mapsan_fifo_link *head, *tail; /* oldest, newest; NULL if empty */
  uint32_t count;
};

/* The record of type whose field member is link. */
#define MAPSAN_FIFO_ENTRY(link, type, member)                                 \
  ((type *)(void *)((char *)(link) - offsetof(type, member)))

/* True when l is in q (l's links are NULL whenever it is not in a list). */
static inline bool mapsan_fifo_linked(const struct mapsan_fifo *q,
                                      const struct mapsan_fifo_link *l) {
  return l->prev != NULL || q->head == l;
}

/* Appends l (not in any list) as the newest entry. */
static inline void mapsan_fifo_push(struct mapsan_fifo *q,
                                    struct mapsan_fifo_link *l) {
  l->next = NULL;
  l->prev = q->tail;
  if (q->tail)
    q->tail->next = l;
  else
    q->head = l;
  q->tail = l;
  q->count++;
}

/* Unlinks l, which is in q. */
static inline void mapsan_fifo_remove(struct mapsan_fifo *q,
                                      struct mapsan_fifo_link *l) {
  if (l->prev)
    l->prev->next = l->next;
  else
    q->head = l->next;
  if (l->next)
    l->next->prev = l->prev;
  else
    q->tail = l->prev;
  l->prev = l->next = NULL;
  q->count--;
}

/* Unlinks and returns the oldest entry; NULL if q is empty. */
static inline struct mapsan_fifo_link *mapsan_fifo_pop(struct mapsan_fifo *q) {
  struct mapsan_fifo_link *l = q->head;
  if (l)
    mapsan_fifo_remove(q, l);
  return l;
}

#endif
