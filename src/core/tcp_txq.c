/* tcp_txq.c — the sender's scoreboard; see tcp_txq.h. */
#include "tcp_txq.h"

#include <string.h>

#include "mem.h"
#include "seq.h"

void txq_init(struct txq *q)
{
    memset(q, 0, sizeof *q);
    q->segs = q->inline_segs;
    q->cap = TXQ_INLINE;
}

static void free_segs(struct synack_stack *st, struct txq *q)
{
    if (q->segs != q->inline_segs)
        mem_free(st, q->segs, (size_t)q->cap * sizeof *q->segs);
}

void txq_free(struct synack_stack *st, struct txq *q)
{
    free_segs(st, q);
    txq_init(q);
}

static bool grow(struct synack_stack *st, struct txq *q)
{
    uint32_t ncap = q->cap < 16 ? 16 : q->cap * 2;
    struct txseg *n = mem_alloc(st, (size_t)ncap * sizeof *n);
    if (!n)
        return false;
    for (uint32_t i = 0; i < q->count; i++)
        n[i] = *txq_at(q, i);
    free_segs(st, q);
    q->segs = n;
    q->cap = ncap;
    q->head = 0;
    return true;
}

bool txq_push(struct synack_stack *st, struct txq *q, uint32_t start, uint32_t end, bool fin, synack_time_us now,
              uint32_t tsval)
{
    if (q->count == q->cap && !grow(st, q))
        return false;
    struct txseg *s = &q->segs[(q->head + q->count) & (q->cap - 1)];
    s->start = start;
    s->end = end;
    s->xmit_time = now;
    s->tsval = tsval;
    s->flags = fin ? TXS_FIN : 0;
    s->xmits = 1;
    q->count++;
    return true;
}

uint32_t txq_find(const struct txq *q, uint32_t seq)
{
    uint32_t lo = 0, hi = q->count;
    while (lo < hi) {                     /* first record whose end is beyond seq */
        uint32_t mid = lo + (hi - lo) / 2;
        if (seq_leq(txq_at(q, mid)->end, seq))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < q->count && seq_geq(seq, txq_at(q, lo)->start))
        return lo;
    return q->count;
}

static void unaccount(struct txq *q, const struct txseg *s, uint32_t len)
{
    if (s->flags & TXS_SACKED)
        q->sacked_bytes -= len;
    else if (s->flags & TXS_LOST)
        q->lost_bytes -= len;
}

void txq_ack(struct txq *q, uint32_t ack)
{
    while (q->count) {
        struct txseg *s = txq_at(q, 0);
        if (seq_leq(s->end, ack)) {
            unaccount(q, s, txseg_len(s));
            q->head = (q->head + 1) & (q->cap - 1);
            q->count--;
            continue;
        }
        if (seq_gt(ack, s->start)) {      /* a cumulative ACK inside the record */
            unaccount(q, s, ack - s->start);
            s->start = ack;
        }
        break;
    }
}

uint32_t txq_sack(struct txq *q, uint32_t left, uint32_t right, void (*newly_cb)(void *ctx, struct txseg *s),
                  void *ctx)
{
    uint32_t newly = 0;
    uint32_t first = q->count && seq_lt(left, txq_at(q, 0)->start) ? 0 : txq_find(q, left);
    for (uint32_t i = first; i < q->count; i++) {
        struct txseg *s = txq_at(q, i);
        if (seq_geq(s->start, right))
            break;
        /* A block covers data only (RFC 2018 §3): a record ending with
         * our FIN is whole when its data is. */
        uint32_t data_end = s->end - !!(s->flags & TXS_FIN);
        if (seq_lt(s->start, left) || seq_gt(data_end, right) || (s->flags & TXS_SACKED) || s->start == data_end)
            continue;                     /* only whole records count */
        if (s->flags & TXS_LOST)
            q->lost_bytes -= txseg_len(s);
        s->flags = (uint8_t)((s->flags | TXS_SACKED) & ~TXS_LOST);
        q->sacked_bytes += txseg_len(s);
        newly += txseg_len(s);
        if (newly_cb)
            newly_cb(ctx, s);
    }
    /* A record only partly inside the block is left unmarked: the peer
     * holds some of it, and resending all of it is harmless. */
    return newly;
}

void txq_mark_lost(struct txq *q, struct txseg *s)
{
    if (s->flags & (TXS_LOST | TXS_SACKED))
        return;
    s->flags |= TXS_LOST;
    q->lost_bytes += txseg_len(s);
}

void txq_sent_again(struct txq *q, struct txseg *s, synack_time_us now, uint32_t tsval)
{
    if (s->flags & TXS_LOST)
        q->lost_bytes -= txseg_len(s);
    s->flags = (uint8_t)((s->flags | TXS_RETRANS) & ~(TXS_LOST | TXS_TLP));
    s->xmit_time = now;
    s->tsval = tsval;
    if (s->xmits < UINT8_MAX)
        s->xmits++;
}

bool txq_split(struct synack_stack *st, struct txq *q, uint32_t i, uint32_t at)
{
    if (q->count == q->cap && !grow(st, q))
        return false;
    if (i < q->count - 1 - i) {
        /* Records 0..i move one place towards the front; i stays put too. */
        q->head = (q->head - 1) & (q->cap - 1);
        for (uint32_t k = 0; k <= i; k++)
            *txq_at(q, k) = *txq_at(q, k + 1);
    } else {
        /* Records i+1.. move one place back; i is copied to i + 1. */
        for (uint32_t k = q->count; k > i; k--)
            *txq_at(q, k) = *txq_at(q, k - 1);
    }
    q->count++;
    struct txseg *first = txq_at(q, i), *second = txq_at(q, i + 1);
    first->end = at;
    first->flags &= (uint8_t)~TXS_FIN;
    second->start = at;
    return true;
}

void txq_clear_sacks(struct txq *q)
{
    for (uint32_t i = 0; i < q->count; i++)
        txq_at(q, i)->flags &= (uint8_t)~TXS_SACKED;
    q->sacked_bytes = 0;
}
