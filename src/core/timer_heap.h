/*
 * timer_heap.h — the stack's schedule: a binary min-heap of timer entries
 * keyed by deadline.
 *
 * Each connection owns one entry (struct timer_entry embedded in it) keyed
 * by the earliest of its per-purpose deadlines; the connection re-keys it
 * whenever one of them changes.  O(log n) for every operation.
 *
 * Setting a timer never allocates, so it cannot fail: room is reserved
 * when an owner of an entry is created (a connection, in tcp_conn_new;
 * the reassembly table's entry, with the stack), and creating the owner
 * fails instead.  Invariant: cap >= entries that may be queued at once.
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

struct synack_stack;

void timer_heap_init(struct timer_heap *h);
void timer_heap_free(struct synack_stack *st, struct timer_heap *h);
/* Makes room for n entries; false when out of memory. */
bool timer_heap_reserve(struct synack_stack *st, struct timer_heap *h, uint32_t n);
static inline void timer_entry_init(struct timer_entry *e) { e->index = TIMER_NOT_QUEUED; }
/* Inserts, moves or (deadline == UINT64_MAX) removes e.  An insert needs
 * room reserved beforehand (see above). */
void timer_heap_set(struct timer_heap *h, struct timer_entry *e, uint64_t deadline);
void timer_heap_remove(struct timer_heap *h, struct timer_entry *e);
/* The earliest entry, or NULL. */
static inline struct timer_entry *timer_heap_top(const struct timer_heap *h)
{
    return h->count ? h->items[0] : NULL;
}

#endif
