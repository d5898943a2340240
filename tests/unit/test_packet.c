/* test_packet.c — synack/packet.h: decoding what tools show. */
#include "synack/packet.h"
#include "synack/errors.h"

#include "ipv4.h"
#include "ipv6.h"
#include "tcp_wire.h"
#include "test.h"

static size_t build(uint8_t *pkt, uint8_t flags, uint32_t seq, uint32_t ack, const struct tcp_options *opt,
                    const char *payload)
{
    struct synack_addr src = synack_addr_v4(198, 18, 0, 1), dst = synack_addr_v4(198, 18, 0, 2);
    struct tcp_header_out h = { .src_port = 49152, .dst_port = 80, .seq = seq, .ack = ack, .flags = flags,
                                .window = 1234, .opt = opt };
    size_t hlen = tcp_write_header(pkt + 20, &h);
    size_t plen = payload ? strlen(payload) : 0;
    memcpy(pkt + 20 + hlen, payload ? payload : "", plen);
    tcp_fill_checksum(pkt + 20, hlen + plen, &src, &dst);
    ipv4_write_header(pkt, &src, &dst, IP_PROTO_TCP, (uint16_t)(hlen + plen), 64, 7, true);
    return 20 + hlen + plen;
}

TEST(packet_decode_syn_with_mss)
{
    uint8_t pkt[200];
    struct tcp_options opt = { .has_mss = true, .mss = 1024, .sack_permitted = true };
    size_t len = build(pkt, TCP_SYN | TCP_ACK, 8000, 1001, &opt, NULL);
    struct synack_packet_info p;
    CHECK_EQ(synack_packet_decode(pkt, len, &p), 0);
    CHECK(p.is_tcp);
    CHECK(p.tcp_checksum_ok);
    CHECK_EQ(p.src_port, 49152);
    CHECK_EQ(p.dst_port, 80);
    CHECK_EQ(p.seq, 8000);
    CHECK_EQ(p.ack, 1001);
    CHECK_EQ(p.flags, SYNACK_TCP_SYN | SYNACK_TCP_ACK);
    CHECK_EQ(p.window, 1234);
    CHECK(p.has_mss);
    CHECK_EQ(p.mss, 1024);
    CHECK(p.sack_permitted);
    CHECK_EQ(synack_packet_seg_len(&p), 1);
    char buf[32];
    CHECK_STR_EQ(synack_tcp_flags_text(p.flags, buf, sizeof buf), "SYN,ACK");
}

TEST(packet_decode_data_and_bad_checksum)
{
    uint8_t pkt[200];
    size_t len = build(pkt, TCP_ACK | TCP_PSH | TCP_FIN, 1001, 8001, NULL, "hello");
    struct synack_packet_info p;
    CHECK_EQ(synack_packet_decode(pkt, len, &p), 0);
    CHECK_EQ(p.payload_len, 5);
    CHECK(memcmp(p.payload, "hello", 5) == 0);
    CHECK_EQ(synack_packet_seg_len(&p), 6);
    char buf[32];
    CHECK_STR_EQ(synack_tcp_flags_text(p.flags, buf, sizeof buf), "FIN,ACK,PSH");
    pkt[len - 1] ^= 1;   /* payload changed: the TCP checksum no longer holds */
    CHECK_EQ(synack_packet_decode(pkt, len, &p), 0);
    CHECK(!p.tcp_checksum_ok);
}

TEST(packet_decode_rejects_malformed)
{
    uint8_t pkt[200];
    size_t len = build(pkt, TCP_ACK, 1, 2, NULL, NULL);
    struct synack_packet_info p;
    CHECK_EQ(synack_packet_decode(pkt, 19, &p), -SYNACK_EINVAL);       /* truncated IP header */
    CHECK_EQ(synack_packet_decode(pkt, len - 1, &p), -SYNACK_EINVAL);  /* total length > bytes */
    pkt[32] = 0x40;                                                     /* data offset 4 words */
    CHECK_EQ(synack_packet_decode(pkt, len, &p), -SYNACK_EINVAL);
    char buf[8];
    CHECK_STR_EQ(synack_tcp_flags_text(0, buf, sizeof buf), "none");
}

/* ---- IPv6 ---------------------------------------------------------------- */

static struct synack_addr v6(uint8_t n)
{
    uint8_t b[16] = { 0xfd, 0x00, 0x05, 0xac };
    b[15] = n;
    return synack_addr_v6(b);
}

/* An IPv6 packet from fd00:5ac::1 to ::2, hop limit 61: `ext` (extension
 * headers, first next header `nh`) and then a TCP segment whose checksum
 * covers the IPv6 pseudo-header. */
static size_t build6(uint8_t *pkt, uint8_t nh, const uint8_t *ext, size_t ext_len, uint8_t flags, uint32_t seq,
                     const char *payload)
{
    struct synack_addr src = v6(1), dst = v6(2);
    struct tcp_options opt = { .has_mss = true, .mss = 1440 };
    struct tcp_header_out h = { .src_port = 49152, .dst_port = 80, .seq = seq, .flags = flags, .window = 4321,
                                .opt = &opt };
    uint8_t *tcp = pkt + 40 + ext_len;
    size_t hlen = tcp_write_header(tcp, &h);
    size_t plen = payload ? strlen(payload) : 0;
    memcpy(tcp + hlen, payload ? payload : "", plen);
    tcp_fill_checksum(tcp, hlen + plen, &src, &dst);
    if (ext_len)
        memcpy(pkt + 40, ext, ext_len);
    ipv6_write_header(pkt, &src, &dst, ext_len ? nh : IP_PROTO_TCP, (uint16_t)(ext_len + hlen + plen), 61);
    return 40 + ext_len + hlen + plen;
}

TEST(packet_decode_ipv6_tcp)
{
    uint8_t pkt[200];
    size_t len = build6(pkt, 0, NULL, 0, TCP_SYN, 1000, NULL);
    struct synack_packet_info p;
    CHECK_EQ(synack_packet_decode(pkt, len, &p), 0);
    struct synack_addr a = v6(1), b = v6(2);
    CHECK(synack_addr_equal(&p.src, &a));
    CHECK(synack_addr_equal(&p.dst, &b));
    CHECK_EQ(p.proto, 6);
    CHECK_EQ(p.ttl, 61);
    CHECK_EQ(p.ip_total_len, len);
    CHECK(p.is_tcp);
    CHECK(p.tcp_checksum_ok);
    CHECK_EQ(p.seq, 1000);
    CHECK_EQ(p.window, 4321);
    CHECK(p.has_mss);
    CHECK_EQ(p.mss, 1440);
    /* Link padding beyond the payload length is not the packet's. */
    memset(pkt + len, 0, 8);
    CHECK_EQ(synack_packet_decode(pkt, len + 8, &p), 0);
    CHECK_EQ(p.ip_total_len, len);
    CHECK(p.tcp_checksum_ok);
    /* The IPv4 pseudo-header would not do: flip an address bit and the
     * checksum fails, as it covers both addresses in full. */
    pkt[8 + 15] ^= 0x10;
    CHECK_EQ(synack_packet_decode(pkt, len, &p), 0);
    CHECK(!p.tcp_checksum_ok);
    CHECK_EQ(synack_packet_decode(pkt, len - 1, &p), -SYNACK_EINVAL);   /* payload length > bytes */
    CHECK_EQ(synack_packet_decode(pkt, 39, &p), -SYNACK_EINVAL);
}

/* Extension headers are walked to TCP; fragments are reported, not
 * decoded, unless atomic (RFC 6946); a broken chain is malformed. */
TEST(packet_decode_ipv6_extension_headers)
{
    uint8_t pkt[200];
    static const uint8_t hbh_dst[16] = { 60, 0, 1, 4, 0, 0, 0, 0, 6, 0, 1, 4, 0, 0, 0, 0 };
    size_t len = build6(pkt, 0, hbh_dst, sizeof hbh_dst, TCP_ACK | TCP_PSH, 5, "data");
    struct synack_packet_info p;
    CHECK_EQ(synack_packet_decode(pkt, len, &p), 0);
    CHECK(p.is_tcp);
    CHECK(p.tcp_checksum_ok);
    CHECK_EQ(p.payload_len, 4);
    CHECK(memcmp(p.payload, "data", 4) == 0);

    uint8_t frag[8] = { 6, 0, 0, 0, 0, 0, 0, 9 };              /* atomic */
    len = build6(pkt, 44, frag, sizeof frag, TCP_SYN, 7, NULL);
    CHECK_EQ(synack_packet_decode(pkt, len, &p), 0);
    CHECK(p.is_tcp);
    CHECK_EQ(p.seq, 7);
    frag[3] = 1;                                                 /* first fragment: more to come */
    len = build6(pkt, 44, frag, sizeof frag, TCP_SYN, 7, NULL);
    CHECK_EQ(synack_packet_decode(pkt, len, &p), 0);
    CHECK(!p.is_tcp);
    CHECK_EQ(p.proto, 6);
    frag[2] = 0x01;                                              /* offset 256, not first */
    len = build6(pkt, 44, frag, sizeof frag, TCP_SYN, 7, NULL);
    CHECK_EQ(synack_packet_decode(pkt, len, &p), 0);
    CHECK(!p.is_tcp);
    CHECK_EQ(p.proto, 44);

    static const uint8_t too_long[8] = { 6, 9, 1, 4, 0, 0, 0, 0 };   /* 80 bytes claimed */
    len = build6(pkt, 60, too_long, sizeof too_long, TCP_SYN, 7, NULL);
    CHECK_EQ(synack_packet_decode(pkt, len, &p), -SYNACK_EINVAL);
}
