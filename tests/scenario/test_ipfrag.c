/*
 * test_ipfrag.c — IPv4 reassembly, fragment by fragment.
 *
 * Reading list: RFC 791 §3.2 (reassembly: key, offsets in 8-byte units,
 * MF), RFC 1122 §3.3.2 (a host reassembles; on timeout, ICMP time exceeded
 * if fragment zero came), RFC 5722 (overlaps abandon the datagram), RFC
 * 4293 (ipReasmReqds, ipReasmOKs, ipReasmFails).
 *
 * The peer cuts its packets with ip_fragment(): "[a,b)" is the fragment
 * holding payload bytes a..b-1 of the IP packet (the UDP or TCP header
 * included), "MF" marks all but the last.  The reassembly timeout is the
 * default 30 s.
 */
#include "byteorder.h"
#include "checksum.h"
#include "ipv4.h"
#include "scenario.h"

#define STACK_IP synack_addr_v4(198, 18, 0, 2)

/* A stack whose only socket is a UDP one bound to 53. */
static int udp53(struct scenario *s, const char *name, struct scenario_opts o)
{
    scenario_client_(s, name, o);
    synack_close(s->st, s->sock);
    s->sock = -1;
    int u = synack_udp_socket(s->st);
    struct synack_endpoint local = synack_endpoint_make(STACK_IP, 53);
    CHECK_EQ(synack_bind(s->st, u, &local), 0);
    return u;
}
#define udp53_scenario(s, ...) udp53(s, __func__, (struct scenario_opts){ __VA_ARGS__ })

static uint8_t payload[4000];

/* The UDP datagram of n bytes (a pattern) from the peer to port 53. */
static size_t datagram(struct scenario *s, uint16_t id, size_t n, uint8_t *pkt, size_t cap)
{
    for (size_t i = 0; i < n; i++)
        payload[i] = (uint8_t)('A' + (i * 7 + id) % 26);
    return peer_udp_packet(s, 40000, 53, id, payload, n, pkt, cap);
}

/* Sends fragment [off, off+len) of pkt. */
static void send_frag(struct scenario *s, const uint8_t *pkt, uint32_t off, uint32_t len, bool more)
{
    uint8_t f[1600];
    size_t flen = ip_fragment(pkt, off, len, more, f, sizeof f);
    REQUIRE(flen);
    peer_sends_raw(s, f, flen);
}

/* Reads one datagram and checks it is the n-byte pattern of `id`. */
static void expect_datagram_(struct scenario *s, int u, uint16_t id, size_t n, const char *file, int line)
{
    static uint8_t buf[4000];
    ssize_t got = synack_recvfrom(s->st, u, buf, sizeof buf, NULL);
    if (got != (ssize_t)n) {
        test_fail(file, line, "recvfrom returned %zd, expected a datagram of %zu bytes", got, n);
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (buf[i] != (uint8_t)('A' + (i * 7 + id) % 26)) {
            test_fail(file, line, "datagram byte %zu is wrong", i);
            return;
        }
}
#define expect_datagram(s, u, id, n) expect_datagram_(s, u, id, n, __FILE__, __LINE__)

/*  UDP datagram of 1000 bytes (1008 of IP payload), id 100:
 *  [0,512) MF                     -->   held; the stack now has a deadline at +30 s
 *  [512,1008)                     -->   whole: delivered to :53; no deadline left
 */
TEST(two_fragments_make_one_datagram)
{
    struct scenario s;
    uint8_t pkt[1100];
    int u = udp53_scenario(&s);
    at(&s, 10);
    CHECK_EQ(synack_poll(s.st, s.now), SYNACK_TIME_NEVER);
    size_t len = datagram(&s, 100, 1000, pkt, sizeof pkt);
    REQUIRE(len == IPV4_HEADER_LEN + 1008);
    send_frag(&s, pkt, 0, 512, true);
    CHECK_EQ(synack_recvfrom(s.st, u, payload, 1, NULL), -SYNACK_EAGAIN);
    CHECK_EQ(synack_poll(s.st, s.now), 10000 + 30000000);
    at(&s, 20);
    send_frag(&s, pkt, 512, 496, false);
    expect_datagram(&s, u, 100, 1000);
    CHECK_EQ(synack_poll(s.st, s.now), SYNACK_TIME_NEVER);
    const struct synack_stats *st = synack_stack_stats(s.st);
    CHECK_EQ(st->ip_reasm_reqds, 2);
    CHECK_EQ(st->ip_reasm_oks, 1);
    CHECK_EQ(st->ip_reasm_fails, 0);
    CHECK_EQ(st->udp_in_datagrams, 1);
    CHECK_EQ(st->ip_in_delivers, 1);
    expect_nothing_sent(&s);
    synack_close(s.st, u);
    scenario_end(&s);
}

/*  ESTABLISHED (stack ISS 8000, peer 1000)
 *  ACK|PSH seq=1001, 1200 bytes, cut in three and sent last first:
 *  [816,1220)  [0,408) MF  [408,816) MF   -->   one segment of 1200 bytes
 *                                   <--   ACK seq=8001 ack=2201 (delayed)
 */
TEST(tcp_segment_reassembled_from_three_fragments_out_of_order)
{
    struct scenario s;
    uint8_t pkt[1600];
    char buf[1300], want[1200];
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);    handshake_passive(&s, 1000);
    at(&s, 10);   size_t len = peer_packet(&s, SEG(ACK | PSH, .seq = 1001, .ack = 8001, .len = 1200), pkt, sizeof pkt);
                  REQUIRE(len == IPV4_HEADER_LEN + 1220);
                  put_be16(pkt + 6, 0);                          /* peer_packet sets DF; a fragmented one has not */
                  ipv4_fill_checksum(pkt, IPV4_HEADER_LEN);
                  send_frag(&s, pkt, 816, 404, false);
                  send_frag(&s, pkt, 0, 408, true);
                  expect_nothing_sent(&s);
                  send_frag(&s, pkt, 408, 408, true);
                  CHECK_EQ(app_recv(&s, buf, sizeof buf), 1200);
                  peer_payload(1001, 1200, want);
                  CHECK(memcmp(buf, want, 1200) == 0);
    at(&s, 210);  expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 2201));
    CHECK_EQ(synack_stack_stats(s.st)->ip_reasm_oks, 1);
    scenario_end(&s);
}

/*  id 200:  [0,512) MF                    -->   held
 *           [504,1008) with other bytes   -->   overlaps 504..511 with different
 *                                               data: datagram abandoned (RFC 5722)
 *           [512,1008)                    -->   dropped: its datagram was abandoned
 *  id 201:  [0,512) MF, then [256,1008) carrying the same bytes where they
 *           overlap                       -->   still abandoned: it is not a
 *                                               duplicate (it brings new bytes too)
 *  at +30 s the dead records expire quietly (no time exceeded); then id 200
 *  sent again whole in two fragments      -->   delivered
 */
TEST(overlapping_fragment_abandons_the_datagram)
{
    struct scenario s;
    uint8_t pkt[1100], evil[1100];
    int u = udp53_scenario(&s);
    at(&s, 10);
    size_t len = datagram(&s, 200, 1000, pkt, sizeof pkt);
    memcpy(evil, pkt, len);
    memset(evil + IPV4_HEADER_LEN + 504, '!', 8);
    send_frag(&s, pkt, 0, 512, true);
    send_frag(&s, evil, 504, 504, false);
    send_frag(&s, pkt, 512, 496, false);
    const struct synack_stats *st = synack_stack_stats(s.st);
    CHECK_EQ(st->drops[SYNACK_DROP_IP_FRAG_CONFLICT], 1);
    CHECK_EQ(st->drops[SYNACK_DROP_IP_FRAG_ABANDONED], 1);
    CHECK_EQ(synack_recvfrom(s.st, u, payload, 1, NULL), -SYNACK_EAGAIN);

    uint8_t pkt2[1100];
    size_t len2 = datagram(&s, 201, 1000, pkt2, sizeof pkt2);
    send_frag(&s, pkt2, 0, 512, true);
    send_frag(&s, pkt2, 256, len2 - IPV4_HEADER_LEN - 256, false);
    CHECK_EQ(st->drops[SYNACK_DROP_IP_FRAG_CONFLICT], 2);
    CHECK_EQ(st->ip_reasm_fails, 2);
    CHECK_EQ(st->ip_reasm_oks, 0);

    at(&s, 30010);
    expect_nothing_sent(&s);
    CHECK_EQ(st->ip_reasm_timeouts, 0);                          /* abandoned, not timed out */
    CHECK_EQ(synack_poll(s.st, s.now), SYNACK_TIME_NEVER);
    datagram(&s, 200, 1000, pkt, sizeof pkt);
    send_frag(&s, pkt, 0, 512, true);
    send_frag(&s, pkt, 512, 496, false);
    expect_datagram(&s, u, 200, 1000);
    synack_close(s.st, u);
    scenario_end(&s);
}

/*  id 300:  [0,512) MF  [0,512) MF again  [512,1008)  [512,1008) again
 *                                   -->   one datagram; each copy dropped as a duplicate
 *                                         (the last one as a fragment of nothing held:
 *                                         it starts a new datagram that never completes)
 */
TEST(duplicate_fragments_are_harmless)
{
    struct scenario s;
    uint8_t pkt[1100];
    int u = udp53_scenario(&s);
    at(&s, 10);
    size_t len = datagram(&s, 300, 1000, pkt, sizeof pkt);
    REQUIRE(len);
    send_frag(&s, pkt, 0, 512, true);
    send_frag(&s, pkt, 0, 512, true);
    CHECK_EQ(synack_stack_stats(s.st)->drops[SYNACK_DROP_IP_FRAG_DUPLICATE], 1);
    send_frag(&s, pkt, 512, 496, false);
    expect_datagram(&s, u, 300, 1000);
    send_frag(&s, pkt, 512, 496, false);
    CHECK_EQ(synack_recvfrom(s.st, u, payload, 1, NULL), -SYNACK_EAGAIN);
    CHECK_EQ(synack_stack_stats(s.st)->ip_reasm_oks, 1);
    /* That stray copy times out without fragment zero: no ICMP. */
    at(&s, 30010);
    CHECK_EQ(synack_stack_stats(s.st)->ip_reasm_timeouts, 1);
    expect_nothing_sent(&s);
    synack_close(s.st, u);
    scenario_end(&s);
}

/*  t=10 ms   id 400 [0,512) MF      -->   held
 *  t=30.009 s                             nothing yet
 *  t=30.010 s                       <--   ICMP time exceeded (code 1: reassembly),
 *                                         quoting fragment zero (532 bytes)
 */
TEST(reassembly_timeout_sends_time_exceeded)
{
    struct scenario s;
    uint8_t pkt[1100], first[600];
    int u = udp53_scenario(&s);
    at(&s, 10);
    size_t len = datagram(&s, 400, 1000, pkt, sizeof pkt);
    REQUIRE(len);
    size_t flen = ip_fragment(pkt, 0, 512, true, first, sizeof first);
    peer_sends_raw(&s, first, flen);
    at(&s, 30009);
    expect_nothing_sent(&s);
    CHECK_EQ(synack_poll(s.st, s.now), 30010000);
    at(&s, 30010);
    expect_sent_icmp_error(&s, 11, 1, first, flen);
    const struct synack_stats *st = synack_stack_stats(s.st);
    CHECK_EQ(st->ip_reasm_timeouts, 1);
    CHECK_EQ(st->ip_reasm_fails, 1);
    CHECK_EQ(st->drops[SYNACK_DROP_IP_FRAG_TIMEOUT], 1);
    CHECK_EQ(st->icmp_out_time_excds, 1);
    CHECK_EQ(synack_poll(s.st, s.now), SYNACK_TIME_NEVER);
    /* The rest arriving late starts a new datagram, which never completes. */
    send_frag(&s, pkt, 512, 496, false);
    CHECK_EQ(synack_recvfrom(s.st, u, payload, 1, NULL), -SYNACK_EAGAIN);
    at(&s, 60020);
    expect_nothing_sent(&s);                                     /* no fragment zero: no ICMP */
    CHECK_EQ(st->ip_reasm_timeouts, 2);
    synack_close(s.st, u);
    scenario_end(&s);
}

/*  A fragmented ICMP message (here: the first fragment of a destination
 *  unreachable we were sent) that times out gets no time exceeded: no ICMP
 *  error about an ICMP error (RFC 1122 §3.2.2).  A fragmented echo request
 *  that times out does get one (it is a query).
 */
TEST(no_time_exceeded_about_an_icmp_error)
{
    struct scenario s;
    uint8_t quoted[600], err[700], first[600];
    scenario_listen(&s, .iss = 8000);
    at(&s, 10);
    memset(quoted, 0, sizeof quoted);
    quoted[0] = 0x45;
    size_t elen = peer_icmp_error(&s, 3, 1, quoted, 500, err, sizeof err);
    size_t flen = ip_fragment(err, 0, 256, true, first, sizeof first);
    peer_sends_raw(&s, first, flen);
    uint8_t echo[600];
    memcpy(echo, err, elen);
    echo[IPV4_HEADER_LEN] = 8;                                   /* echo request; checksum unchecked until whole */
    put_be16(echo + 4, 77);                                      /* another id */
    ipv4_fill_checksum(echo, IPV4_HEADER_LEN);
    size_t f2len = ip_fragment(echo, 0, 256, true, first, sizeof first);
    peer_sends_raw(&s, first, f2len);
    at(&s, 30010);
    expect_sent_icmp_error(&s, 11, 1, first, f2len);
    expect_nothing_sent(&s);
    CHECK_EQ(synack_stack_stats(s.st)->ip_reasm_timeouts, 2);
    scenario_end(&s);
}

/*  [0,500) MF (not a multiple of 8)           -->  IP_FRAG_INVALID
 *  offset 65528, 16 bytes (past 65535)        -->  IP_FRAG_TOO_LARGE
 *  [0,512) MF, then a last fragment ending at 504 (before held bytes)
 *                                             -->  IP_FRAG_CONFLICT
 *  [65496,65512) last (fits behind a 20-byte header), then fragment zero
 *  with a 60-byte header (IP options)         -->  IP_FRAG_TOO_LARGE: 60 + 65512 > 65535
 */
TEST(malformed_fragments_are_dropped)
{
    struct scenario s;
    uint8_t pkt[1100], f[1600];
    int u = udp53_scenario(&s);
    at(&s, 10);
    size_t len = datagram(&s, 500, 1000, pkt, sizeof pkt);
    REQUIRE(len);
    send_frag(&s, pkt, 0, 500, true);
    size_t flen = ip_fragment(pkt, 0, 16, true, f, sizeof f);
    put_be16(f + 6, 0x2000 | (65528 / 8));
    put_be16(f + 10, 0);
    put_be16(f + 10, csum_finish(csum_add(0, f, IPV4_HEADER_LEN)));
    peer_sends_raw(&s, f, flen);
    put_be16(pkt + 4, 501);
    send_frag(&s, pkt, 0, 512, true);
    send_frag(&s, pkt, 496, 8, false);

    put_be16(pkt + 4, 502);
    flen = ip_fragment(pkt, 0, 16, false, f, sizeof f);
    put_be16(f + 6, 65496 / 8);
    put_be16(f + 10, 0);
    put_be16(f + 10, csum_finish(csum_add(0, f, IPV4_HEADER_LEN)));
    peer_sends_raw(&s, f, flen);                                 /* held: 20 + 65512 would fit */
    memcpy(f, pkt, IPV4_HEADER_LEN);
    f[0] = 0x4f;                                                 /* IHL 15: 60 bytes */
    memset(f + IPV4_HEADER_LEN, 1, 40);                          /* 40 bytes of NOP options */
    memcpy(f + 60, pkt + IPV4_HEADER_LEN, 8);
    put_be16(f + 2, 68);
    put_be16(f + 6, 0x2000);
    put_be16(f + 10, 0);
    put_be16(f + 10, csum_finish(csum_add(0, f, 60)));
    peer_sends_raw(&s, f, 68);
    const struct synack_stats *st = synack_stack_stats(s.st);
    CHECK_EQ(st->drops[SYNACK_DROP_IP_FRAG_INVALID], 1);
    CHECK_EQ(st->drops[SYNACK_DROP_IP_FRAG_TOO_LARGE], 2);
    CHECK_EQ(st->drops[SYNACK_DROP_IP_FRAG_CONFLICT], 1);
    CHECK_EQ(st->ip_in_hdr_errors, 3);
    CHECK_EQ(st->ip_reasm_fails, 4);
    CHECK_EQ(st->ip_reasm_reqds, 6);
    expect_nothing_sent(&s);
    synack_close(s.st, u);
    scenario_end(&s);
}

/*  ipfrag_max_datagrams 2:
 *  [0,512) MF of ids 600, 601           -->  held (2 datagrams)
 *  [0,512) MF of id 602                 -->  IP_FRAG_LIMIT: refused
 *  the rest of 600                      -->  delivered, which frees a place
 *  id 602 again, both fragments         -->  delivered
 *  an unfragmented datagram is never affected
 */
TEST(reassembly_datagram_limit)
{
    struct scenario s;
    uint8_t p600[1100], p601[1100], p602[1100];
    int u = udp53_scenario(&s, .ipfrag_max_datagrams = 2);
    at(&s, 10);
    datagram(&s, 600, 1000, p600, sizeof p600);
    datagram(&s, 601, 1000, p601, sizeof p601);
    datagram(&s, 602, 1000, p602, sizeof p602);
    send_frag(&s, p600, 0, 512, true);
    send_frag(&s, p601, 0, 512, true);
    send_frag(&s, p602, 0, 512, true);
    CHECK_EQ(synack_stack_stats(s.st)->drops[SYNACK_DROP_IP_FRAG_LIMIT], 1);
    send_frag(&s, p600, 512, 496, false);
    expect_datagram(&s, u, 600, 1000);
    send_frag(&s, p602, 0, 512, true);
    send_frag(&s, p602, 512, 496, false);
    expect_datagram(&s, u, 602, 1000);
    uint8_t small[64];
    size_t slen = peer_udp_packet(&s, 40000, 53, 1, "whole", 5, small, sizeof small);
    peer_sends_raw(&s, small, slen);
    CHECK_EQ(synack_recvfrom(s.st, u, payload, sizeof payload, NULL), 5);
    synack_close(s.st, u);
    at(&s, 30010);                                               /* 601 times out: time exceeded */
    REQUIRE(take_sent_raw(&s, small, sizeof small) > 0);
    CHECK_EQ(small[IPV4_HEADER_LEN], 11);
    scenario_end(&s);
}

/*  ipfrag_max_bytes 1: no datagram fits; every fragment is refused and
 *  counted, and nothing is held (no deadline).
 */
TEST(reassembly_memory_limit)
{
    struct scenario s;
    uint8_t pkt[1100];
    int u = udp53_scenario(&s, .ipfrag_max_bytes = 1);
    at(&s, 10);
    datagram(&s, 700, 1000, pkt, sizeof pkt);
    send_frag(&s, pkt, 0, 512, true);
    send_frag(&s, pkt, 512, 496, false);
    const struct synack_stats *st = synack_stack_stats(s.st);
    CHECK_EQ(st->drops[SYNACK_DROP_IP_FRAG_LIMIT], 2);
    CHECK_EQ(st->ip_reasm_fails, 2);
    CHECK_EQ(synack_poll(s.st, s.now), SYNACK_TIME_NEVER);
    CHECK_EQ(synack_recvfrom(s.st, u, payload, 1, NULL), -SYNACK_EAGAIN);
    expect_nothing_sent(&s);
    synack_close(s.st, u);
    scenario_end(&s);
}

/*  A 1000-byte UDP datagram to closed port 9, in two fragments
 *                                   -->   reassembled, no socket
 *                                   <--   port unreachable quoting the
 *                                         reassembled datagram (MF clear,
 *                                         total length 1028): its first 548 bytes
 */
TEST(port_unreachable_for_a_reassembled_datagram_quotes_it_whole)
{
    struct scenario s;
    uint8_t pkt[1100];
    scenario_listen(&s, .iss = 8000);
    at(&s, 10);
    size_t len = peer_udp_packet(&s, 40000, 9, 800, payload, 1000, pkt, sizeof pkt);
    REQUIRE(len == 1028);
    send_frag(&s, pkt, 0, 512, true);
    send_frag(&s, pkt, 512, 496, false);
    expect_sent_icmp_error(&s, 3, 3, pkt, 548);
    CHECK_EQ(synack_stack_stats(s.st)->udp_no_ports, 1);
    scenario_end(&s);
}

/*  An echo request of 1400 bytes in two fragments   -->  reassembled
 *                                   <--   echo reply of 1400 bytes (fits the MTU)
 *  An echo request of 2000 bytes in two fragments   -->  reassembled; the reply
 *                                         would need fragmenting, which synack
 *                                         never does: dropped (ipOutFragFails)
 */
TEST(fragmented_echo_request_is_answered_when_the_reply_fits)
{
    struct scenario s;
    uint8_t pkt[2100], reply[2100];
    scenario_listen(&s, .iss = 8000);
    at(&s, 10);
    for (int round = 0; round < 2; round++) {
        size_t icmp_len = round == 0 ? 1380 : 1980;
        uint8_t *icmp = pkt + IPV4_HEADER_LEN;
        memset(icmp, 0, icmp_len);
        icmp[0] = 8;
        put_be16(icmp + 4, 0x99);
        for (size_t i = 8; i < icmp_len; i++)
            icmp[i] = (uint8_t)i;
        put_be16(icmp + 2, csum_finish(csum_add(0, icmp, icmp_len)));
        ipv4_write_header(pkt, &s.peer_ep.addr, &s.stack_ep.addr, IP_PROTO_ICMP, (uint16_t)icmp_len, 64,
                          (uint16_t)(900 + round), false);
        send_frag(&s, pkt, 0, 1000, true);
        send_frag(&s, pkt, 1000, (uint32_t)icmp_len - 1000, false);
        if (round == 0) {
            size_t rlen = take_sent_raw(&s, reply, sizeof reply);
            REQUIRE(rlen == IPV4_HEADER_LEN + icmp_len);
            CHECK_EQ(reply[IPV4_HEADER_LEN], 0);                 /* echo reply */
            CHECK(memcmp(reply + IPV4_HEADER_LEN + 4, icmp + 4, icmp_len - 4) == 0);
        }
    }
    expect_nothing_sent(&s);
    const struct synack_stats *st = synack_stack_stats(s.st);
    CHECK_EQ(st->ip_reasm_oks, 2);
    CHECK_EQ(st->icmp_in_echos, 2);
    CHECK_EQ(st->icmp_out_echo_reps, 1);
    CHECK_EQ(st->ip_out_frag_fails, 1);
    CHECK_EQ(st->drops[SYNACK_DROP_TX_TOO_BIG], 1);
    scenario_end(&s);
}
