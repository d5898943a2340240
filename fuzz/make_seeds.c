/*
 * make_seeds.c — writes seed inputs for the fuzz harnesses (see README.md).
 *
 *     make_seeds OUTDIR [CAPTURE...]
 *
 * From each capture (pcap or pcapng: the scenario tests' pcaps, the demo's
 * and the simulator's), it writes
 *   OUTDIR/input/<capture name>   the packets that 198.18.0.1 (the peer,
 *       or the client) sent, as fuzz_input records: the clock moved by
 *       the gaps between them, each packet as a raw record with its IP
 *       header and checksum fixed up by the harness (payloads cut to 64
 *       bytes so that seeds stay small), at most 48 packets and 4 KiB;
 *   OUTDIR/tcp_options/opt-<hash> and hdr-<hash>   every distinct TCP
 *       option list and TCP header (with up to 16 payload bytes) seen;
 * and, whatever the captures, OUTDIR/input/prog-* and prog6-*: hand-written
 * fuzz_input programs (prog6-*: the IPv6 world, with extension headers,
 * fragments and ICMPv6, which the captures do not give yet: the capture
 * reader skips IPv6), OUTDIR/conn/<name>: hand-written step programs
 * for fuzz_conn (handshakes both ways, data both ways, a zero
 * window, holes, SACK, timeouts, closes in every order, resets), and
 * OUTDIR/eth/<name>: hand-written programs for fuzz_eth (resolution by
 * ARP and NDP, answered and not, DAD conflicts, floods, malformed
 * messages, raw frames).
 *
 * The formats are the harnesses' (fuzz_input.c, fuzz_tcp_options.c,
 * fuzz_conn.c); a change there must be mirrored here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "byteorder.h"
#include "fuzz_util.h"
#include "icmp6.h"
#include "ipv4.h"
#include "ipv6.h"
#include "synack/capture.h"
#include "synack/synack.h"
#include "tcp_wire.h"

#define MAX_SEED 65536

struct seed {
    uint8_t b[MAX_SEED];
    size_t n;
};

static void put(struct seed *s, const void *p, size_t n)
{
    if (s->n + n > sizeof s->b)
        return;
    memcpy(s->b + s->n, p, n);
    s->n += n;
}
static void put8(struct seed *s, uint8_t v) { put(s, &v, 1); }
static void put16(struct seed *s, uint16_t v)
{
    uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
    put(s, b, 2);
}

static int write_file(const char *dir, const char *sub, const char *name, const struct seed *s)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        return -1;
    }
    fwrite(s->b, 1, s->n, f);
    return fclose(f);
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

/* Distinct blobs already written (by hash), so each is written once. */
static uint64_t seen[8192];
static unsigned seen_count;
static bool first_time(uint64_t h)
{
    for (unsigned i = 0; i < seen_count; i++)
        if (seen[i] == h)
            return false;
    if (seen_count < sizeof seen / sizeof seen[0])
        seen[seen_count++] = h;
    return true;
}

static void tcp_seeds(const char *out, const uint8_t *tcp, size_t len)
{
    if (len < TCP_HEADER_MIN)
        return;
    size_t hlen = (size_t)(tcp[12] >> 4) * 4;
    if (hlen < TCP_HEADER_MIN || hlen > len)
        return;
    struct seed s = { .n = 0 };
    char name[64];
    if (hlen > TCP_HEADER_MIN) {
        put8(&s, 0);
        put(&s, tcp + TCP_HEADER_MIN, hlen - TCP_HEADER_MIN);
        uint64_t h = fnv1a(s.b, s.n);
        if (first_time(h)) {
            snprintf(name, sizeof name, "opt-%016llx", (unsigned long long)h);
            write_file(out, "tcp_options", name, &s);
        }
    }
    s.n = 0;
    put8(&s, 1);
    size_t take = hlen + (len - hlen < 16 ? len - hlen : 16);
    put(&s, tcp, take);
    /* Headers differ in their sequence numbers all the time; one per
     * distinct (flags, header length, options) is enough. */
    uint8_t key[64];
    key[0] = tcp[13];
    key[1] = (uint8_t)hlen;
    memcpy(key + 2, tcp + TCP_HEADER_MIN, hlen - TCP_HEADER_MIN);
    /* Timestamps and SACK blocks change in every segment: leave their
     * values out of the key. */
    for (size_t i = 2; i + 1 < 2 + hlen - TCP_HEADER_MIN;) {
        uint8_t kind = key[i], olen = key[i + 1];
        if (kind == TCP_OPT_EOL)
            break;
        if (kind == TCP_OPT_NOP) {
            i++;
            continue;
        }
        if (olen < 2 || i + olen > 2 + hlen - TCP_HEADER_MIN)
            break;
        if (kind == TCP_OPT_TIMESTAMP || kind == TCP_OPT_SACK)
            memset(key + i + 2, 0, olen - 2u);
        i += olen;
    }
    uint64_t h = fnv1a(key, 2 + hlen - TCP_HEADER_MIN) ^ 0x5555;
    if (first_time(h)) {
        snprintf(name, sizeof name, "hdr-%016llx", (unsigned long long)h);
        write_file(out, "tcp_options", name, &s);
    }
}

/* The gap as fuzz_input clock steps (op_time), largest first. */
static void input_advance(struct seed *s, uint64_t gap)
{
    for (int guard = 0; gap >= 1000 && guard < 8; guard++) {
        unsigned i = 15;
        while (i > 1 && fz_input_time_steps_us[i] > gap)
            i--;
        put8(s, 4);
        put8(s, (uint8_t)i);
        gap -= fz_input_time_steps_us[i];
    }
}

static int from_capture(const char *out, const char *path)
{
    struct synack_capture *c;
    char err[256];
    if (synack_capture_open(path, &c, err, sizeof err) < 0) {
        fprintf(stderr, "%s: %s\n", path, err);
        return -1;
    }
    static struct seed s;
    s.n = 0;
    put8(&s, 0);                     /* fuzz_input: A with every option */
    struct synack_captured_packet p;
    uint64_t last = 0;
    unsigned taken = 0;
    int rc;
    const struct synack_addr peer = synack_addr_v4(198, 18, 0, 1);
    while ((rc = synack_capture_next(c, &p, err, sizeof err)) == 1) {
        struct ipv4_packet ip;
        enum synack_drop_reason why;
        if (!ipv4_parse(p.ip, p.ip_len, &ip, &why))
            continue;
        if (ip.proto == IP_PROTO_TCP)
            tcp_seeds(out, ip.payload, ip.payload_len);
        if (!synack_addr_equal(&ip.src, &peer) || taken == 48)
            continue;
        if (taken)
            input_advance(&s, p.when - last);
        last = p.when;
        size_t keep = ip.header_len + (size_t)ip.payload_len;
        size_t hdrs = ip.header_len + (ip.proto == IP_PROTO_TCP && ip.payload_len >= TCP_HEADER_MIN
                                           ? (size_t)(ip.payload[12] >> 4) * 4 : 8);
        if (keep > hdrs + 64)
            keep = hdrs + 64;
        if (keep > p.ip_len)
            keep = p.ip_len;
        if (s.n + 3 + keep + 16 > 4096) {
            taken = 48;                    /* full: fuzz.sh runs fuzz_input with -max_len=4096 */
            continue;
        }
        put8(&s, 0 | 1u << 3 | 1u << 4);   /* raw, IP header and checksum fixed */
        put16(&s, (uint16_t)keep);
        put(&s, p.ip, keep);
        taken++;
    }
    synack_capture_close(c);
    if (rc < 0)
        fprintf(stderr, "%s: %s\n", path, err);
    if (taken) {
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        char name[512];
        snprintf(name, sizeof name, "%.*s", (int)(strcspn(base, ".")), base);
        write_file(out, "input", name, &s);
    }
    return 0;
}

/* ---- fuzz_input programs (records of fuzz_input.c) ---- */

/* A program for harness `sub`: its variant byte, then its records. */
static void program_seed(const char *out, const char *sub, const char *name, uint8_t variant, const uint8_t *rec,
                         size_t n)
{
    static struct seed s;
    s.n = 0;
    put8(&s, variant);
    put(&s, rec, n);
    write_file(out, sub, name, &s);
}

static void input_program(const char *out, const char *name, uint8_t variant, const uint8_t *rec, size_t n)
{
    program_seed(out, "input", name, variant, rec, n);
}


/* A raw record (op 0) of an IPv6 packet from B (fd00:5ac::1, or `src`) to
 * A (fd00:5ac::2, or `dst`): the fixed header, ext_len bytes of extension
 * headers (the first of type `first`; each names the next itself, the
 * last naming `proto`), then `upper` (upper_len bytes).  The harness fixes
 * the payload length and the upper layer's checksum (op bits 3, 4) unless
 * `as_is`. */
static void raw6(struct seed *s, const char *src, const char *dst, uint8_t first, const uint8_t *ext, size_t ext_len,
                 const uint8_t *upper, size_t upper_len, bool as_is)
{
    struct synack_addr a, b;
    synack_addr_parse(src ? src : "fd00:5ac::1", &b);
    synack_addr_parse(dst ? dst : "fd00:5ac::2", &a);
    uint8_t pkt[512];
    size_t len = IPV6_HEADER_LEN + ext_len + upper_len;
    if (len > sizeof pkt)
        return;
    ipv6_write_header(pkt, &b, &a, ext_len ? first : upper[-1], (uint16_t)(len - IPV6_HEADER_LEN), 255);
    memcpy(pkt + IPV6_HEADER_LEN, ext, ext_len);
    memcpy(pkt + IPV6_HEADER_LEN + ext_len, upper, upper_len);
    put8(s, as_is ? 0 : 0 | 1u << 3 | 1u << 4);
    put16(s, (uint16_t)len);
    put(s, pkt, len);
}

/* The IPv6 world's own programs: extension headers of every kind, right
 * and wrong, fragments, ICMPv6 of every type quoting A's packets. */
static void ipv6_programs(const char *out)
{
    static struct seed s;
    /* The upper layers, each behind its protocol number (raw6 reads
     * upper[-1] when there is no extension header). */
    uint8_t syn[1 + 20], udp[1 + 12] = { IP_PROTO_UDP, 0x04, 0xd2, 0, 53, 0, 12, 0, 0, 'd', 'n', 's', '?' };
    uint8_t echo[1 + 12] = { IP_PROTO_ICMPV6, ICMPV6_ECHO_REQUEST, 0, 0, 0, 0x12, 0x34, 0, 1, 'p', 'i', 'n', 'g' };
    uint8_t ns[1 + 24] = { IP_PROTO_ICMPV6, 135, 0, 0, 0, 0, 0, 0, 0, 0xfd, 0x00, 0x05, 0xac, [24] = 2 };
    struct tcp_header_out h = { .src_port = 1234, .dst_port = 80, .seq = 1000, .flags = TCP_SYN, .window = 65535 };
    syn[0] = IP_PROTO_TCP;
    tcp_write_header(syn + 1, &h);
    /* Extension headers: each 8 bytes unless said; byte 0 names the next. */
    uint8_t padn[8] = { IP_PROTO_TCP, 0, 1, 4 }, opt[4][8], rh0[24] = { IP_PROTO_TCP, 2, 0, 0 },
            rh1[24] = { IP_PROTO_TCP, 2, 0, 1 }, srh[24] = { IP_PROTO_TCP, 2, 4, 2 },
            do_hbh[16] = { IP6_NH_HOP_BY_HOP, 0, 1, 4, 0, 0, 0, 0, IP_PROTO_TCP, 0, 1, 4 },
            three[24] = { IP6_NH_DEST_OPTS, 0, 1, 4, 0, 0, 0, 0, IP6_NH_DEST_OPTS, 0, 1, 4, 0, 0, 0, 0, IP_PROTO_TCP, 0, 1, 4 },
            long_hbh[8] = { IP_PROTO_TCP, 3, 1, 4 }, bad_opt[8] = { IP_PROTO_TCP, 0, 0x1e, 9 },
            atomic[8] = { IP_PROTO_TCP, 0, 0, 0, 0, 0, 0, 42 }, first8[8] = { IP_PROTO_TCP, 0, 0, 1, 0, 0, 0, 43 },
            udp_do[8] = { IP_PROTO_UDP, 0, 1, 4 }, echo_hbh[8] = { IP_PROTO_ICMPV6, 0, 0x9e, 4 };
    for (int k = 0; k < 4; k++) {
        memcpy(opt[k], padn, 8);
        opt[k][2] = (uint8_t)(k << 6 | 0x1e);           /* unknown option, action k */
    }
    s.n = 0;
    put8(&s, 0x20);
    raw6(&s, NULL, NULL, 0, NULL, 0, syn + 1, 20, false);
    raw6(&s, NULL, NULL, IP6_NH_HOP_BY_HOP, padn, 8, syn + 1, 20, false);
    for (int k = 0; k < 4; k++)
        raw6(&s, NULL, NULL, IP6_NH_HOP_BY_HOP, opt[k], 8, syn + 1, 20, false);
    raw6(&s, NULL, NULL, IP6_NH_DEST_OPTS, do_hbh, 16, syn + 1, 20, false);
    raw6(&s, NULL, NULL, IP6_NH_ROUTING, rh0, 24, syn + 1, 20, false);
    raw6(&s, NULL, NULL, IP6_NH_ROUTING, rh1, 24, syn + 1, 20, false);
    raw6(&s, NULL, NULL, IP6_NH_ROUTING, srh, 24, syn + 1, 20, false);
    raw6(&s, NULL, NULL, IP6_NH_DEST_OPTS, three, 24, syn + 1, 20, false);
    raw6(&s, NULL, NULL, IP6_NH_HOP_BY_HOP, long_hbh, 8, syn + 1, 20, false);
    raw6(&s, NULL, NULL, IP6_NH_DEST_OPTS, bad_opt, 8, syn + 1, 20, false);
    raw6(&s, NULL, NULL, IP6_NH_FRAGMENT, atomic, 8, syn + 1, 20, false);
    raw6(&s, NULL, NULL, IP6_NH_FRAGMENT, first8, 8, syn + 1, 8, false);
    raw6(&s, NULL, NULL, IP6_NH_DEST_OPTS, udp_do, 8, udp + 1, 12, false);
    syn[0] = 253;                                           /* an unknown next header */
    raw6(&s, NULL, NULL, 0, NULL, 0, syn + 1, 20, false);
    syn[0] = IP6_NH_NONE;
    raw6(&s, NULL, NULL, 0, NULL, 0, syn + 1, 20, false);
    syn[0] = IP6_NH_HOP_BY_HOP;                             /* a jumbogram: payload length 0 */
    raw6(&s, NULL, NULL, 0, NULL, 0, syn + 1, 0, true);
    raw6(&s, NULL, "ff02::1", IP6_NH_HOP_BY_HOP, echo_hbh, 8, echo + 1, 12, false);
    raw6(&s, NULL, "fd00:5ac::2", 0, NULL, 0, echo + 1, 12, false);
    raw6(&s, "::", "ff02::1:ff00:2", 0, NULL, 0, ns + 1, 24, false);
    write_file(out, "input", "prog6-ext-headers", &s);

    /* Fragments of fuzz_input's datagrams (op 7, kind 3: sel, offset/8,
     * length, options): in order, reversed, duplicated, overlapping,
     * behind extension headers, one too many bytes long. */
    static const uint8_t frags[] = {
        0x07, 0x03, 0x04, 0x00, 0x30, 0x07, 0x03, 0x00, 0x06, 0x38,               /* id 0: [0,48) M, [48,104) */
        0x07, 0x03, 0x01, 0x0c, 0x6c, 0x07, 0x03, 0x05, 0x06, 0x60, 0x07, 0x03, 0x05, 0x00, 0x30,  /* id 1 reversed */
        0x07, 0x03, 0x06, 0x00, 0x40, 0x07, 0x03, 0x06, 0x00, 0x40, 0x07, 0x03, 0x02, 0x08, 0xff,  /* id 2 duplicated */
        0x07, 0x03, 0x07, 0x00, 0x40, 0x07, 0x03, 0x07, 0x04, 0x40,               /* id 3 overlapping */
        0x07, 0x03, 0x1c, 0x00, 0x30, 1, 4, 0, 0, 0, 0, 0x07, 0x03, 0x18, 0x06, 0x38, 1, 4, 0, 0, 0, 0,
        0x07, 0x03, 0x04, 0x00, 0x2e,                                              /* not a multiple of 8 */
        0x04, 0x0b,                                                                /* a reassembly times out */
    };
    input_program(out, "prog6-fragments", 0x20, frags, sizeof frags);

    /* ICMPv6 messages of every kind quoting A's latest packets (op 7,
     * kind 1: type, code, word, quote length). */
    static const uint8_t icmp[] = {
        0x05, 0x04, 0x01, 0x07, 0x01, 0x01, 0x04, 0x00, 0x00, 0x02, 0x58,       /* port unreachable */
        0x07, 0x11, 0x02, 0x00, 0x05, 0x00, 0x04, 0xd0,                         /* packet too big, 1280 */
        0x07, 0x21, 0x01, 0x03, 0x00, 0x00, 0x00, 0x80,                         /* address unreachable */
        0x07, 0x31, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00,                         /* time exceeded */
        0x07, 0x41, 0x04, 0x01, 0x00, 0x06, 0x00, 0x60,                         /* parameter problem 1 */
        0x07, 0x55, 0x04, 0x00, 0x00, 0x2a, 0x00, 0x50, 0x00, 0x10, 0xff,       /* ... damaged */
        0x07, 0x61, 0x87, 0x00, 0x00, 0x00, 0x00, 0x20,                         /* neighbour solicitation */
        0x07, 0x71, 0x81, 0x00, 0x00, 0x00, 0x00, 0x08,                         /* echo reply */
        0x07, 0x01, 0x82, 0x00, 0x00, 0x00, 0x00, 0x10,                         /* MLD query */
        0x07, 0x02, 0x00, 0x20, 'e', 'c', 'h', 'o',                             /* echo request */
        0x07, 0x0a, 0x00, 0x04, 'a', 'l', 'l', '!',                             /* ... to all nodes */
        0x07, 0x00, 0x10, 'u', 'd', 'p', ' ', 'v', '6', '!', '!', 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    };
    input_program(out, "prog6-icmp", 0x20, icmp, sizeof icmp);
}

static void input_programs(const char *out)
{
    /* B opens connections until A's table is full (SYN cookies), time passes. */
    static const uint8_t cookies[] = { 0x06, 0x04, 0x06, 0x04, 0x06, 0x0c, 0x06, 0x04, 0x04, 0x05,
                                       0x06, 0x04, 0x04, 0x08, 0x06, 0x04, 0x06, 0x00, 0x04, 0x0b };
    /* ICMP errors quoting each of A's latest packets, whole and damaged. */
    static const uint8_t icmp[] = { 0x05, 0x04, 0x01, 0x07, 0x01, 0x03, 0x03, 0x00, 0x00, 0x02, 0x58,
                                    0x07, 0x11, 0x03, 0x04, 0x05, 0xdc, 0x00, 0x30, 0x07, 0x25, 0x0b,
                                    0x00, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x21, 0x55, 0x07, 0x31, 0x03,
                                    0x01, 0x00, 0x00, 0x00, 0x40, 0x04, 0x07 };
    /* Segments aimed at each connection: data at RCV.NXT, an old ACK, a
     * RST at RCV.NXT, a SYN, a FIN; with the clock moving. */
    static const uint8_t segs[] = { 0x02, 0x00, 0x18, 0x40, 0x00, 0x01, 0x00, 0x02, 0x01, 0x10, 0x08, 0x00,
                                    0xf0, 0x02, 0x02, 0x11, 0x00, 0x00, 0x04, 0x06, 0x02, 0x03, 0x04, 0x00,
                                    0x00, 0x02, 0x04, 0x02, 0x00, 0x00, 0x02, 0x05, 0x14, 0x00, 0x00, 0x04,
                                    0x0c, 0x02, 0x06, 0x11, 0x00, 0x00, 0x02, 0x07, 0x12, 0x00, 0x00, 0x04, 0x0e };
    /* A's application: reads, writes, keepalive, new active opens, closes. */
    static const uint8_t app[] = { 0x05, 0x04, 0x30, 0x05, 0x04, 0x21, 0x05, 0x05, 0x08, 0x05, 0x06, 0x09,
                                   0x05, 0x07, 0x19, 0x05, 0x00, 0x06, 0x04, 0x0a, 0x05, 0x08, 0x02, 0x05,
                                   0x09, 0x04, 0x05, 0x0a, 0x05, 0x04, 0x0d, 0x06, 0x01, 0x06, 0x03, 0x04, 0x0e };
    input_program(out, "prog-cookies", 0x10, cookies, sizeof cookies);
    input_program(out, "prog-icmp-errors", 0x00, icmp, sizeof icmp);
    input_program(out, "prog-segments", 0x00, segs, sizeof segs);
    input_program(out, "prog-segments-no-options", 0x07, segs, sizeof segs);
    input_program(out, "prog-application", 0x08, app, sizeof app);
    /* The same in the IPv6 world (variant bit 5). */
    input_program(out, "prog6-cookies", 0x30, cookies, sizeof cookies);
    input_program(out, "prog6-segments", 0x20, segs, sizeof segs);
    input_program(out, "prog6-application", 0x28, app, sizeof app);
    ipv6_programs(out);
}

/* ---- fuzz_conn programs ---- */

/* Step encoders (fuzz_conn.c's format). */
static void peer_data(struct seed *s, uint8_t len4) { put(s, (uint8_t[]){ 0x01, 0x00, 0x00, len4 }, 4); }
static void peer_ack(struct seed *s) { put(s, (uint8_t[]){ 0x00, 0x00, 0x00 }, 3); }
static void peer_fin(struct seed *s) { put(s, (uint8_t[]){ 0x00, 0x03, 0x00 }, 3); }
static void peer_zero_window(struct seed *s) { put(s, (uint8_t[]){ 0x00, 0x00, 0x20 }, 3); }
static void app_send(struct seed *s, uint16_t n) { put8(s, 0x06); put16(s, n); }
static void app_recv(struct seed *s) { put(s, (uint8_t[]){ 0x07, 0xff, 0xff }, 3); }
static void app_shut_wr(struct seed *s) { put(s, (uint8_t[]){ 0x08, 0x01 }, 2); }
static void app_close(struct seed *s) { put8(s, 0x09); }
static void app_accept(struct seed *s) { put8(s, 0x0b); }
/* Clock: index into fuzz_conn's table {1ms, 10ms, 40ms, 200ms, 1s, 3s, 20s, 120s}. */
static void clock_step(struct seed *s, uint8_t idx) { put8(s, (uint8_t)(0x0d | idx << 4)); }

static void conn_seed(const char *out, const char *name, void (*body)(struct seed *), uint8_t c0, uint8_t c1,
                      uint8_t c2)
{
    static struct seed s;
    s.n = 0;
    put8(&s, c0);
    put8(&s, c1);
    put8(&s, c2);
    body(&s);
    write_file(out, "conn", name, &s);
}

static void prog_exchange(struct seed *s)
{
    app_accept(s);
    peer_data(s, 100);
    peer_data(s, 200);
    app_recv(s);
    app_send(s, 3000);
    clock_step(s, 3);
    peer_ack(s);
    peer_fin(s);
    app_recv(s);
    app_shut_wr(s);
    peer_ack(s);
    clock_step(s, 5);
}

static void prog_zero_window(struct seed *s)
{
    app_accept(s);
    peer_zero_window(s);
    app_send(s, 5000);
    clock_step(s, 4);
    clock_step(s, 4);
    peer_zero_window(s);
    clock_step(s, 5);
    peer_ack(s);
    clock_step(s, 3);
    peer_ack(s);
    app_close(s);
    peer_ack(s);
    peer_fin(s);
}

static void prog_holes(struct seed *s)
{
    app_accept(s);
    /* Beyond a hole (seq mode 2, 3000 bytes ahead, 100 bytes), twice; then the hole. */
    put(s, (uint8_t[]){ 0x01, 0x00, 0x02, 0x0b, 0xb8, 25 }, 6);
    put(s, (uint8_t[]){ 0x01, 0x00, 0x02, 0x01, 0xf4, 25 }, 6);
    peer_data(s, 250);
    peer_data(s, 250);
    app_recv(s);
    peer_fin(s);
    app_recv(s);
    app_close(s);
}

static void prog_loss_sack(struct seed *s)
{
    app_accept(s);
    app_send(s, 12000);
    /* SACK blocks over what was sent (modes 0x80 | ack mode 1). */
    put(s, (uint8_t[]){ 0x00, 0x00, 0x84, 0x00, 0x00, 0x01, 0x05, 0xb4, 0x05, 0xb4, 0x0b, 0x68, 0x05, 0xb4 }, 14);
    put(s, (uint8_t[]){ 0x00, 0x00, 0x84, 0x00, 0x00, 0x00, 0x11, 0x1c, 0x05, 0xb4 }, 10);
    clock_step(s, 4);
    peer_ack(s);
    clock_step(s, 4);
    clock_step(s, 5);
    peer_ack(s);
}

static void prog_active(struct seed *s)
{
    app_send(s, 2000);
    peer_ack(s);
    peer_data(s, 50);
    app_recv(s);
    peer_fin(s);
    app_close(s);
    peer_ack(s);
    clock_step(s, 5);
}

static void prog_handshake_by_steps(struct seed *s)
{
    /* Handshake left to the program: the peer's SYN|ACK (kind 5 with 0x18:
     * ACK of the ISS) or its ACK, then data. */
    put(s, (uint8_t[]){ 0x00, 0x1d, 0x00 }, 3);
    peer_ack(s);
    app_accept(s);
    peer_data(s, 10);
    app_recv(s);
    clock_step(s, 6);
}

static void prog_reset(struct seed *s)
{
    app_accept(s);
    app_send(s, 1000);
    peer_data(s, 20);
    put(s, (uint8_t[]){ 0x00, 0x0c, 0x00 }, 3);   /* RST|ACK at RCV.NXT */
    app_recv(s);
    app_send(s, 10);
}

static void prog_simultaneous_close(struct seed *s)
{
    app_accept(s);
    app_shut_wr(s);
    peer_fin(s);
    clock_step(s, 3);
    peer_ack(s);
    app_recv(s);
    clock_step(s, 6);
}

/* ---- fuzz_eth programs (records of fuzz_eth.c) ---- */

static void eth_program(const char *out, const char *name, uint8_t variant, const uint8_t *rec, size_t n)
{
    program_seed(out, "eth", name, variant, rec, n);
}

/* Record bytes: ARP 0x01 host opcode target dst off val; NDP 0x02 host
 * type flags hop src dst target option off val (type 2: NS, 3: NA, 0:
 * RS); answer 0x03 (0x0b: without override); time 0x04 step (7: 1 s,
 * 10: 10 s, 11: 30 s); app 0x05 what host (what 0: connect, 8: over
 * IPv6, 1: UDP, 2: send, 3: abort); IP 0x06 host what (bit 0 IPv6, bit 1
 * SYN, else echo); address 0x07 (0: IPv4, 1: IPv6). */
static void eth_programs(const char *out)
{
    static const uint8_t arp_then_connect[] = { 0x04, 0x07, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                                0x05, 0x00, 0x00, 0x04, 0x04, 0x05, 0x02, 0x00, 0x04, 0x0a };
    static const uint8_t resolve_v4[] = { 0x04, 0x07, 0x05, 0x00, 0x01, 0x03, 0x04, 0x03, 0x05, 0x02, 0x01,
                                          0x06, 0x01, 0x02, 0x04, 0x0b, 0x05, 0x02, 0x01, 0x04, 0x0a };
    static const uint8_t resolve_v6[] = { 0x04, 0x07, 0x05, 0x08, 0x02, 0x03, 0x04, 0x03, 0x05, 0x02, 0x02,
                                          0x04, 0x0b, 0x05, 0x02, 0x02, 0x04, 0x0a, 0x05, 0x03, 0x02 };
    static const uint8_t unanswered[] = { 0x04, 0x07, 0x05, 0x00, 0x03, 0x05, 0x08, 0x04, 0x05, 0x01, 0x05,
                                          0x04, 0x07, 0x04, 0x07, 0x04, 0x07, 0x04, 0x07 };
    static const uint8_t ns_na[] = { 0x04, 0x07, 0x02, 0x04, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
                                     0x00, 0x02, 0x04, 0x03, 0x20, 0x00, 0x00, 0x02, 0x02, 0x05, 0x00, 0x00,
                                     0x02, 0x04, 0x03, 0x40, 0x00, 0x00, 0x00, 0x02, 0x05, 0x00, 0x00, 0x04, 0x0a };
    static const uint8_t dad_conflict[] = { 0x02, 0x05, 0x03, 0x20, 0x00, 0x00, 0x02, 0x00, 0x05, 0x00, 0x00,
                                            0x02, 0x06, 0x02, 0x00, 0x00, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00,
                                            0x04, 0x07, 0x06, 0x01, 0x03, 0x04, 0x07 };
    static const uint8_t malformed_ndp[] = { 0x04, 0x07, 0x02, 0x01, 0x02, 0x00, 0xfd, 0x00, 0x01, 0x00, 0x01,
                                             0x00, 0x00, 0x02, 0x01, 0x82, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01,
                                             0x00, 0x00, 0x02, 0x01, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x03,
                                             0x00, 0x00, 0x02, 0x01, 0x02, 0x00, 0x00, 0x00, 0x01, 0x80, 0x01,
                                             0x00, 0x00, 0x02, 0x01, 0x02, 0x00, 0x00, 0x02, 0x03, 0x00, 0x01,
                                             0x00, 0x00, 0x02, 0x01, 0x03, 0x40, 0x00, 0x00, 0x02, 0x02, 0x05,
                                             0x00, 0x00, 0x02, 0x01, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00,
                                             0x00, 0x00, 0x02, 0x01, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01,
                                             0x10, 0x99 };
    static const uint8_t arp_flood[] = { 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00,
                                         0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
                                         0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00,
                                         0x00, 0x00, 0x01, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x06,
                                         0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x07, 0x00, 0x00, 0x00, 0x00,
                                         0x00, 0x01, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x02, 0x01,
                                         0x10, 0x00, 0x00, 0x00, 0x01, 0x03, 0x01, 0x01, 0x01, 0x00, 0x00,
                                         0x01, 0x03, 0x03, 0x00, 0x00, 0x07, 0x06, 0x01, 0x03, 0x00, 0x00,
                                         0x00, 0x00, 0x00, 0x04, 0x0b };
    static const uint8_t echo[] = { 0x04, 0x07, 0x06, 0x00, 0x00, 0x06, 0x00, 0x00, 0x06, 0x00, 0x00,
                                    0x06, 0x00, 0x00, 0x03, 0x06, 0x01, 0x01, 0x03, 0x06, 0x02, 0x03,
                                    0x0b, 0x04, 0x0b };
    static const uint8_t raw[] = { 0x38, 0x00, 0x0e, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00,
                                   0x00, 0x00, 0x01, 0x00, 0x81, 0x00, 0x03, 0x03, 0x00, 0x00, 0x05,
                                   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
                                   0x00, 0x02, 0x08, 0x06, 0x00, 0x18, 0x00, 0x00, 0x01, 0x02, 0x03,
                                   0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
                                   0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x00, 0x01 };
    static const uint8_t stale_probe[] = { 0x04, 0x07, 0x05, 0x00, 0x00, 0x03, 0x04, 0x04, 0x04, 0x0b,
                                           0x05, 0x02, 0x00, 0x04, 0x07, 0x04, 0x07, 0x04, 0x07, 0x04, 0x07,
                                           0x04, 0x07, 0x04, 0x07, 0x03, 0x05, 0x02, 0x00, 0x04, 0x0a };
    static const uint8_t add_address[] = { 0x07, 0x00, 0x04, 0x07, 0x05, 0x00, 0x04, 0x03, 0x04, 0x0a,
                                           0x07, 0x01, 0x04, 0x07 };
    static const uint8_t add_address6[] = { 0x07, 0x01, 0x02, 0x03, 0x03, 0x20, 0x00, 0x00, 0x02, 0x00,
                                            0x05, 0x00, 0x00, 0x04, 0x07 };
    eth_program(out, "arp-request-then-connect", 0x03, arp_then_connect, sizeof arp_then_connect);
    eth_program(out, "resolve-v4", 0x01, resolve_v4, sizeof resolve_v4);
    eth_program(out, "resolve-v6", 0x01, resolve_v6, sizeof resolve_v6);
    eth_program(out, "unanswered", 0x00, unanswered, sizeof unanswered);
    eth_program(out, "ns-na", 0x01, ns_na, sizeof ns_na);
    eth_program(out, "dad-conflict", 0x04, dad_conflict, sizeof dad_conflict);
    eth_program(out, "malformed-ndp", 0x01, malformed_ndp, sizeof malformed_ndp);
    eth_program(out, "arp-flood-small-cache", 0x00, arp_flood, sizeof arp_flood);
    eth_program(out, "echo-v4-v6", 0x02, echo, sizeof echo);
    eth_program(out, "raw-frames", 0x00, raw, sizeof raw);
    eth_program(out, "stale-probe", 0x01, stale_probe, sizeof stale_probe);
    eth_program(out, "add-address", 0x03, add_address, sizeof add_address);
    eth_program(out, "add-address-v6-conflict", 0x00, add_address6, sizeof add_address6);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: make_seeds OUTDIR [CAPTURE...]\n");
        return 2;
    }
    const char *out = argv[1];
    int rc = 0;
    for (int i = 2; i < argc; i++)
        if (from_capture(out, argv[i]) < 0)
            rc = 1;
    input_programs(out);
    eth_programs(out);
    /* c0: bit 0 active, 1 timestamps, 2 SACK, 3 window scaling, 5 NewReno,
     * 6+7 handshake left open; c1: RCVBUF and SNDBUF choice; c2: MSS,
     * window scale, peer ISS choice. */
    conn_seed(out, "exchange-all-options", prog_exchange, 0x0e, 0x13, 0x1e);
    conn_seed(out, "exchange-no-options", prog_exchange, 0x00, 0x01, 0x02);
    conn_seed(out, "exchange-wrapping-iss", prog_exchange, 0x0e, 0x1b, 0x9e);
    conn_seed(out, "zero-window", prog_zero_window, 0x06, 0x09, 0x02);
    conn_seed(out, "holes-sack", prog_holes, 0x0e, 0x03, 0x5e);
    conn_seed(out, "holes-small-buffer", prog_holes, 0x02, 0x00, 0x01);
    conn_seed(out, "loss-sack", prog_loss_sack, 0x06, 0x1b, 0x02);
    conn_seed(out, "loss-newreno", prog_loss_sack, 0x20, 0x1b, 0x02);
    conn_seed(out, "active", prog_active, 0x0f, 0x13, 0xde);
    conn_seed(out, "handshake-by-steps", prog_handshake_by_steps, 0xce, 0x13, 0x1e);
    conn_seed(out, "reset", prog_reset, 0x0e, 0x13, 0x1e);
    conn_seed(out, "simultaneous-close", prog_simultaneous_close, 0x0e, 0x13, 0x1e);
    return rc;
}
