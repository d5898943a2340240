/*
 * icmp6.c — ICMPv6.
 *
 * Reading list: RFC 4443 (messages: §2.3 checksum over the IPv6
 * pseudo-header, §2.4 processing rules, §3 errors, §4 echo); RFC 8200 §8.1
 * (the pseudo-header); RFC 1122 §4.2.3.9 and RFC 5927 (what an error means
 * for TCP and how to check it is genuine: tcp_icmp.c); RFC 8201 (packet
 * too big: read here, acted on by TCP's path MTU code); RFC 4861 (types
 * 133-137: ndp.c).
 *
 * In:  ip6_input -> icmp6_input -> echo request: reply
 *                               -> errors: error_input checks the quoted
 *                                  packet (ours, its header chain walked to
 *                                  the transport header), maps type and
 *                                  code to an errno, and hands it to
 *                                  tcp_icmp_error or udp_icmp_error
 *                               -> 133-137: ndp_input
 *                               -> anything else (echo replies, MLD,
 *                                  unknown types): counted and ignored
 * Out: icmp6_send_error, called by ipv6.c (parameter problems), UDP (port
 *      unreachable) and reassembly (time exceeded).
 *
 * What an error means (the IPv4 choices of icmp.c, carried over):
 *   destination unreachable 0 no route            ENETUNREACH   soft
 *                           1 admin. prohibited   EHOSTUNREACH  hard
 *                           2 beyond scope        EHOSTUNREACH  soft
 *                           3 address unreachable EHOSTUNREACH  soft
 *                           4 port unreachable    ECONNREFUSED  hard
 *                           5 source policy, 6 reject route
 *                                                 EHOSTUNREACH  hard
 *                           other codes           EHOSTUNREACH  soft
 *   packet too big                                path MTU news (frag_needed, mtu)
 *   time exceeded                                 EHOSTUNREACH  soft
 *   parameter problem       1 next header         ENOPROTOOPT   hard (IPv6's protocol unreachable)
 *                           other codes           EPROTO        soft
 * "Hard" ends a connection only in SYN-SENT (tcp_icmp.c, RFC 5927 §5.2)
 * and is reported to a connected UDP socket; "soft" is remembered.  Error
 * types we do not know are ignored (RFC 4443 §2.4 (a) would pass them up;
 * with nothing to say what they mean, a transport could only guess).
 */
#include "icmp6.h"

#include <string.h>

#include "byteorder.h"
#include "checksum.h"
#include "icmp.h"
#include "ipv4.h"
#include "ipv6.h"
#include "ndp.h"
#include "stack_internal.h"

static uint16_t icmp6_checksum(const struct synack_addr *src, const struct synack_addr *dst, const uint8_t *msg,
                               size_t len)
{
    return csum_finish(csum_add(csum_pseudo(src, dst, IP_PROTO_ICMPV6, (uint32_t)len), msg, len));
}

/* ---- Incoming errors ---- */

/* Fills *e for an error message (see the table at the top). */
static void classify(const uint8_t *msg, struct icmp_err *e)
{
    static const struct {
        int err;
        bool hard;
    } unreach[7] = {
        [ICMPV6_UNREACH_NO_ROUTE] = { SYNACK_ENETUNREACH, false },
        [ICMPV6_UNREACH_ADMIN] = { SYNACK_EHOSTUNREACH, true },
        [ICMPV6_UNREACH_BEYOND_SCOPE] = { SYNACK_EHOSTUNREACH, false },
        [ICMPV6_UNREACH_ADDR] = { SYNACK_EHOSTUNREACH, false },
        [ICMPV6_UNREACH_PORT] = { SYNACK_ECONNREFUSED, true },
        [ICMPV6_UNREACH_POLICY] = { SYNACK_EHOSTUNREACH, true },
        [ICMPV6_UNREACH_REJECT_ROUTE] = { SYNACK_EHOSTUNREACH, true },
    };
    uint8_t type = msg[0], code = msg[1];
    memset(e, 0, sizeof *e);
    e->type = type;
    e->code = code;
    switch (type) {
    case ICMPV6_DEST_UNREACH:
        e->err = code < 7 ? unreach[code].err : SYNACK_EHOSTUNREACH;
        e->hard = code < 7 && unreach[code].hard;
        break;
    case ICMPV6_PACKET_TOO_BIG:
        /* RFC 4443 §3.2: the MTU of the next-hop link; RFC 8201 decides
         * what to make of it (the pmtu code, through e->mtu). */
        e->err = SYNACK_EMSGSIZE;
        e->frag_needed = true;
        e->mtu = get_be32(msg + 4);
        break;
    case ICMPV6_TIME_EXCEEDED:
        e->err = SYNACK_EHOSTUNREACH;
        break;
    default:                                 /* ICMPV6_PARAM_PROBLEM */
        e->hard = code == ICMPV6_PARAMPROB_NEXT_HEADER;
        e->err = e->hard ? SYNACK_ENOPROTOOPT : SYNACK_EPROTO;
        break;
    }
}

/* An error quotes a packet we sent (RFC 4443 §2.4 (c): as much as fits):
 * its IPv6 header, the extension headers if any, and at least the first
 * 8 bytes of the transport header, which say whom it concerns. */
static void error_input(struct synack_stack *st, int iface, const uint8_t *msg, size_t len, synack_time_us now)
{
    const uint8_t *q = msg + ICMP_HEADER_LEN;
    size_t qlen = len - ICMP_HEADER_LEN;
    if (qlen < IPV6_HEADER_LEN || q[0] >> 4 != 6) {
        st->stats.icmp6_in_errors++;
        stack_drop(st, iface, SYNACK_DROP_ICMP6_ERROR_TRUNCATED, now);
        return;
    }
    struct synack_addr qsrc = synack_addr_v6(q + 8);
    struct synack_addr qdst = synack_addr_v6(q + 24);
    if (!stack_is_local_addr(st, &qsrc)) {
        stack_drop(st, iface, SYNACK_DROP_ICMP6_ERROR_BAD_QUOTE, now);
        return;
    }
    /* The quote may stop anywhere: walk what there is (the quoted payload
     * length is the original's).  Only a first fragment carries the
     * transport header. */
    struct ipv6_chain c;
    bool walked = ipv6_walk(q, qlen, IPV6_HEADER_LEN, q[6], 6, IPV6_WALK_THROUGH_FIRST, &c);
    if (walked && c.proto == IP6_NH_FRAGMENT) {
        stack_drop(st, iface, SYNACK_DROP_ICMP6_ERROR_BAD_QUOTE, now);
        return;
    }
    if (!walked || c.upper + 8 > qlen) {
        st->stats.icmp6_in_errors++;
        stack_drop(st, iface, SYNACK_DROP_ICMP6_ERROR_TRUNCATED, now);
        return;
    }
    struct icmp_err e;
    classify(msg, &e);
    icmp_error_to_transport(st, iface, (uint8_t)c.proto, &qsrc, &qdst, q + c.upper, qlen - c.upper, &e, now);
}

/* ---- Echo (RFC 4443 §4.1, §4.2: every node answers) ---- */

static void echo_input(struct synack_stack *st, int iface, const struct synack_addr *src,
                       const struct synack_addr *dst, const uint8_t *msg, size_t len, synack_time_us now)
{
    st->stats.icmp6_in_echos++;
    if (len > STACK_TX_BUF - IPV6_HEADER_LEN)
        return;
    int out = stack_reply_iface(st, src, iface);
    /* §4.2: the reply to a request sent to a multicast address goes from a
     * unicast address of the interface the request came in on. */
    const struct synack_addr *from = dst;
    if (ipv6_is_multicast(dst)) {
        out = iface;
        from = stack_source_addr(st, iface, src);
        if (!from)
            return;
    }
    uint8_t *reply = icmp_echo_reply_at_tx(st, ICMPV6_ECHO_REPLY, msg, len);
    put_be16(reply + 2, icmp6_checksum(from, src, reply, len));
    if (stack_ip_output(st, out, from, src, IP_PROTO_ICMPV6, len, 0, now) == 0) {
        st->stats.icmp6_out_msgs++;
        st->stats.icmp6_out_echo_replies++;
    }
}

void icmp6_input(struct synack_stack *st, int iface, const struct synack_addr *src, const struct synack_addr *dst,
                 uint8_t hop_limit, const uint8_t *msg, size_t len, synack_time_us now)
{
    st->stats.icmp6_in_msgs++;
    /* Every message we read has 8 bytes of header: type, code, checksum
     * and a 32-bit field (RFC 4443 §2.1, §3, §4; RFC 4861 §4). */
    if (len < ICMP_HEADER_LEN) {
        st->stats.icmp6_in_errors++;
        stack_drop(st, iface, SYNACK_DROP_ICMP6_TRUNCATED, now);
        return;
    }
    uint8_t type = msg[0];
    /* RFC 4443 §2.3: the checksum covers the IPv6 pseudo-header. */
    if (icmp6_checksum(src, dst, msg, len) != 0) {
        st->stats.icmp6_in_errors++;
        stack_drop(st, iface, SYNACK_DROP_ICMP6_CHECKSUM, now);
        return;
    }
    /* ip6_input let the unspecified source through for these alone. */
    bool nd = icmp6_type_is_nd(type);
    /* The error types each have their counter (Icmp6In*). */
    uint64_t *error_count = type == ICMPV6_DEST_UNREACH     ? &st->stats.icmp6_in_dest_unreachs
                            : type == ICMPV6_PACKET_TOO_BIG ? &st->stats.icmp6_in_pkt_too_bigs
                            : type == ICMPV6_TIME_EXCEEDED  ? &st->stats.icmp6_in_time_excds
                            : type == ICMPV6_PARAM_PROBLEM  ? &st->stats.icmp6_in_parm_problems
                                                            : NULL;
    if (error_count) {
        (*error_count)++;
        error_input(st, iface, msg, len, now);
    } else if (type == ICMPV6_ECHO_REQUEST) {
        echo_input(st, iface, src, dst, msg, len, now);
    } else if (nd) {
        st->stats.icmp6_in_nd_msgs++;
        ndp_input(st, iface, src, dst, hop_limit, msg, len, now);
    } else {
        /* Echo replies (we send no requests), multicast listener
         * discovery (we join no groups but the ones the link layer
         * keeps), unknown informational messages (RFC 4443 §2.4 (b):
         * discard) and unknown errors. */
        stack_drop(st, iface, SYNACK_DROP_ICMP6_IGNORED, now);
    }
}

/* ---- Outgoing errors ---- */

/* RFC 4443 §2.4 (e.1, e.2): no error about an ICMPv6 error message or a
 * redirect.  orig's chain is walked as far as it goes; a packet whose
 * chain is broken (the likely subject of a parameter problem) is not
 * one. */
static bool is_icmp6_error(const uint8_t *orig, size_t len)
{
    struct ipv6_chain c;
    if (!ipv6_walk(orig, len, IPV6_HEADER_LEN, orig[6], 6, IPV6_WALK_THROUGH_FIRST, &c) ||
        c.proto != IP_PROTO_ICMPV6 || c.upper >= len)
        return false;
    uint8_t type = orig[c.upper];
    return type < 128 || type == ICMPV6_REDIRECT;
}

bool icmp6_send_error(struct synack_stack *st, int iface, uint8_t type, uint8_t code, uint32_t word,
                      const uint8_t *orig, size_t orig_len, bool to_multicast_ok, synack_time_us now)
{
    struct ipv6_packet ip;
    enum synack_drop_reason why;
    if (!orig || !ipv6_parse_header(orig, orig_len, &ip, &why))
        return false;
    orig_len = ip.length;
    if (is_icmp6_error(orig, orig_len))
        return false;
    /* (e.3): not about a packet to a multicast address (but see
     * to_multicast_ok); (e.6): nor from an address that does not name a
     * single node.  Nor to ourselves. */
    if (ipv6_is_multicast(&ip.dst) && !to_multicast_ok)
        return false;
    if (synack_addr_is_any(&ip.src) || ipv6_is_multicast(&ip.src) || ipv6_is_loopback(&ip.src) ||
        stack_is_local_addr(st, &ip.src))
        return false;
    int out = icmp_error_iface(st, iface, &ip.src, now);
    if (out < 0)
        return false;
    /* RFC 4443 §2.2: from the address the packet was sent to when that is
     * one of our unicast addresses, else as for any packet to its source. */
    const struct synack_addr *from = stack_is_local_addr(st, &ip.dst) ? &ip.dst : stack_source_addr(st, out, &ip.src);
    if (!from)
        return false;
    uint8_t *msg = stack_tx_l4(st);
    size_t n = icmp_write_error(st, out, IPV6_HEADER_LEN, type, code, word, orig, orig_len, ICMPV6_QUOTE_MAX);
    put_be16(msg + 2, icmp6_checksum(from, &ip.src, msg, n));
    if (stack_ip_output(st, out, from, &ip.src, IP_PROTO_ICMPV6, n, 0, now) != 0)
        return false;
    st->stats.icmp6_out_msgs++;
    if (type == ICMPV6_DEST_UNREACH)
        st->stats.icmp6_out_dest_unreachs++;
    else if (type == ICMPV6_TIME_EXCEEDED)
        st->stats.icmp6_out_time_excds++;
    else if (type == ICMPV6_PARAM_PROBLEM)
        st->stats.icmp6_out_parm_problems++;
    return true;
}
