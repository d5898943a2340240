/*
 * ipv6.c — IPv6 (RFC 8200): the header and extension-header codec, and
 * input.
 *
 * Reading list: RFC 8200 §3 (header), §4 (extension headers: order §4.1,
 * options §4.2, routing §4.4, fragments §4.5), §8.1 (upper-layer
 * checksums, in tcp_wire.c and udp.c); RFC 4291 §2.4-§2.7 (address types,
 * solicited-node multicast); RFC 5095 (type 0 routing headers are
 * deprecated); RFC 5722 (overlapping fragments), RFC 6946 (atomic
 * fragments), RFC 7112 (the first fragment holds the whole header chain);
 * RFC 4443 §3.4 (parameter problem).
 *
 * In:  stack_ip_input -> ip6_input: header (ipv6_parse_header), addresses,
 *      ipv6_walk over the chain with options acted on
 *        -> upper layer: deliver -> tcp_input | udp_input | icmp6_input
 *        -> fragment: fragment_input -> ipfrag_add -> (whole) ipv6_walk
 *           from the fragmentable part -> deliver
 *      Every failure is a counted drop with a reason; those RFC 8200 asks
 *      to report go back as ICMPv6 parameter problems (icmp6_send_error
 *      applies RFC 4443 §2.4's exceptions and the rate limit).
 *
 * Addresses.  A packet is ours when its destination is one of our usable
 * unicast addresses (not tentative, RFC 4862 §5.4), or the all-nodes
 * address ff02::1, or the solicited-node multicast address of any address
 * of the arrival interface, tentative ones included (duplicate address
 * detection listens there).  Multicast is taken for ICMPv6 only.  The
 * source may not be multicast, the loopback address (RFC 4291 §2.5.3) or
 * an IPv4-mapped address (RFC 4291 §2.5.5.2: those name IPv4 nodes and
 * never appear on an IPv6 wire); the unspecified address is accepted for
 * ICMPv6 only (a neighbour solicitation during duplicate address
 * detection, RFC 4862 §5.4.2), and one of our own addresses only for a
 * neighbour solicitation or advertisement (ndp.c tells DAD from a loop).
 *
 * Counters: the ip* counters count both families (ipInReceives,
 * ipInHdrErrors, ipInAddrErrors, ipInUnknownProtos, ipInDelivers,
 * ipReasm*); Ip6InReceives, Ip6InDelivers, Ip6InMcastPkts and
 * Ip6InAtomicFrags count what is IPv6's alone.
 */
#include "ipv6.h"

#include <string.h>

#include "byteorder.h"
#include "icmp6.h"
#include "ipfrag.h"
#include "ndp.h"
#include "stack_internal.h"

#define OPT_PAD1 0
#define OPT_PADN 1

void ipv6_write_header(uint8_t *buf, const struct synack_addr *src, const struct synack_addr *dst,
                       uint8_t next_header, uint16_t payload_len, uint8_t hop_limit)
{
    put_be32(buf, 6u << 28);             /* version 6, traffic class 0, flow label 0 */
    put_be16(buf + 4, payload_len);
    buf[6] = next_header;
    buf[7] = hop_limit;
    memcpy(buf + 8, src->bytes, 16);
    memcpy(buf + 24, dst->bytes, 16);
}

struct synack_addr ipv6_solicited_node(const struct synack_addr *a)
{
    uint8_t b[16] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff };
    memcpy(b + 13, a->bytes + 13, 3);
    return synack_addr_v6(b);
}

/* ---- The codec ---- */

bool ipv6_parse_header(const uint8_t *p, size_t len, struct ipv6_packet *out, enum synack_drop_reason *why)
{
    memset(out, 0, sizeof *out);
    if (len < IPV6_HEADER_LEN) {
        *why = SYNACK_DROP_IP_TRUNCATED;
        return false;
    }
    if (p[0] >> 4 != 6) {
        *why = SYNACK_DROP_IP_VERSION;
        return false;
    }
    /* RFC 8200 §3: Payload Length counts what follows the 40-byte header.
     * Bytes beyond it (link padding) are not the packet's; fewer is a
     * truncated packet.  Zero with a hop-by-hop header is a jumbogram
     * (RFC 2675), which synack does not support. */
    size_t plen = get_be16(p + 4);
    if (plen == 0 && p[6] == IP6_NH_HOP_BY_HOP) {
        *why = SYNACK_DROP_IP6_JUMBOGRAM;
        return false;
    }
    if (IPV6_HEADER_LEN + plen > len) {
        *why = SYNACK_DROP_IP_TRUNCATED;
        return false;
    }
    uint32_t word = get_be32(p);
    out->traffic_class = (uint8_t)(word >> 20);
    out->flow_label = word & 0xfffff;
    out->length = (uint32_t)(IPV6_HEADER_LEN + plen);
    out->hop_limit = p[7];
    out->proto = p[6];
    out->src = synack_addr_v6(p + 8);
    out->dst = synack_addr_v6(p + 24);
    out->payload = p + IPV6_HEADER_LEN;
    out->payload_len = (uint32_t)plen;
    return true;
}

static bool walk_fail(struct ipv6_chain *c, enum synack_drop_reason why, uint8_t code, size_t pointer,
                      bool to_multicast)
{
    c->why = why;
    c->icmp_code = code;
    c->pointer = (uint32_t)pointer;
    c->icmp_to_multicast = to_multicast;
    return false;
}
#define NO_ICMP 0xff

/* RFC 8200 §4.2: the options of a hop-by-hop or destination options
 * header of hlen bytes at off.  Pad1 and PadN are padding; synack knows
 * no other option, so every other one is acted on by the two high-order
 * bits of its type:
 *   00  skip it and go on;
 *   01  discard the packet;
 *   10  discard it and send parameter problem code 2 pointing at the
 *       option type, even if the destination was multicast;
 *   11  the same, but no error if the destination was multicast.
 * An option running past the header is malformed: parameter problem code
 * 0 pointing at its length field (RFC 8200 does not say where to point). */
static bool options_ok(const uint8_t *p, size_t off, size_t hlen, unsigned flags, struct ipv6_chain *c)
{
    size_t i = off + 2, end = off + hlen;
    while (i < end) {                    /* every pass moves i on by at least 1 */
        uint8_t type = p[i];
        if (type == OPT_PAD1) {
            i++;
            continue;
        }
        if (i + 2 > end || i + 2 + (size_t)p[i + 1] > end)
            return walk_fail(c, SYNACK_DROP_IP6_OPTION_MALFORMED, ICMPV6_PARAMPROB_HEADER,
                             i + 2 > end ? i : i + 1, false);
        if (type != OPT_PADN) {
            switch (type >> 6) {
            case 0:
                break;
            case 1:
                return walk_fail(c, SYNACK_DROP_IP6_OPTION_UNKNOWN, NO_ICMP, i, false);
            case 2:
                return walk_fail(c, SYNACK_DROP_IP6_OPTION_UNKNOWN, ICMPV6_PARAMPROB_OPTION, i, true);
            default:
                return walk_fail(c, SYNACK_DROP_IP6_OPTION_UNKNOWN,
                                 (flags & IPV6_WALK_DST_MULTICAST) ? NO_ICMP : ICMPV6_PARAMPROB_OPTION, i, false);
            }
        }
        i += 2 + (size_t)p[i + 1];
    }
    return true;
}

bool ipv6_walk(const uint8_t *p, size_t len, size_t off, uint8_t nh, size_t nh_at, unsigned flags,
               struct ipv6_chain *c)
{
    memset(c, 0, sizeof *c);
    c->icmp_code = NO_ICMP;
    for (;;) {
        c->proto = nh;
        c->upper = (uint32_t)off;
        c->nh_at = (uint32_t)nh_at;
        if (nh != IP6_NH_HOP_BY_HOP && nh != IP6_NH_DEST_OPTS && nh != IP6_NH_ROUTING && nh != IP6_NH_FRAGMENT)
            return true;                 /* the upper layer (or no next header, or one we do not know) */
        /* Bounded: each header moves off on by at least 8 bytes, and at
         * most IPV6_MAX_EXT_HEADERS are walked. */
        if (++c->ext_count > IPV6_MAX_EXT_HEADERS)
            return walk_fail(c, SYNACK_DROP_IP6_EXT_TOO_MANY, NO_ICMP, 0, false);
        size_t hlen = IPV6_FRAG_HEADER_LEN;
        if (nh != IP6_NH_FRAGMENT) {
            if (off + 2 > len)
                return walk_fail(c, SYNACK_DROP_IP6_EXT_TRUNCATED, NO_ICMP, 0, false);
            hlen = ((size_t)p[off + 1] + 1) * 8;      /* RFC 8200 §4.3-§4.6: 8-byte units, not counting the first */
        }
        if (off + hlen > len)
            return walk_fail(c, SYNACK_DROP_IP6_EXT_TRUNCATED, NO_ICMP, 0, false);
        switch (nh) {
        case IP6_NH_HOP_BY_HOP:
            /* RFC 8200 §4.1: hop-by-hop options only right after the
             * IPv6 header; elsewhere parameter problem code 1 pointing at
             * the Next Header field that named it (§4). */
            if ((flags & IPV6_WALK_OPTIONS) && off != IPV6_HEADER_LEN)
                return walk_fail(c, SYNACK_DROP_IP6_HBH_NOT_FIRST, ICMPV6_PARAMPROB_NEXT_HEADER, nh_at, false);
            /* fall through */
        case IP6_NH_DEST_OPTS:
            if ((flags & IPV6_WALK_OPTIONS) && !options_ok(p, off, hlen, flags, c))
                return false;
            break;
        case IP6_NH_ROUTING:
            /* RFC 8200 §4.4: with Segments Left 0 the header is ignored;
             * otherwise a routing type we do not recognise (we recognise
             * none: we are not a router, and type 0 is deprecated by RFC
             * 5095) means discard and parameter problem code 0 pointing at
             * the Routing Type. */
            if ((flags & IPV6_WALK_OPTIONS) && p[off + 3] != 0)
                return walk_fail(c, SYNACK_DROP_IP6_ROUTING_HEADER, ICMPV6_PARAMPROB_HEADER, off + 2, false);
            break;
        default: {                       /* IP6_NH_FRAGMENT */
            struct ipv6_frag *f = &c->frag;
            uint16_t word = get_be16(p + off + 2);
            f->offset = word & 0xfff8;
            f->more = (word & 1) != 0;
            f->id = get_be32(p + off + 4);
            f->next_header = p[off];
            f->at = (uint32_t)off;
            if (f->offset == 0 && !f->more) {
                c->atomic = true;        /* RFC 6946 §4: an atomic fragment is a whole packet */
                break;
            }
            if (flags & IPV6_WALK_REASSEMBLED)
                return walk_fail(c, SYNACK_DROP_IP6_FRAG_NESTED, NO_ICMP, 0, false);
            c->fragmented = true;
            if (f->offset == 0 && (flags & IPV6_WALK_THROUGH_FIRST))
                break;
            return true;
        }
        }
        nh_at = off;
        nh = p[off];
        off += hlen;
    }
}

bool ipv6_parse(const uint8_t *p, size_t len, struct ipv6_packet *out, enum synack_drop_reason *why)
{
    if (!ipv6_parse_header(p, len, out, why))
        return false;
    struct ipv6_chain c;
    if (!ipv6_walk(p, out->length, IPV6_HEADER_LEN, p[6], 6, IPV6_WALK_THROUGH_FIRST, &c)) {
        *why = c.why;
        return false;
    }
    out->ext_count = c.ext_count;
    out->has_frag = c.fragmented || c.atomic;
    out->frag = c.frag;
    out->proto = c.proto;
    out->payload = p + c.upper;
    out->payload_len = out->length - c.upper;
    if (c.proto == IP6_NH_FRAGMENT) {    /* stopped at a non-first fragment: its data */
        out->payload += IPV6_FRAG_HEADER_LEN;
        out->payload_len -= IPV6_FRAG_HEADER_LEN;
    }
    return true;
}

/* ---- Input ---- */

/* Whether a multicast destination is one this interface listens to:
 * all-nodes, or the solicited-node address of one of its addresses
 * (RFC 4291 §2.7.1; RFC 4861 §7.2.1 and RFC 4862 §5.4.2 say to join it,
 * tentative addresses included). */
static bool multicast_for_us(const struct synack_stack *st, int iface, const struct synack_addr *dst)
{
    static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
    if (memcmp(dst->bytes, all_nodes, 16) == 0)
        return true;
    const struct iface *ifc = &st->ifaces[iface];
    for (int k = 0; k < ifc->naddrs; k++) {
        if (ifc->addrs[k].addr.family != SYNACK_AF_INET6)
            continue;
        struct synack_addr sn = ipv6_solicited_node(&ifc->addrs[k].addr);
        if (synack_addr_equal(&sn, dst))
            return true;
    }
    return false;
}

/* A walk that failed: counted, dropped, and reported when RFC 8200 asks. */
static void chain_error(struct synack_stack *st, int iface, const struct ipv6_chain *c, const uint8_t *pkt,
                        size_t len, synack_time_us now)
{
    st->stats.ip_in_hdr_errors++;
    stack_drop(st, iface, c->why, now);
    if (c->icmp_code != NO_ICMP)
        icmp6_send_error(st, iface, ICMPV6_PARAM_PROBLEM, c->icmp_code, c->pointer, pkt, len, c->icmp_to_multicast,
                         now);
}

/* Hands the upper-layer part of a whole packet (st->rx_packet) to its
 * protocol, after the source and destination checks that depend on it. */
static void deliver(struct synack_stack *st, int iface, const struct ipv6_packet *h, const uint8_t *pkt,
                    size_t len, const struct ipv6_chain *c, synack_time_us now)
{
    const uint8_t *up = pkt + c->upper;
    size_t ulen = len - c->upper;
    bool mcast = ipv6_is_multicast(&h->dst);
    if (c->atomic)
        st->stats.ip6_in_atomic_frags++;
    /* The ICMPv6 type, for the rules that depend on it. */
    int icmp_type = c->proto == IP_PROTO_ICMPV6 && ulen >= 1 ? up[0] : -1;
    enum synack_drop_reason why = SYNACK_DROP_COUNT;
    if (mcast && c->proto != IP_PROTO_ICMPV6)
        why = SYNACK_DROP_IP6_MULTICAST_NOT_ICMP;
    /* From :: speaks only a node without an address yet: neighbour
     * discovery (RFC 4862 §5.4.2, RFC 4861 §6.1.1). */
    else if (synack_addr_is_any(&h->src) && !icmp6_type_is_nd(icmp_type))
        why = SYNACK_DROP_IP6_UNSPEC_SOURCE;
    /* Our own address from outside: spoofed, or a loop; neighbour
     * discovery (DAD) judges its own solicitations and advertisements. */
    else if (stack_is_local_addr(st, &h->src) && icmp_type != ICMPV6_NEIGHBOR_SOLICIT &&
             icmp_type != ICMPV6_NEIGHBOR_ADVERT)
        why = SYNACK_DROP_IP_BAD_SOURCE;
    if (why != SYNACK_DROP_COUNT) {
        st->stats.ip_in_addr_errors++;
        stack_drop(st, iface, why, now);
        return;
    }
    if (c->proto != IP_PROTO_TCP && c->proto != IP_PROTO_UDP && c->proto != IP_PROTO_ICMPV6 &&
        c->proto != IP6_NH_NONE) {
        /* RFC 8200 §4, RFC 4443 §3.4: an unrecognised Next Header value is
         * answered with parameter problem code 1 pointing at it (IPv6's
         * protocol unreachable). */
        st->stats.ip_in_unknown_protos++;
        stack_drop(st, iface, SYNACK_DROP_IP6_UNKNOWN_NEXT_HEADER, now);
        icmp6_send_error(st, iface, ICMPV6_PARAM_PROBLEM, ICMPV6_PARAMPROB_NEXT_HEADER, c->nh_at, pkt, len, false,
                         now);
        return;
    }
    /* No next header (RFC 8200 §4.7: whatever follows is ignored) counts
     * as delivered too, to nothing: the packet was whole and well formed. */
    st->stats.ip_in_delivers++;
    st->stats.ip6_in_delivers++;
    switch (c->proto) {
    case IP_PROTO_TCP:
        tcp_input(st, iface, &h->src, &h->dst, up, ulen, now);
        break;
    case IP_PROTO_UDP:
        udp_input(st, iface, &h->src, &h->dst, up, ulen, now);
        break;
    case IP_PROTO_ICMPV6:
        if (mcast)
            st->stats.ip6_in_mcast_pkts++;
        icmp6_input(st, iface, &h->src, &h->dst, h->hop_limit, up, ulen, now);
        break;
    default:
        stack_drop(st, iface, SYNACK_DROP_IP6_NO_NEXT_HEADER, now);
        break;
    }
}

/* The bytes of the fixed part of an upper-layer header that a first
 * fragment must hold (RFC 7112 §5; the sizes Linux checks too). */
static size_t upper_header_len(uint8_t proto)
{
    switch (proto) {
    case IP_PROTO_TCP:
        return 20;
    case IP_PROTO_UDP:
    case IP_PROTO_ICMPV6:
        return 8;
    default:
        return 0;
    }
}

/* RFC 7112 §5, RFC 8200 §4.5: a first fragment holds every header through
 * the upper-layer header. */
static bool first_fragment_complete(const uint8_t *pkt, size_t len, const struct ipv6_frag *f)
{
    struct ipv6_chain c;
    size_t data = (size_t)f->at + IPV6_FRAG_HEADER_LEN;
    if (!ipv6_walk(pkt, len, data, f->next_header, f->at, 0, &c))
        return false;
    return c.fragmented || c.upper + upper_header_len(c.proto) <= len;
}

/* A fragment that is refused before reassembly, with the parameter
 * problem RFC 8200 §4.5 asks for. */
static void fragment_refused(struct synack_stack *st, int iface, enum synack_drop_reason why, uint8_t code,
                             uint32_t pointer, const uint8_t *pkt, size_t len, synack_time_us now)
{
    st->stats.ip_reasm_reqds++;
    st->stats.ip_reasm_fails++;
    st->stats.ip_in_hdr_errors++;
    stack_drop(st, iface, why, now);
    icmp6_send_error(st, iface, ICMPV6_PARAM_PROBLEM, code, pointer, pkt, len, false, now);
}

static void fragment_input(struct synack_stack *st, int iface, const struct ipv6_packet *h, const uint8_t *pkt,
                           size_t len, const struct ipv6_chain *c, synack_time_us now)
{
    const struct ipv6_frag *f = &c->frag;
    size_t data = (size_t)f->at + IPV6_FRAG_HEADER_LEN;
    uint32_t flen = (uint32_t)(len - data);
    /* RFC 8200 §4.5: a fragment other than the last whose length is not
     * a multiple of 8: parameter problem code 0 at the Payload Length. */
    if (f->more && (flen == 0 || flen % 8 != 0)) {
        fragment_refused(st, iface, SYNACK_DROP_IP_FRAG_INVALID, ICMPV6_PARAMPROB_HEADER, 4, pkt, len, now);
        return;
    }
    /* ... one reaching past 65535: code 0 at the Fragment Offset. */
    if ((uint32_t)f->offset + flen > 65535) {
        fragment_refused(st, iface, SYNACK_DROP_IP_FRAG_TOO_LARGE, ICMPV6_PARAMPROB_HEADER, (uint32_t)f->at + 2, pkt,
                         len, now);
        return;
    }
    /* ... a first fragment without the whole header chain: code 3,
     * pointer 0 (RFC 7112 §5: SHOULD discard, MAY report; we do both). */
    if (f->offset == 0 && !first_fragment_complete(pkt, len, f)) {
        fragment_refused(st, iface, SYNACK_DROP_IP6_FRAG_INCOMPLETE_CHAIN, ICMPV6_PARAMPROB_FIRST_FRAGMENT, 0, pkt,
                         len, now);
        return;
    }
    struct ipfrag_in in = {
        .src = h->src,
        .dst = h->dst,
        .id = f->id,
        .offset = f->offset,
        .more = f->more,
        .head = pkt,
        .head_len = (uint32_t)data,
        .data = pkt + data,
        .len = flen,
        .nh_at = c->nh_at,
    };
    struct ipfrag_done done;
    if (!ipfrag_add(st, iface, &in, now, &done))
        return;
    /* The whole packet goes on from where the fragment header was, as if
     * it had arrived in one piece (RFC 8200 §4.5). */
    struct stack_rx saved = stack_rx_replace(st, done.packet, done.len);
    struct ipv6_chain whole;
    unsigned flags = IPV6_WALK_OPTIONS | IPV6_WALK_REASSEMBLED |
                     (ipv6_is_multicast(&h->dst) ? IPV6_WALK_DST_MULTICAST : 0);
    if (ipv6_walk(done.packet, done.len, done.resume_at, done.packet[done.nh_at], done.nh_at, flags, &whole))
        deliver(st, iface, h, done.packet, done.len, &whole, now);
    else
        chain_error(st, iface, &whole, done.packet, done.len, now);
    stack_rx_restore(st, saved);
    ipfrag_release(st, &done);
}

void ip6_input(struct synack_stack *st, int iface, const uint8_t *pkt, size_t len, synack_time_us now)
{
    st->stats.ip6_in_receives++;
    struct ipv6_packet h;
    enum synack_drop_reason why;
    if (!ipv6_parse_header(pkt, len, &h, &why)) {
        st->stats.ip_in_hdr_errors++;
        stack_drop(st, iface, why, now);
        return;
    }
    len = h.length;                      /* trimmed: what follows is not the packet's */
    st->rx_len = len;
    bool mcast = ipv6_is_multicast(&h.dst);
    if (mcast ? !multicast_for_us(st, iface, &h.dst) : !stack_is_local_addr(st, &h.dst)) {
        st->stats.ip_in_addr_errors++;
        stack_drop(st, iface, SYNACK_DROP_IP_NOT_FOR_US, now);
        return;
    }
    /* RFC 4291 §2.7: a multicast address is never a source; §2.5.3: the
     * loopback address never leaves a node; §2.5.5.2: IPv4-mapped
     * addresses are not used on the wire. */
    if (ipv6_is_multicast(&h.src) || ipv6_is_loopback(&h.src) || ipv6_is_v4_mapped(&h.src)) {
        st->stats.ip_in_addr_errors++;
        stack_drop(st, iface, SYNACK_DROP_IP_BAD_SOURCE, now);
        return;
    }
    struct ipv6_chain c;
    if (!ipv6_walk(pkt, len, IPV6_HEADER_LEN, pkt[6], 6, IPV6_WALK_OPTIONS | (mcast ? IPV6_WALK_DST_MULTICAST : 0),
                   &c)) {
        chain_error(st, iface, &c, pkt, len, now);
        return;
    }
    if (c.fragmented)
        fragment_input(st, iface, &h, pkt, len, &c, now);
    else
        deliver(st, iface, &h, pkt, len, &c, now);
}
