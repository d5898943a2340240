/*
 * test_icmp_errors.c — ICMP errors the stack sends, and what the ones it
 * receives do to TCP.
 *
 * Reading list: RFC 792 (destination unreachable, time exceeded: the
 * quoted IP header and 8 bytes); RFC 1122 §3.2.2 (never an error about an
 * ICMP error, a broadcast, a later fragment, or a source that is not one
 * host), §3.2.2.1 (protocol and port unreachable), §4.2.3.9 (soft errors
 * must not abort; hard errors should, we do so only in SYN-SENT); RFC 5927
 * §4.1 (the quoted sequence number must be in flight) and §5.2 (hard
 * errors are soft in synchronized states); RFC 6633 (source quench is
 * ignored).
 *
 * The peer is 198.18.0.1; it also plays the router that reports trouble
 * (a router's address would do as well: nothing checks who sent an error,
 * RFC 5927 §4).  Directions are from the stack's side.
 */
#include "byteorder.h"
#include "ipv4.h"
#include "scenario.h"

/* The IP packet of a SYN (or any segment) from the peer, with IP protocol
 * number `proto` written over 6. */
static size_t peer_packet_proto(struct scenario *s, uint8_t proto, uint8_t *buf, size_t cap)
{
    size_t len = peer_packet(s, SEG(SYN, .seq = 1000, .mss = 1460), buf, cap);
    buf[9] = proto;
    ipv4_fill_checksum(buf, IPV4_HEADER_LEN);
    return len;
}

/* Delivers an ICMP error of type/code quoting the first qlen bytes of `sent`. */
static void peer_sends_icmp(struct scenario *s, uint8_t type, uint8_t code, const uint8_t *sent, size_t qlen)
{
    uint8_t icmp[700];
    size_t len = peer_icmp_error(s, type, code, sent, qlen, icmp, sizeof icmp);
    REQUIRE(len);
    peer_sends_raw(s, icmp, len);
}

/*  peer                                        stack
 *  IP protocol 99 (44 bytes)            -->    nobody speaks 99
 *                                       <--    ICMP protocol unreachable quoting all 44 bytes
 */
TEST(unknown_protocol_gets_protocol_unreachable)
{
    struct scenario s;
    uint8_t pkt[128];
    scenario_listen(&s, .iss = 8000);
    at(&s, 10);
    size_t len = peer_packet_proto(&s, 99, pkt, sizeof pkt);
    peer_sends_raw(&s, pkt, len);
    expect_sent_icmp_error(&s, 3, 2, pkt, len);
    const struct synack_stats *st = synack_stack_stats(s.st);
    CHECK_EQ(st->ip_in_unknown_protos, 1);
    CHECK_EQ(st->icmp_out_dest_unreachs, 1);
    CHECK_EQ(st->icmp_out_msgs, 1);
    scenario_end(&s);
}

/*  UDP to a closed port from 198.18.0.255 (the /24's broadcast: not one
 *  host)                                -->    dropped, no error (RFC 1122 §3.2.2)
 *  protocol 99 from 198.18.0.255        -->    dropped, no error
 *  source quench (RFC 6633)             -->    ignored
 *  an unknown ICMP type                 -->    ignored, no error about it
 */
TEST(no_icmp_error_about_broadcast_sources_or_icmp)
{
    struct scenario s;
    uint8_t pkt[128];
    scenario_listen(&s, .iss = 8000);
    at(&s, 10);
    size_t len = peer_udp_packet(&s, 40000, 9, 1, "x", 1, pkt, sizeof pkt);
    pkt[15] = 255;
    ipv4_fill_checksum(pkt, IPV4_HEADER_LEN);
    pkt[IPV4_HEADER_LEN + 6] = pkt[IPV4_HEADER_LEN + 7] = 0;      /* no UDP checksum: it covered the old source */
    peer_sends_raw(&s, pkt, len);
    CHECK_EQ(synack_stack_stats(s.st)->udp_no_ports, 1);
    len = peer_packet_proto(&s, 99, pkt, sizeof pkt);
    pkt[15] = 255;
    ipv4_fill_checksum(pkt, IPV4_HEADER_LEN);
    peer_sends_raw(&s, pkt, len);
    CHECK_EQ(synack_stack_stats(s.st)->ip_in_unknown_protos, 1);
    uint8_t quote[28] = { 0x45 };
    peer_sends_icmp(&s, 4, 0, quote, sizeof quote);              /* source quench */
    peer_sends_icmp(&s, 42, 0, quote, sizeof quote);             /* type 42 */
    CHECK_EQ(synack_stack_stats(s.st)->drops[SYNACK_DROP_ICMP_IGNORED], 2);
    CHECK_EQ(synack_stack_stats(s.st)->icmp_out_msgs, 0);
    expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  Rate limit 10/s, burst 3.
 *  t=10     5 datagrams to a closed port  -->  3 port unreachables, 2 suppressed
 *  t=110    2 more                        -->  1 (100 ms bought one token), 1 suppressed
 *  t=10000  4 more                        -->  3 (the bucket holds 3 at most)
 */
TEST(icmp_errors_are_rate_limited)
{
    struct scenario s;
    uint8_t pkt[128];
    scenario_listen(&s, .iss = 8000, .icmp_error_rate = 10, .icmp_error_burst = 3);
    size_t len = peer_udp_packet(&s, 40000, 9, 1, "x", 1, pkt, sizeof pkt);
    static const struct {
        double at_ms;
        int sent, answered;
    } steps[] = { { 10, 5, 3 }, { 110, 2, 1 }, { 10000, 4, 3 } };
    uint64_t limited = 0;
    for (unsigned i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        at(&s, steps[i].at_ms);
        for (int k = 0; k < steps[i].sent; k++)
            peer_sends_raw(&s, pkt, len);
        for (int k = 0; k < steps[i].answered; k++)
            expect_sent_icmp_error(&s, 3, 3, pkt, len);
        expect_nothing_sent(&s);
        limited += (uint64_t)(steps[i].sent - steps[i].answered);
        CHECK_EQ(synack_stack_stats(s.st)->icmp_out_rate_limited, limited);
    }
    CHECK_EQ(synack_stack_stats(s.st)->udp_no_ports, 11);
    scenario_end(&s);
}

/*  ESTABLISHED (stack ISS 8000, peer 1000)
 *                                       <--    ACK|PSH seq=8001 "hello"
 *  ICMP host unreachable quoting it     -->    soft error EHOSTUNREACH, nothing else
 *  ICMP port unreachable quoting it     -->    hard, but ESTABLISHED: soft (RFC 5927 §5.2)
 *  ACK seq=1001 ack=8006                -->    new data acked: soft error cleared
 */
TEST(tcp_icmp_errors_in_established_are_soft)
{
    struct scenario s;
    uint8_t sent[128];
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);   handshake_passive(&s, 1000);
    at(&s, 10);  CHECK_EQ(app_send(&s, "hello"), 5);
                 size_t slen = take_sent_raw(&s, sent, sizeof sent);
                 REQUIRE(slen > IPV4_HEADER_LEN + 8);
    at(&s, 20);  peer_sends_icmp(&s, 3, 1, sent, IPV4_HEADER_LEN + 8);
                 expect_nothing_sent(&s);
                 expect_state(&s, ESTABLISHED);
                 CHECK_EQ(app_info(&s).soft_error, -SYNACK_EHOSTUNREACH);
                 CHECK_EQ(app_error(&s), 0);                    /* not an error for the application */
    at(&s, 30);  peer_sends_icmp(&s, 3, 3, sent, slen);
                 expect_nothing_sent(&s);
                 expect_state(&s, ESTABLISHED);
                 CHECK_EQ(app_info(&s).soft_error, -SYNACK_ECONNREFUSED);
    at(&s, 40);  peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8006));
                 CHECK_EQ(app_info(&s).soft_error, 0);
    const struct synack_stats *st = synack_stack_stats(s.st);
    CHECK_EQ(st->tcp_icmp_soft_errors, 2);
    CHECK_EQ(st->icmp_in_dest_unreachs, 2);
    CHECK_EQ(st->tcp_estab_resets, 0);
    scenario_end(&s);
}

/*  ESTABLISHED                          <--    ACK|PSH seq=8001 "hello"
 *  ICMP net unreachable quoting it      -->    soft error ENETUNREACH
 *  nothing more from the peer: RTO at 1 s, 3 s; giving up at 7 s reports
 *  ENETUNREACH instead of ETIMEDOUT (RFC 1122 §4.2.3.9, as Linux).
 */
TEST(tcp_soft_error_is_reported_when_the_connection_times_out)
{
    struct scenario s;
    uint8_t sent[128];
    struct tcp_segment seg;
    scenario_listen(&s, .iss = 8000, .data_retries = 2);
    at(&s, 0);     handshake_passive(&s, 1000);
    at(&s, 10);    CHECK_EQ(app_send(&s, "hello"), 5);
                   size_t slen = take_sent_raw(&s, sent, sizeof sent);
    at(&s, 20);    peer_sends_icmp(&s, 3, 0, sent, slen);
                   CHECK_EQ(app_info(&s).soft_error, -SYNACK_ENETUNREACH);
    at(&s, 1100);  expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .data = "hello"));
                   CHECK_EQ(app_info(&s).soft_error, -SYNACK_ENETUNREACH);   /* resending does not clear it */
    at(&s, 20000); REQUIRE(take_sent(&s, &seg));
                   CHECK_EQ(seg.seq, 8001);
                   expect_nothing_sent(&s);
                   expect_state(&s, CLOSED);
                   CHECK_EQ(app_error(&s), -SYNACK_ENETUNREACH);
    scenario_end(&s);
}

/*  ESTABLISHED, "hello" in flight: SND.UNA=8001, SND.MAX=8006.
 *  ICMP errors quoting seq 7000, 8006 (= SND.MAX), and a port of no
 *  connection                           -->    counted and ignored
 *  ICMP frag needed quoting seq 8001    -->    validated, counted (no PMTUD yet)
 */
TEST(tcp_icmp_errors_outside_the_flight_are_ignored)
{
    struct scenario s;
    uint8_t sent[128], q[128];
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);   handshake_passive(&s, 1000);
    at(&s, 10);  CHECK_EQ(app_send(&s, "hello"), 5);
                 size_t slen = take_sent_raw(&s, sent, sizeof sent);
    at(&s, 20);
    memcpy(q, sent, slen); put_be32(q + IPV4_HEADER_LEN + 4, 7000);
    peer_sends_icmp(&s, 3, 1, q, IPV4_HEADER_LEN + 8);
    memcpy(q, sent, slen); put_be32(q + IPV4_HEADER_LEN + 4, 8006);
    peer_sends_icmp(&s, 3, 1, q, IPV4_HEADER_LEN + 8);
    const struct synack_stats *st = synack_stack_stats(s.st);
    CHECK_EQ(st->tcp_out_of_window_icmps, 2);
    CHECK_EQ(st->drops[SYNACK_DROP_ICMP_ERROR_OUT_OF_WINDOW], 2);
    memcpy(q, sent, slen); put_be16(q + IPV4_HEADER_LEN, 81);      /* our port 81: no connection */
    peer_sends_icmp(&s, 3, 3, q, IPV4_HEADER_LEN + 8);
    CHECK_EQ(st->drops[SYNACK_DROP_ICMP_ERROR_NO_MATCH], 1);
    peer_sends_icmp(&s, 3, 4, sent, IPV4_HEADER_LEN + 8);
    CHECK_EQ(st->icmp_in_frag_needed, 1);
    CHECK_EQ(app_info(&s).soft_error, 0);
    CHECK_EQ(st->tcp_icmp_soft_errors, 0);
    expect_nothing_sent(&s);
    expect_state(&s, ESTABLISHED);
    scenario_end(&s);
}

/*  An error must quote an IP header of ours and 8 bytes after it.
 *  quoting 20 + 4 bytes                 -->    ICMP_ERROR_TRUNCATED (icmpInErrors)
 *  quoting a packet from 198.18.0.7     -->    ICMP_ERROR_BAD_QUOTE
 *  quoting a later fragment of ours     -->    ICMP_ERROR_BAD_QUOTE (no transport header there)
 */
TEST(icmp_errors_with_a_bad_quote_are_dropped)
{
    struct scenario s;
    uint8_t sent[128], q[128];
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);   handshake_passive(&s, 1000);
    at(&s, 10);  CHECK_EQ(app_send(&s, "hello"), 5);
                 size_t slen = take_sent_raw(&s, sent, sizeof sent);
    at(&s, 20);
    peer_sends_icmp(&s, 3, 3, sent, IPV4_HEADER_LEN + 4);
    memcpy(q, sent, slen); q[15] = 7;
    peer_sends_icmp(&s, 3, 3, q, slen);
    memcpy(q, sent, slen); put_be16(q + 6, 0x0010);                 /* offset 128 */
    peer_sends_icmp(&s, 3, 3, q, slen);
    const struct synack_stats *st = synack_stack_stats(s.st);
    CHECK_EQ(st->drops[SYNACK_DROP_ICMP_ERROR_TRUNCATED], 1);
    CHECK_EQ(st->drops[SYNACK_DROP_ICMP_ERROR_BAD_QUOTE], 2);
    CHECK_EQ(st->icmp_in_errors, 1);
    CHECK_EQ(app_info(&s).soft_error, 0);
    expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  client, SYN-SENT                     <--    SYN seq=5000
 *  ICMP port unreachable quoting it     -->    hard error in SYN-SENT: the open
 *                                              fails with ECONNREFUSED, no RST
 */
TEST(tcp_port_unreachable_aborts_syn_sent)
{
    struct scenario s;
    uint8_t sent[128];
    scenario_client(&s, .iss = 5000);
    at(&s, 0);   CHECK_EQ(app_connect(&s), -SYNACK_EINPROGRESS);
                 size_t slen = take_sent_raw(&s, sent, sizeof sent);
                 expect_state(&s, SYN_SENT);
    at(&s, 5);   peer_sends_icmp(&s, 3, 3, sent, IPV4_HEADER_LEN + 8);
                 expect_state(&s, CLOSED);
                 expect_nothing_sent(&s);
                 CHECK(app_ready(&s) & SYNACK_CLOSED);
                 CHECK_EQ(app_error(&s), -SYNACK_ECONNREFUSED);
    at(&s, 5000); expect_nothing_sent(&s);                       /* no SYN retransmission */
    const struct synack_stats *st = synack_stack_stats(s.st);
    CHECK_EQ(st->tcp_icmp_aborts, 1);
    CHECK_EQ(st->tcp_attempt_fails, 1);
    (void)slen;
    scenario_end(&s);
}

/*  client, SYN-SENT                     <--    SYN seq=5000
 *  ICMP host unreachable quoting it     -->    soft (RFC 1122 §4.2.3.9: MUST NOT abort)
 *                                       <--    SYN seq=5000 again at 1 s
 *  no answer: at 3 s the open fails with EHOSTUNREACH, not ETIMEDOUT
 */
TEST(tcp_host_unreachable_in_syn_sent_is_soft)
{
    struct scenario s;
    uint8_t sent[128];
    scenario_client(&s, .iss = 5000, .syn_retries = 1);
    at(&s, 0);    CHECK_EQ(app_connect(&s), -SYNACK_EINPROGRESS);
                  take_sent_raw(&s, sent, sizeof sent);
    at(&s, 5);    peer_sends_icmp(&s, 3, 1, sent, IPV4_HEADER_LEN + 8);
                  expect_state(&s, SYN_SENT);
                  expect_nothing_sent(&s);
                  CHECK_EQ(app_info(&s).soft_error, -SYNACK_EHOSTUNREACH);
    at(&s, 1000); expect_sent(&s, SEG(SYN, .seq = 5000));
                  expect_state(&s, SYN_SENT);
    at(&s, 3000); expect_nothing_sent(&s);
                  expect_state(&s, CLOSED);
                  CHECK_EQ(app_error(&s), -SYNACK_EHOSTUNREACH);
    scenario_end(&s);
}

/*  client, SYN-SENT                     <--    SYN seq=5000
 *  ICMP time exceeded quoting it        -->    soft: remembered
 *  SYN|ACK                              -->    ESTABLISHED; the soft error is forgotten
 */
TEST(tcp_soft_error_in_syn_sent_is_forgotten_once_established)
{
    struct scenario s;
    uint8_t sent[128];
    scenario_client(&s, .iss = 5000);
    at(&s, 0);   CHECK_EQ(app_connect(&s), -SYNACK_EINPROGRESS);
                 take_sent_raw(&s, sent, sizeof sent);
    at(&s, 5);   peer_sends_icmp(&s, 11, 0, sent, IPV4_HEADER_LEN + 8);
                 CHECK_EQ(app_info(&s).soft_error, -SYNACK_EHOSTUNREACH);
                 CHECK_EQ(synack_stack_stats(s.st)->icmp_in_time_excds, 1);
    at(&s, 10);  peer_sends(&s, SEG(SYN | ACK, .seq = 300, .ack = 5001, .mss = 1460));
                 expect_sent(&s, SEG(ACK, .seq = 5001, .ack = 301));
                 expect_state(&s, ESTABLISHED);
                 CHECK_EQ(app_info(&s).soft_error, 0);
    scenario_end(&s);
}
