/*
 * timer_heap.h — the stack's schedule: a binary min-heap of timer entries
 * keyed by deadline.
 *
 * Each connection owns one entry (struct timer_entry embedded in it) keyed
 * by the earliest of its per-purpose deadlines; the connection re-keys it
 * whenever one of them changes.  O(log n) for every operation, no
 * allocation except when the heap array grows.
 */
#ifndef SYNACK_CORE_TIMER_HEAP_H
#define SYNACK_CORE_TIMER_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct timer_entry {
    uint64_t deadline;
    uint32_t index;      /* position in the heap, TIMER_NOT_QUEUED when absent */
};
#define TIMER_NOT_QUEUED UINT32_MAX

struct timer_heap {
    struct timer_entry **items;
    uint32_t count, cap;
};

void timer_heap_init(struct timer_heap *h);
void timer_heap_free(struct timer_heap *h);
static inline void timer_entry_init(struct timer_entry *e) { e->index = TIMER_NOT_QUEUED; }
/* Inserts, moves or (deadline == UINT64_MAX) removes e.  False only when
 * the heap could not grow (e is then not queued). */
bool timer_heap_set(struct timer_heap *h, struct timer_entry *e, uint64_t deadline);
void timer_heap_remove(struct timer_heap *h, struct timer_entry *e);
/* The earliest entry, or NULL. */
static inline struct timer_entry *timer_heap_top(const struct timer_heap *h)
{
    return h->count ? h->items[0] : NULL;
}

#endif
