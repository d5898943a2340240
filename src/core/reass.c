/* reass.c — out-of-order range bookkeeping; see reass.h. */
#include "reass.h"

#include <string.h>

#include "seq.h"

void reass_init(struct reass *q)
{
    memset(q, 0, sizeof *q);
}

static void remove_at(struct reass *q, unsigned i)
{
    memmove(&q->r[i], &q->r[i + 1], (q->count - i - 1) * sizeof q->r[0]);
    q->count--;
}

bool reass_can_add(const struct reass *q, uint32_t start, uint32_t end)
{
    if (q->count < REASS_MAX_RANGES || !seq_lt(start, end))
        return true;
    /* Full: only a range that touches one held already can be merged. */
    for (unsigned i = 0; i < q->count; i++)
        if (seq_geq(q->r[i].end, start) && seq_geq(end, q->r[i].start))
            return true;
    return false;
}

bool reass_add(struct reass *q, uint32_t start, uint32_t end)
{
    if (!seq_lt(start, end))
        return true;
    /* Find the first range that ends at or after start: it may merge. */
    unsigned i = 0;
    while (i < q->count && seq_lt(q->r[i].end, start))
        i++;
    if (i == q->count || seq_lt(end, q->r[i].start)) {
        /* Touches nothing: insert a new range before i. */
        if (q->count == REASS_MAX_RANGES)
            return false;
        memmove(&q->r[i + 1], &q->r[i], (q->count - i) * sizeof q->r[0]);
        q->r[i].start = start;
        q->r[i].end = end;
        q->r[i].stamp = ++q->clock;
        q->count++;
        return true;
    }
    /* Merge into range i, then swallow any ranges the new end reaches. */
    q->r[i].start = seq_min(q->r[i].start, start);
    q->r[i].end = seq_max(q->r[i].end, end);
    q->r[i].stamp = ++q->clock;
    while (i + 1 < q->count && seq_geq(q->r[i].end, q->r[i + 1].start)) {
        q->r[i].end = seq_max(q->r[i].end, q->r[i + 1].end);
        remove_at(q, i + 1);
    }
    return true;
}

uint32_t reass_advance(struct reass *q, uint32_t rcv_nxt)
{
    while (q->count && seq_leq(q->r[0].end, rcv_nxt))
        remove_at(q, 0);
    if (q->count && seq_leq(q->r[0].start, rcv_nxt)) {
        uint32_t gained = q->r[0].end - rcv_nxt;
        remove_at(q, 0);
        return gained;
    }
    return 0;
}

uint32_t reass_bytes(const struct reass *q)
{
    uint32_t n = 0;
    for (unsigned i = 0; i < q->count; i++)
        n += q->r[i].end - q->r[i].start;
    return n;
}

bool reass_holds(const struct reass *q, uint32_t start, uint32_t end)
{
    for (unsigned i = 0; i < q->count; i++)
        if (seq_leq(q->r[i].start, start) && seq_geq(q->r[i].end, end))
            return true;
    return false;
}
