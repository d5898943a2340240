/*
 * ipfrag.h — fragment reassembly for IPv4 (RFC 791 §3.2, RFC 1122 §3.3.2)
 * and IPv6 (RFC 8200 §4.5).
 *
 * Fragments are kept per datagram, keyed as RFC 791 says by (source,
 * destination, protocol, identification) for IPv4 and as RFC 8200 §4.5
 * says by (source, destination, identification) for IPv6 (the addresses
 * carry the family, so the two never meet).  A datagram is passed on once
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

/* One fragment of either family, as ipfrag_add takes it: `head_len`
 * bytes of headers at `head` (IPv4: the header; IPv6: everything up to
 * and including the fragment header), then `len` bytes of data. */
struct ipfrag_in {
    struct synack_addr src, dst;
    uint32_t id;
    uint8_t proto;               /* IPv4: the protocol; IPv6: 0 (not part of the key) */
    uint16_t offset;             /* bytes */
    bool more;
    const uint8_t *head;
    uint32_t head_len;
    const uint8_t *data;
    uint32_t len;
    uint32_t nh_at;              /* IPv6: offset of the Next Header field that names the fragment header */
};

/* A datagram put together: `packet` is its IP packet, valid until
 * ipfrag_release.  IPv4: the first fragment's header with total length
 * and fragment fields rewritten.  IPv6 (RFC 8200 §4.5): the first
 * fragment's unfragmentable part (everything before its fragment header)
 * with the payload length rewritten and the Next Header field at `nh_at`
 * set to the fragment header's; the fragmentable part starts at
 * `resume_at`, where the chain goes on. */
struct ipfrag_done {
    const uint8_t *packet;
    size_t len;
    uint32_t resume_at, nh_at;
    struct ipfrag_datagram *d;
};

void ipfrag_init(struct ipfrag_table *t);
void ipfrag_free(struct synack_stack *st);

/* Takes one fragment.  Returns true and fills *done when it completed a
 * datagram; otherwise it was kept or dropped (and counted). */
bool ipfrag_add(struct synack_stack *st, int iface, const struct ipfrag_in *f, synack_time_us now,
                struct ipfrag_done *done);
/* The same for an IPv4 fragment (ip describes pkt). */
bool ipfrag_input(struct synack_stack *st, int iface, const struct ipv4_packet *ip, const uint8_t *pkt,
                  synack_time_us now, struct ipfrag_done *done);
void ipfrag_release(struct synack_stack *st, struct ipfrag_done *done);
/* Drops the datagrams whose time is up (synack_poll, when the heap entry
 * comes due) and re-keys the entry. */
void ipfrag_expire(struct synack_stack *st, synack_time_us now);

#endif
