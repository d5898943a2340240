/*
 * text.c — tcpdump-like text for packets and trace events.
 *
 * A packet line follows `tcpdump -n -S` (absolute sequence numbers):
 *
 *   IP 198.18.0.1.49152 > 198.18.0.2.80: Flags [S], seq 1000, win 65535, options [mss 1460], length 0
 *   IP 198.18.0.2.80 > 198.18.0.1.49152: Flags [P.], seq 8001:8011, ack 1021, win 65535, length 10
 *   IP 198.18.0.1 > 198.18.0.2: ICMP echo request, id 7, seq 1, length 64
 *   IP6 fd00:5ac::1.49152 > fd00:5ac::2.80: Flags [S], seq 1000, win 65535, options [mss 1440], length 0
 *   IP6 fe80::1 > ff02::1:ff00:2: ICMP6, neighbor solicitation, who has fd00:5ac::2, length 32
 *
 * IPv6 addresses are written as RFC 5952 recommends; an IPv6 packet's
 * extension headers are walked (and not shown) to the upper layer, whose
 * line is the same as over IPv4.
 * with one deliberate difference: tcpdump leaves out "seq" on a segment
 * that carries no data and no SYN, FIN or RST (a pure ACK), while synack
 * always prints it, because the exchanges this project draws (and tests)
 * name SEG.SEQ on every segment.  Flag letters and their order are
 * tcpdump's: F S R P . U E W, where "." is ACK.
 *
 * Everything here reads untrusted bytes.  The verdicts come from the
 * engine's own codec (ipv4_parse, ipv6_parse_header and ipv6_walk,
 * tcp_parse), so a line says "bad" exactly
 * when the stack would drop the packet for that reason; the few fields that
 * are shown for packets the codec rejects (a bad IP checksum, a truncated
 * tail, malformed TCP options) are read here with their own bounds checks.
 * Nothing is read at or beyond `len`.
 */
#include "synack/trace_text.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "byteorder.h"
#include "checksum.h"
#include "ipv4.h"
#include "ipv6.h"
#include "tcp_wire.h"

/* A bounded string builder: appends until the buffer is full, then drops
 * the rest.  The buffer is NUL-terminated at every step. */
struct out {
    char *buf;
    size_t cap;   /* > 0 */
    size_t len;   /* < cap */
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
    if (o->len + 1 >= o->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    o->len += (size_t)n;
    if (o->len >= o->cap)
        o->len = o->cap - 1;
}

static void put_ip(struct out *o, const struct synack_addr *a)
{
    char text[SYNACK_ENDPOINT_STRLEN];
    put(o, "%s", synack_addr_format(a, text, sizeof text));
}

/* A packet's source and destination address. */
struct ends {
    struct synack_addr src, dst;
};

/* "src > dst: " or "src.sport > dst.dport: " (tcpdump writes the port
 * after a dot for IPv6 too) */
static void put_endpoints(struct out *o, const struct ends *e, const uint8_t *ports)
{
    put_ip(o, &e->src);
    if (ports)
        put(o, ".%u", get_be16(ports));
    put(o, " > ");
    put_ip(o, &e->dst);
    if (ports)
        put(o, ".%u", get_be16(ports + 2));
    put(o, ": ");
}

static void put_flags(struct out *o, uint8_t flags)
{
    static const struct {
        uint8_t bit;
        char letter;
    } order[] = {
        {TCP_FIN, 'F'}, {TCP_SYN, 'S'}, {TCP_RST, 'R'}, {TCP_PSH, 'P'},
        {TCP_ACK, '.'}, {TCP_URG, 'U'}, {TCP_ECE, 'E'}, {TCP_CWR, 'W'},
    };
    char s[sizeof order / sizeof order[0] + 1];
    size_t n = 0;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (flags & order[i].bit)
            s[n++] = order[i].letter;
    s[n] = '\0';
    put(o, "Flags [%s]", n ? s : "none");
}

/* The option list in wire order, as tcpdump shows it.  Malformed lengths
 * are marked and end the walk (past a bad length nothing can be trusted). */
static void put_tcp_options(struct out *o, const uint8_t *p, size_t len)
{
    put(o, ", options [");
    size_t i = 0;
    bool first = true;
    while (i < len) {
        if (!first)
            put(o, ",");
        first = false;
        uint8_t kind = p[i];
        if (kind == TCP_OPT_EOL) {
            put(o, "eol");
            break;
        }
        if (kind == TCP_OPT_NOP) {
            put(o, "nop");
            i++;
            continue;
        }
        if (i + 1 >= len) {
            put(o, "[bad opt %u: no length]", kind);
            break;
        }
        uint8_t olen = p[i + 1];
        if (olen < 2 || (size_t)olen > len - i) {
            put(o, "[bad opt %u: length %u]", kind, olen);
            break;
        }
        const uint8_t *v = p + i + 2;
        unsigned vlen = (unsigned)olen - 2;
        switch (kind) {
        case TCP_OPT_MSS:
            if (vlen == 2)
                put(o, "mss %u", get_be16(v));
            else
                put(o, "mss [bad length %u]", olen);
            break;
        case TCP_OPT_WSCALE:
            if (vlen == 1)
                put(o, "wscale %u", v[0]);
            else
                put(o, "wscale [bad length %u]", olen);
            break;
        case TCP_OPT_SACK_PERM:
            if (vlen == 0)
                put(o, "sackOK");
            else
                put(o, "sackOK [bad length %u]", olen);
            break;
        case TCP_OPT_TIMESTAMP:
            if (vlen == 8)
                put(o, "TS val %" PRIu32 " ecr %" PRIu32, get_be32(v), get_be32(v + 4));
            else
                put(o, "TS [bad length %u]", olen);
            break;
        case TCP_OPT_SACK:
            if (vlen > 0 && vlen % 8 == 0) {
                put(o, "sack %u ", vlen / 8);
                for (unsigned b = 0; b < vlen / 8; b++)
                    put(o, "{%" PRIu32 ":%" PRIu32 "}", get_be32(v + 8 * b), get_be32(v + 8 * b + 4));
            } else {
                put(o, "sack [bad length %u]", olen);
            }
            break;
        default:
            put(o, "opt-%u len %u", kind, olen);
            break;
        }
        i += olen;
    }
    put(o, "]");
}

/* A TCP segment of len bytes (what the IP header says is there, cut to
 * what was captured).  `complete` is false when the IP packet was cut
 * short, so that the checksum cannot be judged. */
static void put_tcp(struct out *o, const struct ends *ip, const uint8_t *p, size_t len, bool complete)
{
    struct tcp_segment seg;
    enum synack_drop_reason why = SYNACK_DROP_TCP_TRUNCATED;
    bool ok = tcp_parse(p, len, &seg, &why);
    if (!ok && why == SYNACK_DROP_TCP_TRUNCATED) {
        put_endpoints(o, ip, len >= 4 ? p : NULL);
        put(o, "[bad tcp hdr] truncated, length %zu", len);
        return;
    }
    put_endpoints(o, ip, p);
    size_t hlen = (size_t)(p[12] >> 4) * 4;
    if (!ok && why == SYNACK_DROP_TCP_DATA_OFFSET) {
        put(o, "[bad tcp hdr] data offset %zu, length %zu", hlen, len);
        return;
    }
    /* Here the fixed header and the option area are within len; only the
     * options may be malformed (why == TCP_OPTIONS). */
    if (!ok)
        put(o, "[bad tcp options] ");
    uint8_t flags = p[13];
    uint32_t seq = get_be32(p + 4);
    size_t dlen = len - hlen;
    put_flags(o, flags);
    if (dlen)
        put(o, ", seq %" PRIu32 ":%" PRIu32, seq, (uint32_t)(seq + dlen));
    else
        put(o, ", seq %" PRIu32, seq);
    if (flags & TCP_ACK)
        put(o, ", ack %" PRIu32, get_be32(p + 8));
    put(o, ", win %u", get_be16(p + 14));
    if (flags & TCP_URG)
        put(o, ", urg %u", get_be16(p + 18));
    if (hlen > TCP_HEADER_MIN)
        put_tcp_options(o, p + TCP_HEADER_MIN, hlen - TCP_HEADER_MIN);
    put(o, ", length %zu", dlen);
    if (complete && !tcp_checksum_ok(&ip->src, &ip->dst, p, len))
        put(o, " [bad tcp cksum]");
}

static void put_icmp(struct out *o, const struct ends *ip, const uint8_t *p, size_t len, bool complete)
{
    put_endpoints(o, ip, NULL);
    if (len < 4) {
        put(o, "ICMP [bad icmp hdr] truncated, length %zu", len);
        return;
    }
    uint8_t type = p[0], code = p[1];
    if ((type == 8 || type == 0) && code == 0) {
        const char *what = type == 8 ? "echo request" : "echo reply";
        if (len >= 8)
            put(o, "ICMP %s, id %u, seq %u, length %zu", what, get_be16(p + 4), get_be16(p + 6), len);
        else
            put(o, "ICMP %s [bad icmp hdr] truncated, length %zu", what, len);
    } else {
        put(o, "ICMP type %u code %u, length %zu", type, code, len);
    }
    if (complete && csum_finish(csum_add(0, p, len)) != 0)
        put(o, " [bad icmp cksum]");
}

static void put_udp(struct out *o, const struct ends *ip, const uint8_t *p, size_t len)
{
    if (len < 8) {
        put_endpoints(o, ip, len >= 4 ? p : NULL);
        put(o, "UDP [bad udp hdr] truncated, length %zu", len);
        return;
    }
    put_endpoints(o, ip, p);
    put(o, "UDP, length %zu", len - 8);
}

/* Only the first fragment holds the transport header, and a fragment's
 * checksum covers data not here: fragments are described, not decoded. */
static void put_fragment(struct out *o, const struct ends *e, unsigned proto, uint32_t id, unsigned offset,
                         size_t len, bool more)
{
    put_endpoints(o, e, NULL);
    put(o, "ip-proto-%u fragment id %" PRIu32 ", offset %u, length %zu%s", proto, id, offset, len,
        more ? ", more fragments" : "");
}

/* ICMPv6 (RFC 4443 §2.1, §3, §4; neighbour discovery, RFC 4861 §4) in
 * tcpdump's words. */
static void put_icmp6(struct out *o, const struct ends *ip, const uint8_t *p, size_t len, bool complete)
{
    static const char *const unreach[] = { "unreachable route", "unreachable prohibited", "beyond scope",
                                           "unreachable address", "unreachable port", "failed policy",
                                           "reject route" };
    put_endpoints(o, ip, NULL);
    put(o, "ICMP6, ");
    if (len < 4) {
        put(o, "[bad icmp6 hdr] truncated, length %zu", len);
        return;
    }
    uint8_t type = p[0], code = p[1];
    bool body = len >= 8;
    switch (type) {
    case 1:
        put(o, "destination unreachable, %s", code < 7 ? unreach[code] : "code unknown");
        break;
    case 2:
        if (body)
            put(o, "packet too big, mtu %" PRIu32, get_be32(p + 4));
        else
            put(o, "packet too big");
        break;
    case 3:
        put(o, "time exceeded %s", code == 0 ? "in-transit" : code == 1 ? "in-transit for reassembly" : "");
        break;
    case 4:
        put(o, "parameter problem, code %u", code);
        if (body)
            put(o, ", pointer %" PRIu32, get_be32(p + 4));
        break;
    case 128:
    case 129:
        if (body)
            put(o, "echo %s, id %u, seq %u", type == 128 ? "request" : "reply", get_be16(p + 4), get_be16(p + 6));
        else
            put(o, "echo %s", type == 128 ? "request" : "reply");
        break;
    case 133: put(o, "router solicitation"); break;
    case 134: put(o, "router advertisement"); break;
    case 135:
    case 136:
        put(o, "neighbor %s", type == 135 ? "solicitation" : "advertisement");
        if (len >= 24) {
            struct synack_addr target = synack_addr_v6(p + 8);
            put(o, ", %s ", type == 135 ? "who has" : "tgt is");
            put_ip(o, &target);
        }
        break;
    case 137: put(o, "redirect"); break;
    default: put(o, "type %u, code %u", type, code); break;
    }
    put(o, ", length %zu", len);
    if (complete &&
        csum_finish(csum_add(csum_pseudo(&ip->src, &ip->dst, IP_PROTO_ICMPV6, (uint32_t)len), p, len)) != 0)
        put(o, " [bad icmp6 cksum]");
}

/* An IPv6 packet (the version field said 6).  A packet cut short (by a
 * capture's snapshot length) is shown as far as it goes; a malformed
 * extension-header chain is named by the reason the stack would drop it
 * for. */
static void put_ipv6(struct out *o, const uint8_t *p, size_t len)
{
    put(o, "IP6 ");
    if (len < IPV6_HEADER_LEN) {
        put(o, "truncated-ip6 (%zu bytes)", len);
        return;
    }
    struct ipv6_packet ip;
    enum synack_drop_reason why;
    size_t end = len;              /* the bytes of the packet present */
    bool complete = ipv6_parse_header(p, len, &ip, &why);
    if (complete) {
        end = ip.length;
    } else if (why == SYNACK_DROP_IP6_JUMBOGRAM) {
        put(o, "jumbogram (payload length 0), %zu bytes, not decoded", len);
        return;
    } else {
        put(o, "truncated-ip6 - %zu bytes missing! ", IPV6_HEADER_LEN + (size_t)get_be16(p + 4) - len);
    }
    struct ends e = { synack_addr_v6(p + 8), synack_addr_v6(p + 24) };
    struct ipv6_chain c;
    if (!ipv6_walk(p, end, IPV6_HEADER_LEN, p[6], 6, IPV6_WALK_THROUGH_FIRST, &c)) {
        put_endpoints(o, &e, NULL);
        put(o, "[bad ip6 header chain] %s, length %zu", synack_drop_description(c.why), end - IPV6_HEADER_LEN);
        return;
    }
    if (c.fragmented) {
        size_t data = c.frag.at + IPV6_FRAG_HEADER_LEN;
        put_fragment(o, &e, c.frag.next_header, c.frag.id, c.frag.offset, end - data, c.frag.more);
        return;
    }
    const uint8_t *upper = p + c.upper;
    size_t avail = end - c.upper;
    switch (c.proto) {
    case IP_PROTO_TCP:
        put_tcp(o, &e, upper, avail, complete);
        break;
    case IP_PROTO_ICMPV6:
        put_icmp6(o, &e, upper, avail, complete);
        break;
    case IP_PROTO_UDP:
        put_udp(o, &e, upper, avail);
        break;
    case IP6_NH_NONE:
        put_endpoints(o, &e, NULL);
        put(o, "no next header, length %zu", avail);
        break;
    default:
        put_endpoints(o, &e, NULL);
        put(o, "ip-proto-%u length %zu", c.proto, avail);
        break;
    }
}

/* The fields of a header ipv4_parse rejected for its checksum or for a
 * total length beyond the buffer: the header itself is whole (the caller
 * checked 20 <= header length <= len). */
static void ipv4_fields_unchecked(const uint8_t *p, size_t hlen, size_t total, struct ipv4_packet *ip)
{
    memset(ip, 0, sizeof *ip);
    ip->src = synack_addr_v4(p[12], p[13], p[14], p[15]);
    ip->dst = synack_addr_v4(p[16], p[17], p[18], p[19]);
    ip->proto = p[9];
    ip->ttl = p[8];
    ip->header_len = (uint8_t)hlen;
    ip->id = get_be16(p + 4);
    uint16_t frag = get_be16(p + 6);
    ip->dont_fragment = (frag & 0x4000) != 0;
    ip->more_fragments = (frag & 0x2000) != 0;
    ip->frag_offset = (uint16_t)((frag & 0x1fff) * 8);
    ip->payload = p + hlen;
    ip->payload_len = (uint16_t)(total - hlen);
}

char *synack_format_packet(const uint8_t *packet, size_t len, char *buf, size_t buflen)
{
    if (!buf || buflen == 0)
        return buf;
    struct out o = {buf, buflen, 0};
    buf[0] = '\0';
    if (!packet)
        len = 0;
    if (len >= 1 && packet[0] >> 4 == 6) {
        put_ipv6(&o, packet, len);
        return buf;
    }

    put(&o, "IP ");
    if (len < IPV4_HEADER_LEN) {
        put(&o, "truncated-ip (%zu bytes)", len);
        return buf;
    }
    struct ipv4_packet ip;
    enum synack_drop_reason why = SYNACK_DROP_IP_TRUNCATED;
    size_t hlen = (size_t)(packet[0] & 0x0f) * 4;
    size_t total = get_be16(packet + 2);
    size_t avail;             /* bytes of IP payload actually present */
    bool complete = true;
    bool bad_cksum = false;
    if (ipv4_parse(packet, len, &ip, &why)) {
        avail = ip.payload_len;
    } else if (why == SYNACK_DROP_IP_VERSION) {
        put(&o, "bad version %u (%zu bytes)", packet[0] >> 4, len);
        return buf;
    } else if (hlen < IPV4_HEADER_LEN || total < hlen) {
        put(&o, "bad header length %zu, total length %zu (%zu bytes)", hlen, total, len);
        return buf;
    } else if (hlen > len) {
        put(&o, "truncated-ip: header %zu bytes, packet %zu bytes", hlen, len);
        return buf;
    } else {
        /* Readable header: either the total length runs past the buffer,
         * or the checksum is wrong (or both).  Show what is there. */
        if (total > len) {
            put(&o, "truncated-ip - %zu bytes missing! ", total - len);
            complete = false;
        }
        bad_cksum = csum_finish(csum_add(0, packet, hlen)) != 0;
        if (bad_cksum)
            put(&o, "[bad ip cksum] ");
        ipv4_fields_unchecked(packet, hlen, total, &ip);
        avail = (complete ? total : len) - hlen;
    }

    struct ends e = { ip.src, ip.dst };
    if (ip.frag_offset != 0 || ip.more_fragments) {
        put_fragment(&o, &e, ip.proto, ip.id, ip.frag_offset, ip.payload_len, ip.more_fragments);
        return buf;
    }
    switch (ip.proto) {
    case IP_PROTO_TCP:
        put_tcp(&o, &e, ip.payload, avail, complete);
        break;
    case IP_PROTO_ICMP:
        put_icmp(&o, &e, ip.payload, avail, complete);
        break;
    case IP_PROTO_UDP:
        put_udp(&o, &e, ip.payload, avail);
        break;
    default:
        put_endpoints(&o, &e, NULL);
        put(&o, "ip-proto-%u length %u", ip.proto, ip.payload_len);
        break;
    }
    return buf;
}

void synack_text_trace(void *file, const struct synack_trace_event *ev)
{
    FILE *f = file;
    if (!f || !ev)
        return;
    /* Seconds with six decimals, printed from integers so that virtual
     * time shows exactly (a double would round past 2^53 us). */
    char when[32];
    snprintf(when, sizeof when, "%" PRIu64 ".%06" PRIu64, ev->now / 1000000u, ev->now % 1000000u);
    fprintf(f, "%10s %-8s ", when, ev->stack_name ? ev->stack_name : "?");

    /* Long enough for any header line: 40 bytes of options at their
     * widest (four SACK blocks) stay well under 300 characters. */
    char text[512];
    switch (ev->kind) {
    case SYNACK_TRACE_PACKET_OUT:
    case SYNACK_TRACE_PACKET_IN:
        fprintf(f, "%s %s\n", ev->kind == SYNACK_TRACE_PACKET_OUT ? ">" : "<",
                synack_format_packet(ev->packet, ev->len, text, sizeof text));
        break;
    case SYNACK_TRACE_DROP:
        fprintf(f, "drop (%s) %s\n", synack_drop_name(ev->drop_reason),
                synack_format_packet(ev->packet, ev->len, text, sizeof text));
        break;
    case SYNACK_TRACE_CC: {
        static const char *const rec[] = { "open", "recovery", "loss" };
        fprintf(f, "   cc cwnd %u ssthresh %u pipe %u una %u max %u wnd %u srtt %.3f ms rto %.3f ms %s\n",
                ev->cc.cwnd, ev->cc.ssthresh, ev->cc.in_flight, ev->cc.snd_una, ev->cc.snd_max, ev->cc.snd_wnd,
                ev->cc.srtt_us / 1000.0, ev->cc.rto_us / 1000.0, rec[ev->cc.recovery < 3 ? ev->cc.recovery : 0]);
        break;
    }
    case SYNACK_TRACE_STATE: {
        char local[SYNACK_ENDPOINT_STRLEN], remote[SYNACK_ENDPOINT_STRLEN];
        fprintf(f, "   %s -> %s  %s %s\n", synack_tcp_state_name(ev->old_state),
                synack_tcp_state_name(ev->new_state),
                synack_endpoint_format(&ev->local, local, sizeof local),
                synack_endpoint_format(&ev->remote, remote, sizeof remote));
        break;
    }
    default:
        fprintf(f, "event %d\n", (int)ev->kind);
        break;
    }
}
