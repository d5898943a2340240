/*
 * reass.h — which sequence ranges beyond RCV.NXT have arrived out of order.
 *
 * The bytes themselves are already in the receive ring (written with
 * ringbuf_write_at); this only remembers the ranges, kept sorted, disjoint
 * and non-adjacent, at most REASS_MAX_RANGES of them (a segment that would
 * need more is dropped and counted: the sender will send it again).  A FIN
 * that arrived early is remembered by its sequence number.
 */
#ifndef SYNACK_CORE_REASS_H
#define SYNACK_CORE_REASS_H

#include <stdbool.h>
#include <stdint.h>

#define REASS_MAX_RANGES 16

struct reass_range {
    uint32_t start, end;   /* [start, end) in sequence space */
    uint32_t stamp;        /* when it last grew: SACK reports the newest first */
};

struct reass {
    uint8_t count;
    bool fin_known;
    uint32_t clock;        /* stamps for reass_range.stamp */
    uint32_t fin_seq;      /* sequence number of the early FIN */
    struct reass_range r[REASS_MAX_RANGES];
};

void reass_init(struct reass *q);
/* Records [start, end).  Returns false when the table is full and the
 * range touches no existing one (nothing recorded). */
bool reass_add(struct reass *q, uint32_t start, uint32_t end);
/* Whether reass_add(q, start, end) would record the range. */
bool reass_can_add(const struct reass *q, uint32_t start, uint32_t end);
/* Called once RCV.NXT has become rcv_nxt: if the first range starts at or
 * before it, removes that range and returns how far it reaches past
 * rcv_nxt (0 otherwise).  Ranges wholly below rcv_nxt are discarded. */
uint32_t reass_advance(struct reass *q, uint32_t rcv_nxt);
/* Whether [start, end) is already wholly held. */
bool reass_holds(const struct reass *q, uint32_t start, uint32_t end);
/* Bytes held out of order. */
uint32_t reass_bytes(const struct reass *q);

#endif
