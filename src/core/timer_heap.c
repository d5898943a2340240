/* timer_heap.c — binary min-heap of timer entries; see timer_heap.h. */
#include "timer_heap.h"

#include <assert.h>

#include "mem.h"

void timer_heap_init(struct timer_heap *h)
{
    h->items = NULL;
    h->count = h->cap = 0;
}

void timer_heap_free(struct synack_stack *st, struct timer_heap *h)
{
    mem_free(st, h->items, (size_t)h->cap * sizeof *h->items);
    timer_heap_init(h);
}

bool timer_heap_reserve(struct synack_stack *st, struct timer_heap *h, uint32_t n)
{
    if (n <= h->cap)
        return true;
    uint32_t ncap = h->cap ? h->cap : 64;
    while (ncap < n)
        ncap *= 2;
    struct timer_entry **items =
        mem_realloc(st, h->items, (size_t)h->cap * sizeof *items, (size_t)ncap * sizeof *items);
    if (!items)
        return false;
    h->items = items;
    h->cap = ncap;
    return true;
}

static void place(struct timer_heap *h, uint32_t i, struct timer_entry *e)
{
    h->items[i] = e;
    e->index = i;
}

static void sift_up(struct timer_heap *h, uint32_t i)
{
    struct timer_entry *e = h->items[i];
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (h->items[parent]->deadline <= e->deadline)
            break;
        place(h, i, h->items[parent]);
        i = parent;
    }
    place(h, i, e);
}

static void sift_down(struct timer_heap *h, uint32_t i)
{
    struct timer_entry *e = h->items[i];
    for (;;) {
        uint32_t child = 2 * i + 1;
        if (child >= h->count)
            break;
        if (child + 1 < h->count && h->items[child + 1]->deadline < h->items[child]->deadline)
            child++;
        if (h->items[child]->deadline >= e->deadline)
            break;
        place(h, i, h->items[child]);
        i = child;
    }
    place(h, i, e);
}

void timer_heap_remove(struct timer_heap *h, struct timer_entry *e)
{
    uint32_t i = e->index;
    if (i == TIMER_NOT_QUEUED)
        return;
    e->index = TIMER_NOT_QUEUED;
    h->count--;
    if (i == h->count)
        return;
    struct timer_entry *moved = h->items[h->count];
    place(h, i, moved);
    sift_up(h, i);
    sift_down(h, moved->index);
}

void timer_heap_set(struct timer_heap *h, struct timer_entry *e, uint64_t deadline)
{
    if (deadline == UINT64_MAX) {
        timer_heap_remove(h, e);
        e->deadline = deadline;
        return;
    }
    if (e->index == TIMER_NOT_QUEUED) {
        /* Room was reserved by the entry's owner; a broken invariant
         * asserts in debug builds and leaves e unqueued in release ones. */
        assert(h->count < h->cap);
        if (h->count == h->cap)
            return;
        e->deadline = deadline;
        place(h, h->count++, e);
        sift_up(h, e->index);
        return;
    }
    uint64_t old = e->deadline;
    e->deadline = deadline;
    if (deadline < old)
        sift_up(h, e->index);
    else if (deadline > old)
        sift_down(h, e->index);
}
