/*
 * icmp.c — ICMP for IPv4.
 *
 * Reading list: RFC 792 (message formats); RFC 1122 §3.2.2 (when a host
 * must not send an error, §3.2.2.1 unreachable codes, §3.2.2.6 echo);
 * RFC 1122 §4.2.3.9 and RFC 5927 (what an error means for TCP, and how to
 * check it is genuine); RFC 1812 §4.3.2.3 (how much to quote); RFC 6633
 * (source quench is ignored).
 *
 * In:  icmp_input -> echo request: reply
 *                 -> destination unreachable, time exceeded, parameter
 *                    problem: error_input checks the quoted header, maps
 *                    type and code to an errno, and hands it to
 *                    tcp_icmp_error or udp_icmp_error.
 * Out: icmp_send_error, called by IP (protocol unreachable), UDP (port
 *      unreachable) and reassembly (time exceeded).
 */
#include "icmp.h"

#include <string.h>

#include "byteorder.h"
#include "checksum.h"
#include "ipv4.h"
#include "stack_internal.h"
#include "tcp_conn.h"
#include "udp.h"

/* ---- Incoming errors ---- */

/* RFC 1122 §4.2.3.9: destination unreachable codes 0, 1 and 5 are soft
 * (MUST NOT abort), 2-4 hard; the codes defined later (RFC 1812 §5.2.7.1)
 * are marked as Linux marks them.  The errno values are Linux's, except
 * that EHOSTDOWN and ENONET (codes 7, 8) are reported as EHOSTUNREACH. */
static const struct {
    int err;
    bool hard;
} unreach_codes[16] = {
    [0] = { SYNACK_ENETUNREACH, false },   /* net unreachable */
    [1] = { SYNACK_EHOSTUNREACH, false },  /* host unreachable */
    [2] = { SYNACK_ENOPROTOOPT, true },    /* protocol unreachable */
    [3] = { SYNACK_ECONNREFUSED, true },   /* port unreachable */
    [4] = { SYNACK_EMSGSIZE, false },      /* fragmentation needed and DF set */
    [5] = { SYNACK_EOPNOTSUPP, false },    /* source route failed */
    [6] = { SYNACK_ENETUNREACH, true },    /* destination network unknown */
    [7] = { SYNACK_EHOSTUNREACH, true },   /* destination host unknown */
    [8] = { SYNACK_EHOSTUNREACH, true },   /* source host isolated */
    [9] = { SYNACK_ENETUNREACH, true },    /* network administratively prohibited */
    [10] = { SYNACK_EHOSTUNREACH, true },  /* host administratively prohibited */
    [11] = { SYNACK_ENETUNREACH, false },  /* network unreachable for TOS */
    [12] = { SYNACK_EHOSTUNREACH, false }, /* host unreachable for TOS */
    [13] = { SYNACK_EHOSTUNREACH, true },  /* communication administratively prohibited */
    [14] = { SYNACK_EHOSTUNREACH, true },  /* host precedence violation */
    [15] = { SYNACK_EHOSTUNREACH, true },  /* precedence cutoff in effect */
};

/* Fills *e for an error message; false for a code we do not know. */
static bool classify(uint8_t type, uint8_t code, struct icmp_err *e)
{
    memset(e, 0, sizeof *e);
    e->type = type;
    e->code = code;
    switch (type) {
    case ICMP_DEST_UNREACH:
        if (code >= 16)
            return false;
        e->err = unreach_codes[code].err;
        e->hard = unreach_codes[code].hard;
        e->frag_needed = code == ICMP_UNREACH_FRAG_NEEDED;
        return true;
    case ICMP_TIME_EXCEEDED:
        /* RFC 1122 §4.2.3.9: handled as destination unreachable 0, 1, 5. */
        e->err = SYNACK_EHOSTUNREACH;
        return code <= 1;
    case ICMP_PARAM_PROBLEM:
        e->err = SYNACK_EPROTO;         /* the same: soft */
        return true;
    default:
        return false;
    }
}

/* An error quotes the IP header of a packet we sent and at least the
 * first 8 bytes of what followed it (RFC 792): for TCP and UDP, the ports
 * (and for TCP the sequence number) that say whom it concerns. */
static void error_input(struct synack_stack *st, int iface, const uint8_t *msg, size_t len, synack_time_us now)
{
    struct icmp_err e;
    if (!classify(msg[0], msg[1], &e)) {
        stack_drop(st, iface, SYNACK_DROP_ICMP_IGNORED, now);
        return;
    }
    const uint8_t *q = msg + ICMP_HEADER_LEN;
    size_t qlen = len - ICMP_HEADER_LEN;
    size_t qhl = qlen >= 1 ? (size_t)(q[0] & 0x0f) * 4 : 0;
    if (qlen < IPV4_HEADER_LEN + 8 || q[0] >> 4 != 4 || qhl < IPV4_HEADER_LEN || qlen < qhl + 8) {
        st->stats.icmp_in_errors++;
        stack_drop(st, iface, SYNACK_DROP_ICMP_ERROR_TRUNCATED, now);
        return;
    }
    struct synack_addr qsrc = synack_addr_v4(q[12], q[13], q[14], q[15]);
    struct synack_addr qdst = synack_addr_v4(q[16], q[17], q[18], q[19]);
    /* The quoted packet must be one of ours, and the first fragment of it
     * (only that one carries the transport header). */
    if (!stack_is_local_addr(st, &qsrc) || (get_be16(q + 6) & 0x1fff) != 0) {
        stack_drop(st, iface, SYNACK_DROP_ICMP_ERROR_BAD_QUOTE, now);
        return;
    }
    if (e.frag_needed) {
        st->stats.icmp_in_frag_needed++;
        e.mtu = get_be16(msg + 6);                   /* RFC 1191 §4: Next-Hop MTU */
        e.quoted_len = get_be16(q + 2);
    }
    icmp_error_to_transport(st, iface, q[9], &qsrc, &qdst, q + qhl, qlen - qhl, &e, now);
}

void icmp_error_to_transport(struct synack_stack *st, int iface, uint8_t proto, const struct synack_addr *qsrc,
                             const struct synack_addr *qdst, const uint8_t *th, size_t thlen,
                             const struct icmp_err *e, synack_time_us now)
{
    switch (proto) {
    case IP_PROTO_TCP:
        tcp_icmp_error(st, iface, qsrc, qdst, th, thlen, e, now);
        break;
    case IP_PROTO_UDP:
        udp_icmp_error(st, iface, qsrc, qdst, th, thlen, e, now);
        break;
    default:
        stack_drop(st, iface, SYNACK_DROP_ICMP_ERROR_NO_MATCH, now);
        break;
    }
}

/* ---- Echo (RFC 1122 §3.2.2.6: every host must answer) ---- */

uint8_t *icmp_echo_reply_at_tx(struct synack_stack *st, uint8_t reply_type, const uint8_t *msg, size_t len)
{
    /* The reply echoes identifier, sequence number and data unchanged. */
    uint8_t *reply = stack_tx_l4(st);
    memcpy(reply, msg, len);
    reply[0] = reply_type;
    reply[1] = 0;
    put_be16(reply + 2, 0);
    return reply;
}

static void echo_input(struct synack_stack *st, int iface, const struct synack_addr *src,
                       const struct synack_addr *dst, const uint8_t *msg, size_t len, synack_time_us now)
{
    st->stats.icmp_in_echos++;
    if (len > STACK_TX_BUF - IPV4_HEADER_LEN)
        return;
    uint8_t *reply = icmp_echo_reply_at_tx(st, ICMP_ECHO_REPLY, msg, len);
    put_be16(reply + 2, csum_finish(csum_add(0, reply, len)));
    int out = stack_reply_iface(st, src, iface);
    if (stack_ip_output(st, out, dst, src, IP_PROTO_ICMP, len, 0, now) == 0) {
        st->stats.icmp_out_msgs++;
        st->stats.icmp_out_echo_reps++;
    }
}

void icmp_input(struct synack_stack *st, int iface, const struct synack_addr *src, const struct synack_addr *dst,
                const uint8_t *msg, size_t len, synack_time_us now)
{
    st->stats.icmp_in_msgs++;
    if (len < ICMP_HEADER_LEN) {
        st->stats.icmp_in_errors++;
        stack_drop(st, iface, SYNACK_DROP_ICMP_TRUNCATED, now);
        return;
    }
    if (csum_finish(csum_add(0, msg, len)) != 0) {
        st->stats.icmp_in_errors++;
        stack_drop(st, iface, SYNACK_DROP_ICMP_CHECKSUM, now);
        return;
    }
    switch (msg[0]) {
    case ICMP_ECHO_REQUEST:
        echo_input(st, iface, src, dst, msg, len, now);
        break;
    case ICMP_DEST_UNREACH:
        st->stats.icmp_in_dest_unreachs++;
        error_input(st, iface, msg, len, now);
        break;
    case ICMP_TIME_EXCEEDED:
        st->stats.icmp_in_time_excds++;
        error_input(st, iface, msg, len, now);
        break;
    case ICMP_PARAM_PROBLEM:
        st->stats.icmp_in_parm_probs++;
        error_input(st, iface, msg, len, now);
        break;
    default:
        /* Echo replies (we send no requests), source quench (RFC 6633 §3:
         * a host MUST ignore it), redirects (we have no routing table to
         * change), and everything else. */
        stack_drop(st, iface, SYNACK_DROP_ICMP_IGNORED, now);
        break;
    }
}

/* ---- Outgoing errors ---- */

/* Query messages (RFC 792, RFC 950); every other type is treated as an
 * error, so that no error is ever sent about one (RFC 1122 §3.2.2). */
static bool icmp_type_is_query(uint8_t type)
{
    return type == ICMP_ECHO_REPLY || type == ICMP_ECHO_REQUEST || (type >= 13 && type <= 18);
}

/* Whether addr is the directed broadcast of one of our on-link prefixes
 * ({<Network-number>, -1} in RFC 1122 §3.2.1.3). */
static bool is_directed_broadcast(const struct synack_stack *st, const struct synack_addr *addr)
{
    for (int i = 0; i < st->iface_count; i++)
        if (stack_iface_directed_broadcast(st, i, addr))
            return true;
    return false;
}

/* Whether addr names one host: not 0.x, loopback, multicast, class E, the
 * limited broadcast or a directed broadcast (RFC 1122 §3.2.2, last bullet). */
static bool is_unicast_host(const struct synack_stack *st, const struct synack_addr *addr)
{
    uint8_t first = addr->bytes[0];
    return addr->family == SYNACK_AF_INET && first != 0 && first != 127 && first < 224 &&
           !is_directed_broadcast(st, addr);
}

/* RFC 1122 §3.2.2 and RFC 1812 §4.3.2.8: errors are rate-limited, here
 * by a token bucket of cfg.icmp_error_rate a second (ratelimit.h). */
int icmp_error_iface(struct synack_stack *st, int iface, const struct synack_addr *to, synack_time_us now)
{
    if (!token_bucket_take(&st->icmp_errors, st->cfg.icmp_error_rate, st->cfg.icmp_error_burst, now)) {
        st->stats.icmp_out_rate_limited++;
        return -1;
    }
    int out = stack_reply_iface(st, to, iface);
    return out >= 0 && out < st->iface_count ? out : -1;
}

size_t icmp_write_error(struct synack_stack *st, int out, size_t ip_hlen, uint8_t type, uint8_t code, uint32_t word,
                        const uint8_t *orig, size_t orig_len, size_t max_quote)
{
    size_t quote = orig_len < max_quote ? orig_len : max_quote;
    size_t room = st->ifaces[out].mtu - ip_hlen - ICMP_HEADER_LEN;
    if (quote > room)
        quote = room;
    uint8_t *msg = stack_tx_l4(st);
    msg[0] = type;
    msg[1] = code;
    put_be16(msg + 2, 0);
    put_be32(msg + 4, word);
    memcpy(msg + ICMP_HEADER_LEN, orig, quote);
    return ICMP_HEADER_LEN + quote;
}

bool icmp_send_error(struct synack_stack *st, int iface, uint8_t type, uint8_t code, const uint8_t *orig,
                     size_t orig_len, synack_time_us now)
{
    struct ipv4_packet ip;
    enum synack_drop_reason why;
    if (!orig || !ipv4_parse(orig, orig_len, &ip, &why))
        return false;
    /* RFC 1122 §3.2.2: an ICMP error message MUST NOT be sent as the
     * result of receiving an ICMP error message, a datagram to a broadcast
     * or multicast address, a fragment other than the first, or a datagram
     * whose source does not define a single host.  (Link-layer broadcasts
     * do not reach us: interfaces carry raw IP.) */
    if (ip.frag_offset != 0)
        return false;
    if (ip.proto == IP_PROTO_ICMP && (ip.payload_len < 1 || !icmp_type_is_query(ip.payload[0])))
        return false;
    if (!is_unicast_host(st, &ip.dst) || !is_unicast_host(st, &ip.src) || stack_is_local_addr(st, &ip.src))
        return false;
    int out = icmp_error_iface(st, iface, &ip.src, now);
    if (out < 0)
        return false;
    /* The IP header and as much of the data as fits in ICMP_QUOTE_MAX and
     * in the interface's MTU (at least 68, which leaves 40: the header and
     * 8 bytes with room to spare for a header without options). */
    size_t total = (size_t)ip.header_len + ip.payload_len;
    uint8_t *msg = stack_tx_l4(st);
    size_t n = icmp_write_error(st, out, IPV4_HEADER_LEN, type, code, 0 /* unused (RFC 792) */, orig, total,
                                ICMP_QUOTE_MAX);
    put_be16(msg + 2, csum_finish(csum_add(0, msg, n)));
    /* From the address the offending packet was sent to: one of ours. */
    if (stack_ip_output(st, out, &ip.dst, &ip.src, IP_PROTO_ICMP, n, 0, now) != 0)
        return false;
    st->stats.icmp_out_msgs++;
    if (type == ICMP_DEST_UNREACH)
        st->stats.icmp_out_dest_unreachs++;
    else if (type == ICMP_TIME_EXCEEDED)
        st->stats.icmp_out_time_excds++;
    return true;
}
