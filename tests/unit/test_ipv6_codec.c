/* test_ipv6_codec.c — the pure IPv6 parts: address text (RFC 4291 §2.2, RFC
 * 5952), checksums over the IPv6 pseudo-header (RFC 8200 §8.1) against
 * packets the Linux kernel built and a naive reference written here, and
 * the extension-header walker (RFC 8200 §4) on hand-built chains. */
#include <stdlib.h>

#include "test.h"

#include "byteorder.h"
#include "checksum.h"
#include "icmp6.h"
#include "ipv4.h"
#include "ipv6.h"
#include "synack/addr.h"
#include "synack/errors.h"
#include "tcp_wire.h"

/* ---- Addresses ---- */

static const char *fmt(const char *in, char *buf, size_t len)
{
    struct synack_addr a;
    if (synack_addr_parse(in, &a) != 0)
        return "(invalid)";
    return synack_addr_format(&a, buf, len);
}

/* RFC 5952 §4: lowercase (§4.3), no leading zeros (§4.1), "::" for the
 * longest run of two or more zero groups (§4.2.1, §4.2.2: never for one
 * group), the first of equal runs (§4.2.3); §5: v4-mapped with a dotted
 * tail. */
TEST(ipv6_text_is_formatted_as_rfc5952_recommends)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        { "2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1" },
        { "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1" },            /* first of equal runs */
        { "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1" },         /* one zero group stays */
        { "2001:db8:0:0:0:1:0:0", "2001:db8::1:0:0" },              /* the longer run */
        { "0:0:0:0:0:0:0:0", "::" },
        { "0:0:0:0:0:0:0:1", "::1" },
        { "1:0:0:0:0:0:0:0", "1::" },
        { "fd00:5ac::2", "fd00:5ac::2" },
        { "FE80::0200:5EFF:FE00:5301", "fe80::200:5eff:fe00:5301" },
        { "::ffff:198.18.0.1", "::ffff:198.18.0.1" },
        { "::ffff:c612:1", "::ffff:198.18.0.1" },
        { "::198.18.0.1", "::c612:1" },                              /* IPv4-compatible: not mapped */
        { "ff02::1:ff00:2", "ff02::1:ff00:2" },
        { "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8" },
        { "1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0" },                   /* "::" for one group read, not written */
        { "::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8" },
    };
    char buf[64];
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK_STR_EQ(fmt(cases[i].in, buf, sizeof buf), cases[i].out);
}

TEST(invalid_ipv6_text_is_refused)
{
    static const char *bad[] = {
        "", ":", ":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::", "g::1", "1:2:3:4:5:6:7:8::",
        "::1:", ":1::", "1:", "fe80::1%eth0", "::ffff:198.18.0.256", "::ffff:198.18.0", "1:2:3:4:5:6:7:1.2.3.4",
        "[::1]", " ::1", "::1 ", "::-1",
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct synack_addr a;
        int rc = synack_addr_parse(bad[i], &a);
        if (rc != -SYNACK_EINVAL)
            test_fail(__FILE__, __LINE__, "\"%s\" parsed (%d)", bad[i], rc);
    }
}

TEST(ipv6_endpoints_and_prefixes)
{
    struct synack_endpoint e;
    char buf[SYNACK_ENDPOINT_STRLEN];
    CHECK_EQ(synack_endpoint_parse("[fd00:5ac::1]:8080", &e), 0);
    CHECK_EQ(e.addr.family, SYNACK_AF_INET6);
    CHECK_EQ(e.port, 8080);
    CHECK_STR_EQ(synack_endpoint_format(&e, buf, sizeof buf), "[fd00:5ac::1]:8080");
    CHECK_EQ(synack_endpoint_parse("fd00:5ac::1:80", &e), -SYNACK_EINVAL);      /* brackets needed */
    CHECK_EQ(synack_endpoint_parse("[fd00:5ac::1]", &e), -SYNACK_EINVAL);
    CHECK_EQ(synack_endpoint_parse("[fd00:5ac::1]:65536", &e), -SYNACK_EINVAL);
    /* The longest text form fits SYNACK_ENDPOINT_STRLEN. */
    CHECK_EQ(synack_endpoint_parse("[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535", &e), 0);
    synack_endpoint_format(&e, buf, sizeof buf);
    CHECK_STR_EQ(buf, "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
    struct synack_addr a, net;
    uint8_t plen = 0;
    CHECK_EQ(synack_prefix_parse("fd00:5ac::/64", &net, &plen), 0);
    CHECK_EQ(plen, 64);
    CHECK_EQ(synack_prefix_parse("fd00:5ac::/129", &net, &plen), -SYNACK_EINVAL);
    CHECK_EQ(synack_addr_parse("fd00:5ac::ffff:1", &a), 0);
    CHECK(synack_addr_in_prefix(&a, &net, 64));
    CHECK_EQ(synack_addr_parse("fd00:5ad::1", &a), 0);
    CHECK(!synack_addr_in_prefix(&a, &net, 64));
    CHECK(synack_addr_in_prefix(&a, &net, 31));                  /* fd00:05ac and fd00:05ad share 31 bits */
    CHECK(!synack_addr_in_prefix(&a, &net, 32));
}

/* RFC 4291 §2.7.1: ff02::1:ff00:0/104 and the low 24 bits. */
TEST(solicited_node_address)
{
    struct synack_addr a, want;
    char buf[64];
    CHECK_EQ(synack_addr_parse("fe80::200:5eff:fe12:3456", &a), 0);
    CHECK_EQ(synack_addr_parse("ff02::1:ff12:3456", &want), 0);
    struct synack_addr sn = ipv6_solicited_node(&a);
    CHECK_STR_EQ(synack_addr_format(&sn, buf, sizeof buf), "ff02::1:ff12:3456");
    CHECK(synack_addr_equal(&sn, &want));
    CHECK(ipv6_is_multicast(&sn));
    CHECK(!ipv6_is_multicast(&a));
}

/* ---- Checksums over the IPv6 pseudo-header ---- */

/* RFC 1071 done the slow way, and the RFC 8200 §8.1 pseudo-header written
 * out byte by byte: source, destination, upper-layer length (32 bits),
 * three zero bytes, next header. */
static uint16_t naive_checksum6(const uint8_t *src, const uint8_t *dst, uint8_t nh, const uint8_t *p, size_t len)
{
    uint8_t pseudo[40];
    memcpy(pseudo, src, 16);
    memcpy(pseudo + 16, dst, 16);
    put_be32(pseudo + 32, (uint32_t)len);
    pseudo[36] = pseudo[37] = pseudo[38] = 0;
    pseudo[39] = nh;
    uint32_t sum = 0;
    for (int pass = 0; pass < 2; pass++) {
        const uint8_t *b = pass ? p : pseudo;
        size_t n = pass ? len : sizeof pseudo;
        for (size_t i = 0; i < n; i += 2) {
            sum += (uint32_t)b[i] << 8 | (i + 1 < n ? b[i + 1] : 0);
            sum = (sum & 0xffff) + (sum >> 16);
        }
    }
    return (uint16_t)~sum;
}

static uint8_t hexval(char c) { return (uint8_t)(c <= '9' ? c - '0' : c - 'a' + 10); }
static size_t unhex(const char *s, uint8_t *out)
{
    size_t n = 0;
    for (; s[0] && s[1]; s += 2)
        out[n++] = (uint8_t)(hexval(s[0]) << 4 | hexval(s[1]));
    return n;
}

/* Captured on a Linux 6.x loopback (unshare -n; ping -6 ::1; a UDP
 * datagram to ::1 port 9): the echo request and the kernel's port
 * unreachable about the datagram, both checksummed in software by the
 * kernel. */
static const char *kernel_echo =
    "600c5ac300403a40000000000000000000000000000000010000000000000000000000000000000180009"
    "1a96cc0000194ff016b000000007323010000000000636b73796e61636b73796e61636b73796e61636b73"
    "796e61636b73796e61636b73796e61636b7379";
static const char *kernel_unreach =
    "600f94f900413a400000000000000000000000000000000100000000000000000000000000000001010"
    "4d63c000000006008519e001111400000000000000000000000000000000100000000000000000000000"
    "000000001c94d00090011002473796e61636b207636";

TEST(icmpv6_checksums_of_kernel_packets_verify)
{
    const char *pkts[] = { kernel_echo, kernel_unreach };
    for (int i = 0; i < 2; i++) {
        uint8_t p[256];
        size_t n = unhex(pkts[i], p);
        struct ipv6_packet ip;
        enum synack_drop_reason why;
        REQUIRE(ipv6_parse(p, n, &ip, &why));
        CHECK_EQ(ip.proto, IP_PROTO_ICMPV6);
        CHECK_EQ(ip.payload_len, n - 40);
        CHECK_EQ(csum_finish(csum_add(csum_pseudo(&ip.src, &ip.dst, IP_PROTO_ICMPV6, ip.payload_len), ip.payload,
                                      ip.payload_len)),
                 0);
        CHECK_EQ(naive_checksum6(p + 8, p + 24, IP_PROTO_ICMPV6, ip.payload, ip.payload_len), 0);
        /* The pseudo-header covers the addresses: another source fails. */
        struct synack_addr other = ip.src;
        other.bytes[15] ^= 2;
        CHECK(csum_finish(csum_add(csum_pseudo(&other, &ip.dst, IP_PROTO_ICMPV6, ip.payload_len), ip.payload,
                                   ip.payload_len)) != 0);
    }
}

/* TCP and UDP over IPv6: the engine's checksums (tcp_fill_checksum, the
 * pseudo-header sum UDP uses) against the naive reference, for segments
 * of every length up to 300 bytes and addresses with high bits set (the
 * carries a 16-byte address makes). */
TEST(tcp_and_udp_checksums_over_ipv6_match_a_naive_sum)
{
    struct synack_addr src, dst;
    CHECK_EQ(synack_addr_parse("fd00:5ac::1", &src), 0);
    CHECK_EQ(synack_addr_parse("ffff:fffe:8000::ffff:ff00:1", &dst), 0);
    uint8_t seg[320];
    uint32_t seed = 1;
    for (size_t len = 20; len <= 300; len++) {
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1664525u + 1013904223u;
            seg[i] = (uint8_t)(seed >> 24);
        }
        seg[12] = 0x50;                                 /* data offset 5 */
        tcp_fill_checksum(seg, len, &src, &dst);
        CHECK_EQ(naive_checksum6(src.bytes, dst.bytes, IP_PROTO_TCP, seg, len), 0);
        CHECK(tcp_checksum_ok(&src, &dst, seg, len));
        put_be16(seg + 6, 0);                           /* as UDP: the field at 6 */
        uint16_t sum = csum_finish(csum_add(csum_pseudo(&src, &dst, IP_PROTO_UDP, (uint32_t)len), seg, len));
        put_be16(seg + 6, sum);
        CHECK_EQ(naive_checksum6(src.bytes, dst.bytes, IP_PROTO_UDP, seg, len), 0);
    }
}

/* ---- The extension-header walker ---- */

/* A packet: the fixed header (payload length filled at the end) and then
 * headers appended one at a time, each naming the next. */
struct chain {
    uint8_t p[1024];
    size_t len;
    size_t nh_at;                 /* where the next appended header's type goes */
};

static void chain_start(struct chain *c)
{
    memset(c, 0, sizeof *c);
    c->p[0] = 0x60;
    c->p[7] = 64;
    c->p[23] = 1;                 /* ::1 to ::2, never mind */
    c->p[39] = 2;
    c->len = 40;
    c->nh_at = 6;
}

static void chain_add(struct chain *c, uint8_t type, const uint8_t *hdr, size_t len)
{
    c->p[c->nh_at] = type;
    memcpy(c->p + c->len, hdr, len);
    c->nh_at = c->len;
    c->len += len;
    put_be16(c->p + 4, (uint16_t)(c->len - 40));
}

static void chain_upper(struct chain *c, uint8_t proto, size_t len)
{
    c->p[c->nh_at] = proto;
    memset(c->p + c->len, 0xab, len);
    c->len += len;
    put_be16(c->p + 4, (uint16_t)(c->len - 40));
}

static const uint8_t padn[8] = { 0, 0, 1, 4 };

TEST(walker_finds_the_upper_layer_through_a_chain)
{
    struct chain c;
    static const uint8_t rh[24] = { 0, 2, 0, 0 };               /* type 0, segments left 0 */
    chain_start(&c);
    chain_add(&c, IP6_NH_HOP_BY_HOP, padn, 8);
    chain_add(&c, IP6_NH_DEST_OPTS, padn, 8);
    chain_add(&c, IP6_NH_ROUTING, rh, sizeof rh);
    chain_add(&c, IP6_NH_DEST_OPTS, padn, 8);
    chain_upper(&c, IP_PROTO_TCP, 20);
    struct ipv6_chain w;
    REQUIRE(ipv6_walk(c.p, c.len, 40, c.p[6], 6, IPV6_WALK_OPTIONS, &w));
    CHECK_EQ(w.proto, IP_PROTO_TCP);
    CHECK_EQ(w.upper, 40 + 8 + 8 + 24 + 8);
    CHECK_EQ(w.nh_at, 40 + 8 + 8 + 24);
    CHECK_EQ(w.ext_count, 4);
    CHECK(!w.fragmented && !w.atomic);
    struct ipv6_packet ip;
    enum synack_drop_reason why;
    REQUIRE(ipv6_parse(c.p, c.len, &ip, &why));
    CHECK_EQ(ip.proto, IP_PROTO_TCP);
    CHECK_EQ(ip.payload - c.p, 88);
    CHECK_EQ(ip.payload_len, 20);
    CHECK_EQ(ip.ext_count, 4);
    /* Link padding beyond the payload length is not the packet's. */
    REQUIRE(ipv6_parse(c.p, c.len + 30, &ip, &why));
    CHECK_EQ(ip.length, c.len);
    CHECK_EQ(ip.payload_len, 20);
}

TEST(walker_stops_at_fragments_and_passes_atomic_ones)
{
    struct chain c;
    uint8_t frag[8] = { 0, 0, 0x05, 0x79, 0xde, 0xad, 0xbe, 0xef };    /* offset 0x578 & ~7 = 1400, M=1 */
    chain_start(&c);
    chain_add(&c, IP6_NH_HOP_BY_HOP, padn, 8);
    chain_add(&c, IP6_NH_FRAGMENT, frag, 8);
    chain_upper(&c, IP_PROTO_UDP, 16);
    struct ipv6_chain w;
    REQUIRE(ipv6_walk(c.p, c.len, 40, c.p[6], 6, IPV6_WALK_OPTIONS, &w));
    CHECK(w.fragmented);
    CHECK_EQ(w.proto, IP6_NH_FRAGMENT);
    CHECK_EQ(w.frag.offset, 1400);
    CHECK(w.frag.more);
    CHECK_EQ(w.frag.id, 0xdeadbeef);
    CHECK_EQ(w.frag.next_header, IP_PROTO_UDP);
    CHECK_EQ(w.frag.at, 48);
    CHECK_EQ(w.nh_at, 40);
    struct ipv6_packet ip;
    enum synack_drop_reason why;
    REQUIRE(ipv6_parse(c.p, c.len, &ip, &why));                /* a later fragment: its data */
    CHECK_EQ(ip.proto, IP6_NH_FRAGMENT);
    CHECK(ip.has_frag);
    CHECK_EQ(ip.payload - c.p, 56);
    CHECK_EQ(ip.payload_len, 16);
    /* The first fragment: the walk goes through to UDP when asked to. */
    put_be16(c.p + 50, 1);                                     /* offset 0, M=1 */
    REQUIRE(ipv6_parse(c.p, c.len, &ip, &why));
    CHECK_EQ(ip.proto, IP_PROTO_UDP);
    CHECK(ip.has_frag && ip.frag.more && ip.frag.offset == 0);
    REQUIRE(ipv6_walk(c.p, c.len, 40, c.p[6], 6, IPV6_WALK_OPTIONS, &w));
    CHECK(w.fragmented);
    /* Atomic (offset 0, M=0): walked through, noted (RFC 6946). */
    put_be16(c.p + 50, 0);
    REQUIRE(ipv6_walk(c.p, c.len, 40, c.p[6], 6, IPV6_WALK_OPTIONS, &w));
    CHECK(!w.fragmented && w.atomic);
    CHECK_EQ(w.proto, IP_PROTO_UDP);
    CHECK_EQ(w.upper, 56);
    /* Inside a reassembled packet, a real fragment header is an error. */
    put_be16(c.p + 50, 8);
    CHECK(!ipv6_walk(c.p, c.len, 40, c.p[6], 6, IPV6_WALK_OPTIONS | IPV6_WALK_REASSEMBLED, &w));
    CHECK_EQ(w.why, SYNACK_DROP_IP6_FRAG_NESTED);
}

/* One option of `type` (4 bytes of data) in a hop-by-hop header: what the
 * walk says with options acted on, to unicast and to multicast. */
static void check_option(uint8_t type, bool passes, uint8_t code, uint8_t code_multicast)
{
    struct chain c;
    uint8_t hbh[8] = { 0, 0, type, 4 };
    chain_start(&c);
    chain_add(&c, IP6_NH_HOP_BY_HOP, hbh, 8);
    chain_upper(&c, IP_PROTO_TCP, 20);
    for (int mc = 0; mc < 2; mc++) {
        struct ipv6_chain w;
        bool ok = ipv6_walk(c.p, c.len, 40, c.p[6], 6, IPV6_WALK_OPTIONS | (mc ? IPV6_WALK_DST_MULTICAST : 0), &w);
        if (ok != passes || (!ok && (w.why != SYNACK_DROP_IP6_OPTION_UNKNOWN ||
                                     w.icmp_code != (mc ? code_multicast : code) ||
                                     (w.icmp_code != 0xff && w.pointer != 42))))
            test_fail(__FILE__, __LINE__, "option 0x%02x (multicast %d): ok %d why %d code %u pointer %u", type, mc,
                      ok, ok ? 0 : w.why, w.icmp_code, w.pointer);
        /* Structure only: every option passes. */
        CHECK(ipv6_walk(c.p, c.len, 40, c.p[6], 6, 0, &w));
    }
}

TEST(walker_acts_on_unknown_options_by_their_type)
{
    check_option(0x1e, true, 0, 0);                            /* 00: skip */
    check_option(0x5e, false, 0xff, 0xff);                     /* 01: discard */
    check_option(0x9e, false, ICMPV6_PARAMPROB_OPTION, ICMPV6_PARAMPROB_OPTION);   /* 10: report, even multicast */
    check_option(0xde, false, ICMPV6_PARAMPROB_OPTION, 0xff);  /* 11: report unless multicast */
    check_option(0xc2, false, ICMPV6_PARAMPROB_OPTION, 0xff);  /* jumbo payload: not implemented, so unknown */
}

TEST(walker_refuses_malformed_chains)
{
    struct chain c;
    struct ipv6_chain w;
    /* An option running past its header: code 0 at its length byte. */
    uint8_t bad[8] = { 0, 0, 0x1e, 5 };
    chain_start(&c);
    chain_add(&c, IP6_NH_DEST_OPTS, bad, 8);
    chain_upper(&c, IP_PROTO_TCP, 20);
    CHECK(!ipv6_walk(c.p, c.len, 40, c.p[6], 6, IPV6_WALK_OPTIONS, &w));
    CHECK_EQ(w.why, SYNACK_DROP_IP6_OPTION_MALFORMED);
    CHECK_EQ(w.icmp_code, ICMPV6_PARAMPROB_HEADER);
    CHECK_EQ(w.pointer, 43);
    /* An option type in the last byte, with no room for its length. */
    uint8_t last[8] = { 0, 0, 1, 3, 0, 0, 0, 0x1e };
    chain_start(&c);
    chain_add(&c, IP6_NH_DEST_OPTS, last, 8);
    chain_upper(&c, IP_PROTO_TCP, 20);
    CHECK(!ipv6_walk(c.p, c.len, 40, c.p[6], 6, IPV6_WALK_OPTIONS, &w));
    CHECK_EQ(w.why, SYNACK_DROP_IP6_OPTION_MALFORMED);
    CHECK_EQ(w.pointer, 47);
    /* Hop-by-hop after destination options: code 1 at the field naming it. */
    chain_start(&c);
    chain_add(&c, IP6_NH_DEST_OPTS, padn, 8);
    chain_add(&c, IP6_NH_HOP_BY_HOP, padn, 8);
    chain_upper(&c, IP_PROTO_TCP, 20);
    CHECK(!ipv6_walk(c.p, c.len, 40, c.p[6], 6, IPV6_WALK_OPTIONS, &w));
    CHECK_EQ(w.why, SYNACK_DROP_IP6_HBH_NOT_FIRST);
    CHECK_EQ(w.icmp_code, ICMPV6_PARAMPROB_NEXT_HEADER);
    CHECK_EQ(w.pointer, 40);
    /* Routing header with segments left: code 0 at the routing type. */
    uint8_t rh[8] = { 0, 0, 3, 1 };
    chain_start(&c);
    chain_add(&c, IP6_NH_DEST_OPTS, padn, 8);
    chain_add(&c, IP6_NH_ROUTING, rh, 8);
    chain_upper(&c, IP_PROTO_TCP, 20);
    CHECK(!ipv6_walk(c.p, c.len, 40, c.p[6], 6, IPV6_WALK_OPTIONS, &w));
    CHECK_EQ(w.why, SYNACK_DROP_IP6_ROUTING_HEADER);
    CHECK_EQ(w.pointer, 50);
    CHECK(ipv6_walk(c.p, c.len, 40, c.p[6], 6, 0, &w));        /* structure only: fine */
    /* 16 headers are walked, the 17th is one too many. */
    chain_start(&c);
    for (int i = 0; i < 16; i++)
        chain_add(&c, IP6_NH_DEST_OPTS, padn, 8);
    chain_upper(&c, IP6_NH_NONE, 0);
    CHECK(ipv6_walk(c.p, c.len, 40, c.p[6], 6, IPV6_WALK_OPTIONS, &w));
    CHECK_EQ(w.proto, IP6_NH_NONE);
    chain_start(&c);
    for (int i = 0; i < 17; i++)
        chain_add(&c, IP6_NH_DEST_OPTS, padn, 8);
    chain_upper(&c, IP6_NH_NONE, 0);
    CHECK(!ipv6_walk(c.p, c.len, 40, c.p[6], 6, 0, &w));
    CHECK_EQ(w.why, SYNACK_DROP_IP6_EXT_TOO_MANY);
}

/* Every prefix of a long chain, each in a buffer of exactly its length
 * (so the sanitizers see any read past it), walked and parsed: either it
 * fails as truncated or it succeeds inside the bytes it was given. */
TEST(walker_never_reads_past_the_packet)
{
    struct chain c;
    static const uint8_t rh[24] = { 0, 2, 0, 0 };
    static const uint8_t frag[8] = { 0, 0, 0, 1, 0, 0, 0, 9 };
    uint8_t opts[16] = { 0, 1, 0, 1, 3, 0, 0, 0, 0x1e, 2, 0, 0, 1, 0 };
    chain_start(&c);
    chain_add(&c, IP6_NH_HOP_BY_HOP, opts, 16);
    chain_add(&c, IP6_NH_ROUTING, rh, sizeof rh);
    chain_add(&c, IP6_NH_FRAGMENT, frag, 8);
    chain_add(&c, IP6_NH_DEST_OPTS, opts, 16);
    chain_upper(&c, IP_PROTO_TCP, 20);
    for (size_t n = 0; n <= c.len; n++) {
        uint8_t *p = malloc(n ? n : 1);
        REQUIRE(p);
        memcpy(p, c.p, n);
        if (n >= 6)
            put_be16(p + 4, (uint16_t)(n > 40 ? n - 40 : 0));
        struct ipv6_chain w;
        memset(&w, 0, sizeof w);
        if (n >= 40) {
            if (ipv6_walk(p, n, 40, p[6], 6, IPV6_WALK_OPTIONS | IPV6_WALK_THROUGH_FIRST, &w))
                CHECK(w.upper <= n);
            else if (w.why != SYNACK_DROP_IP6_EXT_TRUNCATED)
                test_fail(__FILE__, __LINE__, "prefix %zu: %s", n, synack_drop_name(w.why));
        }
        struct ipv6_packet ip;
        enum synack_drop_reason why;
        if (ipv6_parse(p, n, &ip, &why))
            CHECK(ip.payload >= p && ip.payload + ip.payload_len <= p + n);
        free(p);
    }
}
