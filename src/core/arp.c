/*
 * arp.c — the Address Resolution Protocol for IPv4 over Ethernet.
 *
 * Reading list: RFC 826 (the packet; "Packet Reception": the merge flag),
 * RFC 1122 §2.3.2.1 (no more than one request a second per destination:
 * neigh.c's retransmission timer), §2.3.2.2 (keep at least the latest
 * packet for an unresolved destination: neigh.c's queue), RFC 5227 §2.1.1
 * (probes carry sender address 0.0.0.0), §2.4 (a conflict is an ARP from
 * another MAC with our address as its sender), §3 (announcement).
 *
 * Received ARP, in order:
 *   1. only Ethernet/IPv4 ARP (htype 1, ptype 0x0800, hlen 6, plen 4) of
 *      opcode 1 or 2, from a unicast MAC that is not ours, and a sender
 *      address that is not a group or loopback address: else ARP_MALFORMED;
 *   2. a sender address of ours (from another MAC: our own frames were
 *      stopped in eth.c) is a conflict: counted, ignored, nothing learnt;
 *   3. RFC 826's merge: an entry for the sender is updated with its MAC;
 *      a request for one of our addresses also creates one (STALE).  A
 *      reply only updates (unsolicited replies create nothing, as Linux
 *      with arp_accept off), and only a reply sent to our MAC for our
 *      address confirms reachability.  Probes (sender 0.0.0.0) teach
 *      nothing;
 *   4. a request for one of our addresses is answered, unicast to the
 *      asker; anything about other hosts is counted as ARP_NOT_FOR_US.
 *
 * RFC 5227 conflict detection is passive only: no probes before using an
 * IPv4 address, one announcement after adding it.
 */
#include "arp.h"

#include <string.h>

#include "byteorder.h"
#include "link.h"
#include "neigh.h"
#include "stack_internal.h"

static const uint8_t mac_broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mac_zero[6];

static void send_arp(struct synack_stack *st, int iface, uint16_t op, const struct synack_addr *spa,
                     const uint8_t *tha, const struct synack_addr *tpa, const uint8_t *dst, synack_time_us now)
{
    uint8_t buf[ETH_HEADER_LEN + ARP_LEN];
    uint8_t *p = buf + ETH_HEADER_LEN;
    put_be16(p, 1);                        /* hardware: Ethernet */
    put_be16(p + 2, ETHERTYPE_IPV4);
    p[4] = 6;
    p[5] = 4;
    put_be16(p + 6, op);
    memcpy(p + 8, st->ifaces[iface].mac, 6);
    memcpy(p + 14, spa->bytes, 4);
    memcpy(p + 18, tha, 6);
    memcpy(p + 24, tpa->bytes, 4);
    eth_send(st, iface, dst, ETHERTYPE_ARP, p, ARP_LEN, now);
}

void arp_request(struct synack_stack *st, int iface, const struct synack_addr *target, const uint8_t *unicast,
                 synack_time_us now)
{
    /* From the interface's address for that prefix (the source the
     * waiting packets have, in practice).  Without an IPv4 address there
     * is nothing to ask with; the retries run out as if unanswered. */
    const struct synack_addr *spa = stack_source_addr(st, iface, target);
    if (!spa)
        return;
    st->stats.arp_out_requests++;
    send_arp(st, iface, ARP_OP_REQUEST, spa, mac_zero, target, unicast ? unicast : mac_broadcast, now);
}

void arp_announce(struct synack_stack *st, int iface, const struct synack_addr *addr, synack_time_us now)
{
    /* RFC 5227 §3: an ARP request with our address as both sender and
     * target, broadcast. */
    st->stats.arp_out_requests++;
    send_arp(st, iface, ARP_OP_REQUEST, addr, mac_zero, addr, mac_broadcast, now);
}

static void arp_drop(struct synack_stack *st, int iface, enum synack_drop_reason why, synack_time_us now)
{
    stack_drop_packet(st, iface, NULL, 0, why, now);
}

static bool bad_sender(const struct iface *ifc, const uint8_t *sha, const struct synack_addr *spa)
{
    uint8_t first = spa->bytes[0];
    return (sha[0] & 1) || memcmp(sha, mac_zero, 6) == 0 || memcmp(sha, ifc->mac, 6) == 0 || first >= 224 ||
           first == 127;
}

void arp_input(struct synack_stack *st, int iface, const uint8_t *frame, size_t len, synack_time_us now)
{
    const struct iface *ifc = &st->ifaces[iface];
    const uint8_t *p = frame + ETH_HEADER_LEN;
    size_t plen = len - ETH_HEADER_LEN;
    if (plen < ARP_LEN || get_be16(p) != 1 || get_be16(p + 2) != ETHERTYPE_IPV4 || p[4] != 6 || p[5] != 4) {
        arp_drop(st, iface, SYNACK_DROP_ARP_MALFORMED, now);
        return;
    }
    uint16_t op = get_be16(p + 6);
    const uint8_t *sha = p + 8;            /* the target MAC (p + 18) tells us nothing */
    struct synack_addr spa = synack_addr_v4(p[14], p[15], p[16], p[17]);
    struct synack_addr tpa = synack_addr_v4(p[24], p[25], p[26], p[27]);
    if ((op != ARP_OP_REQUEST && op != ARP_OP_REPLY) || bad_sender(ifc, sha, &spa)) {
        arp_drop(st, iface, SYNACK_DROP_ARP_MALFORMED, now);
        return;
    }
    if (op == ARP_OP_REQUEST)
        st->stats.arp_in_requests++;
    else
        st->stats.arp_in_replies++;
    if (stack_iface_addr(st, iface, &spa)) {
        /* RFC 5227 §2.4: another host uses (or announces) our address.
         * Learning from it would send our own traffic to it. */
        st->stats.arp_conflicts++;
        arp_drop(st, iface, SYNACK_DROP_ARP_CONFLICT, now);
        return;
    }
    bool for_us = stack_iface_addr(st, iface, &tpa) != NULL;
    if (!synack_addr_is_any(&spa)) {
        unsigned flags = NEIGH_UPD_OVERRIDE;
        if (for_us && op == ARP_OP_REQUEST)
            flags |= NEIGH_UPD_CREATE;
        /* A broadcast reply, like a request, does not show that our
         * packets reach the sender. */
        if (for_us && op == ARP_OP_REPLY && memcmp(frame, ifc->mac, 6) == 0)
            flags |= NEIGH_UPD_CONFIRMED;
        neigh_update(st, iface, &spa, sha, flags, now);
    }
    if (!for_us) {
        arp_drop(st, iface, SYNACK_DROP_ARP_NOT_FOR_US, now);
        return;
    }
    if (op == ARP_OP_REQUEST) {
        /* RFC 826: swap the fields, put our MAC in, opcode reply, and
         * send it to the asker alone. */
        st->stats.arp_out_replies++;
        send_arp(st, iface, ARP_OP_REPLY, &tpa, sha, &spa, sha, now);
    }
}
