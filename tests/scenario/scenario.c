/* scenario.c — the scripted-peer harness; see scenario.h. */
#include "scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "byteorder.h"
#include "checksum.h"
#include "ipv4.h"
#include "ipv6.h"

/* fd00:5ac::N (the stack N = 2, the peer N = 1) or 198.18.0.N. */
static struct synack_addr scenario_addr(int family, uint8_t n)
{
    if (family == 6) {
        uint8_t b[16] = { 0xfd, 0x00, 0x05, 0xac, [15] = n };
        return synack_addr_v6(b);
    }
    return synack_addr_v4(198, 18, 0, n);
}

int scenario_family(const struct scenario *s) { return s->o.family; }
size_t scenario_ip_hlen(const struct scenario *s) { return s->o.family == 6 ? IPV6_HEADER_LEN : IPV4_HEADER_LEN; }

/* The IP header in front of a payload already at buf + scenario_ip_hlen(s). */
static void write_ip_header(struct scenario *s, uint8_t *buf, const struct synack_addr *src,
                            const struct synack_addr *dst, uint8_t proto, size_t payload_len, uint16_t id, bool df)
{
    if (s->o.family == 6)
        ipv6_write_header(buf, src, dst, proto, (uint16_t)payload_len, 64);
    else
        ipv4_write_header(buf, src, dst, proto, (uint16_t)payload_len, 64, id, df);
}

/* The fields the harness reads from a packet of either family. */
struct ip_view {
    struct synack_addr src, dst;
    uint8_t proto;
    const uint8_t *payload;
    size_t payload_len;
};

static bool parse_ip(const uint8_t *p, size_t len, struct ip_view *v)
{
    enum synack_drop_reason why;
    if (len >= 1 && p[0] >> 4 == 6) {
        struct ipv6_packet ip;
        if (!ipv6_parse(p, len, &ip, &why))
            return false;
        *v = (struct ip_view){ ip.src, ip.dst, ip.proto, ip.payload, ip.payload_len };
        return true;
    }
    struct ipv4_packet ip;
    if (!ipv4_parse(p, len, &ip, &why))
        return false;
    *v = (struct ip_view){ ip.src, ip.dst, ip.proto, ip.payload, ip.payload_len };
    return true;
}

static void log_packet(struct scenario *s, bool outgoing, const uint8_t *pkt, size_t len)
{
    if (s->log_count == SCENARIO_MAX_PACKETS || len > sizeof s->log[0].bytes) {
        test_fail(__FILE__, __LINE__, "scenario log full or packet too large (%zu bytes)", len);
        return;
    }
    struct scenario_packet *p = &s->log[s->log_count++];
    p->when = s->now;
    p->outgoing = outgoing;
    p->len = (uint16_t)len;
    memcpy(p->bytes, pkt, len);
    if (outgoing)
        s->sent_count++;
}

static int transmit(void *ctx, const uint8_t *pkt, size_t len)
{
    log_packet(ctx, true, pkt, len);
    return 0;
}

static uint32_t forced_isn(void *ctx, const struct synack_endpoint *l, const struct synack_endpoint *r,
                           synack_time_us now)
{
    (void)l, (void)r, (void)now;
    return ((struct scenario *)ctx)->o.iss;
}

static void on_trace(void *ctx, const struct synack_trace_event *ev)
{
    struct scenario *s = ctx;
    if (ev->kind == SYNACK_TRACE_STATE) {
        s->last_state = ev->new_state;
        s->last_conn_id = ev->conn_id;
        if (s->change_count < sizeof s->changes / sizeof s->changes[0]) {
            s->changes[s->change_count].conn_id = ev->conn_id;
            s->changes[s->change_count].old_state = ev->old_state;
            s->changes[s->change_count].new_state = ev->new_state;
            s->change_count++;
        }
    }
}

static void setup(struct scenario *s, const char *name, struct scenario_opts o)
{
    memset(s, 0, sizeof *s);
    s->name = name;
    s->o = o;
    if (!s->o.family) {
        const char *env = getenv("SYNACK_SCENARIO_FAMILY");
        s->o.family = env && strcmp(env, "6") == 0 ? 6 : 4;
    }
    if (!s->o.mtu)
        s->o.mtu = s->o.family == 6 ? 1520 : 1500;
    if (!s->o.port)
        s->o.port = 80;
    if (!s->o.peer_port)
        s->o.peer_port = 40000;
    if (!s->o.backlog)
        s->o.backlog = 8;
    s->failures_at_start = test_failed_checks;
    s->log = calloc(SCENARIO_MAX_PACKETS, sizeof *s->log);
    s->listener = s->sock = -1;
    s->last_state = SYNACK_TCP_CLOSED;
    struct synack_config cfg;
    synack_config_default(&cfg);
    cfg.name = "stack";
    cfg.secret = 42;
    cfg.isn_hook = forced_isn;
    cfg.isn_hook_ctx = s;
    cfg.trace = on_trace;
    cfg.trace_ctx = s;
    /* Scenarios draw windows of a classic stack: 64 KiB receive buffer,
     * 256 KiB send buffer, unless a test asks otherwise. */
    cfg.rcvbuf_bytes = o.rcvbuf ? o.rcvbuf : 65535;
    cfg.sndbuf_bytes = o.sndbuf ? o.sndbuf : 256 * 1024;
    if (o.delack_us)
        cfg.delack_us = o.delack_us;
    if (o.msl_us)
        cfg.msl_us = o.msl_us;
    if (o.rto_min_us)
        cfg.rto_min_us = o.rto_min_us;
    if (o.rto_initial_us)
        cfg.rto_initial_us = o.rto_initial_us;
    if (o.syn_retries)
        cfg.syn_retries = o.syn_retries;
    if (o.data_retries)
        cfg.data_retries = o.data_retries;
    if (o.cc)
        cfg.congestion = (uint8_t)synack_cc_from_name(o.cc);
    if (o.icmp_error_rate)
        cfg.icmp_error_rate = o.icmp_error_rate;
    if (o.icmp_error_burst)
        cfg.icmp_error_burst = o.icmp_error_burst;
    if (o.ipfrag_max_datagrams)
        cfg.ipfrag_max_datagrams = o.ipfrag_max_datagrams;
    if (o.ipfrag_max_bytes)
        cfg.ipfrag_max_bytes = o.ipfrag_max_bytes;
    if (o.ipfrag_timeout_us)
        cfg.ipfrag_timeout_us = o.ipfrag_timeout_us;
    if (o.challenge_ack_rate)
        cfg.challenge_ack_rate = o.challenge_ack_rate;
    if (o.challenge_ack_burst)
        cfg.challenge_ack_burst = o.challenge_ack_burst;
    if (o.challenge_ack_unlimited)
        cfg.challenge_ack_rate = cfg.challenge_ack_burst = 0;
    if (o.syn_queue_len)
        cfg.syn_queue_len = o.syn_queue_len;
    if (o.syncookies_always)
        cfg.syn_queue_len = 0;
    if (o.syn_queue_total)
        cfg.syn_queue_total = o.syn_queue_total;
    cfg.syn_cookies = !o.no_syncookies;
    if (o.max_connections)
        cfg.max_connections = o.max_connections;
    if (o.mem_max_bytes)
        cfg.mem_max_bytes = o.mem_max_bytes;
    if (o.mem_pressure_bytes)
        cfg.mem_pressure_bytes = o.mem_pressure_bytes;
    if (o.ooo_max_bytes)
        cfg.ooo_max_bytes = o.ooo_max_bytes;
    if (o.ooo_stack_max_bytes)
        cfg.ooo_stack_max_bytes = o.ooo_stack_max_bytes;
    if (o.tune)
        o.tune(&cfg);
    s->st = synack_stack_new(&cfg);
    if (!s->st) {
        test_fail(__FILE__, __LINE__, "synack_stack_new failed");
        abort();
    }
    struct synack_addr stack_addr = scenario_addr(s->o.family, 2);
    struct synack_iface_config ic = {
        .addr = stack_addr,
        .prefix_len = s->o.family == 6 ? 64 : 24,
        .mtu = s->o.mtu,
        .transmit = transmit,
        .transmit_ctx = s,
    };
    if (o.ethernet) {
        ic.link = SYNACK_LINK_ETHERNET;
        memcpy(ic.mac, scenario_stack_mac, 6);
    }
    if (synack_iface_add(s->st, &ic) != 0)
        abort();
    s->stack_ep = synack_endpoint_make(stack_addr, s->o.port);
    s->peer_ep = synack_endpoint_make(scenario_addr(s->o.family, 1), s->o.peer_port);
}

void scenario_listen_(struct scenario *s, const char *name, struct scenario_opts o)
{
    setup(s, name, o);
    s->listener = synack_socket(s->st);
    if (s->o.mss)
        CHECK_EQ(synack_setsockopt(s->st, s->listener, SYNACK_OPT_MAXSEG, s->o.mss), 0);
    CHECK_EQ(synack_bind(s->st, s->listener, &s->stack_ep), 0);
    CHECK_EQ(synack_listen(s->st, s->listener, s->o.backlog), 0);
    s->last_state = SYNACK_TCP_LISTEN;
    synack_poll(s->st, s->now);
}

void scenario_client_(struct scenario *s, const char *name, struct scenario_opts o)
{
    if (!o.port)
        o.port = 49152;
    setup(s, name, o);
    s->sock = synack_socket(s->st);
    if (s->o.mss)
        CHECK_EQ(synack_setsockopt(s->st, s->sock, SYNACK_OPT_MAXSEG, s->o.mss), 0);
    CHECK_EQ(synack_bind(s->st, s->sock, &s->stack_ep), 0);
}

/* Writes the scenario's packets to dir/scenario-<name>.pcap (dir NULL:
 * the current directory). */
static void write_pcap(struct scenario *s, const char *dir, bool say)
{
    char path[1024];
    snprintf(path, sizeof path, "%s%sscenario-%s.pcap", dir ? dir : "", dir ? "/" : "", s->name);
    if (s->o.ethernet) {
        if (scenario_eth_write_pcap(s, path) && say)
            printf("    frames of this scenario: %s\n", path);
        return;
    }
    struct synack_pcap *p = synack_pcap_open(path);
    if (!p)
        return;
    for (unsigned i = 0; i < s->log_count; i++)
        synack_pcap_write(p, s->log[i].when, s->log[i].bytes, s->log[i].len);
    synack_pcap_close(p);
    if (say)
        printf("    packets of this scenario: %s\n", path);
}

/* A logged packet tcpdump-style (in Ethernet mode, a frame). */
static void format_logged(const struct scenario *s, const struct scenario_packet *p, char *buf, size_t len)
{
    if (s->o.ethernet)
        scenario_format_frame(p->bytes, p->len, buf, len);
    else
        synack_format_packet(p->bytes, p->len, buf, len);
}

/* The IP packet a logged packet carries: itself, or in Ethernet mode the
 * payload of a frame between the stack and the peer (false otherwise). */
static bool logged_ip(const struct scenario *s, const struct scenario_packet *p, const uint8_t **ip, size_t *len)
{
    if (!s->o.ethernet) {
        *ip = p->bytes;
        *len = p->len;
        return true;
    }
    return scenario_frame_ip(p->bytes, p->len, p->outgoing, ip, len);
}

static void print_log(struct scenario *s)
{
    char line[512];
    printf("    the exchange so far (> sent by the stack, < sent by the peer):\n");
    for (unsigned i = 0; i < s->log_count; i++) {
        format_logged(s, &s->log[i], line, sizeof line);
        printf("    %8.3f ms %c %s\n", (double)s->log[i].when / 1000.0, s->log[i].outgoing ? '>' : '<', line);
    }
}

void scenario_end(struct scenario *s)
{
    expect_nothing_sent_(s, __FILE__, __LINE__);
    if (test_failed_checks > s->failures_at_start) {
        print_log(s);
        write_pcap(s, NULL, true);
    }
    /* SYNACK_SCENARIO_PCAP_DIR: every scenario's packets, passed or not
     * (fuzz/make_corpus.sh turns them into fuzz seeds). */
    const char *dir = getenv("SYNACK_SCENARIO_PCAP_DIR");
    if (dir && *dir)
        write_pcap(s, dir, false);
    synack_stack_free(s->st);
    free(s->log);
    s->st = NULL;
    s->log = NULL;
}

static void poll_to(struct scenario *s, synack_time_us target)
{
    for (unsigned guard = 0; guard < 100000; guard++) {
        synack_time_us next = synack_poll(s->st, s->now);
        if (next > target || next <= s->now)
            break;
        s->now = next;
    }
    s->now = target;
    synack_poll(s->st, s->now);
}

void at_ms(struct scenario *s, double t_ms)
{
    synack_time_us target = (synack_time_us)(t_ms * 1000.0 + 0.5);
    if (target < s->now) {
        test_fail(__FILE__, __LINE__, "scenario clock cannot go back (%.3f ms < %.3f ms)", t_ms,
                  (double)s->now / 1000.0);
        return;
    }
    poll_to(s, target);
}

void after_ms(struct scenario *s, double d_ms) { at_ms(s, (double)s->now / 1000.0 + d_ms); }

static void spec_payload(const struct seg_spec *spec, uint8_t *out, uint32_t *len)
{
    if (spec->data) {
        *len = spec->len ? spec->len : (uint32_t)strlen(spec->data);
        memcpy(out, spec->data, *len);
    } else {
        *len = spec->len;
        for (uint32_t i = 0; i < *len; i++)
            out[i] = (uint8_t)('a' + (spec->seq + i) % 26);
    }
}

size_t peer_packet(struct scenario *s, struct seg_spec spec, uint8_t *buf, size_t cap)
{
    size_t iph = scenario_ip_hlen(s);
    uint8_t *tcp = buf + iph;
    struct tcp_options opt;
    memset(&opt, 0, sizeof opt);
    if (spec.mss) {
        opt.has_mss = true;
        opt.mss = spec.mss;
    }
    opt.sack_permitted = spec.sack_ok;
    opt.has_wscale = spec.has_ws;
    opt.wscale = spec.ws;
    opt.has_timestamp = spec.ts;
    opt.ts_val = spec.tsval;
    opt.ts_ecr = spec.tsecr;
    opt.sack_count = spec.nsack > TCP_SACK_BLOCKS_MAX ? TCP_SACK_BLOCKS_MAX : spec.nsack;
    for (unsigned i = 0; i < opt.sack_count; i++) {
        opt.sack[i].left = spec.sack[i][0];
        opt.sack[i].right = spec.sack[i][1];
    }
    struct tcp_header_out h = {
        .src_port = spec.sport ? spec.sport : s->peer_ep.port,
        .dst_port = spec.dport ? spec.dport : s->stack_ep.port,
        .seq = spec.seq,
        .ack = spec.ack,
        .flags = spec.flags,
        .window = spec.win_zero ? 0 : spec.win ? (uint16_t)spec.win : 65535,
        .opt = &opt,
    };
    uint32_t want = spec.data ? (spec.len ? spec.len : (uint32_t)strlen(spec.data)) : spec.len;
    if (cap < iph + TCP_HEADER_MAX || want > cap - iph - TCP_HEADER_MAX)
        return 0;
    size_t hlen = tcp_write_header(tcp, &h);
    uint32_t plen;
    spec_payload(&spec, tcp + hlen, &plen);
    tcp_fill_checksum(tcp, hlen + plen, &s->peer_ep.addr, &s->stack_ep.addr);
    if (spec.bad_checksum)
        tcp[16] ^= 0x5a;
    write_ip_header(s, buf, &s->peer_ep.addr, &s->stack_ep.addr, IP_PROTO_TCP, hlen + plen, 1, true);
    return iph + hlen + plen;
}

void peer_sends_raw(struct scenario *s, const void *bytes, size_t len)
{
    if (s->o.ethernet)
        peer_sends_ip_framed(s, bytes, len);
    else
        peer_sends_frame(s, bytes, len);
}

void peer_sends_frame(struct scenario *s, const void *bytes, size_t len)
{
    log_packet(s, false, bytes, len);
    synack_input(s->st, 0, bytes, len, s->now);
    synack_poll(s->st, s->now);
}

void expect_dropped_(struct scenario *s, const uint8_t *pkt, size_t len, int why, const char *file, int line)
{
    struct synack_stats before = *synack_stack_stats(s->st);
    peer_sends_raw(s, pkt, len);
    const struct synack_stats *after = synack_stack_stats(s->st);
    for (int r = 0; r < SYNACK_DROP_COUNT; r++) {
        uint64_t want = before.drops[r] + (r == why ? 1 : 0);
        if (after->drops[r] != want)
            test_fail(file, line, "drops[%s] is %llu, expected %llu", synack_drop_name(r),
                      (unsigned long long)after->drops[r], (unsigned long long)want);
    }
    expect_nothing_sent_(s, file, line);
}

void peer_sends_(struct scenario *s, struct seg_spec spec, const char *file, int line)
{
    uint8_t pkt[1600];
    size_t len = peer_packet(s, spec, pkt, sizeof pkt);
    if (!len) {
        test_fail(file, line, "payload too large for peer_sends");
        return;
    }
    peer_sends_raw(s, pkt, len);
}

void peer_payload(uint32_t seq, uint32_t len, void *out)
{
    struct seg_spec spec = { .seq = seq, .len = len };
    uint32_t n;
    spec_payload(&spec, out, &n);
}

size_t peer_udp_packet(struct scenario *s, uint16_t sport, uint16_t dport, uint16_t id, const void *data,
                       size_t len, uint8_t *buf, size_t cap)
{
    size_t iph = scenario_ip_hlen(s);
    if (cap < iph + 8 || len > cap - iph - 8 || len > 65507)
        return 0;
    uint8_t *udp = buf + iph;
    uint16_t ulen = (uint16_t)(8 + len);
    put_be16(udp, sport);
    put_be16(udp + 2, dport);
    put_be16(udp + 4, ulen);
    put_be16(udp + 6, 0);
    if (len)
        memcpy(udp + 8, data, len);
    uint16_t sum = csum_finish(csum_add(csum_pseudo(&s->peer_ep.addr, &s->stack_ep.addr, IP_PROTO_UDP, ulen), udp, ulen));
    put_be16(udp + 6, sum ? sum : 0xffff);
    write_ip_header(s, buf, &s->peer_ep.addr, &s->stack_ep.addr, IP_PROTO_UDP, ulen, id, false);
    return iph + ulen;
}

size_t ip_fragment(const uint8_t *pkt, uint32_t off, uint32_t len, bool more, uint8_t *out, size_t cap)
{
    size_t hlen = (size_t)(pkt[0] & 0x0f) * 4;
    if (hlen + len > cap)
        return 0;
    memcpy(out, pkt, hlen);
    memcpy(out + hlen, pkt + hlen + off, len);
    put_be16(out + 2, (uint16_t)(hlen + len));
    put_be16(out + 6, (uint16_t)((get_be16(pkt + 6) & 0x4000) | (more ? 0x2000 : 0) | (off / 8)));
    ipv4_fill_checksum(out, hlen);
    return hlen + len;
}

size_t peer_icmp_error(struct scenario *s, uint8_t type, uint8_t code, const uint8_t *quoted, size_t qlen,
                       uint8_t *buf, size_t cap)
{
    if (cap < IPV4_HEADER_LEN + 8 + qlen)
        return 0;
    uint8_t *icmp = buf + IPV4_HEADER_LEN;
    icmp[0] = type;
    icmp[1] = code;
    put_be16(icmp + 2, 0);
    put_be32(icmp + 4, 0);
    memcpy(icmp + 8, quoted, qlen);
    put_be16(icmp + 2, csum_finish(csum_add(0, icmp, 8 + qlen)));
    ipv4_write_header(buf, &s->peer_ep.addr, &s->stack_ep.addr, IP_PROTO_ICMP, (uint16_t)(8 + qlen), 64, 9, false);
    return IPV4_HEADER_LEN + 8 + qlen;
}

static const struct scenario_packet *next_sent(struct scenario *s);

/* The next sent packet as IP of protocol `proto` from the stack to the
 * peer; NULL (and a failure) if it is something else. */
static const struct scenario_packet *next_sent_ip(struct scenario *s, uint8_t proto, const char *what,
                                                  struct ip_view *ip, const char *file, int line)
{
    const struct scenario_packet *p = next_sent(s);
    if (!p) {
        test_fail(file, line, "expected the stack to send %s, but it sent nothing", what);
        return NULL;
    }
    char got[512];
    format_logged(s, p, got, sizeof got);
    const uint8_t *pkt;
    size_t pkt_len;
    if (!logged_ip(s, p, &pkt, &pkt_len) || !parse_ip(pkt, pkt_len, ip) || ip->proto != proto ||
        !synack_addr_equal(&ip->src, &s->stack_ep.addr) || !synack_addr_equal(&ip->dst, &s->peer_ep.addr)) {
        test_fail(file, line, "at %.3f ms expected the stack to send %s, but it sent  %s", (double)p->when / 1000.0,
                  what, got);
        return NULL;
    }
    return p;
}

void expect_sent_udp_(struct scenario *s, uint16_t sport, uint16_t dport, const void *data, size_t len,
                      const char *file, int line)
{
    char what[96];
    snprintf(what, sizeof what, "UDP %u > %u, %zu bytes", sport, dport, len);
    struct ip_view ip;
    const struct scenario_packet *p = next_sent_ip(s, IP_PROTO_UDP, what, &ip, file, line);
    if (!p)
        return;
    const uint8_t *u = ip.payload;
    if (ip.payload_len < 8 || get_be16(u) != sport || get_be16(u + 2) != dport || get_be16(u + 4) != 8 + len ||
        ip.payload_len != 8 + len || (len && memcmp(u + 8, data, len) != 0)) {
        char got[512];
        format_logged(s, p, got, sizeof got);
        test_fail(file, line, "at %.3f ms expected the stack to send %s, but it sent  %s", (double)p->when / 1000.0,
                  what, got);
        return;
    }
    /* RFC 768: the checksum is always computed on output, and verifies. */
    if (get_be16(u + 6) == 0 ||
        csum_finish(csum_add(csum_pseudo(&ip.src, &ip.dst, IP_PROTO_UDP, (uint32_t)ip.payload_len), u,
                             ip.payload_len)) != 0)
        test_fail(file, line, "UDP checksum of the datagram sent is %s", get_be16(u + 6) ? "wrong" : "missing");
}

void expect_sent_icmp_error_(struct scenario *s, uint8_t type, uint8_t code, const uint8_t *quoted, size_t qlen,
                             const char *file, int line)
{
    char what[96];
    snprintf(what, sizeof what, "ICMP type %u code %u quoting %zu bytes", type, code, qlen);
    struct ip_view ip;
    const struct scenario_packet *p = next_sent_ip(s, IP_PROTO_ICMP, what, &ip, file, line);
    if (!p)
        return;
    const uint8_t *m = ip.payload;
    if (ip.payload_len != 8 + qlen || m[0] != type || m[1] != code || get_be32(m + 4) != 0 ||
        memcmp(m + 8, quoted, qlen) != 0) {
        char got[512];
        format_logged(s, p, got, sizeof got);
        test_fail(file, line, "at %.3f ms expected the stack to send %s, but it sent  %s (%zu bytes of ICMP)",
                  (double)p->when / 1000.0, what, got, ip.payload_len);
        return;
    }
    if (csum_finish(csum_add(0, m, ip.payload_len)) != 0)
        test_fail(file, line, "ICMP checksum of the error sent is wrong");
}

static const struct scenario_packet *next_sent(struct scenario *s)
{
    unsigned seen = 0;
    for (unsigned i = 0; i < s->log_count; i++) {
        if (!s->log[i].outgoing)
            continue;
        if (seen++ == s->sent_taken) {
            s->sent_taken++;
            return &s->log[i];
        }
    }
    return NULL;
}

static bool parse_sent(const struct scenario *s, const struct scenario_packet *p, struct tcp_segment *seg)
{
    struct ip_view ip;
    enum synack_drop_reason why;
    const uint8_t *pkt;
    size_t len;
    if (!logged_ip(s, p, &pkt, &len) || !parse_ip(pkt, len, &ip) || ip.proto != IP_PROTO_TCP)
        return false;
    if (!tcp_checksum_ok(&ip.src, &ip.dst, ip.payload, ip.payload_len))
        return false;
    return tcp_parse(ip.payload, ip.payload_len, seg, &why);
}

bool take_sent(struct scenario *s, struct tcp_segment *out)
{
    const struct scenario_packet *p = next_sent(s);
    return p && parse_sent(s, p, out);
}

size_t take_sent_raw(struct scenario *s, uint8_t *buf, size_t cap)
{
    const struct scenario_packet *p = next_sent(s);
    const uint8_t *pkt;
    size_t len;
    if (!p || !logged_ip(s, p, &pkt, &len))
        return 0;
    memcpy(buf, pkt, len < cap ? len : cap);
    return len;
}

static void describe_spec(const struct seg_spec *spec, char *buf, size_t len)
{
    char flags[32] = "";
    static const struct {
        uint8_t bit;
        const char *name;
    } names[] = { { TCP_SYN, "SYN" }, { TCP_FIN, "FIN" }, { TCP_RST, "RST" }, { TCP_PSH, "PSH" }, { TCP_ACK, "ACK" } };
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (spec->flags & names[i].bit) {
            if (flags[0])
                strcat(flags, "|");
            strcat(flags, names[i].name);
        }
    uint32_t plen = spec->data ? (spec->len ? spec->len : (uint32_t)strlen(spec->data)) : spec->len;
    int n = snprintf(buf, len, "%s seq=%u", flags[0] ? flags : "none", spec->seq);
    if (spec->flags & TCP_ACK)
        n += snprintf(buf + n, len - (size_t)n, " ack=%u", spec->ack);
    if (spec->win || spec->win_zero)
        n += snprintf(buf + n, len - (size_t)n, " win=%u", spec->win_zero ? 0 : spec->win);
    if (spec->mss)
        n += snprintf(buf + n, len - (size_t)n, " mss=%u", spec->mss);
    if (spec->sack_ok)
        n += snprintf(buf + n, len - (size_t)n, " sackOK");
    if (spec->has_ws)
        n += snprintf(buf + n, len - (size_t)n, " wscale=%u", spec->ws);
    if (spec->ts)
        n += snprintf(buf + n, len - (size_t)n, spec->ts_ecr_check ? " TS(ecr=%u)" : " TS", spec->tsecr);
    for (unsigned i = 0; i < spec->nsack && i < 4; i++)
        n += snprintf(buf + n, len - (size_t)n, " sack{%u:%u}", spec->sack[i][0], spec->sack[i][1]);
    snprintf(buf + n, len - (size_t)n, " len=%u", plen);
}

void expect_sent_(struct scenario *s, struct seg_spec spec, const char *file, int line)
{
    char want[320], got[512];
    describe_spec(&spec, want, sizeof want);
    const struct scenario_packet *p = next_sent(s);
    if (!p) {
        test_fail(file, line, "expected the stack to send  %s\n      but it sent nothing", want);
        return;
    }
    format_logged(s, p, got, sizeof got);
    struct tcp_segment seg;
    if (!parse_sent(s, p, &seg)) {
        test_fail(file, line, "expected %s\n      but the stack sent a malformed packet: %s", want, got);
        return;
    }
    uint8_t mask = (spec.flags & TCP_PSH) ? 0xff : (uint8_t)~TCP_PSH;
    uint32_t plen = spec.data ? (spec.len ? spec.len : (uint32_t)strlen(spec.data)) : spec.len;
    bool ok = (seg.flags & mask) == (spec.flags & mask) && seg.seq == spec.seq &&
              (!(spec.flags & TCP_ACK) || seg.ack == spec.ack) && seg.payload_len == plen &&
              (!(spec.win || spec.win_zero) || seg.window == (spec.win_zero ? 0 : spec.win)) &&
              (!spec.mss || (seg.opt.has_mss && seg.opt.mss == spec.mss));
    if (ok && spec.data && memcmp(seg.payload, spec.data, plen) != 0)
        ok = false;
    if (ok && ((spec.sack_ok && !seg.opt.sack_permitted) || (spec.has_ws && (!seg.opt.has_wscale || seg.opt.wscale != spec.ws)) ||
               (spec.ts && !seg.opt.has_timestamp) || (spec.ts_ecr_check && seg.opt.ts_ecr != spec.tsecr) ||
               (spec.no_ts && seg.opt.has_timestamp) || (spec.no_sack && seg.opt.sack_count)))
        ok = false;
    if (ok && spec.nsack) {
        ok = seg.opt.sack_count == spec.nsack;
        for (unsigned i = 0; ok && i < spec.nsack; i++)
            ok = seg.opt.sack[i].left == spec.sack[i][0] && seg.opt.sack[i].right == spec.sack[i][1];
    }
    if (!ok)
        test_fail(file, line, "at %.3f ms expected the stack to send  %s\n      but it sent  %s",
                  (double)p->when / 1000.0, want, got);
}

void expect_nothing_sent_(struct scenario *s, const char *file, int line)
{
    const struct scenario_packet *p;
    while ((p = next_sent(s)) != NULL) {
        char got[512];
        format_logged(s, p, got, sizeof got);
        test_fail(file, line, "expected nothing more from the stack, but at %.3f ms it sent  %s",
                  (double)p->when / 1000.0, got);
    }
}

void expect_state_(struct scenario *s, int state, const char *file, int line)
{
    if (s->last_state != state)
        test_fail(file, line, "expected the connection in %s, but it is in %s", synack_tcp_state_name(state),
                  synack_tcp_state_name(s->last_state));
}

bool saw_change(const struct scenario *s, uint64_t conn_id, int old_state, int new_state)
{
    if (!conn_id)
        conn_id = s->last_conn_id;
    for (unsigned i = 0; i < s->change_count; i++)
        if (s->changes[i].conn_id == conn_id && s->changes[i].old_state == old_state &&
            s->changes[i].new_state == new_state)
            return true;
    return false;
}

int app_accept(struct scenario *s)
{
    int h = synack_accept(s->st, s->listener, NULL);
    if (h >= 0)
        s->sock = h;
    synack_poll(s->st, s->now);
    return h;
}

int app_connect(struct scenario *s)
{
    int rc = synack_connect(s->st, s->sock, &s->peer_ep);
    synack_poll(s->st, s->now);
    return rc;
}

long app_send(struct scenario *s, const char *text)
{
    long rc = (long)synack_send(s->st, s->sock, text, strlen(text));
    synack_poll(s->st, s->now);
    return rc;
}

long app_send_bytes(struct scenario *s, uint32_t n)
{
    uint8_t *buf = malloc(n ? n : 1);
    for (uint32_t i = 0; i < n; i++)
        buf[i] = (uint8_t)('A' + i % 26);
    long rc = (long)synack_send(s->st, s->sock, buf, n);
    free(buf);
    synack_poll(s->st, s->now);
    return rc;
}

long app_recv(struct scenario *s, char *buf, size_t len)
{
    long total = 0;
    for (;;) {
        long n = (long)synack_recv(s->st, s->sock, buf + total, len - (size_t)total);
        if (n <= 0) {
            synack_poll(s->st, s->now);
            return total ? total : n;
        }
        total += n;
        if ((size_t)total == len)
            break;
    }
    synack_poll(s->st, s->now);
    return total;
}

int app_shutdown_write(struct scenario *s)
{
    int rc = synack_shutdown(s->st, s->sock, SYNACK_SHUT_WR);
    synack_poll(s->st, s->now);
    return rc;
}

int app_close(struct scenario *s)
{
    int rc = synack_close(s->st, s->sock);
    s->sock = -1;
    synack_poll(s->st, s->now);
    return rc;
}

int app_abort(struct scenario *s)
{
    int rc = synack_abort(s->st, s->sock);
    s->sock = -1;
    synack_poll(s->st, s->now);
    return rc;
}

uint32_t app_ready(struct scenario *s) { return synack_socket_ready(s->st, s->sock); }
int app_error(struct scenario *s) { return synack_socket_error(s->st, s->sock); }

struct synack_tcp_info app_info(struct scenario *s)
{
    struct synack_tcp_info info;
    if (synack_getinfo(s->st, s->sock, &info) != 0)
        memset(&info, 0, sizeof info);
    return info;
}

const struct synack_stats *stats(struct scenario *s) { return synack_stack_stats(s->st); }
uint64_t drops(struct scenario *s, int why) { return stats(s)->drops[why]; }

struct synack_addr parse_addr(const char *text)
{
    struct synack_addr a;
    memset(&a, 0, sizeof a);
    CHECK_EQ(synack_addr_parse(text, &a), 0);
    return a;
}

void handshake_passive_(struct scenario *s, uint32_t peer_iss, const char *file, int line)
{
    uint16_t mss = s->o.mss ? s->o.mss : 1460;
    peer_sends_(s, SEG(SYN, .seq = peer_iss, .mss = 1460), file, line);
    expect_sent_(s, SEG(SYN | ACK, .seq = s->o.iss, .ack = peer_iss + 1, .mss = mss), file, line);
    expect_state_(s, SYNACK_TCP_SYN_RECEIVED, file, line);
    peer_sends_(s, SEG(ACK, .seq = peer_iss + 1, .ack = s->o.iss + 1), file, line);
    expect_state_(s, SYNACK_TCP_ESTABLISHED, file, line);
    if (app_accept(s) < 0)
        test_fail(file, line, "accept() found no connection after the handshake");
    expect_nothing_sent_(s, file, line);
}

void handshake_active_(struct scenario *s, uint32_t peer_iss, const char *file, int line)
{
    uint16_t mss = s->o.mss ? s->o.mss : 1460;
    int rc = app_connect(s);
    if (rc != -SYNACK_EINPROGRESS)
        test_fail(file, line, "connect() returned %d, not -SYNACK_EINPROGRESS", rc);
    expect_sent_(s, SEG(SYN, .seq = s->o.iss, .mss = mss), file, line);
    expect_state_(s, SYNACK_TCP_SYN_SENT, file, line);
    peer_sends_(s, SEG(SYN | ACK, .seq = peer_iss, .ack = s->o.iss + 1, .mss = 1460), file, line);
    expect_sent_(s, SEG(ACK, .seq = s->o.iss + 1, .ack = peer_iss + 1), file, line);
    expect_state_(s, SYNACK_TCP_ESTABLISHED, file, line);
}

/* ---- IPv6 (see scenario.h) ---- */

size_t peer_icmp6(struct scenario *s, const struct synack_addr *dst, uint8_t type, uint8_t code, uint32_t word,
                  const void *body, size_t blen, uint8_t *buf, size_t cap)
{
    if (cap < IPV6_HEADER_LEN + 8 || blen > cap - IPV6_HEADER_LEN - 8 || blen > 65535 - 8)
        return 0;
    if (!dst)
        dst = &s->stack_ep.addr;
    uint8_t *m = buf + IPV6_HEADER_LEN;
    size_t n = 8 + blen;
    m[0] = type;
    m[1] = code;
    put_be16(m + 2, 0);
    put_be32(m + 4, word);
    if (blen)
        memcpy(m + 8, body, blen);
    put_be16(m + 2, csum_finish(csum_add(csum_pseudo(&s->peer_ep.addr, dst, IP_PROTO_ICMPV6, (uint32_t)n), m, n)));
    ipv6_write_header(buf, &s->peer_ep.addr, dst, IP_PROTO_ICMPV6, (uint16_t)n, 64);
    return IPV6_HEADER_LEN + n;
}

void peer_sends_icmp6(struct scenario *s, uint8_t type, uint8_t code, uint32_t word, const void *body, size_t blen)
{
    uint8_t pkt[1600];
    size_t len = peer_icmp6(s, NULL, type, code, word, body, blen, pkt, sizeof pkt);
    REQUIRE(len);
    peer_sends_raw(s, pkt, len);
}

size_t ip6_insert_ext(uint8_t *buf, size_t len, size_t cap, uint8_t type, const uint8_t *ext, size_t ext_len)
{
    if (len < IPV6_HEADER_LEN || ext_len == 0 || len + ext_len > cap)
        return 0;
    memmove(buf + IPV6_HEADER_LEN + ext_len, buf + IPV6_HEADER_LEN, len - IPV6_HEADER_LEN);
    memcpy(buf + IPV6_HEADER_LEN, ext, ext_len);
    buf[IPV6_HEADER_LEN] = buf[6];
    buf[6] = type;
    put_be16(buf + 4, (uint16_t)(get_be16(buf + 4) + ext_len));
    return len + ext_len;
}

size_t ip6_fragment(const uint8_t *pkt, size_t unfrag, uint32_t off, uint32_t len, bool more, uint32_t id,
                    uint8_t *out, size_t cap)
{
    /* The Next Header field of the last unfragmentable header. */
    size_t nh_at = 6;
    for (size_t at = IPV6_HEADER_LEN; at < unfrag; at += ((size_t)pkt[at + 1] + 1) * 8)
        nh_at = at;
    if (unfrag + 8 + len > cap)
        return 0;
    memcpy(out, pkt, unfrag);
    uint8_t *f = out + unfrag;
    f[0] = pkt[nh_at];
    f[1] = 0;
    put_be16(f + 2, (uint16_t)((off & 0xfff8) | (more ? 1 : 0)));
    put_be32(f + 4, id);
    out[nh_at] = IP6_NH_FRAGMENT;
    memcpy(f + 8, pkt + unfrag + off, len);
    put_be16(out + 4, (uint16_t)(unfrag - IPV6_HEADER_LEN + 8 + len));
    return unfrag + 8 + len;
}

void expect_sent_icmp6_(struct scenario *s, uint8_t type, uint8_t code, uint32_t word, const uint8_t *quoted,
                        size_t qlen, const char *file, int line)
{
    char what[96];
    snprintf(what, sizeof what, "ICMPv6 type %u code %u (%u) quoting %zu bytes", type, code, word, qlen);
    struct ip_view ip;
    const struct scenario_packet *p = next_sent_ip(s, IP_PROTO_ICMPV6, what, &ip, file, line);
    if (!p)
        return;
    const uint8_t *m = ip.payload;
    if (ip.payload_len != 8 + qlen || m[0] != type || m[1] != code || get_be32(m + 4) != word ||
        (qlen && memcmp(m + 8, quoted, qlen) != 0)) {
        char got[512];
        format_logged(s, p, got, sizeof got);
        test_fail(file, line,
                  "at %.3f ms expected the stack to send %s, but it sent  %s (%zu bytes of ICMPv6: type %u code %u "
                  "word %u)",
                  (double)p->when / 1000.0, what, got, ip.payload_len, ip.payload_len ? m[0] : 0,
                  ip.payload_len > 1 ? m[1] : 0, ip.payload_len >= 8 ? get_be32(m + 4) : 0);
        return;
    }
    if (csum_finish(csum_add(csum_pseudo(&ip.src, &ip.dst, IP_PROTO_ICMPV6, (uint32_t)ip.payload_len), m,
                             ip.payload_len)) != 0)
        test_fail(file, line, "ICMPv6 checksum of the message sent is wrong");
}
