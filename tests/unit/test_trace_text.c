/* test_trace_text.c — tcpdump-like packet text and the text trace hook.
 * Expected lines are written out in full, as `tcpdump -n -S` prints them
 * (apart from "seq" on pure ACKs, which synack always shows). */
#include "test.h"

#include <stdlib.h>

#include "checksum.h"
#include "ipv4.h"
#include "ipv6.h"
#include "synack/trace_text.h"
#include "tcp_wire.h"

static const struct synack_addr *client(void)
{
    static struct synack_addr a;
    a = synack_addr_v4(198, 18, 0, 1);
    return &a;
}

static const struct synack_addr *server(void)
{
    static struct synack_addr a;
    a = synack_addr_v4(198, 18, 0, 2);
    return &a;
}

struct seg {
    bool to_client;              /* direction: server -> client when true */
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t win;
    const struct tcp_options *opt;
    const char *data;
};

/* IPv4 + TCP with both checksums right, built by the codec. */
static size_t build(uint8_t *buf, struct seg s)
{
    const struct synack_addr *src = s.to_client ? server() : client();
    const struct synack_addr *dst = s.to_client ? client() : server();
    struct tcp_header_out h = {.src_port = s.sport, .dst_port = s.dport, .seq = s.seq, .ack = s.ack,
                               .flags = s.flags, .window = s.win, .opt = s.opt};
    size_t hlen = tcp_write_header(buf + 20, &h);
    size_t dlen = s.data ? strlen(s.data) : 0;
    memcpy(buf + 20 + hlen, s.data ? s.data : "", dlen);
    tcp_fill_checksum(buf + 20, hlen + dlen, src, dst);
    ipv4_write_header(buf, src, dst, IP_PROTO_TCP, (uint16_t)(hlen + dlen), 64, 1, true);
    return 20 + hlen + dlen;
}

/* Formats a copy of exactly len bytes on the heap, so that AddressSanitizer
 * catches any read past the end. */
static const char *fmt(const uint8_t *p, size_t len)
{
    static char out[512];
    uint8_t *copy = calloc(len ? len : 1, 1);
    if (!copy)
        return "(out of memory)";
    if (len)
        memcpy(copy, p, len);
    synack_format_packet(copy, len, out, sizeof out);
    free(copy);
    return out;
}

#define C2S(...) build(buf, (struct seg){.sport = 49152, .dport = 80, __VA_ARGS__})
#define S2C(...) build(buf, (struct seg){.to_client = true, .sport = 80, .dport = 49152, __VA_ARGS__})

/* The canonical exchange of DESIGN.md, segment by segment. */
TEST(text_canonical_exchange)
{
    uint8_t buf[128];
    size_t n;
    struct tcp_options mss1460 = {.has_mss = true, .mss = 1460}, mss1024 = {.has_mss = true, .mss = 1024};

    n = C2S(.seq = 1000, .flags = TCP_SYN, .win = 65535, .opt = &mss1460);
    CHECK_STR_EQ(fmt(buf, n), "IP 198.18.0.1.49152 > 198.18.0.2.80: Flags [S], seq 1000, win 65535, "
                              "options [mss 1460], length 0");
    n = S2C(.seq = 8000, .ack = 1001, .flags = TCP_SYN | TCP_ACK, .win = 65535, .opt = &mss1024);
    CHECK_STR_EQ(fmt(buf, n), "IP 198.18.0.2.80 > 198.18.0.1.49152: Flags [S.], seq 8000, ack 1001, "
                              "win 65535, options [mss 1024], length 0");
    n = C2S(.seq = 1001, .ack = 8001, .flags = TCP_ACK, .win = 65535);
    CHECK_STR_EQ(fmt(buf, n),
                 "IP 198.18.0.1.49152 > 198.18.0.2.80: Flags [.], seq 1001, ack 8001, win 65535, length 0");
    n = C2S(.seq = 1001, .ack = 8001, .flags = TCP_ACK | TCP_PSH, .win = 65535, .data = "01234567890123456789");
    CHECK_STR_EQ(fmt(buf, n), "IP 198.18.0.1.49152 > 198.18.0.2.80: Flags [P.], seq 1001:1021, ack 8001, "
                              "win 65535, length 20");
    n = S2C(.seq = 8001, .ack = 1021, .flags = TCP_ACK | TCP_PSH, .win = 65535, .data = "0123456789");
    CHECK_STR_EQ(fmt(buf, n), "IP 198.18.0.2.80 > 198.18.0.1.49152: Flags [P.], seq 8001:8011, ack 1021, "
                              "win 65535, length 10");
    n = C2S(.seq = 1021, .ack = 8011, .flags = TCP_FIN | TCP_ACK, .win = 65535);
    CHECK_STR_EQ(fmt(buf, n),
                 "IP 198.18.0.1.49152 > 198.18.0.2.80: Flags [F.], seq 1021, ack 8011, win 65535, length 0");
    n = S2C(.seq = 8011, .ack = 1022, .flags = TCP_FIN | TCP_ACK, .win = 65535);
    CHECK_STR_EQ(fmt(buf, n),
                 "IP 198.18.0.2.80 > 198.18.0.1.49152: Flags [F.], seq 8011, ack 1022, win 65535, length 0");
}

/* The SYN again, typed in byte by byte with checksums from a naive
 * 16-bit sum, so the text does not depend on the codec's builder. */
static uint16_t naive_checksum(const uint8_t *p, size_t len, uint32_t sum)
{
    for (size_t i = 0; i < len; i += 2)
        sum += (uint32_t)p[i] << 8 | (i + 1 < len ? p[i + 1] : 0);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

TEST(text_hand_built_syn)
{
    uint8_t p[44] = {
        0x45, 0x00, 0x00, 44, 0x00, 0x01, 0x40, 0x00, 64, 6, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2,
        0xc0, 0x00, 0x00, 0x50, 0, 0, 0x03, 0xe8, 0, 0, 0, 0, 0x60, 0x02, 0xff, 0xff, 0, 0, 0, 0,
        2, 4, 0x05, 0xb4,
    };
    uint16_t c = naive_checksum(p, 20, 0);
    p[10] = (uint8_t)(c >> 8);
    p[11] = (uint8_t)c;
    /* Pseudo-header: addresses, protocol 6, TCP length 24. */
    uint32_t pseudo = 0xc612 + 0x0001 + 0xc612 + 0x0002 + 6 + 24;
    c = naive_checksum(p + 20, 24, pseudo);
    p[36] = (uint8_t)(c >> 8);
    p[37] = (uint8_t)c;
    CHECK_STR_EQ(fmt(p, sizeof p), "IP 198.18.0.1.49152 > 198.18.0.2.80: Flags [S], seq 1000, win 65535, "
                                   "options [mss 1460], length 0");
}

TEST(text_rst_and_flags)
{
    uint8_t buf[128];
    size_t n = C2S(.seq = 0, .flags = TCP_RST, .win = 0);
    CHECK_STR_EQ(fmt(buf, n), "IP 198.18.0.1.49152 > 198.18.0.2.80: Flags [R], seq 0, win 0, length 0");
    n = S2C(.seq = 0, .ack = 1001, .flags = TCP_RST | TCP_ACK, .win = 0);
    CHECK_STR_EQ(fmt(buf, n),
                 "IP 198.18.0.2.80 > 198.18.0.1.49152: Flags [R.], seq 0, ack 1001, win 0, length 0");
    n = C2S(.seq = 5, .ack = 6, .flags = 0xff, .win = 1);
    buf[20 + 18] = 0;
    buf[20 + 19] = 3;           /* urgent pointer 3 (checksum now wrong) */
    CHECK_STR_EQ(fmt(buf, n), "IP 198.18.0.1.49152 > 198.18.0.2.80: Flags [FSRP.UEW], seq 5, ack 6, win 1, "
                              "urg 3, length 0 [bad tcp cksum]");
    n = C2S(.seq = 5, .flags = 0, .win = 1);
    CHECK_STR_EQ(fmt(buf, n), "IP 198.18.0.1.49152 > 198.18.0.2.80: Flags [none], seq 5, win 1, length 0");
    /* Data across the wrap of the sequence space. */
    n = C2S(.seq = 0xfffffff0u, .ack = 1, .flags = TCP_ACK, .win = 7, .data = "0123456789abcdef0123456789abcdef");
    CHECK_STR_EQ(fmt(buf, n),
                 "IP 198.18.0.1.49152 > 198.18.0.2.80: Flags [.], seq 4294967280:16, ack 1, win 7, length 32");
}

TEST(text_all_options)
{
    uint8_t buf[128];
    struct tcp_options o = {.has_mss = true, .mss = 1460, .sack_permitted = true, .has_timestamp = true,
                            .ts_val = 123456, .ts_ecr = 0, .has_wscale = true, .wscale = 7};
    size_t n = C2S(.seq = 1000, .flags = TCP_SYN, .win = 64240, .opt = &o);
    CHECK_STR_EQ(fmt(buf, n), "IP 198.18.0.1.49152 > 198.18.0.2.80: Flags [S], seq 1000, win 64240, "
                              "options [mss 1460,sackOK,TS val 123456 ecr 0,nop,wscale 7], length 0");
    struct tcp_options sack = {.has_timestamp = true, .ts_val = 9, .ts_ecr = 8, .sack_count = 2,
                               .sack = {{2001, 3001}, {4001, 5001}}};
    n = S2C(.seq = 8001, .ack = 1001, .flags = TCP_ACK, .win = 500, .opt = &sack);
    CHECK_STR_EQ(fmt(buf, n), "IP 198.18.0.2.80 > 198.18.0.1.49152: Flags [.], seq 8001, ack 1001, win 500, "
                              "options [nop,nop,TS val 9 ecr 8,nop,nop,sack 2 {2001:3001}{4001:5001}], length 0");
}

/* Replaces the option area of a SYN (20 + 20 + optlen bytes) and fixes the
 * checksums, so only the options are wrong. */
static size_t syn_with_options(uint8_t *buf, const uint8_t *opt, size_t optlen)
{
    struct tcp_header_out h = {.src_port = 49152, .dst_port = 80, .seq = 1000, .flags = TCP_SYN,
                               .window = 65535};
    tcp_write_header(buf + 20, &h);
    memcpy(buf + 40, opt, optlen);
    buf[20 + 12] = (uint8_t)(((20 + optlen) / 4) << 4);
    tcp_fill_checksum(buf + 20, 20 + optlen, client(), server());
    ipv4_write_header(buf, client(), server(), IP_PROTO_TCP, (uint16_t)(20 + optlen), 64, 1, true);
    return 40 + optlen;
}

TEST(text_unusual_and_bad_options)
{
    uint8_t buf[128];
    static const uint8_t unknown[] = {0x1e, 4, 0xaa, 0xbb, TCP_OPT_NOP, TCP_OPT_EOL, 0, 0};
    size_t n = syn_with_options(buf, unknown, sizeof unknown);
    CHECK_STR_EQ(fmt(buf, n), "IP 198.18.0.1.49152 > 198.18.0.2.80: Flags [S], seq 1000, win 65535, "
                              "options [opt-30 len 4,nop,eol], length 0");
    static const uint8_t mss3[] = {TCP_OPT_MSS, 3, 5, TCP_OPT_NOP};
    n = syn_with_options(buf, mss3, sizeof mss3);
    CHECK_STR_EQ(fmt(buf, n), "IP 198.18.0.1.49152 > 198.18.0.2.80: [bad tcp options] Flags [S], seq 1000, "
                              "win 65535, options [mss [bad length 3],nop], length 0");
    static const uint8_t len0[] = {TCP_OPT_MSS, 4, 5, 0xb4, TCP_OPT_TIMESTAMP, 0, 0, 0};
    n = syn_with_options(buf, len0, sizeof len0);
    CHECK_STR_EQ(fmt(buf, n), "IP 198.18.0.1.49152 > 198.18.0.2.80: [bad tcp options] Flags [S], seq 1000, "
                              "win 65535, options [mss 1460,[bad opt 8: length 0]], length 0");
    static const uint8_t past[] = {TCP_OPT_NOP, TCP_OPT_NOP, TCP_OPT_SACK, 10};
    n = syn_with_options(buf, past, sizeof past);
    CHECK_STR_EQ(fmt(buf, n), "IP 198.18.0.1.49152 > 198.18.0.2.80: [bad tcp options] Flags [S], seq 1000, "
                              "win 65535, options [nop,nop,[bad opt 5: length 10]], length 0");
    static const uint8_t nolen[] = {TCP_OPT_NOP, TCP_OPT_NOP, TCP_OPT_NOP, TCP_OPT_WSCALE};
    n = syn_with_options(buf, nolen, sizeof nolen);
    CHECK_STR_EQ(fmt(buf, n), "IP 198.18.0.1.49152 > 198.18.0.2.80: [bad tcp options] Flags [S], seq 1000, "
                              "win 65535, options [nop,nop,nop,[bad opt 3: no length]], length 0");
}

static size_t icmp(uint8_t *buf, uint8_t type, uint8_t code, size_t len)
{
    memset(buf + 20, 0, len);
    buf[20] = type;
    buf[21] = code;
    if (len >= 8) {
        buf[24] = 0;
        buf[25] = 7;    /* id 7 */
        buf[26] = 0;
        buf[27] = 1;    /* seq 1 */
        for (size_t i = 8; i < len; i++)
            buf[20 + i] = (uint8_t)i;
    }
    if (len >= 4) {
        uint16_t c = csum_finish(csum_add(0, buf + 20, len));
        buf[22] = (uint8_t)(c >> 8);
        buf[23] = (uint8_t)c;
    }
    ipv4_write_header(buf, client(), server(), IP_PROTO_ICMP, (uint16_t)len, 64, 2, false);
    return 20 + len;
}

TEST(text_icmp)
{
    uint8_t buf[128];
    size_t n = icmp(buf, 8, 0, 64);
    CHECK_STR_EQ(fmt(buf, n), "IP 198.18.0.1 > 198.18.0.2: ICMP echo request, id 7, seq 1, length 64");
    n = icmp(buf, 0, 0, 64);
    CHECK_STR_EQ(fmt(buf, n), "IP 198.18.0.1 > 198.18.0.2: ICMP echo reply, id 7, seq 1, length 64");
    n = icmp(buf, 3, 3, 36);
    CHECK_STR_EQ(fmt(buf, n), "IP 198.18.0.1 > 198.18.0.2: ICMP type 3 code 3, length 36");
    n = icmp(buf, 8, 0, 64);
    buf[40] ^= 1;
    CHECK_STR_EQ(fmt(buf, n),
                 "IP 198.18.0.1 > 198.18.0.2: ICMP echo request, id 7, seq 1, length 64 [bad icmp cksum]");
    n = icmp(buf, 8, 0, 6);
    CHECK_STR_EQ(fmt(buf, n), "IP 198.18.0.1 > 198.18.0.2: ICMP echo request [bad icmp hdr] truncated, length 6");
    n = icmp(buf, 8, 0, 2);
    CHECK_STR_EQ(fmt(buf, n), "IP 198.18.0.1 > 198.18.0.2: ICMP [bad icmp hdr] truncated, length 2");
}

TEST(text_other_protocols)
{
    uint8_t buf[64];
    memset(buf, 0, sizeof buf);
    buf[20] = 0x14; buf[21] = 0xe9;   /* 5353 */
    buf[22] = 0x00; buf[23] = 0x35;   /* 53 */
    buf[24] = 0; buf[25] = 12;
    ipv4_write_header(buf, client(), server(), IP_PROTO_UDP, 12, 64, 3, false);
    CHECK_STR_EQ(fmt(buf, 32), "IP 198.18.0.1.5353 > 198.18.0.2.53: UDP, length 4");
    ipv4_write_header(buf, client(), server(), IP_PROTO_UDP, 5, 64, 3, false);
    CHECK_STR_EQ(fmt(buf, 25), "IP 198.18.0.1.5353 > 198.18.0.2.53: UDP [bad udp hdr] truncated, length 5");
    ipv4_write_header(buf, client(), server(), 47, 8, 64, 3, false);
    CHECK_STR_EQ(fmt(buf, 28), "IP 198.18.0.1 > 198.18.0.2: ip-proto-47 length 8");
}

TEST(text_malformed_ip)
{
    uint8_t buf[128] = {0};
    CHECK_STR_EQ(fmt(buf, 0), "IP truncated-ip (0 bytes)");
    char out[64];
    CHECK_STR_EQ(synack_format_packet(NULL, 40, out, sizeof out), "IP truncated-ip (0 bytes)");
    struct tcp_options mss = {.has_mss = true, .mss = 1460};
    size_t n = C2S(.seq = 1000, .flags = TCP_SYN, .win = 65535, .opt = &mss);
    CHECK_EQ(n, 44);
    CHECK_STR_EQ(fmt(buf, 10), "IP truncated-ip (10 bytes)");
    CHECK_STR_EQ(fmt(buf, 19), "IP truncated-ip (19 bytes)");
    /* Cut after 30 bytes: the header says 44. */
    CHECK_STR_EQ(fmt(buf, 30), "IP truncated-ip - 14 bytes missing! 198.18.0.1.49152 > 198.18.0.2.80: "
                               "[bad tcp hdr] truncated, length 10");
    /* Cut inside the options: the TCP header claims 24 bytes, 22 are here. */
    CHECK_STR_EQ(fmt(buf, 42), "IP truncated-ip - 2 bytes missing! 198.18.0.1.49152 > 198.18.0.2.80: "
                               "[bad tcp hdr] data offset 24, length 22");
    /* Cut in the payload of a data segment: no checksum verdict. */
    n = C2S(.seq = 1, .ack = 2, .flags = TCP_ACK, .win = 3, .data = "0123456789");
    CHECK_STR_EQ(fmt(buf, n - 4), "IP truncated-ip - 4 bytes missing! 198.18.0.1.49152 > 198.18.0.2.80: "
                                  "Flags [.], seq 1:7, ack 2, win 3, length 6");

    n = C2S(.seq = 1000, .flags = TCP_SYN, .win = 65535, .opt = &mss);
    buf[8] = 63;      /* TTL changed, IP checksum not updated */
    CHECK_STR_EQ(fmt(buf, n), "IP [bad ip cksum] 198.18.0.1.49152 > 198.18.0.2.80: Flags [S], seq 1000, "
                              "win 65535, options [mss 1460], length 0");
    buf[0] = 0x75;
    CHECK_STR_EQ(fmt(buf, n), "IP bad version 7 (44 bytes)");
    buf[0] = 0x43;
    CHECK_STR_EQ(fmt(buf, n), "IP bad header length 12, total length 44 (44 bytes)");
    buf[0] = 0x4f;
    CHECK_STR_EQ(fmt(buf, n), "IP bad header length 60, total length 44 (44 bytes)");
    buf[3] = 64;      /* consistent lengths, but only 44 bytes captured */
    CHECK_STR_EQ(fmt(buf, n), "IP truncated-ip: header 60 bytes, packet 44 bytes");
    buf[0] = 0x45;
    buf[2] = 0;
    buf[3] = 16;
    CHECK_STR_EQ(fmt(buf, n), "IP bad header length 20, total length 16 (44 bytes)");
}

TEST(text_malformed_tcp)
{
    uint8_t buf[128];
    size_t n = C2S(.seq = 1000, .ack = 1, .flags = TCP_ACK, .win = 65535, .data = "abc");
    /* Data offset 4 words. */
    buf[20 + 12] = 0x40;
    CHECK_STR_EQ(fmt(buf, n), "IP 198.18.0.1.49152 > 198.18.0.2.80: [bad tcp hdr] data offset 16, length 23");
    buf[20 + 12] = 0xf0;
    CHECK_STR_EQ(fmt(buf, n), "IP 198.18.0.1.49152 > 198.18.0.2.80: [bad tcp hdr] data offset 60, length 23");
    /* A TCP segment of 3 bytes inside a well-formed IP packet: no ports. */
    ipv4_write_header(buf, client(), server(), IP_PROTO_TCP, 3, 64, 1, false);
    CHECK_STR_EQ(fmt(buf, 23), "IP 198.18.0.1 > 198.18.0.2: [bad tcp hdr] truncated, length 3");
    /* A flipped payload bit. */
    n = C2S(.seq = 1000, .ack = 1, .flags = TCP_ACK | TCP_PSH, .win = 65535, .data = "abc");
    buf[n - 1] ^= 0x20;
    CHECK_STR_EQ(fmt(buf, n), "IP 198.18.0.1.49152 > 198.18.0.2.80: Flags [P.], seq 1000:1003, ack 1, "
                              "win 65535, length 3 [bad tcp cksum]");
}

TEST(text_fragments)
{
    uint8_t buf[64];
    memset(buf, 0, sizeof buf);
    ipv4_write_header(buf, client(), server(), IP_PROTO_TCP, 24, 64, 77, false);
    buf[6] = 0x00;
    buf[7] = 185;                 /* offset 1480 */
    buf[10] = buf[11] = 0;
    uint16_t c = csum_finish(csum_add(0, buf, 20));
    buf[10] = (uint8_t)(c >> 8);
    buf[11] = (uint8_t)c;
    CHECK_STR_EQ(fmt(buf, 44), "IP 198.18.0.1 > 198.18.0.2: ip-proto-6 fragment id 77, offset 1480, length 24");
    buf[6] = 0x20;
    buf[7] = 0;                   /* first fragment, more to come */
    buf[10] = buf[11] = 0;
    c = csum_finish(csum_add(0, buf, 20));
    buf[10] = (uint8_t)(c >> 8);
    buf[11] = (uint8_t)c;
    CHECK_STR_EQ(fmt(buf, 44),
                 "IP 198.18.0.1 > 198.18.0.2: ip-proto-6 fragment id 77, offset 0, length 24, more fragments");
}

TEST(text_small_output_buffers)
{
    uint8_t buf[128];
    struct tcp_options mss = {.has_mss = true, .mss = 1460};
    size_t n = C2S(.seq = 1000, .flags = TCP_SYN, .win = 65535, .opt = &mss);
    char out[16];
    memset(out, 'x', sizeof out);
    CHECK(synack_format_packet(buf, n, out, 1) == out);
    CHECK_EQ(out[0], '\0');
    CHECK_EQ(out[1], 'x');
    memset(out, 'x', sizeof out);
    synack_format_packet(buf, n, out, 10);
    CHECK_STR_EQ(out, "IP 198.18");
    CHECK_EQ(out[10], 'x');
    /* Zero length: nothing is written at all. */
    memset(out, 'x', sizeof out);
    synack_format_packet(buf, n, out, 0);
    CHECK_EQ(out[0], 'x');
    /* Every size from 1 to the full line gives a prefix of the full line. */
    char full[256], part[256];
    synack_format_packet(buf, n, full, sizeof full);
    for (size_t cap = 1; cap <= strlen(full) + 1; cap++) {
        memset(part, 'x', sizeof part);
        synack_format_packet(buf, n, part, cap);
        if (strlen(part) != cap - 1 || strncmp(part, full, cap - 1) != 0)
            test_fail(__FILE__, __LINE__, "cap %zu gave \"%s\"", cap, part);
    }
}

/* ---- IPv6 ---------------------------------------------------------------- */

static struct synack_addr v6(uint8_t n)
{
    uint8_t b[16] = {0xfd, 0x00, 0x05, 0xac};
    b[15] = n;
    return synack_addr_v6(b);
}

/* An IPv6 packet from fd00:5ac::1 to ::2: the 40-byte header with next
 * header nh, then `body` (extension headers and upper layer). */
static size_t ipv6_with(uint8_t *buf, uint8_t nh, const uint8_t *body, size_t body_len)
{
    struct synack_addr a = v6(1), b = v6(2);
    ipv6_write_header(buf, &a, &b, nh, (uint16_t)body_len, 64);
    memcpy(buf + 40, body, body_len);
    return 40 + body_len;
}

/* The IPv6 pseudo-header's sum (RFC 8200 §8.1) for fd00:5ac::1 -> ::2:
 * the addresses' 16-bit words, the upper-layer length, the next header. */
static uint32_t pseudo6(size_t len, uint8_t proto)
{
    return 2 * (0xfd00 + 0x05ac) + 1 + 2 + (uint32_t)len + proto;
}

/* An ICMPv6 message (4 + body_len bytes) with a checksum from the naive
 * sum, in an IPv6 packet. */
static size_t icmp6(uint8_t *buf, uint8_t type, uint8_t code, const uint8_t *body, size_t body_len)
{
    uint8_t m[128] = {type, code};
    memcpy(m + 4, body, body_len);
    uint16_t c = naive_checksum(m, 4 + body_len, pseudo6(4 + body_len, 58));
    m[2] = (uint8_t)(c >> 8);
    m[3] = (uint8_t)c;
    return ipv6_with(buf, 58, m, 4 + body_len);
}

/* A TCP SYN from port 49152 to 80, seq 1000, window 65535, MSS 1440, with
 * its checksum over the IPv6 pseudo-header from the naive sum. */
static void tcp_syn6(uint8_t *tcp)
{
    static const uint8_t syn[24] = {0xc0, 0x00, 0x00, 0x50, 0, 0, 0x03, 0xe8, 0, 0, 0, 0,
                                    0x60, 0x02, 0xff, 0xff, 0, 0, 0, 0, 2, 4, 0x05, 0xa0};
    memcpy(tcp, syn, sizeof syn);
    uint16_t c = naive_checksum(tcp, 24, pseudo6(24, 6));
    tcp[16] = (uint8_t)(c >> 8);
    tcp[17] = (uint8_t)c;
}

/* tcpdump's line for IPv6: "IP6", RFC 5952 addresses, the port after a dot. */
TEST(text_ipv6_tcp)
{
    uint8_t tcp[24], buf[128];
    tcp_syn6(tcp);
    size_t n = ipv6_with(buf, 6, tcp, sizeof tcp);
    CHECK_STR_EQ(fmt(buf, n), "IP6 fd00:5ac::1.49152 > fd00:5ac::2.80: Flags [S], seq 1000, win 65535, "
                              "options [mss 1440], length 0");
    buf[40 + 23] ^= 1;                               /* the MSS changed, the checksum not */
    CHECK_STR_EQ(fmt(buf, n), "IP6 fd00:5ac::1.49152 > fd00:5ac::2.80: Flags [S], seq 1000, win 65535, "
                              "options [mss 1441], length 0 [bad tcp cksum]");
    buf[40 + 23] ^= 1;
    /* Ethernet padding after the packet is not the packet's. */
    memset(buf + n, 0, 6);
    CHECK_STR_EQ(fmt(buf, n + 6), "IP6 fd00:5ac::1.49152 > fd00:5ac::2.80: Flags [S], seq 1000, win 65535, "
                                  "options [mss 1440], length 0");
    /* Cut by a snapshot length: shown as far as it goes, no checksum verdict. */
    CHECK_STR_EQ(fmt(buf, n - 4), "IP6 truncated-ip6 - 4 bytes missing! fd00:5ac::1.49152 > fd00:5ac::2.80: "
                                  "[bad tcp hdr] data offset 24, length 20");
    CHECK_STR_EQ(fmt(buf, 39), "IP6 truncated-ip6 (39 bytes)");
    /* Payload length 0 and a hop-by-hop header: a jumbogram (RFC 2675). */
    uint8_t jumbo[48] = {0x60, 0, 0, 0, 0, 0, 0, 64};
    CHECK_STR_EQ(fmt(jumbo, sizeof jumbo), "IP6 jumbogram (payload length 0), 48 bytes, not decoded");
}

/* Extension headers are walked to the upper layer; fragments described. */
TEST(text_ipv6_extension_headers_and_fragments)
{
    uint8_t tcp[24], body[64], buf[128];
    tcp_syn6(tcp);
    /* Hop-by-hop with a PadN option, then destination options, then TCP. */
    static const uint8_t hbh[8] = {60, 0, 1, 4, 0, 0, 0, 0}, dst[8] = {6, 0, 1, 4, 0, 0, 0, 0};
    memcpy(body, hbh, 8);
    memcpy(body + 8, dst, 8);
    memcpy(body + 16, tcp, 24);
    size_t n = ipv6_with(buf, 0, body, 40);
    CHECK_STR_EQ(fmt(buf, n), "IP6 fd00:5ac::1.49152 > fd00:5ac::2.80: Flags [S], seq 1000, win 65535, "
                              "options [mss 1440], length 0");
    /* An atomic fragment (offset 0, M clear, RFC 6946) is a whole packet. */
    static const uint8_t atomic[8] = {6, 0, 0, 0, 0x12, 0x34, 0x56, 0x78};
    memcpy(body, atomic, 8);
    memcpy(body + 8, tcp, 24);
    n = ipv6_with(buf, 44, body, 32);
    CHECK_STR_EQ(fmt(buf, n), "IP6 fd00:5ac::1.49152 > fd00:5ac::2.80: Flags [S], seq 1000, win 65535, "
                              "options [mss 1440], length 0");
    /* A first fragment (M set) and a later one (offset 1448). */
    body[3] = 1;
    n = ipv6_with(buf, 44, body, 32);
    CHECK_STR_EQ(fmt(buf, n), "IP6 fd00:5ac::1 > fd00:5ac::2: ip-proto-6 fragment id 305419896, offset 0, "
                              "length 24, more fragments");
    body[2] = 0x05;
    body[3] = 0xa8;                                  /* 1448 = 0x5a8, M clear */
    n = ipv6_with(buf, 44, body, 32);
    CHECK_STR_EQ(fmt(buf, n), "IP6 fd00:5ac::1 > fd00:5ac::2: ip-proto-6 fragment id 305419896, offset 1448, "
                              "length 24");
    /* No next header; a protocol the walk does not know. */
    n = ipv6_with(buf, 59, body, 0);
    CHECK_STR_EQ(fmt(buf, n), "IP6 fd00:5ac::1 > fd00:5ac::2: no next header, length 0");
    n = ipv6_with(buf, 253, tcp, 8);
    CHECK_STR_EQ(fmt(buf, n), "IP6 fd00:5ac::1 > fd00:5ac::2: ip-proto-253 length 8");
    /* A destination options header longer than the packet. */
    static const uint8_t long_dst[8] = {6, 3, 1, 4, 0, 0, 0, 0};
    n = ipv6_with(buf, 60, long_dst, 8);
    CHECK_STR_EQ(fmt(buf, n), "IP6 fd00:5ac::1 > fd00:5ac::2: [bad ip6 header chain] "
                              "IPv6 extension header runs past the end of the packet, length 8");
}

TEST(text_icmp6)
{
    uint8_t buf[128], body[64] = {0};
    body[1] = 7;                                     /* id 7 */
    body[3] = 1;                                     /* seq 1 */
    size_t n = icmp6(buf, 128, 0, body, 60);
    CHECK_STR_EQ(fmt(buf, n), "IP6 fd00:5ac::1 > fd00:5ac::2: ICMP6, echo request, id 7, seq 1, length 64");
    n = icmp6(buf, 129, 0, body, 60);
    CHECK_STR_EQ(fmt(buf, n), "IP6 fd00:5ac::1 > fd00:5ac::2: ICMP6, echo reply, id 7, seq 1, length 64");
    buf[50] ^= 0x80;
    CHECK_STR_EQ(fmt(buf, n), "IP6 fd00:5ac::1 > fd00:5ac::2: ICMP6, echo reply, id 7, seq 1, length 64 "
                              "[bad icmp6 cksum]");
    /* Neighbour discovery (RFC 4861 §4.3, §4.4): reserved, then the target. */
    struct synack_addr target = v6(2);
    memset(body, 0, sizeof body);
    memcpy(body + 4, target.bytes, 16);
    n = icmp6(buf, 135, 0, body, 20);
    CHECK_STR_EQ(fmt(buf, n), "IP6 fd00:5ac::1 > fd00:5ac::2: ICMP6, neighbor solicitation, who has fd00:5ac::2, "
                              "length 24");
    body[0] = 0x60;                                  /* S and O */
    n = icmp6(buf, 136, 0, body, 20);
    CHECK_STR_EQ(fmt(buf, n), "IP6 fd00:5ac::1 > fd00:5ac::2: ICMP6, neighbor advertisement, tgt is fd00:5ac::2, "
                              "length 24");
    memset(body, 0, sizeof body);
    body[2] = 0x05;                                  /* MTU 1280 */
    n = icmp6(buf, 2, 0, body, 4);
    CHECK_STR_EQ(fmt(buf, n), "IP6 fd00:5ac::1 > fd00:5ac::2: ICMP6, packet too big, mtu 1280, length 8");
    n = icmp6(buf, 1, 4, body, 4);
    CHECK_STR_EQ(fmt(buf, n), "IP6 fd00:5ac::1 > fd00:5ac::2: ICMP6, destination unreachable, unreachable port, "
                              "length 8");
    body[2] = 0;
    body[3] = 6;
    n = icmp6(buf, 4, 1, body, 4);
    CHECK_STR_EQ(fmt(buf, n), "IP6 fd00:5ac::1 > fd00:5ac::2: ICMP6, parameter problem, code 1, pointer 6, "
                              "length 8");
    n = icmp6(buf, 3, 1, body, 4);
    CHECK_STR_EQ(fmt(buf, n), "IP6 fd00:5ac::1 > fd00:5ac::2: ICMP6, time exceeded in-transit for reassembly, "
                              "length 8");
    n = icmp6(buf, 133, 0, body, 4);
    CHECK_STR_EQ(fmt(buf, n), "IP6 fd00:5ac::1 > fd00:5ac::2: ICMP6, router solicitation, length 8");
    n = icmp6(buf, 200, 9, body, 0);
    CHECK_STR_EQ(fmt(buf, n), "IP6 fd00:5ac::1 > fd00:5ac::2: ICMP6, type 200, code 9, length 4");
    n = ipv6_with(buf, 58, body, 3);
    CHECK_STR_EQ(fmt(buf, n), "IP6 fd00:5ac::1 > fd00:5ac::2: ICMP6, [bad icmp6 hdr] truncated, length 3");
}

/* Hostile input: every prefix and every single-byte corruption of packets
 * of each kind, plus random bytes.  Nothing may crash or read past len
 * (run under AddressSanitizer), and the line is always "IP ..." or "IP6 ...". */
TEST(text_never_reads_past_the_end)
{
    uint8_t pkts[7][128];
    size_t lens[7];
    struct tcp_options all = {.has_mss = true, .mss = 1460, .sack_permitted = true, .has_timestamp = true,
                              .ts_val = 1, .has_wscale = true, .wscale = 7, .sack_count = 2,
                              .sack = {{1, 2}, {3, 4}}};
    uint8_t *buf = pkts[0];
    lens[0] = C2S(.seq = 1000, .flags = TCP_SYN, .win = 65535, .opt = &all);
    buf = pkts[1];
    lens[1] = C2S(.seq = 1, .ack = 1, .flags = TCP_ACK, .win = 1, .data = "hello, world");
    lens[2] = icmp(pkts[2], 8, 0, 40);
    memset(pkts[3], 0, 40);
    ipv4_write_header(pkts[3], client(), server(), IP_PROTO_UDP, 20, 64, 3, false);
    lens[3] = 40;
    /* IPv6: a TCP SYN behind hop-by-hop options, a first fragment, an echo request. */
    uint8_t tcp[24], body[64] = {60, 0, 1, 4, 0, 0, 0, 0, 6, 0, 1, 4, 0, 0, 0, 0};
    tcp_syn6(tcp);
    memcpy(body + 16, tcp, 24);
    lens[4] = ipv6_with(pkts[4], 0, body, 40);
    static const uint8_t frag[8] = {6, 0, 0, 1, 0x12, 0x34, 0x56, 0x78};
    memcpy(body, frag, 8);
    memcpy(body + 8, tcp, 24);
    lens[5] = ipv6_with(pkts[5], 44, body, 32);
    memset(body, 1, sizeof body);
    lens[6] = icmp6(pkts[6], 128, 0, body, 40);

    uint32_t rng = 1;
    for (int k = 0; k < 7; k++) {
        for (size_t len = 0; len <= lens[k]; len++) {
            const char *s = fmt(pkts[k], len);
            if (strncmp(s, "IP ", 3) != 0 && strncmp(s, "IP6 ", 4) != 0)
                test_fail(__FILE__, __LINE__, "packet %d len %zu: \"%s\"", k, len, s);
        }
        uint8_t copy[128];
        for (size_t i = 0; i < lens[k]; i++) {
            for (int trial = 0; trial < 8; trial++) {
                memcpy(copy, pkts[k], lens[k]);
                rng = rng * 1103515245u + 12345u;
                copy[i] = (uint8_t)(rng >> 16);
                const char *s = fmt(copy, lens[k]);
                if (strncmp(s, "IP ", 3) != 0 && strncmp(s, "IP6 ", 4) != 0)
                    test_fail(__FILE__, __LINE__, "packet %d byte %zu: \"%s\"", k, i, s);
            }
        }
    }
    uint8_t noise[80];
    for (int trial = 0; trial < 2000; trial++) {
        rng = rng * 1103515245u + 12345u;
        size_t len = (rng >> 16) % sizeof noise;
        for (size_t i = 0; i < len; i++) {
            rng = rng * 1103515245u + 12345u;
            noise[i] = (uint8_t)(rng >> 16);
        }
        if (len)
            noise[0] = (uint8_t)((trial % 4 ? 0x40 : 0x60) | (noise[0] & 0x0f));   /* mostly IPv4, some IPv6 */
        if (len > 3) {
            noise[2] = 0;
            noise[3] = (uint8_t)len;
        }
        const char *s = fmt(noise, len);
        if (strncmp(s, "IP ", 3) != 0 && strncmp(s, "IP6 ", 4) != 0)
            test_fail(__FILE__, __LINE__, "noise len %zu: \"%s\"", len, s);
    }
}

static char *trace_to_string(const struct synack_trace_event *ev)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (!f)
        return NULL;
    synack_text_trace(f, ev);
    fclose(f);
    return text;
}

TEST(text_trace_lines)
{
    uint8_t buf[128];
    struct tcp_options mss = {.has_mss = true, .mss = 1460};
    size_t n = C2S(.seq = 1000, .flags = TCP_SYN, .win = 65535, .opt = &mss);
    struct synack_trace_event ev = {.kind = SYNACK_TRACE_PACKET_OUT, .now = 200, .stack_name = "client",
                                    .packet = buf, .len = n};
    char *s = trace_to_string(&ev);
    REQUIRE(s);
    CHECK_STR_EQ(s, "  0.000200 client   > IP 198.18.0.1.49152 > 198.18.0.2.80: Flags [S], seq 1000, "
                    "win 65535, options [mss 1460], length 0\n");
    free(s);

    ev.kind = SYNACK_TRACE_PACKET_IN;
    ev.now = 1500000;
    ev.stack_name = "server";
    s = trace_to_string(&ev);
    REQUIRE(s);
    CHECK_STR_EQ(s, "  1.500000 server   < IP 198.18.0.1.49152 > 198.18.0.2.80: Flags [S], seq 1000, "
                    "win 65535, options [mss 1460], length 0\n");
    free(s);

    ev.kind = SYNACK_TRACE_DROP;
    ev.drop_reason = SYNACK_DROP_TCP_CHECKSUM;
    ev.now = 7200000001ull;                  /* two hours and a microsecond */
    s = trace_to_string(&ev);
    REQUIRE(s);
    CHECK_STR_EQ(s, "7200.000001 server   drop (TCP_CHECKSUM) IP 198.18.0.1.49152 > 198.18.0.2.80: "
                    "Flags [S], seq 1000, win 65535, options [mss 1460], length 0\n");
    free(s);

    struct synack_trace_event st = {
        .kind = SYNACK_TRACE_STATE, .now = 200, .stack_name = "client", .conn_id = 1,
        .local = synack_endpoint_make(*client(), 49152), .remote = synack_endpoint_make(*server(), 80),
        .old_state = SYNACK_TCP_SYN_SENT, .new_state = SYNACK_TCP_ESTABLISHED,
    };
    s = trace_to_string(&st);
    REQUIRE(s);
    CHECK_STR_EQ(s, "  0.000200 client      SYN_SENT -> ESTABLISHED  198.18.0.1:49152 198.18.0.2:80\n");
    free(s);

    /* A long stack name is not cut; a drop without a packet still prints. */
    struct synack_trace_event d = {.kind = SYNACK_TRACE_DROP, .now = 0, .stack_name = "a-long-name",
                                   .drop_reason = SYNACK_DROP_TX_NO_ROUTE};
    s = trace_to_string(&d);
    REQUIRE(s);
    CHECK_STR_EQ(s, "  0.000000 a-long-name drop (TX_NO_ROUTE) IP truncated-ip (0 bytes)\n");
    free(s);
}
