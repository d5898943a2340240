/*
 * test_ipv6_frag.c — IPv6 fragment reassembly (RFC 8200 §4.5).
 *
 * Reading list: RFC 8200 §4.5 (the fragment header; reassembly from the
 * first fragment's unfragmentable part; the error conditions: a non-last
 * fragment not a multiple of 8 bytes, offset + length past 65535, a first
 * fragment without the header chain; 60 s at most, then time exceeded
 * code 1 if the first fragment came), RFC 5722 (overlap abandons the
 * datagram), RFC 6946 (atomic fragments are processed in isolation), RFC
 * 7112 (the first fragment holds the whole chain).
 *
 * The datagram is mostly a UDP datagram to a socket on :53 carrying 64
 * bytes ("-->" fragments arriving); what recvfrom returns shows whether it
 * was put together, and byte for byte right.  Fragments are cut with
 * ip6_fragment: bytes [off, off+len) of the fragmentable part (UDP header
 * and data: 72 bytes), identification 7 unless said.
 */
#include "byteorder.h"
#include "icmp6.h"
#include "ipv6.h"
#include "scenario.h"

#define DATA "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+/"   /* 64 bytes */

struct frag_test {
    struct scenario s;
    int udp;
    uint8_t whole[256];
    size_t len;
};

static void setup_(struct frag_test *t, const char *name, struct scenario_opts o)
{
    o.family = 6;
    o.mtu = 1500;
    scenario_client_(&t->s, name, o);
    synack_close(t->s.st, t->s.sock);
    t->s.sock = -1;
    t->udp = synack_udp_socket(t->s.st);
    struct synack_endpoint local = synack_endpoint_make(t->s.stack_ep.addr, 53);
    CHECK_EQ(synack_bind(t->s.st, t->udp, &local), 0);
    t->len = peer_udp_packet(&t->s, 40000, 53, 0, DATA, 64, t->whole, sizeof t->whole);
    at(&t->s, 0);
}
#define setup(t, ...) setup_(t, __func__, (struct scenario_opts){ __VA_ARGS__ })

/* Sends fragment [off, off+len) of the datagram. */
static void frag(struct frag_test *t, uint32_t off, uint32_t len, bool more, uint32_t id)
{
    uint8_t f[256];
    size_t n = ip6_fragment(t->whole, IPV6_HEADER_LEN, off, len, more, id, f, sizeof f);
    REQUIRE(n);
    peer_sends_raw(&t->s, f, n);
}

/* Whether recvfrom has the whole 64 bytes now (and nothing else). */
static void expect_delivered_(struct frag_test *t, bool yes, const char *file, int line)
{
    char buf[128];
    long n = (long)synack_recvfrom(t->s.st, t->udp, buf, sizeof buf, NULL);
    if (yes && (n != 64 || memcmp(buf, DATA, 64) != 0))
        test_fail(file, line, "expected the 64-byte datagram, recvfrom gave %ld", n);
    if (!yes && n != -SYNACK_EAGAIN)
        test_fail(file, line, "expected nothing delivered, recvfrom gave %ld", n);
}
#define expect_delivered(t, yes) expect_delivered_(t, yes, __FILE__, __LINE__)

static void end(struct frag_test *t)
{
    synack_close(t->s.st, t->udp);
    scenario_end(&t->s);
}

/*  fragments [0,32) M, [32,64) M, [64,72)      -->  recvfrom: the 64 bytes
 *  the same in reverse order                    -->  recvfrom: the 64 bytes
 *  [0,32) M, [32,64) M twice, [64,72)           -->  the copy dropped (IP_FRAG_DUPLICATE), the 64 bytes
 */
TEST(fragments_in_order_reversed_and_duplicated_are_put_together)
{
    struct frag_test t;
    setup(&t);
    frag(&t, 0, 32, true, 7);
    frag(&t, 32, 32, true, 7);
    expect_delivered(&t, false);
    frag(&t, 64, 8, false, 7);
    expect_delivered(&t, true);
    frag(&t, 64, 8, false, 8);
    frag(&t, 32, 32, true, 8);
    frag(&t, 0, 32, true, 8);
    expect_delivered(&t, true);
    frag(&t, 0, 32, true, 9);
    frag(&t, 32, 32, true, 9);
    frag(&t, 32, 32, true, 9);
    CHECK_EQ(stats(&t.s)->drops[SYNACK_DROP_IP_FRAG_DUPLICATE], 1);
    frag(&t, 64, 8, false, 9);
    expect_delivered(&t, true);
    CHECK_EQ(stats(&t.s)->ip_reasm_oks, 3);
    CHECK_EQ(stats(&t.s)->ip_reasm_reqds, 10);
    CHECK_EQ(stats(&t.s)->udp_in_datagrams, 3);
    expect_nothing_sent(&t.s);
    end(&t);
}

/*  [0,32) M                                     -->
 *  [24,56) M, overlapping with other bytes      -->  the datagram abandoned (RFC 5722)
 *  [56,72)                                      -->  dropped: its datagram was abandoned
 *  ... nothing delivered, nothing sent, even at the timeout
 */
TEST(overlapping_fragments_abandon_the_datagram_and_its_later_fragments)
{
    struct frag_test t;
    setup(&t);
    frag(&t, 0, 32, true, 7);
    uint8_t f[256];
    size_t n = ip6_fragment(t.whole, IPV6_HEADER_LEN, 24, 32, true, 7, f, sizeof f);
    f[IPV6_HEADER_LEN + 8] ^= 0xff;                     /* its first byte differs from the held one */
    peer_sends_raw(&t.s, f, n);
    CHECK_EQ(stats(&t.s)->drops[SYNACK_DROP_IP_FRAG_CONFLICT], 1);
    frag(&t, 56, 16, false, 7);
    CHECK_EQ(stats(&t.s)->drops[SYNACK_DROP_IP_FRAG_ABANDONED], 1);
    expect_delivered(&t, false);
    at(&t.s, 31000);
    expect_nothing_sent(&t.s);
    expect_delivered(&t, false);
    end(&t);
}

/*  [0,32) M, identification 7                   -->  held
 *  atomic fragment (offset 0, M 0), identification 7, the whole datagram  -->
 *                                               -->  recvfrom: the 64 bytes (RFC 6946: alone)
 *  [32,64) M, [64,72), identification 7         -->  recvfrom: the 64 bytes (the reassembly went on)
 */
TEST(atomic_fragments_are_processed_alone)
{
    struct frag_test t;
    setup(&t);
    frag(&t, 0, 32, true, 7);
    frag(&t, 0, 72, false, 7);
    expect_delivered(&t, true);
    CHECK_EQ(stats(&t.s)->ip6_in_atomic_frags, 1);
    CHECK_EQ(stats(&t.s)->ip_reasm_reqds, 1);
    frag(&t, 32, 32, true, 7);
    frag(&t, 64, 8, false, 7);
    expect_delivered(&t, true);
    CHECK_EQ(stats(&t.s)->ip_reasm_oks, 1);
    expect_nothing_sent(&t.s);
    end(&t);
}

/*  [0,30) M: not a multiple of 8                -->
 *                                               <--  parameter problem code 0, pointer 4 (payload length)
 *  [65528,65544) M: past 65535                  -->
 *                                               <--  parameter problem code 0, pointer 42 (fragment offset)
 */
TEST(bad_fragment_lengths_draw_parameter_problems)
{
    struct frag_test t;
    setup(&t);
    uint8_t f[256];
    size_t n = ip6_fragment(t.whole, IPV6_HEADER_LEN, 0, 30, true, 7, f, sizeof f);
    peer_sends_raw(&t.s, f, n);
    expect_sent_icmp6(&t.s, ICMPV6_PARAM_PROBLEM, ICMPV6_PARAMPROB_HEADER, 4, f, n);
    CHECK_EQ(stats(&t.s)->drops[SYNACK_DROP_IP_FRAG_INVALID], 1);
    n = ip6_fragment(t.whole, IPV6_HEADER_LEN, 0, 16, true, 7, f, sizeof f);
    put_be16(f + IPV6_HEADER_LEN + 2, (uint16_t)(65528 | 1));
    peer_sends_raw(&t.s, f, n);
    expect_sent_icmp6(&t.s, ICMPV6_PARAM_PROBLEM, ICMPV6_PARAMPROB_HEADER, 42, f, n);
    CHECK_EQ(stats(&t.s)->drops[SYNACK_DROP_IP_FRAG_TOO_LARGE], 1);
    CHECK_EQ(stats(&t.s)->ip_reasm_fails, 2);
    end(&t);
}

/*  A TCP SYN (24 bytes of header) cut after 8 of them: [0,8) M  -->
 *                                               <--  parameter problem code 3, pointer 0 (RFC 7112 §5)
 *  A SYN behind 16 bytes of destination options, cut after 16: [0,16) M  -->
 *                                               <--  the same: the chain ends in the next fragment
 *  The SYN whole in the first fragment [0,24) M, then [24,32) of padding data  -->
 *                                               <--  SYN|ACK: the chain was there
 */
TEST(first_fragment_without_the_transport_header_is_dropped)
{
    struct scenario s;
    uint8_t pkt[256], f[256], ext[16] = { 0, 1, 1, 12 };       /* 16 bytes: PadN(12) */
    scenario_listen(&s, .family = 6, .mtu = 1500, .iss = 8000);
    at(&s, 0);
    size_t len = peer_packet(&s, SEG(SYN, .seq = 1000, .mss = 1440), pkt, sizeof pkt);
    size_t n = ip6_fragment(pkt, IPV6_HEADER_LEN, 0, 8, true, 7, f, sizeof f);
    peer_sends_raw(&s, f, n);
    expect_sent_icmp6(&s, ICMPV6_PARAM_PROBLEM, ICMPV6_PARAMPROB_FIRST_FRAGMENT, 0, f, n);
    len = ip6_insert_ext(pkt, len, sizeof pkt, IP6_NH_DEST_OPTS, ext, sizeof ext);
    n = ip6_fragment(pkt, IPV6_HEADER_LEN, 0, 16, true, 8, f, sizeof f);
    peer_sends_raw(&s, f, n);
    expect_sent_icmp6(&s, ICMPV6_PARAM_PROBLEM, ICMPV6_PARAMPROB_FIRST_FRAGMENT, 0, f, n);
    CHECK_EQ(stats(&s)->drops[SYNACK_DROP_IP6_FRAG_INCOMPLETE_CHAIN], 2);
    /* The SYN alone (24 bytes of TCP) in fragment zero, 8 more bytes of data in the last. */
    struct seg_spec syn = SEG(SYN, .seq = 1000, .mss = 1440, .len = 8);
    len = peer_packet(&s, syn, pkt, sizeof pkt);
    n = ip6_fragment(pkt, IPV6_HEADER_LEN, 0, 24, true, 9, f, sizeof f);
    peer_sends_raw(&s, f, n);
    expect_nothing_sent(&s);
    n = ip6_fragment(pkt, IPV6_HEADER_LEN, 24, 8, false, 9, f, sizeof f);
    peer_sends_raw(&s, f, n);
    struct tcp_segment r;
    REQUIRE(take_sent(&s, &r));
    CHECK_EQ(r.flags, SYN | ACK);
    CHECK_EQ(r.ack, 1001);                               /* data on a SYN waits: only the SYN is acknowledged */
    scenario_end(&s);
}

/*  [32,64) M alone                              -->  held; at 30 s dropped, nothing sent
 *  [0,32) M alone                               -->  held; at 30 s dropped,
 *                                               <--  time exceeded code 1 quoting the first fragment
 */
TEST(reassembly_timeout_reports_only_when_the_first_fragment_came)
{
    struct frag_test t;
    setup(&t);
    frag(&t, 32, 32, true, 7);
    at(&t.s, 29999);
    expect_nothing_sent(&t.s);
    at(&t.s, 30000);
    expect_nothing_sent(&t.s);
    CHECK_EQ(stats(&t.s)->drops[SYNACK_DROP_IP_FRAG_TIMEOUT], 1);
    at(&t.s, 40000);
    uint8_t first[256];
    size_t n = ip6_fragment(t.whole, IPV6_HEADER_LEN, 0, 32, true, 7, first, sizeof first);
    peer_sends_raw(&t.s, first, n);
    at(&t.s, 70000);
    expect_sent_icmp6(&t.s, ICMPV6_TIME_EXCEEDED, ICMPV6_TIMXCEED_REASS, 0, first, n);
    CHECK_EQ(stats(&t.s)->drops[SYNACK_DROP_IP_FRAG_TIMEOUT], 2);
    CHECK_EQ(stats(&t.s)->ip_reasm_timeouts, 2);
    CHECK_EQ(stats(&t.s)->icmp6_out_time_excds, 1);
    end(&t);
}

/*  A datagram behind hop-by-hop {PadN}, fragmented after it (unfragmentable
 *  part 48 bytes): [0,32) M, [32,72)            -->  recvfrom: the 64 bytes
 *  A datagram whose fragmentable part starts with destination options
 *  holding an unknown option 10xxxxxx           -->
 *                                               <--  parameter problem code 2 pointing into the
 *                                                    reassembled packet (42: after reassembly the
 *                                                    fragment header is gone)
 */
TEST(headers_around_the_fragment_header_are_processed_as_the_rfc_says)
{
    struct frag_test t;
    setup(&t);
    uint8_t pkt[256], f[256], ext[8] = { 0, 0, 1, 4 };
    size_t len = ip6_insert_ext(t.whole, t.len, sizeof t.whole, IP6_NH_HOP_BY_HOP, ext, 8);
    size_t n = ip6_fragment(t.whole, IPV6_HEADER_LEN + 8, 0, 32, true, 7, f, sizeof f);
    peer_sends_raw(&t.s, f, n);
    n = ip6_fragment(t.whole, IPV6_HEADER_LEN + 8, 32, 40, false, 7, f, sizeof f);
    peer_sends_raw(&t.s, f, n);
    expect_delivered(&t, true);

    len = peer_udp_packet(&t.s, 40000, 53, 0, DATA, 64, pkt, sizeof pkt);
    uint8_t opt[8] = { 0, 0, 0x9e, 4 };
    len = ip6_insert_ext(pkt, len, sizeof pkt, IP6_NH_DEST_OPTS, opt, 8);
    n = ip6_fragment(pkt, IPV6_HEADER_LEN, 0, 48, true, 8, f, sizeof f);
    peer_sends_raw(&t.s, f, n);
    n = ip6_fragment(pkt, IPV6_HEADER_LEN, 48, (uint32_t)(len - IPV6_HEADER_LEN - 48), false, 8, f, sizeof f);
    peer_sends_raw(&t.s, f, n);
    expect_sent_icmp6(&t.s, ICMPV6_PARAM_PROBLEM, ICMPV6_PARAMPROB_OPTION, 42, pkt, len);
    expect_delivered(&t, false);
    end(&t);
}

/*  A TCP connection whose data segment arrives in three fragments  -->
 *  the application reads it whole and the stack acknowledges it
 */
TEST(tcp_data_in_fragments)
{
    struct scenario s;
    uint8_t pkt[1600], f[1600];
    char buf[1024];
    scenario_listen(&s, .family = 6, .iss = 8000);          /* MTU 1520: the handshake's MSS 1460 */
    at(&s, 0);
    handshake_passive(&s, 1000);
    size_t len = peer_packet(&s, SEG(ACK | PSH, .seq = 1001, .ack = 8001, .len = 1000), pkt, sizeof pkt);
    uint32_t upper = (uint32_t)(len - IPV6_HEADER_LEN);
    size_t n = ip6_fragment(pkt, IPV6_HEADER_LEN, 400, 400, true, 3, f, sizeof f);
    peer_sends_raw(&s, f, n);
    n = ip6_fragment(pkt, IPV6_HEADER_LEN, 800, upper - 800, false, 3, f, sizeof f);
    peer_sends_raw(&s, f, n);
    n = ip6_fragment(pkt, IPV6_HEADER_LEN, 0, 400, true, 3, f, sizeof f);
    peer_sends_raw(&s, f, n);
    CHECK_EQ(app_recv(&s, buf, sizeof buf), 1000);
    char want[1000];
    peer_payload(1001, 1000, want);
    CHECK(memcmp(buf, want, 1000) == 0);
    at(&s, 500);
    expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 2001));
    CHECK_EQ(synack_stack_stats(s.st)->tcp_in_errs, 0);
    scenario_end(&s);
}
