/*
 * test_ipv6_ext.c — IPv6 header and extension-header input (RFC 8200 §3,
 * §4), and the address rules of ip6_input.
 *
 * Reading list: RFC 8200 §3 (payload length), §4 (unknown Next Header:
 * parameter problem code 1), §4.1 (hop-by-hop first), §4.2 (options: Pad1,
 * PadN, the action of an unknown option's two high-order bits), §4.4
 * (routing header: segments left), §4.7 (no next header); RFC 5095 (type 0
 * routing headers); RFC 4443 §3.4 (parameter problem: code and pointer),
 * §2.4 (e) (no error about a packet to a multicast address, except code 2
 * for an option of type 10xxxxxx); RFC 4291 §2.5.3, §2.7 (addresses).
 *
 * Most packets are SYNs to the listener (:80): taken, they draw a SYN|ACK,
 * so "nothing sent" really means "dropped".  Each test builds the SYN with
 * the harness, inserts extension headers after the 40-byte header
 * (ip6_insert_ext), and checks the stack's answer: a SYN|ACK, nothing (and
 * the drop reason), or a parameter problem quoting the whole packet with
 * the code and pointer RFC 8200 names.
 */
#include "byteorder.h"
#include "checksum.h"
#include "icmp6.h"
#include "ipv6.h"
#include "scenario.h"

#define scenario6(s) scenario_listen(s, .family = 6, .mtu = 1500, .iss = 8000)

/* The SYN from peer port sport, with ext_len bytes of extension headers of
 * `type` in front of TCP. */
static size_t syn_with(struct scenario *s, uint16_t sport, uint8_t type, const uint8_t *ext, size_t ext_len,
                       uint8_t *buf, size_t cap)
{
    size_t len = peer_packet(s, SEG(SYN, .seq = 1000, .mss = 1440, .sport = sport), buf, cap);
    return ext_len ? ip6_insert_ext(buf, len, cap, type, ext, ext_len) : len;
}

static void expect_syn_ack_(struct scenario *s, uint16_t sport, const char *file, int line)
{
    expect_sent_(s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1440, .dport = sport), file, line);
}
#define expect_syn_ack(s, sport) expect_syn_ack_(s, sport, __FILE__, __LINE__)

/* Delivers the packet; the stack must answer with a parameter problem of
 * `code` and `pointer` quoting all of it. */
static void expect_problem_(struct scenario *s, const uint8_t *pkt, size_t len, uint8_t code, uint32_t pointer,
                            const char *file, int line)
{
    peer_sends_raw(s, pkt, len);
    expect_sent_icmp6_(s, ICMPV6_PARAM_PROBLEM, code, pointer, pkt, len, file, line);
}
#define expect_problem(s, pkt, len, code, pointer) expect_problem_(s, pkt, len, code, pointer, __FILE__, __LINE__)

/* The ICMPv6 checksum of an IPv6 packet without extension headers, made
 * right again for its (changed) addresses. */
static void fix_icmp6_checksum(uint8_t *pkt)
{
    struct synack_addr src = synack_addr_v6(pkt + 8), dst = synack_addr_v6(pkt + 24);
    size_t n = get_be16(pkt + 4);
    uint8_t *m = pkt + IPV6_HEADER_LEN;
    put_be16(m + 2, 0);
    put_be16(m + 2, csum_finish(csum_add(csum_pseudo(&src, &dst, IP_PROTO_ICMPV6, (uint32_t)n), m, n)));
}

/* An 8-byte options header (hop-by-hop or destination) holding one option
 * of `type` with 4 bytes of data. */
static void one_option(uint8_t hdr[8], uint8_t type)
{
    memset(hdr, 0, 8);
    hdr[2] = type;
    hdr[3] = 4;
}

/*  SYN with hop-by-hop {PadN(4)}               -->
 *                                              <--  SYN|ACK
 *  SYN with hop-by-hop {Pad1 x6}               -->
 *                                              <--  SYN|ACK
 *  SYN with destination options {PadN(4)}      -->
 *                                              <--  SYN|ACK
 *  SYN with routing header, segments left 0    -->  (ignored, RFC 8200 §4.4)
 *                                              <--  SYN|ACK
 *  SYN with hop-by-hop, then destination options, then routing (sl 0)  -->
 *                                              <--  SYN|ACK
 */
TEST(padding_options_and_spent_routing_headers_pass)
{
    struct scenario s;
    uint8_t pkt[256], ext[24];
    scenario6(&s);
    at(&s, 0);
    one_option(ext, 1);                                         /* PadN */
    peer_sends_raw(&s, pkt, syn_with(&s, 40001, IP6_NH_HOP_BY_HOP, ext, 8, pkt, sizeof pkt));
    expect_syn_ack(&s, 40001);
    memset(ext, 0, 8);                                          /* six Pad1 */
    peer_sends_raw(&s, pkt, syn_with(&s, 40002, IP6_NH_HOP_BY_HOP, ext, 8, pkt, sizeof pkt));
    expect_syn_ack(&s, 40002);
    one_option(ext, 1);
    peer_sends_raw(&s, pkt, syn_with(&s, 40003, IP6_NH_DEST_OPTS, ext, 8, pkt, sizeof pkt));
    expect_syn_ack(&s, 40003);
    memset(ext, 0, sizeof ext);                                 /* type 0, segments left 0 */
    ext[1] = 2;
    peer_sends_raw(&s, pkt, syn_with(&s, 40004, IP6_NH_ROUTING, ext, 24, pkt, sizeof pkt));
    expect_syn_ack(&s, 40004);
    /* Inserted in reverse: each goes right after the fixed header. */
    size_t len = syn_with(&s, 40005, IP6_NH_ROUTING, ext, 24, pkt, sizeof pkt);
    one_option(ext, 1);
    len = ip6_insert_ext(pkt, len, sizeof pkt, IP6_NH_DEST_OPTS, ext, 8);
    len = ip6_insert_ext(pkt, len, sizeof pkt, IP6_NH_HOP_BY_HOP, ext, 8);
    peer_sends_raw(&s, pkt, len);
    expect_syn_ack(&s, 40005);
    CHECK_EQ(stats(&s)->ip_in_hdr_errors, 0);
    scenario_end(&s);
}

/*  An unknown option (type xx011110) in hop-by-hop, by its two high-order bits:
 *  00  SYN                                     -->
 *                                              <--  SYN|ACK (skipped)
 *  01  SYN                                     -->  dropped silently
 *  10  SYN                                     -->
 *                                              <--  parameter problem code 2, pointer 42 (the option type)
 *  11  SYN                                     -->
 *                                              <--  parameter problem code 2, pointer 42
 *  The same in destination options: 01 silent, 10 and 11 reported.
 */
TEST(unknown_options_act_by_their_two_high_order_bits)
{
    struct scenario s;
    uint8_t pkt[256], ext[8];
    scenario6(&s);
    at(&s, 0);
    one_option(ext, 0x1e);
    peer_sends_raw(&s, pkt, syn_with(&s, 40001, IP6_NH_HOP_BY_HOP, ext, 8, pkt, sizeof pkt));
    expect_syn_ack(&s, 40001);
    for (int nh = 0; nh < 2; nh++) {
        uint8_t type = nh ? IP6_NH_DEST_OPTS : IP6_NH_HOP_BY_HOP;
        one_option(ext, 0x5e);
        size_t len = syn_with(&s, 40002, type, ext, 8, pkt, sizeof pkt);
        expect_dropped(&s, pkt, len, IP6_OPTION_UNKNOWN);
        one_option(ext, 0x9e);
        len = syn_with(&s, 40003, type, ext, 8, pkt, sizeof pkt);
        expect_problem(&s, pkt, len, ICMPV6_PARAMPROB_OPTION, 42);
        one_option(ext, 0xde);
        len = syn_with(&s, 40004, type, ext, 8, pkt, sizeof pkt);
        expect_problem(&s, pkt, len, ICMPV6_PARAMPROB_OPTION, 42);
    }
    CHECK_EQ(stats(&s)->drops[SYNACK_DROP_IP6_OPTION_UNKNOWN], 6);
    CHECK_EQ(stats(&s)->icmp6_out_parm_problems, 4);
    CHECK_EQ(stats(&s)->ip_in_hdr_errors, 6);
    scenario_end(&s);
}

/*  To ff02::1 (all nodes), an echo request with hop-by-hop {unknown option}:
 *  type 11xxxxxx                               -->  dropped, no error (RFC 4443 §2.4 (e.3))
 *  type 10xxxxxx                               -->
 *                                              <--  parameter problem code 2, pointer 42, from fd00:5ac::2
 *                                                   (the exception of §2.4 (e.3))
 */
TEST(unknown_option_in_a_multicast_packet_is_reported_only_for_type_10)
{
    struct scenario s;
    uint8_t pkt[256], ext[8];
    scenario6(&s);
    at(&s, 0);
    struct synack_addr all_nodes = parse_addr("ff02::1");
    one_option(ext, 0xde);
    size_t len = peer_icmp6(&s, &all_nodes, ICMPV6_ECHO_REQUEST, 0, 1, "ping", 4, pkt, sizeof pkt);
    len = ip6_insert_ext(pkt, len, sizeof pkt, IP6_NH_HOP_BY_HOP, ext, 8);
    expect_dropped(&s, pkt, len, IP6_OPTION_UNKNOWN);
    one_option(ext, 0x9e);
    len = peer_icmp6(&s, &all_nodes, ICMPV6_ECHO_REQUEST, 0, 2, "ping", 4, pkt, sizeof pkt);
    len = ip6_insert_ext(pkt, len, sizeof pkt, IP6_NH_HOP_BY_HOP, ext, 8);
    expect_problem(&s, pkt, len, ICMPV6_PARAMPROB_OPTION, 42);
    CHECK_EQ(stats(&s)->icmp6_in_echos, 0);
    scenario_end(&s);
}

/*  SYN with destination options, then hop-by-hop  -->
 *                                              <--  parameter problem code 1, pointer 40 (the Next Header
 *                                                   field that named hop-by-hop, RFC 8200 §4.1)
 *  SYN with routing type 0, segments left 1    -->
 *                                              <--  parameter problem code 0, pointer 42 (the routing type)
 *  SYN with routing type 4 (SRH), segments left 2  -->
 *                                              <--  the same: we route nothing
 *  SYN whose option runs past its header        -->
 *                                              <--  parameter problem code 0, pointer 43 (its length)
 */
TEST(misplaced_and_malformed_extension_headers_draw_parameter_problems)
{
    struct scenario s;
    uint8_t pkt[256], ext[24];
    scenario6(&s);
    at(&s, 0);
    one_option(ext, 1);
    size_t len = syn_with(&s, 40001, IP6_NH_HOP_BY_HOP, ext, 8, pkt, sizeof pkt);
    len = ip6_insert_ext(pkt, len, sizeof pkt, IP6_NH_DEST_OPTS, ext, 8);
    expect_problem(&s, pkt, len, ICMPV6_PARAMPROB_NEXT_HEADER, 40);
    CHECK_EQ(stats(&s)->drops[SYNACK_DROP_IP6_HBH_NOT_FIRST], 1);

    memset(ext, 0, sizeof ext);
    ext[1] = 2;                                                  /* 24 bytes */
    ext[3] = 1;                                                  /* type 0, segments left 1 */
    len = syn_with(&s, 40002, IP6_NH_ROUTING, ext, 24, pkt, sizeof pkt);
    expect_problem(&s, pkt, len, ICMPV6_PARAMPROB_HEADER, 42);
    ext[2] = 4;
    ext[3] = 2;
    len = syn_with(&s, 40003, IP6_NH_ROUTING, ext, 24, pkt, sizeof pkt);
    expect_problem(&s, pkt, len, ICMPV6_PARAMPROB_HEADER, 42);
    CHECK_EQ(stats(&s)->drops[SYNACK_DROP_IP6_ROUTING_HEADER], 2);

    one_option(ext, 0x1e);
    ext[3] = 5;                                                  /* 2 + 5 bytes from offset 2: one too many */
    len = syn_with(&s, 40004, IP6_NH_DEST_OPTS, ext, 8, pkt, sizeof pkt);
    expect_problem(&s, pkt, len, ICMPV6_PARAMPROB_HEADER, 43);
    CHECK_EQ(stats(&s)->drops[SYNACK_DROP_IP6_OPTION_MALFORMED], 1);
    CHECK_EQ(stats(&s)->ip_in_hdr_errors, 4);
    scenario_end(&s);
}

/*  Next Header 253 (experimental, not ours) right after the header  -->
 *                                              <--  parameter problem code 1, pointer 6
 *  ... and after destination options           -->
 *                                              <--  parameter problem code 1, pointer 40
 *  Next Header 59 (none), with bytes after it  -->  dropped, nothing sent
 */
TEST(unknown_and_no_next_header)
{
    struct scenario s;
    uint8_t pkt[256], ext[8];
    scenario6(&s);
    at(&s, 0);
    size_t len = syn_with(&s, 40001, 0, NULL, 0, pkt, sizeof pkt);
    pkt[6] = 253;
    expect_problem(&s, pkt, len, ICMPV6_PARAMPROB_NEXT_HEADER, 6);
    one_option(ext, 1);
    len = syn_with(&s, 40002, IP6_NH_DEST_OPTS, ext, 8, pkt, sizeof pkt);
    pkt[40] = 253;
    expect_problem(&s, pkt, len, ICMPV6_PARAMPROB_NEXT_HEADER, 40);
    CHECK_EQ(stats(&s)->drops[SYNACK_DROP_IP6_UNKNOWN_NEXT_HEADER], 2);
    CHECK_EQ(stats(&s)->ip_in_unknown_protos, 2);
    len = syn_with(&s, 40003, 0, NULL, 0, pkt, sizeof pkt);
    pkt[6] = IP6_NH_NONE;
    expect_dropped(&s, pkt, len, IP6_NO_NEXT_HEADER);
    CHECK_EQ(stats(&s)->ip_in_delivers, 1);            /* whole and well formed: counted delivered, to nothing */
    scenario_end(&s);
}

/*  payload length 1: a hop-by-hop header of one byte  -->  dropped (IP6_EXT_TRUNCATED)
 *  destination options saying 16 bytes in a packet that ends after 8  -->  dropped
 *  seventeen destination options headers       -->  dropped (IP6_EXT_TOO_MANY)
 *  payload length beyond the bytes there are   -->  dropped (IP_TRUNCATED)
 *  payload length 0 with hop-by-hop (a jumbogram)  -->  dropped (IP6_JUMBOGRAM)
 *  fewer than 40 bytes                         -->  dropped (IP_TRUNCATED)
 *  the good SYN with 20 bytes of link padding after it  -->
 *                                              <--  SYN|ACK (the padding is not the packet's)
 */
TEST(truncated_and_overlong_headers_are_counted_drops)
{
    struct scenario s;
    uint8_t pkt[512], ext[8];
    scenario6(&s);
    at(&s, 0);
    size_t len = syn_with(&s, 40001, 0, NULL, 0, pkt, sizeof pkt);
    pkt[6] = IP6_NH_HOP_BY_HOP;
    put_be16(pkt + 4, 1);
    expect_dropped(&s, pkt, IPV6_HEADER_LEN + 1, IP6_EXT_TRUNCATED);
    one_option(ext, 1);
    ext[0] = IP6_NH_NONE;
    ext[1] = 1;                                                  /* 16 bytes */
    len = syn_with(&s, 40002, 0, NULL, 0, pkt, sizeof pkt);
    memcpy(pkt + IPV6_HEADER_LEN, ext, 8);
    pkt[6] = IP6_NH_DEST_OPTS;
    put_be16(pkt + 4, 8);
    expect_dropped(&s, pkt, IPV6_HEADER_LEN + 8, IP6_EXT_TRUNCATED);
    len = syn_with(&s, 40003, 0, NULL, 0, pkt, sizeof pkt);
    one_option(ext, 1);
    for (int i = 0; i < 17; i++)
        len = ip6_insert_ext(pkt, len, sizeof pkt, IP6_NH_DEST_OPTS, ext, 8);
    REQUIRE(len);
    expect_dropped(&s, pkt, len, IP6_EXT_TOO_MANY);
    len = syn_with(&s, 40004, 0, NULL, 0, pkt, sizeof pkt);
    expect_dropped(&s, pkt, len - 1, IP_TRUNCATED);
    uint8_t jumbo[IPV6_HEADER_LEN + 8];
    memcpy(jumbo, pkt, IPV6_HEADER_LEN);
    put_be16(jumbo + 4, 0);
    jumbo[6] = IP6_NH_HOP_BY_HOP;
    memset(jumbo + IPV6_HEADER_LEN, 0, 8);
    expect_dropped(&s, jumbo, sizeof jumbo, IP6_JUMBOGRAM);
    expect_dropped(&s, pkt, 39, IP_TRUNCATED);
    memset(pkt + len, 0xee, 20);
    peer_sends_raw(&s, pkt, len + 20);
    expect_syn_ack(&s, 40004);
    CHECK_EQ(stats(&s)->ip_in_hdr_errors, 6);
    CHECK_EQ(stats(&s)->ip6_in_receives, 7);
    scenario_end(&s);
}

/*  SYN to fd00:5ac::99 (not ours)              -->  dropped (IP_NOT_FOR_US)
 *  SYN to ff02::1                              -->  dropped: multicast is for ICMPv6 only
 *  SYN from ::                                 -->  dropped: :: is for neighbour discovery only
 *  SYN from ff02::1, from ::1, from ::ffff:198.18.0.1, from fd00:5ac::2 (ourselves)
 *                                              -->  dropped (IP_BAD_SOURCE)
 *  echo request to ff02::1:ff00:2 (our solicited-node address)  -->
 *                                              <--  echo reply from fd00:5ac::2
 *  echo request to ff02::1:ff00:3 (another node's)  -->  dropped (IP_NOT_FOR_US)
 *  echo request from ::                        -->  dropped (IP6_UNSPEC_SOURCE)
 *  neighbour solicitation from :: to ff02::1:ff00:2 (DAD)  -->  to neighbour discovery (ndp.c)
 */
TEST(addresses_ipv6_input_refuses)
{
    struct scenario s;
    uint8_t pkt[256];
    scenario6(&s);
    at(&s, 0);
    static const struct {
        const char *addr;
        bool as_source;
        int why;
    } cases[] = {
        { "fd00:5ac::99", false, SYNACK_DROP_IP_NOT_FOR_US },
        { "ff02::1", false, SYNACK_DROP_IP6_MULTICAST_NOT_ICMP },
        { "::", true, SYNACK_DROP_IP6_UNSPEC_SOURCE },
        { "ff02::1", true, SYNACK_DROP_IP_BAD_SOURCE },
        { "::1", true, SYNACK_DROP_IP_BAD_SOURCE },
        { "::ffff:198.18.0.1", true, SYNACK_DROP_IP_BAD_SOURCE },
        { "fd00:5ac::2", true, SYNACK_DROP_IP_BAD_SOURCE },
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct synack_addr a = parse_addr(cases[i].addr);
        size_t len = syn_with(&s, (uint16_t)(40001 + i), 0, NULL, 0, pkt, sizeof pkt);
        memcpy(pkt + (cases[i].as_source ? 8 : 24), a.bytes, 16);
        expect_dropped_(&s, pkt, len, cases[i].why, __FILE__, __LINE__);
    }
    CHECK_EQ(stats(&s)->ip_in_addr_errors, 7);
    struct synack_addr sn = parse_addr("ff02::1:ff00:2");
    size_t len = peer_icmp6(&s, &sn, ICMPV6_ECHO_REQUEST, 0, 1, "hi", 2, pkt, sizeof pkt);
    peer_sends_raw(&s, pkt, len);
    expect_sent_icmp6(&s, ICMPV6_ECHO_REPLY, 0, 1, (const uint8_t *)"hi", 2);
    sn = parse_addr("ff02::1:ff00:3");
    len = peer_icmp6(&s, &sn, ICMPV6_ECHO_REQUEST, 0, 1, "hi", 2, pkt, sizeof pkt);
    expect_dropped(&s, pkt, len, IP_NOT_FOR_US);
    /* From ::, an echo request is dropped; a neighbour solicitation (DAD)
     * reaches neighbour discovery. */
    len = peer_icmp6(&s, NULL, ICMPV6_ECHO_REQUEST, 0, 1, "hi", 2, pkt, sizeof pkt);
    memset(pkt + 8, 0, 16);
    fix_icmp6_checksum(pkt);
    expect_dropped(&s, pkt, len, IP6_UNSPEC_SOURCE);
    sn = parse_addr("ff02::1:ff00:2");
    len = peer_icmp6(&s, &sn, 135, 0, 0, s.stack_ep.addr.bytes, 16, pkt, sizeof pkt);   /* target: ours */
    memset(pkt + 8, 0, 16);
    pkt[7] = 255;
    fix_icmp6_checksum(pkt);
    peer_sends_raw(&s, pkt, len);
    CHECK_EQ(stats(&s)->icmp6_in_nd_msgs, 1);
    CHECK_EQ(stats(&s)->ip_in_addr_errors, 9);
    scenario_end(&s);
}

/*  RFC 4443 §2.4 (e): no error about
 *  an ICMPv6 error (destination unreachable with an unknown option 10xxxxxx)  -->  dropped, nothing sent
 *  ... though an echo request with that option draws one     <--  parameter problem code 2
 *  an echo request from :: with a routing header to follow   -->  dropped, nothing sent (e.6)
 *  an echo request to ff02::1 with a routing header to follow  -->  dropped, nothing sent (e.3)
 *  ... though to our address it draws one                    <--  parameter problem code 0
 */
TEST(no_errors_about_errors_multicast_or_the_unspecified_source)
{
    struct scenario s;
    uint8_t pkt[256], ext[24], quote[48] = { 0x60 };
    scenario6(&s);
    at(&s, 0);
    one_option(ext, 0x9e);
    size_t len = peer_icmp6(&s, NULL, ICMPV6_DEST_UNREACH, 0, 0, quote, sizeof quote, pkt, sizeof pkt);
    len = ip6_insert_ext(pkt, len, sizeof pkt, IP6_NH_HOP_BY_HOP, ext, 8);
    expect_dropped(&s, pkt, len, IP6_OPTION_UNKNOWN);
    len = peer_icmp6(&s, NULL, ICMPV6_ECHO_REQUEST, 0, 0, "x", 1, pkt, sizeof pkt);
    len = ip6_insert_ext(pkt, len, sizeof pkt, IP6_NH_HOP_BY_HOP, ext, 8);
    expect_problem(&s, pkt, len, ICMPV6_PARAMPROB_OPTION, 42);

    memset(ext, 0, sizeof ext);
    ext[1] = 2;
    ext[3] = 1;                                                  /* routing type 0, segments left 1 */
    len = peer_icmp6(&s, NULL, ICMPV6_ECHO_REQUEST, 0, 0, "x", 1, pkt, sizeof pkt);
    len = ip6_insert_ext(pkt, len, sizeof pkt, IP6_NH_ROUTING, ext, 24);
    memset(pkt + 8, 0, 16);                                      /* from :: */
    expect_dropped(&s, pkt, len, IP6_ROUTING_HEADER);
    struct synack_addr all_nodes = parse_addr("ff02::1");
    len = peer_icmp6(&s, &all_nodes, ICMPV6_ECHO_REQUEST, 0, 0, "x", 1, pkt, sizeof pkt);
    len = ip6_insert_ext(pkt, len, sizeof pkt, IP6_NH_ROUTING, ext, 24);
    expect_dropped(&s, pkt, len, IP6_ROUTING_HEADER);
    len = peer_icmp6(&s, NULL, ICMPV6_ECHO_REQUEST, 0, 0, "x", 1, pkt, sizeof pkt);
    len = ip6_insert_ext(pkt, len, sizeof pkt, IP6_NH_ROUTING, ext, 24);
    expect_problem(&s, pkt, len, ICMPV6_PARAMPROB_HEADER, 42);
    CHECK_EQ(stats(&s)->icmp6_out_parm_problems, 2);
    scenario_end(&s);
}
