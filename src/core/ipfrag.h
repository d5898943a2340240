/*
 * ipfrag.h — IPv4 fragment reassembly (RFC 791 §3.2, RFC 1122 §3.3.2).
 *
 * Fragments are kept per datagram, keyed as RFC 791 says by (source,
 * destination, protocol, identification).  A datagram is passed on once
 * every byte from 0 to the end the last fragment gives is held; it is
 * abandoned when a fragment overlaps held bytes with different ones, and
 * dropped when its time runs out.  All datagrams share one entry in the
 * stack's timer heap, keyed by the oldest one's deadline.
 */
#ifndef SYNACK_CORE_IPFRAG_H
#define SYNACK_CORE_IPFRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synack/trace.h"
#include "ipv4.h"
#include "timer_heap.h"

struct synack_stack;
struct ipfrag_datagram;

struct ipfrag_table {
    /* Every datagram being reassembled, oldest first.  All share one
     * timeout and are appended when their first fragment arrives, so this
     * order is also deadline order: the head is the next to expire. */
    struct ipfrag_datagram *head, *tail;
    uint32_t count;                /* <= cfg.ipfrag_max_datagrams */
    uint64_t bytes;                /* memory held, records included; <= cfg.ipfrag_max_bytes */
    struct timer_entry sched;      /* in the stack's heap while count > 0 */
};

/* A datagram put together: `packet` is its IP packet (header from the
 * first fragment, total length and fragment fields rewritten), valid until
 * ipfrag_release. */
struct ipfrag_done {
    const uint8_t *packet;
    size_t len;
    struct ipfrag_datagram *d;
};

void ipfrag_init(struct ipfrag_table *t);
void ipfrag_free(struct synack_stack *st);

/* Takes one fragment (ip describes pkt).  Returns true and fills *done
 * when it completed a datagram; otherwise it was kept or dropped (and
 * counted). */
bool ipfrag_input(struct synack_stack *st, int iface, const struct ipv4_packet *ip, const uint8_t *pkt,
                  synack_time_us now, struct ipfrag_done *done);
void ipfrag_release(struct synack_stack *st, struct ipfrag_done *done);
/* Drops the datagrams whose time is up (synack_poll, when the heap entry
 * comes due) and re-keys the entry. */
void ipfrag_expire(struct synack_stack *st, synack_time_us now);

#endif
