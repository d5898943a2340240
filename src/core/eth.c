/*
 * eth.c — Ethernet II framing (IEEE 802.3 with an EtherType; RFC 894 for
 * IPv4, RFC 2464 for IPv6) under IP, on interfaces of type
 * SYNACK_LINK_ETHERNET.
 *
 * Reading list: RFC 894 (IPv4 over Ethernet: the 0x0800 type, the
 * 46-byte minimum payload padded and the padding ignored by IP), RFC 2464
 * §3 (MTU), §7 (an IPv6 multicast address maps to 33:33 and its last 32
 * bits), RFC 1112 §6.4 (IPv4 multicast to 01:00:5e and the low 23 bits),
 * RFC 4291 §2.7.1 (the groups an IPv6 node listens to: all-nodes and the
 * solicited-node group of each of its addresses).
 *
 * Input: a frame is taken only when its destination is this interface's
 * MAC, broadcast, or a group it listens to; a frame from its own MAC (or
 * from a group address) is a loop.  IPv4 and IPv6 go up without the
 * padding short frames carry (cut to the length the IP header gives, so
 * that what is traced and checksummed is the packet itself; the IP layer
 * would also ignore it), ARP goes to arp.c, and everything else —
 * VLAN-tagged frames among them — is counted and dropped.  Drops below IP
 * are traced without a packet: trace events carry IP packets only.
 *
 * Output: the interface MTU is the IP MTU (the frame's payload); the
 * frame header goes in the headroom the stack leaves in front of every
 * packet, the destination MAC from the neighbour cache (neigh.c) or, for
 * a group destination, mapped from the address.
 */
#include <string.h>

#include "arp.h"
#include "byteorder.h"
#include "link.h"
#include "neigh.h"
#include "stack_internal.h"

static const uint8_t eth_broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* Whether a frame to `dst` is for this interface: its MAC, broadcast, or
 * the MAC of a group it listens to (RFC 2464 §7: 33:33 and the group's
 * last 32 bits; only ff02::1 and solicited-node groups are joined). */
static bool accept_dst(const struct synack_stack *st, int iface, const uint8_t *dst)
{
    const struct iface *ifc = &st->ifaces[iface];
    if (memcmp(dst, ifc->mac, 6) == 0 || memcmp(dst, eth_broadcast, 6) == 0)
        return true;
    if (dst[0] != 0x33 || dst[1] != 0x33)
        return false;
    if (dst[2] == 0 && dst[3] == 0 && dst[4] == 0 && dst[5] == 1)
        return true;                                   /* all-nodes */
    if (dst[2] != 0xff)
        return false;
    for (int k = 0; k < ifc->naddrs; k++) {
        const struct iface_addr *ia = &ifc->addrs[k];
        if (ia->addr.family == SYNACK_AF_INET6 && !(ia->flags & IFADDR_DUPLICATE) &&
            memcmp(dst + 3, ia->addr.bytes + 13, 3) == 0)
            return true;                               /* solicited-node, tentative addresses included (DAD) */
    }
    return false;
}

/* The IP packet's own length when the frame carries more (padding up to
 * the 60-byte minimum, RFC 894); `len` when the header does not say
 * (too short, or an IPv6 jumbogram): the IP layer judges those. */
static size_t ip_length(const uint8_t *p, size_t len, uint16_t type)
{
    size_t want = 0;
    if (type == ETHERTYPE_IPV4 && len >= 20)
        want = get_be16(p + 2);
    else if (type == ETHERTYPE_IPV6 && len >= 40 && get_be16(p + 4) != 0)
        want = 40 + (size_t)get_be16(p + 4);
    return want >= 20 && want < len ? want : len;
}

static void link_drop(struct synack_stack *st, int iface, enum synack_drop_reason why, synack_time_us now)
{
    stack_drop_packet(st, iface, NULL, 0, why, now);
}

void eth_input(struct synack_stack *st, int iface, const uint8_t *frame, size_t len, synack_time_us now)
{
    st->stats.link_in_frames++;
    if (len < ETH_HEADER_LEN) {
        link_drop(st, iface, SYNACK_DROP_LINK_TRUNCATED, now);
        return;
    }
    const struct iface *ifc = &st->ifaces[iface];
    if (!accept_dst(st, iface, frame)) {
        link_drop(st, iface, SYNACK_DROP_LINK_NOT_FOR_US, now);
        return;
    }
    if ((frame[6] & 1) || memcmp(frame + 6, ifc->mac, 6) == 0) {
        link_drop(st, iface, SYNACK_DROP_LINK_BAD_SOURCE, now);
        return;
    }
    uint16_t type = get_be16(frame + 12);
    const uint8_t *payload = frame + ETH_HEADER_LEN;
    size_t plen = len - ETH_HEADER_LEN;
    switch (type) {
    case ETHERTYPE_IPV4:
    case ETHERTYPE_IPV6:
        stack_ip_input(st, iface, payload, ip_length(payload, plen, type), now);
        break;
    case ETHERTYPE_ARP:
        arp_input(st, iface, frame, len, now);
        break;
    default:
        link_drop(st, iface, SYNACK_DROP_LINK_ETHERTYPE, now);
        break;
    }
}

int eth_send(struct synack_stack *st, int iface, const uint8_t dst[6], uint16_t type, uint8_t *payload,
             size_t len, synack_time_us now)
{
    struct iface *ifc = &st->ifaces[iface];
    uint8_t *frame = payload - ETH_HEADER_LEN;
    size_t flen = ETH_HEADER_LEN + len;
    uint8_t small[ETH_MIN_FRAME];
    if (flen < ETH_MIN_FRAME) {
        /* Padded here rather than after the payload, where the caller's
         * buffer may end (TAP does not pad for us). */
        memset(small, 0, sizeof small);
        memcpy(small + ETH_HEADER_LEN, payload, len);
        frame = small;
        flen = ETH_MIN_FRAME;
    }
    memcpy(frame, dst, 6);
    memcpy(frame + 6, ifc->mac, 6);
    put_be16(frame + 12, type);
    st->stats.link_out_frames++;
    int rc = ifc->transmit(ifc->transmit_ctx, frame, flen);
    if (rc < 0) {
        bool ip = type == ETHERTYPE_IPV4 || type == ETHERTYPE_IPV6;
        if (ip)
            st->stats.ip_out_discards++;
        stack_drop_packet(st, iface, ip ? payload : NULL, ip ? len : 0, SYNACK_DROP_TX_DRIVER, now);
    }
    return rc;
}

/* The MAC of a group destination, or false for a unicast one: IPv6
 * multicast (RFC 2464 §7), IPv4 multicast (RFC 1112 §6.4), the limited
 * broadcast and the directed broadcast of one of the interface's IPv4
 * prefixes. */
static bool group_mac(const struct synack_stack *st, int iface, const struct synack_addr *dst, uint8_t mac[6])
{
    const uint8_t *b = dst->bytes;
    if (dst->family == SYNACK_AF_INET6) {
        if (b[0] != 0xff)
            return false;
        mac[0] = mac[1] = 0x33;
        memcpy(mac + 2, b + 12, 4);
        return true;
    }
    if (b[0] >= 224 && b[0] <= 239) {
        const uint8_t m[6] = { 0x01, 0x00, 0x5e, (uint8_t)(b[1] & 0x7f), b[2], b[3] };
        memcpy(mac, m, 6);
        return true;
    }
    bool bcast = synack_addr_v4_value(dst) == 0xffffffffu || stack_iface_directed_broadcast(st, iface, dst);
    if (bcast)
        memcpy(mac, eth_broadcast, 6);
    return bcast;
}

int eth_output(struct synack_stack *st, int iface, const struct synack_addr *nexthop, uint8_t *pkt, size_t len,
               synack_time_us now)
{
    uint8_t mac[6];
    if (!group_mac(st, iface, nexthop, mac)) {
        int rc = neigh_resolve(st, iface, nexthop, pkt, len, now, mac);
        if (rc <= 0)
            return rc;                 /* queued while resolving (0), or dropped */
    }
    return eth_send(st, iface, mac, (pkt[0] >> 4) == 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4, pkt, len, now);
}

void eth_addr_added(struct synack_stack *st, int iface, struct iface_addr *ia)
{
    int slot = (int)(ia - st->ifaces[iface].addrs);
    if (ia->addr.family == SYNACK_AF_INET) {
        /* RFC 5227 §3: announce the address once (a gratuitous ARP
         * request), so that neighbours with an old entry for it update. */
        neigh_job_start(st, iface, slot, 1, st->now);
        return;
    }
    /* RFC 4862 §5.4: the address is tentative until duplicate address
     * detection has sent its solicitations and heard no objection. */
    if (st->cfg.dad_transmits == 0)
        return;
    ia->flags |= IFADDR_TENTATIVE;
    neigh_job_start(st, iface, slot, (uint8_t)st->cfg.dad_transmits, st->now);
}
