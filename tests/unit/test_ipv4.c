/* test_ipv4.c — the IPv4 header codec (RFC 791 §3.1, RFC 1122 §3.2.1). */
#include "test.h"

#include "checksum.h"
#include "ipv4.h"

/* A UDP packet 192.168.0.1 -> 192.168.0.199, total length 0x73 = 115,
 * DF set, TTL 64, header checksum b861 (a well-known capture). */
static const uint8_t header[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                                   0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};

static void make_packet(uint8_t *p)
{
    memcpy(p, header, sizeof header);
    for (size_t i = 20; i < 115; i++)
        p[i] = (uint8_t)i;
}

/* Recomputes the header checksum after a test edits a field. */
static void reseal(uint8_t *p)
{
    size_t hlen = (size_t)(p[0] & 0x0f) * 4;
    p[10] = p[11] = 0;
    uint16_t c = csum_finish(csum_add(0, p, hlen));
    p[10] = (uint8_t)(c >> 8);
    p[11] = (uint8_t)c;
}

TEST(ipv4_parse_valid_header)
{
    uint8_t p[115];
    make_packet(p);
    struct ipv4_packet ip;
    enum synack_drop_reason why = SYNACK_DROP_COUNT;
    REQUIRE(ipv4_parse(p, sizeof p, &ip, &why));
    CHECK_EQ(ip.src.family, SYNACK_AF_INET);
    CHECK_EQ(synack_addr_v4_value(&ip.src), 0xc0a80001u);
    CHECK_EQ(synack_addr_v4_value(&ip.dst), 0xc0a800c7u);
    struct synack_addr want = synack_addr_v4(192, 168, 0, 199);
    CHECK(synack_addr_equal(&ip.dst, &want));
    CHECK_EQ(ip.proto, IP_PROTO_UDP);
    CHECK_EQ(ip.ttl, 64);
    CHECK_EQ(ip.header_len, 20);
    CHECK_EQ(ip.id, 0);
    CHECK(ip.dont_fragment);
    CHECK(!ip.more_fragments);
    CHECK_EQ(ip.frag_offset, 0);
    CHECK(ip.payload == p + 20);
    CHECK_EQ(ip.payload_len, 95);
}

TEST(ipv4_parse_ignores_bytes_past_total_length)
{
    /* Link-layer padding after the datagram is not payload. */
    uint8_t p[130];
    make_packet(p);
    memset(p + 115, 0xee, 15);
    struct ipv4_packet ip;
    enum synack_drop_reason why;
    REQUIRE(ipv4_parse(p, sizeof p, &ip, &why));
    CHECK_EQ(ip.payload_len, 95);
}

TEST(ipv4_parse_rejects_version_6)
{
    uint8_t p[115];
    make_packet(p);
    p[0] = 0x65;
    reseal(p);
    struct ipv4_packet ip;
    enum synack_drop_reason why = SYNACK_DROP_COUNT;
    CHECK(!ipv4_parse(p, sizeof p, &ip, &why));
    CHECK_EQ(why, SYNACK_DROP_IP_VERSION);
}

TEST(ipv4_parse_rejects_short_ihl)
{
    uint8_t p[115];
    struct ipv4_packet ip;
    enum synack_drop_reason why;
    for (uint8_t ihl = 0; ihl < 5; ihl++) {
        make_packet(p);
        p[0] = (uint8_t)(0x40 | ihl);
        why = SYNACK_DROP_COUNT;
        CHECK(!ipv4_parse(p, sizeof p, &ip, &why));
        CHECK_EQ(why, SYNACK_DROP_IP_HEADER_LENGTH);
    }
}

TEST(ipv4_parse_rejects_truncation)
{
    uint8_t p[115];
    make_packet(p);
    struct ipv4_packet ip;
    enum synack_drop_reason why = SYNACK_DROP_COUNT;
    /* Total length 115 but one byte fewer present. */
    CHECK(!ipv4_parse(p, 114, &ip, &why));
    CHECK_EQ(why, SYNACK_DROP_IP_TRUNCATED);
    /* Shorter than a header at all. */
    why = SYNACK_DROP_COUNT;
    CHECK(!ipv4_parse(p, 19, &ip, &why));
    CHECK_EQ(why, SYNACK_DROP_IP_TRUNCATED);
    why = SYNACK_DROP_COUNT;
    CHECK(!ipv4_parse(p, 0, &ip, &why));
    CHECK_EQ(why, SYNACK_DROP_IP_TRUNCATED);
    /* IHL 15 (60 bytes) with only 40 present. */
    p[0] = 0x4f;
    why = SYNACK_DROP_COUNT;
    CHECK(!ipv4_parse(p, 40, &ip, &why));
    CHECK_EQ(why, SYNACK_DROP_IP_TRUNCATED);
}

TEST(ipv4_parse_rejects_total_length_below_header)
{
    uint8_t p[115];
    make_packet(p);
    p[2] = 0;
    p[3] = 19;
    reseal(p);
    struct ipv4_packet ip;
    enum synack_drop_reason why = SYNACK_DROP_COUNT;
    CHECK(!ipv4_parse(p, sizeof p, &ip, &why));
    CHECK_EQ(why, SYNACK_DROP_IP_HEADER_LENGTH);
    /* Exactly the header, no payload, is fine. */
    p[3] = 20;
    reseal(p);
    REQUIRE(ipv4_parse(p, sizeof p, &ip, &why));
    CHECK_EQ(ip.payload_len, 0);
}

TEST(ipv4_parse_rejects_bad_checksum)
{
    uint8_t p[115];
    make_packet(p);
    struct ipv4_packet ip;
    enum synack_drop_reason why;
    for (size_t i = 0; i < 20; i++) {
        if (i == 2 || i == 3 || i == 0)
            continue;   /* length fields fail earlier for other reasons */
        p[i] ^= 0x01;
        why = SYNACK_DROP_COUNT;
        if (ipv4_parse(p, sizeof p, &ip, &why) || why != SYNACK_DROP_IP_CHECKSUM)
            test_fail(__FILE__, __LINE__, "flip in byte %zu: not IP_CHECKSUM", i);
        p[i] ^= 0x01;
    }
    CHECK(ipv4_parse(p, sizeof p, &ip, &why));
}

TEST(ipv4_parse_skips_options)
{
    /* IHL 6: one 4-byte option (NOP NOP NOP EOL) before a 4-byte payload. */
    uint8_t p[28] = {0x46, 0x00, 0x00, 28, 0x12, 0x34, 0x00, 0x00, 0x40, 0x06, 0, 0,
                     198, 18, 0, 1, 198, 18, 0, 2, 0x01, 0x01, 0x01, 0x00, 'd', 'a', 't', 'a'};
    reseal(p);
    struct ipv4_packet ip;
    enum synack_drop_reason why = SYNACK_DROP_COUNT;
    REQUIRE(ipv4_parse(p, sizeof p, &ip, &why));
    CHECK_EQ(ip.header_len, 24);
    CHECK(ip.payload == p + 24);
    CHECK_EQ(ip.payload_len, 4);
    CHECK(memcmp(ip.payload, "data", 4) == 0);
    CHECK_EQ(ip.id, 0x1234);
    CHECK_EQ(ip.proto, IP_PROTO_TCP);
    /* The checksum covers the options: damage one and it fails. */
    p[21] ^= 0x80;
    CHECK(!ipv4_parse(p, sizeof p, &ip, &why));
    CHECK_EQ(why, SYNACK_DROP_IP_CHECKSUM);
}

TEST(ipv4_parse_fragment_fields)
{
    uint8_t p[115];
    make_packet(p);
    /* MF set, offset 185 units of 8 bytes = 1480. */
    p[6] = 0x20 | (185 >> 8);
    p[7] = 185 & 0xff;
    p[4] = 0xab;
    p[5] = 0xcd;
    reseal(p);
    struct ipv4_packet ip;
    enum synack_drop_reason why;
    REQUIRE(ipv4_parse(p, sizeof p, &ip, &why));
    CHECK(ip.more_fragments);
    CHECK(!ip.dont_fragment);
    CHECK_EQ(ip.frag_offset, 1480);
    CHECK_EQ(ip.id, 0xabcd);
    /* The largest offset: 0x1fff * 8. */
    p[6] = 0x1f;
    p[7] = 0xff;
    reseal(p);
    REQUIRE(ipv4_parse(p, sizeof p, &ip, &why));
    CHECK(!ip.more_fragments);
    CHECK_EQ(ip.frag_offset, 65528);
}

TEST(ipv4_write_header_round_trip)
{
    uint8_t p[20 + 33];
    struct synack_addr src = synack_addr_v4(198, 18, 0, 1), dst = synack_addr_v4(198, 18, 0, 2);
    memset(p, 0x5a, sizeof p);
    ipv4_write_header(p, &src, &dst, IP_PROTO_TCP, 33, 64, 0x0102, true);
    CHECK_EQ(p[0], 0x45);
    CHECK_EQ((p[2] << 8) | p[3], 53);
    CHECK_EQ(csum_finish(csum_add(0, p, 20)), 0);
    struct ipv4_packet ip;
    enum synack_drop_reason why = SYNACK_DROP_COUNT;
    REQUIRE(ipv4_parse(p, sizeof p, &ip, &why));
    CHECK(synack_addr_equal(&ip.src, &src));
    CHECK(synack_addr_equal(&ip.dst, &dst));
    CHECK_EQ(ip.proto, IP_PROTO_TCP);
    CHECK_EQ(ip.ttl, 64);
    CHECK_EQ(ip.id, 0x0102);
    CHECK(ip.dont_fragment);
    CHECK(!ip.more_fragments);
    CHECK_EQ(ip.frag_offset, 0);
    CHECK_EQ(ip.payload_len, 33);
    CHECK(ip.payload == p + 20);

    ipv4_write_header(p, &dst, &src, IP_PROTO_ICMP, 0, 1, 0, false);
    REQUIRE(ipv4_parse(p, 20, &ip, &why));
    CHECK(!ip.dont_fragment);
    CHECK_EQ(ip.payload_len, 0);
    CHECK_EQ(ip.proto, IP_PROTO_ICMP);
    CHECK(synack_addr_equal(&ip.src, &dst));
}
