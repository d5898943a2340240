/* test_tcp_wire.c — the TCP header and option codec (RFC 9293 §3.1-3.2,
 * RFC 7323, RFC 2018): round trips, exact bytes, and hostile input. */
#include "test.h"

#include "tcp_wire.h"

/* A 20-byte header 49152 -> 80, seq 1000, ack 0, SYN, win 65535, with
 * data offset `doff` words; options (if any) follow at byte 20. */
static void base_header(uint8_t *h, unsigned doff)
{
    memset(h, 0, 20);
    h[0] = 0xc0; h[1] = 0x00;                 /* 49152 */
    h[2] = 0x00; h[3] = 0x50;                 /* 80 */
    h[4] = 0x00; h[5] = 0x00; h[6] = 0x03; h[7] = 0xe8;   /* 1000 */
    h[12] = (uint8_t)(doff << 4);
    h[13] = TCP_SYN;
    h[14] = 0xff; h[15] = 0xff;
}

/* Parses a header whose 4-byte option area is `opt`; returns the verdict. */
static bool parse_with_options(const uint8_t *opt, size_t optlen, struct tcp_segment *seg,
                               enum synack_drop_reason *why)
{
    uint8_t h[60];
    base_header(h, (unsigned)(5 + optlen / 4));
    memcpy(h + 20, opt, optlen);
    return tcp_parse(h, 20 + optlen, seg, why);
}

TEST(tcp_parse_plain_header_fields)
{
    uint8_t p[20 + 5];
    base_header(p, 5);
    p[8] = 0x00; p[9] = 0x00; p[10] = 0x1f; p[11] = 0x41;   /* ack 8001 */
    p[13] = TCP_PSH | TCP_ACK | TCP_URG;
    p[14] = 0x12; p[15] = 0x34;
    p[18] = 0x00; p[19] = 0x02;
    memcpy(p + 20, "abcde", 5);
    struct tcp_segment s;
    enum synack_drop_reason why = SYNACK_DROP_COUNT;
    REQUIRE(tcp_parse(p, sizeof p, &s, &why));
    CHECK_EQ(s.src_port, 49152);
    CHECK_EQ(s.dst_port, 80);
    CHECK_EQ(s.seq, 1000);
    CHECK_EQ(s.ack, 8001);
    CHECK_EQ(s.flags, TCP_PSH | TCP_ACK | TCP_URG);
    CHECK_EQ(s.window, 0x1234);
    CHECK_EQ(s.urgent, 2);
    CHECK_EQ(s.header_len, 20);
    CHECK_EQ(s.payload_len, 5);
    CHECK(s.payload == p + 20);
    CHECK(!s.opt.has_mss && !s.opt.has_wscale && !s.opt.sack_permitted && !s.opt.has_timestamp);
    CHECK_EQ(s.opt.sack_count, 0);
    CHECK_EQ(tcp_seg_len(&s), 5);
    s.flags = TCP_SYN | TCP_FIN;
    CHECK_EQ(tcp_seg_len(&s), 7);
}

TEST(tcp_write_syn_exact_bytes)
{
    struct tcp_options opt = {.has_mss = true, .mss = 1460};
    struct tcp_header_out h = {.src_port = 49152, .dst_port = 80, .seq = 1000, .ack = 0,
                               .flags = TCP_SYN, .window = 65535, .opt = &opt};
    uint8_t buf[TCP_HEADER_MAX];
    memset(buf, 0xee, sizeof buf);
    size_t n = tcp_write_header(buf, &h);
    static const uint8_t expect[24] = {
        0xc0, 0x00, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00,
        0x60, 0x02, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4,
    };
    REQUIRE(n == sizeof expect);
    for (size_t i = 0; i < n; i++)
        if (buf[i] != expect[i])
            test_fail(__FILE__, __LINE__, "byte %zu: %02x != %02x", i, buf[i], expect[i]);
    /* No options at all: a bare 20-byte header. */
    h.opt = NULL;
    CHECK_EQ(tcp_write_header(buf, &h), 20);
    CHECK_EQ(buf[12], 0x50);
}

static void round_trip(const struct tcp_options *in, unsigned expect_sack, size_t expect_hlen)
{
    struct tcp_header_out h = {.src_port = 1234, .dst_port = 80, .seq = 0xfffffff0u, .ack = 0x80000001u,
                               .flags = TCP_ACK, .window = 512, .opt = in};
    uint8_t buf[TCP_HEADER_MAX + 3];
    size_t n = tcp_write_header(buf, &h);
    CHECK_EQ(n, expect_hlen);
    CHECK_EQ(n % 4, 0);
    CHECK(n <= TCP_HEADER_MAX);
    memcpy(buf + n, "xyz", 3);
    struct tcp_segment s;
    enum synack_drop_reason why;
    if (!tcp_parse(buf, n + 3, &s, &why)) {
        test_fail(__FILE__, __LINE__, "written header does not parse: %s", synack_drop_name(why));
        return;
    }
    CHECK_EQ(s.src_port, 1234);
    CHECK_EQ(s.seq, 0xfffffff0u);
    CHECK_EQ(s.ack, 0x80000001u);
    CHECK_EQ(s.flags, TCP_ACK);
    CHECK_EQ(s.window, 512);
    CHECK_EQ(s.header_len, n);
    CHECK_EQ(s.payload_len, 3);
    CHECK(s.payload == buf + n);
    CHECK_EQ(s.opt.has_mss, in->has_mss);
    if (in->has_mss)
        CHECK_EQ(s.opt.mss, in->mss);
    CHECK_EQ(s.opt.has_wscale, in->has_wscale);
    if (in->has_wscale)
        CHECK_EQ(s.opt.wscale, in->wscale);
    CHECK_EQ(s.opt.sack_permitted, in->sack_permitted);
    CHECK_EQ(s.opt.has_timestamp, in->has_timestamp);
    if (in->has_timestamp) {
        CHECK_EQ(s.opt.ts_val, in->ts_val);
        CHECK_EQ(s.opt.ts_ecr, in->ts_ecr);
    }
    CHECK_EQ(s.opt.sack_count, expect_sack);
    for (unsigned i = 0; i < s.opt.sack_count && i < expect_sack; i++) {
        CHECK_EQ(s.opt.sack[i].left, in->sack[i].left);
        CHECK_EQ(s.opt.sack[i].right, in->sack[i].right);
    }
}

TEST(tcp_options_round_trip_all_kinds)
{
    struct tcp_options o = {
        .has_mss = true, .mss = 1460, .has_wscale = true, .wscale = 7, .sack_permitted = true,
        .has_timestamp = true, .ts_val = 0xdeadbeefu, .ts_ecr = 12345,
        .sack_count = 3, .sack = {{1000, 2000}, {3000, 4000}, {5000, 6000}},
    };
    /* mss 4 + sackOK/TS 12 + wscale 4 = 20 bytes; room for 2 SACK blocks
     * (4 + 16) in the 40 bytes of option space: 20 + 20 + 20 = 60. */
    round_trip(&o, 2, 60);

    /* Without timestamps: 4 + 4 + 4 = 12, room for 3 blocks: 20 + 12 + 28 = 60. */
    o.has_timestamp = false;
    round_trip(&o, 3, 60);

    /* Only SACK blocks: 4 fit (4 + 32 = 36 bytes). */
    struct tcp_options only = {.sack_count = 4,
                               .sack = {{1, 2}, {0xfffffff0u, 0x10}, {7, 9}, {100, 200}}};
    round_trip(&only, 4, 56);

    /* Timestamps alone, and sackOK alone. */
    struct tcp_options ts = {.has_timestamp = true, .ts_val = 1, .ts_ecr = 0};
    round_trip(&ts, 0, 32);
    struct tcp_options sp = {.sack_permitted = true};
    round_trip(&sp, 0, 24);
    struct tcp_options none = {0};
    round_trip(&none, 0, 20);
}

TEST(tcp_parse_truncated)
{
    uint8_t h[20];
    base_header(h, 5);
    struct tcp_segment s;
    enum synack_drop_reason why = SYNACK_DROP_COUNT;
    CHECK(!tcp_parse(h, 19, &s, &why));
    CHECK_EQ(why, SYNACK_DROP_TCP_TRUNCATED);
    why = SYNACK_DROP_COUNT;
    CHECK(!tcp_parse(h, 0, &s, &why));
    CHECK_EQ(why, SYNACK_DROP_TCP_TRUNCATED);
    CHECK(tcp_parse(h, 20, &s, &why));
}

TEST(tcp_parse_bad_data_offset)
{
    uint8_t h[24];
    struct tcp_segment s;
    enum synack_drop_reason why;
    for (unsigned doff = 0; doff < 5; doff++) {
        base_header(h, doff);
        why = SYNACK_DROP_COUNT;
        CHECK(!tcp_parse(h, sizeof h, &s, &why));
        CHECK_EQ(why, SYNACK_DROP_TCP_DATA_OFFSET);
    }
    /* Offset 6 (24 bytes) with only 20 or 23 present. */
    base_header(h, 6);
    h[20] = h[21] = h[22] = h[23] = TCP_OPT_NOP;
    why = SYNACK_DROP_COUNT;
    CHECK(!tcp_parse(h, 20, &s, &why));
    CHECK_EQ(why, SYNACK_DROP_TCP_DATA_OFFSET);
    CHECK(!tcp_parse(h, 23, &s, &why));
    CHECK_EQ(why, SYNACK_DROP_TCP_DATA_OFFSET);
    CHECK(tcp_parse(h, 24, &s, &why));
    /* Offset 15 (60 bytes) in a 24-byte buffer. */
    base_header(h, 15);
    CHECK(!tcp_parse(h, sizeof h, &s, &why));
    CHECK_EQ(why, SYNACK_DROP_TCP_DATA_OFFSET);
}

static void expect_bad_options(const uint8_t *opt, size_t len, int line)
{
    struct tcp_segment s;
    enum synack_drop_reason why = SYNACK_DROP_COUNT;
    if (parse_with_options(opt, len, &s, &why))
        test_fail(__FILE__, line, "malformed options accepted");
    else if (why != SYNACK_DROP_TCP_OPTIONS)
        test_fail(__FILE__, line, "reason %s, expected TCP_OPTIONS", synack_drop_name(why));
}
#define EXPECT_BAD(...)                                               \
    do {                                                              \
        static const uint8_t o_[] = {__VA_ARGS__};                    \
        expect_bad_options(o_, sizeof o_, __LINE__);                  \
    } while (0)

TEST(tcp_parse_malformed_options)
{
    EXPECT_BAD(TCP_OPT_TIMESTAMP, 0, 0, 0);            /* length 0 */
    EXPECT_BAD(0x1e, 0, 0, 0);                         /* length 0, unknown kind */
    EXPECT_BAD(TCP_OPT_MSS, 1, 0, 0);                  /* length 1 */
    EXPECT_BAD(0x1e, 1, TCP_OPT_NOP, TCP_OPT_NOP);     /* length 1, unknown kind */
    EXPECT_BAD(TCP_OPT_NOP, TCP_OPT_MSS, 4, 0x05);     /* MSS runs one byte past the end */
    EXPECT_BAD(0x1e, 8, 0, 0);                         /* unknown kind runs past the end */
    EXPECT_BAD(TCP_OPT_NOP, TCP_OPT_NOP, TCP_OPT_NOP, TCP_OPT_MSS);  /* kind with no length byte */
    EXPECT_BAD(TCP_OPT_MSS, 3, 0x05, TCP_OPT_NOP);     /* MSS with length 3 */
    EXPECT_BAD(TCP_OPT_MSS, 2, TCP_OPT_NOP, TCP_OPT_NOP); /* MSS with length 2 */
    EXPECT_BAD(TCP_OPT_SACK, 3, 0, TCP_OPT_NOP);       /* SACK with length 3 */
    EXPECT_BAD(TCP_OPT_SACK, 2, TCP_OPT_NOP, TCP_OPT_NOP); /* SACK with no block */
    EXPECT_BAD(TCP_OPT_SACK, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0); /* 1.25 blocks */
    EXPECT_BAD(TCP_OPT_WSCALE, 4, 7, 0);               /* window scale with length 4 */
    EXPECT_BAD(TCP_OPT_SACK_PERM, 3, 0, TCP_OPT_NOP);  /* sackOK with length 3 */
    EXPECT_BAD(TCP_OPT_TIMESTAMP, 8, 0, 0, 0, 0, 0, 0); /* timestamps with length 8 */
    /* Good option then a bad one: still rejected. */
    EXPECT_BAD(TCP_OPT_MSS, 4, 0x05, 0xb4, TCP_OPT_WSCALE, 0, 0, 0);
}

TEST(tcp_parse_eol_stops)
{
    struct tcp_segment s;
    enum synack_drop_reason why;
    /* After EOL the rest is padding, even if it looks like a bad option. */
    static const uint8_t a[] = {TCP_OPT_MSS, 4, 0x05, 0xb4, TCP_OPT_EOL, TCP_OPT_MSS, 0, 0xff};
    REQUIRE(parse_with_options(a, sizeof a, &s, &why));
    CHECK(s.opt.has_mss);
    CHECK_EQ(s.opt.mss, 1460);
    static const uint8_t b[] = {TCP_OPT_EOL, TCP_OPT_MSS, 4, 0x05};
    REQUIRE(parse_with_options(b, sizeof b, &s, &why));
    CHECK(!s.opt.has_mss);
    CHECK_EQ(s.header_len, 24);
}

TEST(tcp_parse_unknown_option_skipped)
{
    struct tcp_segment s;
    enum synack_drop_reason why;
    static const uint8_t o[] = {0x1e, 4, 0xaa, 0xbb, TCP_OPT_MSS, 4, 0x04, 0x00};
    REQUIRE(parse_with_options(o, sizeof o, &s, &why));
    CHECK(s.opt.has_mss);
    CHECK_EQ(s.opt.mss, 1024);
    /* An unknown kind of length 2 (no value) is fine too. */
    static const uint8_t p[] = {0xfe, 2, TCP_OPT_WSCALE, 3, 14, TCP_OPT_NOP, TCP_OPT_NOP, TCP_OPT_NOP};
    REQUIRE(parse_with_options(p, sizeof p, &s, &why));
    CHECK(s.opt.has_wscale);
    CHECK_EQ(s.opt.wscale, 14);
}

TEST(tcp_parse_options_sack_blocks_capped)
{
    /* Five blocks cannot fit a real header, but the option parser may be
     * handed any list: it keeps the first TCP_SACK_BLOCKS_MAX. */
    uint8_t o[2 + 5 * 8];
    o[0] = TCP_OPT_SACK;
    o[1] = sizeof o;
    for (unsigned b = 0; b < 5; b++) {
        uint32_t l = 100 * (b + 1), r = l + 50;
        for (int k = 0; k < 4; k++) {
            o[2 + 8 * b + k] = (uint8_t)(l >> (24 - 8 * k));
            o[2 + 8 * b + 4 + k] = (uint8_t)(r >> (24 - 8 * k));
        }
    }
    struct tcp_options out;
    REQUIRE(tcp_parse_options(o, sizeof o, &out));
    CHECK_EQ(out.sack_count, TCP_SACK_BLOCKS_MAX);
    CHECK_EQ(out.sack[0].left, 100);
    CHECK_EQ(out.sack[0].right, 150);
    CHECK_EQ(out.sack[3].left, 400);
    CHECK_EQ(out.sack[3].right, 450);
    /* An empty list is valid. */
    CHECK(tcp_parse_options(o, 0, &out));
}

TEST(tcp_checksum_rejects_flipped_bit)
{
    struct synack_addr src = synack_addr_v4(198, 18, 0, 1), dst = synack_addr_v4(198, 18, 0, 2);
    struct tcp_options opt = {.has_mss = true, .mss = 1460};
    struct tcp_header_out h = {.src_port = 49152, .dst_port = 80, .seq = 1000, .flags = TCP_SYN,
                               .window = 65535, .opt = &opt};
    uint8_t seg[TCP_HEADER_MAX + 7];
    size_t n = tcp_write_header(seg, &h);
    memcpy(seg + n, "payload", 7);
    n += 7;
    tcp_fill_checksum(seg, n, &src, &dst);
    CHECK(tcp_checksum_ok(&src, &dst, seg, n));
    seg[5] ^= 0x10;
    CHECK(!tcp_checksum_ok(&src, &dst, seg, n));
    seg[5] ^= 0x10;
    seg[n - 1] ^= 0x01;
    CHECK(!tcp_checksum_ok(&src, &dst, seg, n));
    seg[n - 1] ^= 0x01;
    CHECK(tcp_checksum_ok(&src, &dst, seg, n));
    /* One byte short (the length is in the pseudo-header too). */
    CHECK(!tcp_checksum_ok(&src, &dst, seg, n - 1));
}
