/*
 * link.h — an in-memory link that copies each packet once, as a NIC's DMA
 * would.
 *
 * The sending stack's transmit callback (bench_link_transmit) copies the
 * packet into the link's arena, packets back to back, each starting on a
 * 16-byte boundary after a small header.  Later the driver loop hands them,
 * in order, to the receiving stack (bench_link_deliver) and empties the
 * arena; nothing is delivered from inside a transmit callback.  The arena
 * is allocated once and doubles only when a burst outgrows it (never per
 * packet), so after the first bursts a run allocates nothing.
 *
 * Invariant: a link is never written while it is being delivered.  The
 * receiving stack transmits on the *other* direction's link, so this holds
 * for two stacks joined by two links; bench_link_transmit refuses (drops
 * and counts) a packet that would break it rather than move the arena
 * under a packet being read.
 */
#ifndef SYNACK_BENCH_LINK_H
#define SYNACK_BENCH_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synack/stack.h"

struct bench_link {
    uint8_t *arena;
    size_t cap;              /* bytes allocated */
    size_t used;             /* bytes holding queued packets */
    uint32_t queued;         /* packets waiting */
    unsigned input_flags;    /* for synack_input_flags: SYNACK_INPUT_CSUM_VALID on an offloading link */
    int ifaces;              /* the receiver's interfaces (see bench_link_deliver) */
    bool delivering;
    uint64_t packets;        /* delivered, all time */
    uint64_t bytes;
    uint64_t drops;          /* refused: no memory, or written while delivering */
    uint64_t corrupt_at;     /* tests: flip the last byte of the first packet carrying data
                              * from the corrupt_at-th delivered on (0: never) */
};

/* A link with an arena of `initial_bytes` (grown on demand).  Returns 0 or
 * -1 when out of memory. */
int bench_link_init(struct bench_link *l, size_t initial_bytes, unsigned input_flags, int receiver_ifaces);
void bench_link_free(struct bench_link *l);

/* synack_transmit_fn: ctx is the struct bench_link. */
int bench_link_transmit(void *ctx, const uint8_t *packet, size_t len);

/* Hands every queued packet to `to` in order and empties the link.
 * Addresses in the harness are 198.18.k.x with k the interface number, so
 * a packet goes in on interface k = the third byte of its destination (0
 * when the receiver has one interface).  Returns the packets delivered. */
uint32_t bench_link_deliver(struct bench_link *l, struct synack_stack *to, synack_time_us now);

#endif
