/* fuzz_util.c — see fuzz_util.h. */
#include "fuzz_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "byteorder.h"
#include "checksum.h"
#include "ipv4.h"
#include "ipv6.h"
#include "tcp_wire.h"

void fz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
    fprintf(stderr, "\n%s:%d: invariant broken: %s\n    ", file, line, cond);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    abort();
}

uint8_t fz_u8(struct fz_in *in) { return in->pos < in->len ? in->p[in->pos++] : 0; }

uint16_t fz_u16(struct fz_in *in)
{
    uint16_t hi = fz_u8(in);
    return (uint16_t)(hi << 8 | fz_u8(in));
}

uint32_t fz_u32(struct fz_in *in)
{
    uint32_t hi = fz_u16(in);
    return hi << 16 | fz_u16(in);
}

size_t fz_bytes(struct fz_in *in, size_t n, const uint8_t **out)
{
    size_t left = fz_left(in);
    if (n > left)
        n = left;
    *out = in->p + in->pos;
    in->pos += n;
    return n;
}

const synack_time_us fz_input_time_steps_us[16] = {
    0, 1000, 5000, 20000, 100000, 200000, 500000, 1000000,
    2000000, 5000000, 10000000, 30000000, 60000000, 120000000, 300000000, 1000000000,
};

void fz_advance(struct synack_stack *st, synack_time_us *now, synack_time_us delta)
{
    synack_time_us target = *now + delta;
    for (unsigned guard = 0; guard < 100000; guard++) {
        synack_time_us next = synack_poll(st, *now);
        if (next > target || next <= *now)
            break;
        *now = next;
    }
    *now = target;
    synack_poll(st, *now);
}

/* ---- packets ---- */

/* The transport checksum of l4 (l4len bytes of protocol proto, between
 * src and dst), made right; nothing for a protocol without one. */
static void fix_l4(uint8_t proto, uint8_t *l4, size_t l4len, const struct synack_addr *src,
                   const struct synack_addr *dst)
{
    switch (proto) {
    case IP_PROTO_TCP:
        if (l4len >= TCP_HEADER_MIN)
            tcp_fill_checksum(l4, l4len, src, dst);
        break;
    case IP_PROTO_UDP:
        if (l4len >= 8) {
            put_be16(l4 + 6, 0);
            uint16_t sum = csum_finish(csum_add(csum_pseudo(src, dst, IP_PROTO_UDP, (uint32_t)l4len), l4, l4len));
            put_be16(l4 + 6, sum ? sum : 0xffff);
        }
        break;
    case IP_PROTO_ICMP:
    case IP_PROTO_ICMPV6:
        if (l4len >= 4) {
            put_be16(l4 + 2, 0);
            uint64_t sum = proto == IP_PROTO_ICMPV6 ? csum_pseudo(src, dst, proto, (uint32_t)l4len) : 0;
            put_be16(l4 + 2, csum_finish(csum_add(sum, l4, l4len)));
        }
        break;
    default:
        break;
    }
}

/* IPv6: the payload length, and the checksum of a whole packet's
 * upper layer (past its extension headers; a fragment has none to fix). */
static void fix_packet6(uint8_t *pkt, size_t len, unsigned fix)
{
    if (len < IPV6_HEADER_LEN)
        return;
    if (fix & FZ_FIX_IP)
        put_be16(pkt + 4, (uint16_t)(len - IPV6_HEADER_LEN > 65535 ? 65535 : len - IPV6_HEADER_LEN));
    struct ipv6_chain c;
    size_t total = IPV6_HEADER_LEN + (size_t)get_be16(pkt + 4);
    if (!(fix & FZ_FIX_L4) || total > len || !ipv6_walk(pkt, total, IPV6_HEADER_LEN, pkt[6], 6, 0, &c) ||
        c.fragmented)
        return;
    struct synack_addr src = synack_addr_v6(pkt + 8), dst = synack_addr_v6(pkt + 24);
    fix_l4((uint8_t)c.proto, pkt + c.upper, total - c.upper, &src, &dst);
}

void fz_fix_packet(uint8_t *pkt, size_t len, unsigned fix)
{
    if (len >= 1 && (pkt[0] >> 4) == 6) {
        fix_packet6(pkt, len, fix);
        return;
    }
    if (len < IPV4_HEADER_LEN || (pkt[0] >> 4) != 4)
        return;
    size_t hlen = (size_t)(pkt[0] & 0x0f) * 4;
    if (hlen < IPV4_HEADER_LEN || hlen > len)
        return;
    if (fix & FZ_FIX_IP) {
        put_be16(pkt + 2, (uint16_t)(len > 65535 ? 65535 : len));
        put_be16(pkt + 10, 0);
        put_be16(pkt + 10, csum_finish(csum_add(0, pkt, hlen)));
    }
    if (!(fix & FZ_FIX_L4))
        return;
    /* Only a whole datagram (not a fragment) has a transport checksum to fix. */
    if (get_be16(pkt + 6) & 0x3fff)
        return;
    size_t total = get_be16(pkt + 2);
    if (total > len || total < hlen)
        return;
    struct synack_addr src = synack_addr_v4(pkt[12], pkt[13], pkt[14], pkt[15]);
    struct synack_addr dst = synack_addr_v4(pkt[16], pkt[17], pkt[18], pkt[19]);
    fix_l4(pkt[9], pkt + hlen, total - hlen, &src, &dst);
}

size_t fz_ip_header(uint8_t *buf, const struct synack_addr *src, const struct synack_addr *dst, uint8_t proto,
                    size_t payload_len, uint16_t id)
{
    if (src->family == SYNACK_AF_INET6) {
        ipv6_write_header(buf, src, dst, proto, (uint16_t)payload_len, 64);
        return IPV6_HEADER_LEN;
    }
    ipv4_write_header(buf, src, dst, proto, (uint16_t)payload_len, 64, id, proto == IP_PROTO_TCP);
    return IPV4_HEADER_LEN;
}

size_t fz_tcp_packet(uint8_t *buf, size_t cap, const struct synack_addr *src, const struct synack_addr *dst,
                     const struct tcp_header_out *h, const uint8_t *raw_opt, size_t rawlen,
                     const uint8_t *payload, size_t plen)
{
    size_t iph = src->family == SYNACK_AF_INET6 ? IPV6_HEADER_LEN : IPV4_HEADER_LEN;
    if (cap < iph + TCP_HEADER_MAX || plen > cap - iph - TCP_HEADER_MAX || plen > 65000)
        return 0;
    uint8_t *tcp = buf + iph;
    size_t hlen = tcp_write_header(tcp, h);
    if (rawlen) {
        if (rawlen > TCP_HEADER_MAX - TCP_HEADER_MIN)
            rawlen = TCP_HEADER_MAX - TCP_HEADER_MIN;
        size_t olen = (rawlen + 3) & ~(size_t)3;
        memset(tcp + TCP_HEADER_MIN, 0, olen);
        memcpy(tcp + TCP_HEADER_MIN, raw_opt, rawlen);
        hlen = TCP_HEADER_MIN + olen;
        tcp[12] = (uint8_t)((hlen / 4) << 4);
    }
    if (plen)
        memcpy(tcp + hlen, payload, plen);
    tcp_fill_checksum(tcp, hlen + plen, src, dst);
    return fz_ip_header(buf, src, dst, IP_PROTO_TCP, hlen + plen, 7) + hlen + plen;
}

/* ---- states ---- */

bool fz_transition_allowed(int o, int n)
{
    if (o == n || o < 0 || n < 0 || o >= SYNACK_TCP_STATE_COUNT || n >= SYNACK_TCP_STATE_COUNT)
        return false;
    /* RFC 9293 §3.10.7 and §3.10.5: a reset, an abort or a timeout ends any
     * connection that is not already CLOSED. */
    if (n == SYNACK_TCP_CLOSED)
        return o != SYNACK_TCP_CLOSED;
    switch (o) {
    case SYNACK_TCP_CLOSED:         /* active OPEN */
        return n == SYNACK_TCP_SYN_SENT;
    case SYNACK_TCP_LISTEN:         /* rcv SYN, snd SYN,ACK */
        return n == SYNACK_TCP_SYN_RECEIVED;
    case SYNACK_TCP_SYN_SENT:       /* rcv SYN,ACK; or rcv SYN (simultaneous open) */
        return n == SYNACK_TCP_ESTABLISHED || n == SYNACK_TCP_SYN_RECEIVED;
    case SYNACK_TCP_SYN_RECEIVED:   /* rcv ACK of SYN; CLOSE; rcv FIN (§3.10.7.4, eighth step) */
        return n == SYNACK_TCP_ESTABLISHED || n == SYNACK_TCP_FIN_WAIT_1 || n == SYNACK_TCP_CLOSE_WAIT;
    case SYNACK_TCP_ESTABLISHED:    /* CLOSE; rcv FIN */
        return n == SYNACK_TCP_FIN_WAIT_1 || n == SYNACK_TCP_CLOSE_WAIT;
    case SYNACK_TCP_CLOSE_WAIT:     /* CLOSE */
        return n == SYNACK_TCP_LAST_ACK;
    case SYNACK_TCP_FIN_WAIT_1:     /* rcv ACK of FIN; rcv FIN; rcv FIN,ACK of FIN */
        return n == SYNACK_TCP_FIN_WAIT_2 || n == SYNACK_TCP_CLOSING || n == SYNACK_TCP_TIME_WAIT;
    case SYNACK_TCP_FIN_WAIT_2:     /* rcv FIN */
        return n == SYNACK_TCP_TIME_WAIT;
    case SYNACK_TCP_CLOSING:        /* rcv ACK of FIN */
        return n == SYNACK_TCP_TIME_WAIT;
    case SYNACK_TCP_LAST_ACK:       /* rcv ACK of FIN: CLOSED, above */
    case SYNACK_TCP_TIME_WAIT:      /* 2 MSL: CLOSED, above */
    default:
        return false;
    }
}

static bool counts_as_estab(int state) { return state == SYNACK_TCP_ESTABLISHED || state == SYNACK_TCP_CLOSE_WAIT; }

void fz_states_event(struct fz_states *s, const struct synack_trace_event *ev)
{
    if (ev->kind != SYNACK_TRACE_STATE)
        return;
    s->events++;
    if (fz_verbose())
        fprintf(stderr, "%10.3f ms %s: connection %llu %s -> %s\n", (double)ev->now / 1000.0, ev->stack_name,
                (unsigned long long)ev->conn_id, synack_tcp_state_name(ev->old_state),
                synack_tcp_state_name(ev->new_state));
    uint64_t id = ev->conn_id;
    FZ_CHECK(id > 0, "state event without a connection id");
    FZ_CHECK(fz_transition_allowed(ev->old_state, ev->new_state), "connection %llu: %s -> %s is not in RFC 9293's diagram",
             (unsigned long long)id, synack_tcp_state_name(ev->old_state), synack_tcp_state_name(ev->new_state));
    if (id >= FZ_MAX_CONNS)
        return;
    FZ_CHECK(!s->closed[id], "connection %llu changed state (%s -> %s) after reaching CLOSED", (unsigned long long)id,
             synack_tcp_state_name(ev->old_state), synack_tcp_state_name(ev->new_state));
    if (s->state[id]) {
        int cur = s->state[id] - 1;
        FZ_CHECK(cur == ev->old_state, "connection %llu: event says %s -> %s, but it was in %s", (unsigned long long)id,
                 synack_tcp_state_name(ev->old_state), synack_tcp_state_name(ev->new_state), synack_tcp_state_name(cur));
        if (counts_as_estab(cur))
            s->estab--;
    } else {
        FZ_CHECK(ev->old_state == SYNACK_TCP_CLOSED || ev->old_state == SYNACK_TCP_LISTEN,
                 "connection %llu first seen leaving %s", (unsigned long long)id, synack_tcp_state_name(ev->old_state));
        s->open++;
    }
    s->state[id] = (uint8_t)(ev->new_state + 1);
    if (counts_as_estab(ev->new_state))
        s->estab++;
    if (ev->new_state == SYNACK_TCP_CLOSED) {
        s->closed[id] = true;
        s->open--;
    }
}

int fz_states_get(const struct fz_states *s, uint64_t id)
{
    return id < FZ_MAX_CONNS && s->state[id] ? s->state[id] - 1 : -1;
}

void fz_check_stats(struct synack_stack *st, const struct fz_states *s, uint64_t packets_in)
{
    const struct synack_stats *x = synack_stack_stats(st);
    FZ_CHECK(x->ip_in_receives == packets_in, "ipInReceives %llu, but %llu packets were handed in",
             (unsigned long long)x->ip_in_receives, (unsigned long long)packets_in);
    /* Every packet is counted once as a header error, an address error, a
     * fragment, or a datagram delivered (a reassembled one counts as one
     * delivered, beside its fragments); fragments refused for their header
     * count as header errors too, hence the range. */
    uint64_t lhs = x->ip_in_receives + x->ip_reasm_oks;
    uint64_t sure = x->ip_in_addr_errors + x->ip_in_delivers + x->ip_in_unknown_protos + x->ip_reasm_reqds;
    FZ_CHECK(lhs >= sure && lhs <= sure + x->ip_in_hdr_errors,
             "IP accounting: receives %llu + reasm OKs %llu vs hdr %llu addr %llu delivers %llu unknown %llu "
             "reasm reqds %llu",
             (unsigned long long)x->ip_in_receives, (unsigned long long)x->ip_reasm_oks,
             (unsigned long long)x->ip_in_hdr_errors, (unsigned long long)x->ip_in_addr_errors,
             (unsigned long long)x->ip_in_delivers, (unsigned long long)x->ip_in_unknown_protos,
             (unsigned long long)x->ip_reasm_reqds);
    FZ_CHECK(x->ip_reasm_oks <= x->ip_reasm_reqds, "more datagrams reassembled than fragments received");
    FZ_CHECK(x->tcp_in_segs + x->udp_in_datagrams + x->udp_in_errors + x->udp_no_ports <= x->ip_in_delivers,
             "more TCP segments and UDP datagrams than IP delivered");
    if (!s)
        return;
    FZ_CHECK(x->tcp_curr_estab == s->estab, "tcpCurrEstab %llu, but %u connections are ESTABLISHED or CLOSE_WAIT",
             (unsigned long long)x->tcp_curr_estab, s->estab);
    uint32_t held = synack_stack_connections(st, true);
    FZ_CHECK(held == s->open, "the stack holds %u connections, but %u are open by its state events", held, s->open);
}

/* What the checks below read from a packet of either family. */
struct fz_ip {
    struct synack_addr src, dst;
    uint8_t proto;
    const uint8_t *payload;
    size_t payload_len;
};

/* The packet as the stack would send it: IPv4 with its header checksum
 * and total length right and no fragment; IPv6 with its payload length
 * right and no extension header (synack sends none). */
static bool parse_sent(const uint8_t *pkt, size_t len, struct fz_ip *out, enum synack_drop_reason *why)
{
    if (len >= 1 && pkt[0] >> 4 == 6) {
        struct ipv6_packet ip;
        if (!ipv6_parse(pkt, len, &ip, why))
            return false;
        FZ_CHECK(ip.length == len, "sent IPv6 packet: payload length %u, buffer %zu", ip.length - 40, len);
        FZ_CHECK(ip.ext_count == 0, "the stack sent %u IPv6 extension headers", ip.ext_count);
        *out = (struct fz_ip){ ip.src, ip.dst, ip.proto, ip.payload, ip.payload_len };
        return true;
    }
    struct ipv4_packet ip;
    if (!ipv4_parse(pkt, len, &ip, why))
        return false;
    FZ_CHECK(ip.header_len + (size_t)ip.payload_len == len, "sent IP packet: total length %u, buffer %zu",
             ip.header_len + ip.payload_len, len);
    FZ_CHECK(!ip.more_fragments && ip.frag_offset == 0, "the stack sent a fragment");
    *out = (struct fz_ip){ ip.src, ip.dst, ip.proto, ip.payload, ip.payload_len };
    return true;
}

void fz_check_sent_packet(const uint8_t *pkt, size_t len)
{
    struct fz_ip ip;
    enum synack_drop_reason why;
    FZ_CHECK(parse_sent(pkt, len, &ip, &why), "the stack sent an IP packet that does not parse (%s)",
             synack_drop_name((int)why));
    switch (ip.proto) {
    case IP_PROTO_TCP: {
        struct tcp_segment seg;
        FZ_CHECK(tcp_parse(ip.payload, ip.payload_len, &seg, &why), "the stack sent a TCP segment that does not parse (%s)",
                 synack_drop_name((int)why));
        FZ_CHECK(tcp_checksum_ok(&ip.src, &ip.dst, ip.payload, ip.payload_len), "the stack sent a bad TCP checksum");
        FZ_CHECK(seg.src_port && seg.dst_port, "the stack sent a TCP segment with port 0");
        break;
    }
    case IP_PROTO_UDP:
        FZ_CHECK(ip.payload_len >= 8 && get_be16(ip.payload + 4) == ip.payload_len, "the stack sent a bad UDP length");
        FZ_CHECK(get_be16(ip.payload + 6) != 0 &&
                     csum_finish(csum_add(csum_pseudo(&ip.src, &ip.dst, IP_PROTO_UDP, (uint32_t)ip.payload_len),
                                          ip.payload, ip.payload_len)) == 0,
                 "the stack sent a bad UDP checksum");
        break;
    case IP_PROTO_ICMP:
        FZ_CHECK(ip.src.family == SYNACK_AF_INET && ip.payload_len >= 8 &&
                     csum_finish(csum_add(0, ip.payload, ip.payload_len)) == 0,
                 "the stack sent a bad ICMP message");
        break;
    case IP_PROTO_ICMPV6:
        FZ_CHECK(ip.src.family == SYNACK_AF_INET6 && ip.payload_len >= 8 &&
                     csum_finish(csum_add(csum_pseudo(&ip.src, &ip.dst, IP_PROTO_ICMPV6, (uint32_t)ip.payload_len),
                                          ip.payload, ip.payload_len)) == 0,
                 "the stack sent a bad ICMPv6 message");
        FZ_CHECK(ip.payload_len <= 1280 - 40 || ip.payload[0] >= 128,
                 "the stack sent an ICMPv6 error of %zu bytes (more than the minimum MTU)", ip.payload_len);
        break;
    default:
        FZ_CHECK(false, "the stack sent IP protocol %u", ip.proto);
    }
}

bool fz_verbose(void)
{
    static int v = -1;
    if (v < 0)
        v = getenv("FUZZ_VERBOSE") != NULL;
    return v;
}

void fz_print_packet(const char *who, synack_time_us now, const uint8_t *pkt, size_t len)
{
    struct fz_ip ip;
    enum synack_drop_reason why;
    fprintf(stderr, "%10.3f ms %s ", (double)now / 1000.0, who);
    bool v6 = len >= 1 && pkt[0] >> 4 == 6;
    struct ipv6_packet ip6;
    struct ipv4_packet ip4;
    if (v6 ? !ipv6_parse(pkt, len, &ip6, &why) : !ipv4_parse(pkt, len, &ip4, &why)) {
        fprintf(stderr, "bad IP (%s), %zu bytes\n", synack_drop_name((int)why), len);
        return;
    }
    if (v6)
        ip = (struct fz_ip){ ip6.src, ip6.dst, ip6.proto, ip6.payload, ip6.payload_len };
    else
        ip = (struct fz_ip){ ip4.src, ip4.dst, ip4.proto, ip4.payload, ip4.payload_len };
    struct tcp_segment s;
    if (ip.proto != IP_PROTO_TCP || !tcp_parse(ip.payload, ip.payload_len, &s, &why)) {
        fprintf(stderr, "IP%s proto %u, %zu bytes\n", v6 ? "v6" : "", ip.proto, ip.payload_len);
        return;
    }
    static const char names[] = "FSRPAUEC";
    char fl[9];
    unsigned n = 0;
    for (unsigned i = 0; i < 8; i++)
        if (s.flags & (1u << i))
            fl[n++] = names[i];
    fl[n] = 0;
    fprintf(stderr, "%u > %u [%s] seq %u ack %u win %u len %u", s.src_port, s.dst_port, fl, s.seq, s.ack, s.window,
            s.payload_len);
    if (s.opt.has_timestamp)
        fprintf(stderr, " TS %u/%u", s.opt.ts_val, s.opt.ts_ecr);
    for (unsigned i = 0; i < s.opt.sack_count; i++)
        fprintf(stderr, " sack %u-%u", s.opt.sack[i].left, s.opt.sack[i].right);
    fprintf(stderr, "\n");
}
