/*
 * tcp_txq.h — the sender's scoreboard: one record per segment in flight,
 * from SND.UNA to SND.MAX, in sequence order (RFC 6675 §3 "scoreboard";
 * RFC 8985 §5.2 per-segment transmit times).
 *
 *   snd_una                                                     snd_max
 *     |[seg 0][seg 1: SACKED][seg 2: LOST][seg 3][seg 4: SACKED]|
 *
 * A record is made when a segment is first sent and keeps its boundaries
 * for life (a retransmission resends exactly the record), except that a
 * cumulative ACK falling inside it trims its start, and that a record
 * larger than the segments the path now takes is cut in two before it is
 * resent (txq_split: after the path MTU fell, or a path MTU probe).  Counters of SACKed
 * bytes and of bytes marked lost and not yet resent make the RFC 6675
 * "pipe" O(1):  pipe = (SND.MAX - SND.UNA) - sacked - lost.
 * Storage is a ring of records that doubles when full; nothing is
 * allocated per segment once it has grown to the window.  The first
 * TXQ_INLINE records live in the queue itself, so a sender always has room
 * for a segment in flight and never stalls for want of memory: when the
 * ring cannot grow, sending waits for ACKs to free records, and with
 * something in flight an ACK or the retransmission timer always comes.
 * (A struct txq must therefore never be copied.)
 */
#ifndef SYNACK_CORE_TCP_TXQ_H
#define SYNACK_CORE_TCP_TXQ_H

#include <stdbool.h>
#include <stdint.h>

#include "synack/trace.h"

enum txseg_flag {
    TXS_SACKED = 1u << 0,   /* the peer holds it (SACK) */
    TXS_LOST = 1u << 1,     /* judged lost and not resent since */
    TXS_RETRANS = 1u << 2,  /* sent more than once */
    TXS_FIN = 1u << 3,      /* the record ends with our FIN */
    TXS_TLP = 1u << 4,      /* last sent as a tail loss probe */
};

struct txseg {
    uint32_t start, end;        /* [start, end) in sequence space, FIN included */
    synack_time_us xmit_time;   /* latest transmission */
    uint32_t tsval;             /* TSval of the latest transmission (0 without timestamps) */
    uint8_t flags;
    uint8_t xmits;              /* how many times sent */
};

#define TXQ_INLINE 2            /* a power of two, like every capacity */

struct txq {
    struct txseg *segs;         /* `inline_segs` or the stack's memory */
    uint32_t head, count, cap;
    uint32_t sacked_bytes;      /* in records marked SACKED */
    uint32_t lost_bytes;        /* in records marked LOST (never SACKED too) */
    struct txseg inline_segs[TXQ_INLINE];
};

struct synack_stack;

void txq_init(struct txq *q);
void txq_free(struct synack_stack *st, struct txq *q);
static inline struct txseg *txq_at(const struct txq *q, uint32_t i)
{
    return &q->segs[(q->head + i) & (q->cap - 1)];
}
static inline struct txseg *txq_last(const struct txq *q) { return q->count ? txq_at(q, q->count - 1) : NULL; }
/* The index of record s (a pointer txq_at gave). */
static inline uint32_t txq_index(const struct txq *q, const struct txseg *s)
{
    return ((uint32_t)(s - q->segs) - q->head) & (q->cap - 1);
}
static inline uint32_t txseg_len(const struct txseg *s) { return s->end - s->start; }

/* Appends a record for a first transmission; false when the ring is full
 * and cannot grow. */
bool txq_push(struct synack_stack *st, struct txq *q, uint32_t start, uint32_t end, bool fin, synack_time_us now,
              uint32_t tsval);
/* Index of the record holding seq, or q->count if none. */
uint32_t txq_find(const struct txq *q, uint32_t seq);
/* Drops records (or their fronts) below ack. */
void txq_ack(struct txq *q, uint32_t ack);
/* Marks the records wholly inside [left, right) SACKed, calling
 * newly(ctx, record) for each one not SACKed before; returns the bytes
 * newly SACKed. */
uint32_t txq_sack(struct txq *q, uint32_t left, uint32_t right, void (*newly)(void *ctx, struct txseg *s),
                  void *ctx);
void txq_mark_lost(struct txq *q, struct txseg *s);
/* Records a (re)transmission of s at now. */
void txq_sent_again(struct txq *q, struct txseg *s, synack_time_us now, uint32_t tsval);
/* Cuts record i at sequence number `at` (start < at < end) into [start,
 * at) at i and [at, end) at i + 1, both keeping its marks and send time
 * (the FIN goes with the second); the byte counts do not change.  Moves
 * the records on the shorter side of i.  False when the ring is full and
 * cannot grow: nothing changed.  Pointers into the ring are stale after. */
bool txq_split(struct synack_stack *st, struct txq *q, uint32_t i, uint32_t at);
/* Clears every SACKED mark (after the peer reneged, or at a timeout). */
void txq_clear_sacks(struct txq *q);

#endif
