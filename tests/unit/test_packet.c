/* test_packet.c — synack/packet.h: decoding what tools show. */
#include "synack/packet.h"
#include "synack/errors.h"

#include "ipv4.h"
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
