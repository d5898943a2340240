/*
 * test_ipv6.c — IPv6 input (RFC 8200), ICMPv6 (RFC 4443), and TCP and UDP
 * over IPv6, packet by packet.
 *
 * Reading list: RFC 8200 §3 (header), §8.1 (upper-layer checksums: the
 * IPv6 pseudo-header; UDP's checksum is mandatory), §8.3 (MSS: MTU - 60);
 * RFC 4443 §2.4 (when errors are sent), §3.1 (port unreachable), §4
 * (echo); RFC 4291 §2.7 (multicast: ff02::1, solicited-node addresses).
 *
 * The stack is fd00:5ac::2/64, the peer fd00:5ac::1 (the harness's IPv6
 * addresses), its interface MTU 1500 unless a test says otherwise.  "-->"
 * is a packet arriving at the stack, "<--" one it sends.
 */
#include "byteorder.h"
#include "checksum.h"
#include "icmp6.h"
#include "ipv6.h"
#include "scenario.h"

#define scenario_listen6(s, ...) scenario_listen(s, .family = 6, .mtu = 1500, __VA_ARGS__)
#define scenario_client6(s, ...) scenario_client(s, .family = 6, .mtu = 1500, __VA_ARGS__)

/* ---- TCP over IPv6 ---- */

/*  peer [fd00:5ac::1]:40000                     stack [fd00:5ac::2]:80, MTU 1500
 *  SYN seq=1000 mss=1440                -->
 *                                       <--     SYN|ACK seq=8000 ack=1001 mss=1440 (1500 - 40 - 20)
 *  ACK seq=1001 ack=8001                -->     ESTABLISHED, accept: the peer is [fd00:5ac::1]:40000
 *  "hello" seq=1001                     -->
 *                                       <--     (delayed) ACK ack=1006
 *  app sends "world"                    <--     seq=8001 "world"
 *  FIN seq=1006 ack=8006                -->     CLOSE_WAIT
 *  app closes                           <--     FIN seq=8006 ack=1007 (the delayed ACK rides on it)
 *  ACK ack=8007                         -->     CLOSED
 * Every segment the stack sends is IPv6 with a right TCP checksum over
 * the IPv6 pseudo-header (the harness checks both).
 */
TEST(textbook_exchange_over_ipv6_announces_mtu_minus_60)
{
    struct scenario s;
    char buf[16];
    scenario_listen6(&s, .iss = 8000);
    at(&s, 0);   peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1440));
                 expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1440));
                 peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001));
                 expect_state(&s, ESTABLISHED);
    struct synack_endpoint peer;
    int h = synack_accept(s.st, s.listener, &peer);
    REQUIRE(h >= 0);
    s.sock = h;
    CHECK(synack_endpoint_equal(&peer, &s.peer_ep));
    struct synack_tcp_info info = app_info(&s);
    CHECK(synack_endpoint_equal(&info.local, &s.stack_ep));
    CHECK(synack_endpoint_equal(&info.remote, &s.peer_ep));
    CHECK_EQ(info.snd_mss, 1440);            /* no timestamps: the peer offered none */
    CHECK_EQ(info.rcv_mss, 1440);
    at(&s, 10);  peer_sends(&s, SEG(ACK | PSH, .seq = 1001, .ack = 8001, .data = "hello"));
    CHECK_EQ(app_recv(&s, buf, sizeof buf), 5);
    at(&s, 300); expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1006));
    CHECK_EQ(app_send(&s, "world"), 5);
                 expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1006, .data = "world"));
    at(&s, 310); peer_sends(&s, SEG(FIN | ACK, .seq = 1006, .ack = 8006));
                 expect_state(&s, CLOSE_WAIT);
    CHECK_EQ(app_close(&s), 0);
                 expect_sent(&s, SEG(FIN | ACK, .seq = 8006, .ack = 1007));
    at(&s, 320); peer_sends(&s, SEG(ACK, .seq = 1007, .ack = 8007));
                 expect_state(&s, CLOSED);
    CHECK_EQ(stats(&s)->ip6_in_receives, 5);
    CHECK_EQ(stats(&s)->ip6_in_delivers, 5);
    CHECK_EQ(stats(&s)->tcp_in_errs, 0);
    scenario_end(&s);
}

/*  stack connects to [fd00:5ac::1]:40000
 *                                       <--     SYN seq=8000 mss=1440, from fd00:5ac::2
 *  SYN|ACK seq=5000 ack=8001 mss=1440   -->
 *                                       <--     ACK ack=5001
 */
TEST(active_open_over_ipv6)
{
    struct scenario s;
    scenario_client6(&s, .iss = 8000);
    at(&s, 0);  CHECK_EQ(app_connect(&s), -SYNACK_EINPROGRESS);
                expect_sent(&s, SEG(SYN, .seq = 8000, .mss = 1440));
                peer_sends(&s, SEG(SYN | ACK, .seq = 5000, .ack = 8001, .mss = 1440));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 5001));
                expect_state(&s, ESTABLISHED);
    scenario_end(&s);
}

/*  SYN to a port nobody listens on      -->
 *                                       <--     RST|ACK seq=0 ack=1001
 */
TEST(syn_to_a_closed_port_over_ipv6_is_reset)
{
    struct scenario s;
    scenario_listen6(&s, .iss = 8000);
    at(&s, 0);  peer_sends(&s, SEG(SYN, .seq = 1000, .dport = 81));
    struct tcp_segment r;
    REQUIRE(take_sent(&s, &r));
    CHECK_EQ(r.flags, RST | ACK);
    CHECK_EQ(r.ack, 1001);
    CHECK_EQ(r.src_port, 81);
    scenario_end(&s);
}

/* ---- ICMPv6 echo ---- */

/*  echo request id=0x1234 seq=7 "synack ping" to fd00:5ac::2  -->
 *                                       <--     echo reply, same id, seq and data, from fd00:5ac::2
 *  echo request to ff02::1 (all nodes)  -->
 *                                       <--     echo reply from fd00:5ac::2 (RFC 4443 §4.2: a unicast address)
 *  echo request to ff02::2 (all routers: not ours)  -->  dropped
 */
TEST(icmpv6_echo_is_answered_also_to_all_nodes)
{
    struct scenario s;
    uint8_t pkt[256];
    scenario_listen6(&s, .iss = 8000);
    at(&s, 10);
    size_t len = peer_icmp6(&s, NULL, ICMPV6_ECHO_REQUEST, 0, 0x12340007, "synack ping", 11, pkt, sizeof pkt);
    peer_sends_raw(&s, pkt, len);
    expect_sent_icmp6(&s, ICMPV6_ECHO_REPLY, 0, 0x12340007, (const uint8_t *)"synack ping", 11);

    struct synack_addr all_nodes = parse_addr("ff02::1");
    len = peer_icmp6(&s, &all_nodes, ICMPV6_ECHO_REQUEST, 0, 0x12340008, "x", 1, pkt, sizeof pkt);
    peer_sends_raw(&s, pkt, len);
    expect_sent_icmp6(&s, ICMPV6_ECHO_REPLY, 0, 0x12340008, (const uint8_t *)"x", 1);

    struct synack_addr all_routers = parse_addr("ff02::2");
    len = peer_icmp6(&s, &all_routers, ICMPV6_ECHO_REQUEST, 0, 0x12340009, "x", 1, pkt, sizeof pkt);
    peer_sends_raw(&s, pkt, len);
    expect_nothing_sent(&s);
    CHECK_EQ(stats(&s)->drops[SYNACK_DROP_IP_NOT_FOR_US], 1);
    CHECK_EQ(stats(&s)->icmp6_in_echos, 2);
    CHECK_EQ(stats(&s)->icmp6_out_echo_replies, 2);
    CHECK_EQ(stats(&s)->ip6_in_mcast_pkts, 1);
    scenario_end(&s);
}

/*  echo request with a bit flipped          -->  dropped (ICMP6_CHECKSUM)
 *  echo request checksummed without the pseudo-header  -->  dropped too
 *  echo reply (nobody asked)                -->  ignored (ICMP6_IGNORED)
 *  MLD query (130)                          -->  ignored
 *  ICMPv6 of 4 bytes                        -->  dropped (ICMP6_TRUNCATED)
 */
TEST(bad_or_unexpected_icmpv6_gets_no_reply)
{
    struct scenario s;
    uint8_t pkt[256];
    scenario_listen6(&s, .iss = 8000);
    at(&s, 10);
    size_t len = peer_icmp6(&s, NULL, ICMPV6_ECHO_REQUEST, 0, 1, "data", 4, pkt, sizeof pkt);
    pkt[IPV6_HEADER_LEN + 9] ^= 1;
    peer_sends_raw(&s, pkt, len);
    len = peer_icmp6(&s, NULL, ICMPV6_ECHO_REQUEST, 0, 1, "data", 4, pkt, sizeof pkt);
    uint8_t *m = pkt + IPV6_HEADER_LEN;
    put_be16(m + 2, 0);
    put_be16(m + 2, csum_finish(csum_add(0, m, len - IPV6_HEADER_LEN)));    /* the ICMPv4 way: wrong here */
    peer_sends_raw(&s, pkt, len);
    CHECK_EQ(stats(&s)->drops[SYNACK_DROP_ICMP6_CHECKSUM], 2);
    len = peer_icmp6(&s, NULL, ICMPV6_ECHO_REPLY, 0, 1, "data", 4, pkt, sizeof pkt);
    peer_sends_raw(&s, pkt, len);
    len = peer_icmp6(&s, NULL, 130, 0, 0, "0123456789abcdef", 16, pkt, sizeof pkt);
    peer_sends_raw(&s, pkt, len);
    CHECK_EQ(stats(&s)->drops[SYNACK_DROP_ICMP6_IGNORED], 2);
    len = peer_icmp6(&s, NULL, ICMPV6_ECHO_REQUEST, 0, 1, "", 0, pkt, sizeof pkt);
    put_be16(pkt + 4, 4);
    peer_sends_raw(&s, pkt, IPV6_HEADER_LEN + 4);
    CHECK_EQ(stats(&s)->drops[SYNACK_DROP_ICMP6_TRUNCATED], 1);
    CHECK_EQ(stats(&s)->icmp6_in_errors, 3);
    CHECK_EQ(stats(&s)->icmp6_in_msgs, 5);
    expect_nothing_sent(&s);
    scenario_end(&s);
}

/* ---- UDP over IPv6 ---- */

static int udp6_socket(struct scenario *s, uint16_t port)
{
    synack_close(s->st, s->sock);
    s->sock = -1;
    int u = synack_udp_socket(s->st);
    CHECK(u >= 0);
    struct synack_endpoint local = synack_endpoint_make(s->stack_ep.addr, port);
    CHECK_EQ(synack_bind(s->st, u, &local), 0);
    return u;
}

/*  UDP [fd00:5ac::1]:40000 > :53 "what time is it?"   -->  recvfrom: from [fd00:5ac::1]:40000
 *  sendto [fd00:5ac::1]:40000 "noon"          <--  UDP 53 > 40000 "noon", checksum over the IPv6 pseudo-header
 */
TEST(udp_request_and_reply_over_ipv6)
{
    struct scenario s;
    uint8_t pkt[256];
    char buf[64];
    scenario_client6(&s);
    int u = udp6_socket(&s, 53);
    at(&s, 10);
    size_t len = peer_udp_packet(&s, 40000, 53, 0, "what time is it?", 16, pkt, sizeof pkt);
    peer_sends_raw(&s, pkt, len);
    struct synack_endpoint from;
    CHECK_EQ(synack_recvfrom(s.st, u, buf, sizeof buf, &from), 16);
    CHECK(synack_endpoint_equal(&from, &s.peer_ep));
    CHECK_EQ(synack_sendto(s.st, u, "noon", 4, &from), 4);
    synack_poll(s.st, s.now);
    expect_sent_udp(&s, 53, 40000, "noon", 4);
    CHECK_EQ(stats(&s)->udp_in_datagrams, 1);
    CHECK_EQ(stats(&s)->udp_out_datagrams, 1);
    synack_close(s.st, u);
    scenario_end(&s);
}

/*  UDP to :9, no socket                        -->
 *                                              <--  ICMPv6 destination unreachable code 4 (port), quoting it all
 *  UDP to :53 with checksum field 0            -->  dropped (RFC 8200 §8.1: zero is invalid over IPv6)
 */
TEST(udp_over_ipv6_port_unreachable_and_zero_checksum)
{
    struct scenario s;
    uint8_t pkt[256];
    char buf[64];
    scenario_client6(&s);
    int u = udp6_socket(&s, 53);
    at(&s, 10);
    size_t len = peer_udp_packet(&s, 40000, 9, 0, "anyone?", 7, pkt, sizeof pkt);
    peer_sends_raw(&s, pkt, len);
    expect_sent_icmp6(&s, ICMPV6_DEST_UNREACH, ICMPV6_UNREACH_PORT, 0, pkt, len);
    CHECK_EQ(stats(&s)->udp_no_ports, 1);
    CHECK_EQ(stats(&s)->icmp6_out_dest_unreachs, 1);
    CHECK_EQ(stats(&s)->icmp6_out_msgs, 1);

    len = peer_udp_packet(&s, 40000, 53, 0, "no checksum", 11, pkt, sizeof pkt);
    put_be16(pkt + IPV6_HEADER_LEN + 6, 0);
    peer_sends_raw(&s, pkt, len);
    expect_nothing_sent(&s);
    CHECK_EQ(stats(&s)->drops[SYNACK_DROP_UDP_CHECKSUM], 1);
    CHECK_EQ(synack_recvfrom(s.st, u, buf, sizeof buf, NULL), -SYNACK_EAGAIN);
    synack_close(s.st, u);
    scenario_end(&s);
}

/* ---- ICMPv6 errors received (RFC 4443 §3; what they do: RFC 1122 §4.2.3.9, RFC 5927) ---- */

/*  stack connects                       <--     SYN seq=8000
 *  destination unreachable code 4 (port) quoting the SYN  -->  connect fails: ECONNREFUSED (hard)
 *  (again) stack connects               <--     SYN
 *  destination unreachable code 3 (address) quoting it  -->  soft: still SYN_SENT, remembered as EHOSTUNREACH
 *  parameter problem code 1 (next header) quoting it     -->  hard: ENOPROTOOPT
 */
TEST(icmpv6_errors_end_or_mark_a_connection_attempt)
{
    struct scenario s;
    uint8_t syn[256];
    scenario_client6(&s, .iss = 8000);
    at(&s, 0);   CHECK_EQ(app_connect(&s), -SYNACK_EINPROGRESS);
    size_t n = take_sent_raw(&s, syn, sizeof syn);
    REQUIRE(n > IPV6_HEADER_LEN);
    peer_sends_icmp6(&s, ICMPV6_DEST_UNREACH, ICMPV6_UNREACH_PORT, 0, syn, n);
    expect_state(&s, CLOSED);
    CHECK_EQ(app_error(&s), -SYNACK_ECONNREFUSED);
    CHECK_EQ(stats(&s)->tcp_icmp_aborts, 1);
    CHECK_EQ(stats(&s)->icmp6_in_dest_unreachs, 1);
    synack_close(s.st, s.sock);

    s.sock = synack_socket(s.st);
    at(&s, 10);  CHECK_EQ(app_connect(&s), -SYNACK_EINPROGRESS);
    n = take_sent_raw(&s, syn, sizeof syn);
    REQUIRE(n > IPV6_HEADER_LEN);
    peer_sends_icmp6(&s, ICMPV6_DEST_UNREACH, ICMPV6_UNREACH_ADDR, 0, syn, n);
    expect_state(&s, SYN_SENT);
    CHECK_EQ(app_info(&s).soft_error, -SYNACK_EHOSTUNREACH);
    peer_sends_icmp6(&s, ICMPV6_PARAM_PROBLEM, ICMPV6_PARAMPROB_NEXT_HEADER, 6, syn, n);
    expect_state(&s, CLOSED);
    CHECK_EQ(app_error(&s), -SYNACK_ENOPROTOOPT);
    CHECK_EQ(stats(&s)->tcp_icmp_aborts, 2);
    CHECK_EQ(stats(&s)->tcp_icmp_soft_errors, 1);
    scenario_end(&s);
}

/*  ESTABLISHED; the stack sends 1000 bytes       <--  seq=8001 len=1000
 *  packet too big, MTU 1280, quoting it           -->  reaches TCP as path MTU news (frag_needed,
 *                                                      mtu 1280): no error recorded, no drop
 *  packet too big quoting a sequence number not in flight  -->  dropped by TCP (RFC 5927 §4.1)
 *  packet too big quoting a packet from another source     -->  dropped (not ours)
 *  destination unreachable quoting only 44 bytes (no whole transport header's 8)  -->  dropped
 */
TEST(packet_too_big_reaches_tcp)
{
    struct scenario s;
    uint8_t data[1600];
    scenario_listen(&s, .family = 6, .iss = 8000);
    at(&s, 0);   handshake_passive(&s, 1000);
    CHECK_EQ(app_send_bytes(&s, 1000), 1000);
    size_t n = take_sent_raw(&s, data, sizeof data);
    REQUIRE(n == IPV6_HEADER_LEN + 20 + 1000);
    peer_sends_icmp6(&s, ICMPV6_PACKET_TOO_BIG, 0, 1280, data, n);
    CHECK_EQ(stats(&s)->icmp6_in_pkt_too_bigs, 1);
    CHECK_EQ(stats(&s)->tcp_out_of_window_icmps, 0);
    CHECK_EQ(stats(&s)->drops[SYNACK_DROP_ICMP_ERROR_NO_MATCH], 0);
    CHECK_EQ(app_info(&s).soft_error, 0);          /* path MTU news, not an error */
    /* Whatever path MTU discovery makes of it (tcp_icmp.c) is not this test's. */
    uint8_t skip[1600];
    while (take_sent_raw(&s, skip, sizeof skip))
        ;
    put_be32(data + IPV6_HEADER_LEN + 4, 20000);
    peer_sends_icmp6(&s, ICMPV6_PACKET_TOO_BIG, 0, 1280, data, 200);
    CHECK_EQ(stats(&s)->tcp_out_of_window_icmps, 1);
    CHECK_EQ(stats(&s)->drops[SYNACK_DROP_ICMP_ERROR_OUT_OF_WINDOW], 1);
    data[8 + 15] = 7;                                /* from fd00:5ac::7 */
    peer_sends_icmp6(&s, ICMPV6_PACKET_TOO_BIG, 0, 1280, data, 200);
    CHECK_EQ(stats(&s)->drops[SYNACK_DROP_ICMP6_ERROR_BAD_QUOTE], 1);
    data[8 + 15] = 2;
    peer_sends_icmp6(&s, ICMPV6_DEST_UNREACH, ICMPV6_UNREACH_ADDR, 0, data, IPV6_HEADER_LEN + 4);
    CHECK_EQ(stats(&s)->drops[SYNACK_DROP_ICMP6_ERROR_TRUNCATED], 1);
    CHECK_EQ(stats(&s)->icmp6_in_pkt_too_bigs, 3);
    expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  UDP socket connected to [fd00:5ac::1]:9; sendto   <--  UDP 53 > 9 "hi"
 *  destination unreachable code 4 quoting it          -->  the next recv: ECONNREFUSED
 */
TEST(port_unreachable_reaches_a_connected_udp_socket)
{
    struct scenario s;
    uint8_t sent[256];
    char buf[16];
    scenario_client6(&s);
    int u = udp6_socket(&s, 53);
    struct synack_endpoint peer = synack_endpoint_make(s.peer_ep.addr, 9);
    CHECK_EQ(synack_connect(s.st, u, &peer), 0);
    at(&s, 10);
    CHECK_EQ(synack_send(s.st, u, "hi", 2), 2);
    synack_poll(s.st, s.now);
    size_t n = take_sent_raw(&s, sent, sizeof sent);
    REQUIRE(n == IPV6_HEADER_LEN + 8 + 2);
    peer_sends_icmp6(&s, ICMPV6_DEST_UNREACH, ICMPV6_UNREACH_PORT, 0, sent, n);
    CHECK_EQ(synack_recv(s.st, u, buf, sizeof buf), -SYNACK_ECONNREFUSED);
    synack_close(s.st, u);
    scenario_end(&s);
}

/*  Rate limit 10/s, burst 3 (the bucket ICMPv4 errors use too).
 *  t=10     5 datagrams to a closed port  -->  3 port unreachables, 2 suppressed
 *  t=110    2 more                        -->  1, 1 suppressed
 *  t=110    an unknown next header        -->  nothing: the bucket is empty (one bucket for every error)
 */
TEST(icmpv6_errors_share_the_rate_limit)
{
    struct scenario s;
    uint8_t pkt[128], bad[128];
    scenario_listen6(&s, .iss = 8000, .icmp_error_rate = 10, .icmp_error_burst = 3);
    size_t len = peer_udp_packet(&s, 40000, 9, 0, "x", 1, pkt, sizeof pkt);
    at(&s, 10);
    for (int k = 0; k < 5; k++)
        peer_sends_raw(&s, pkt, len);
    for (int k = 0; k < 3; k++)
        expect_sent_icmp6(&s, ICMPV6_DEST_UNREACH, ICMPV6_UNREACH_PORT, 0, pkt, len);
    expect_nothing_sent(&s);
    CHECK_EQ(stats(&s)->icmp_out_rate_limited, 2);
    at(&s, 110);
    peer_sends_raw(&s, pkt, len);
    peer_sends_raw(&s, pkt, len);
    expect_sent_icmp6(&s, ICMPV6_DEST_UNREACH, ICMPV6_UNREACH_PORT, 0, pkt, len);
    expect_nothing_sent(&s);
    memcpy(bad, pkt, len);
    bad[6] = 253;
    peer_sends_raw(&s, bad, len);
    expect_nothing_sent(&s);
    CHECK_EQ(stats(&s)->icmp_out_rate_limited, 4);
    CHECK_EQ(stats(&s)->icmp6_out_dest_unreachs, 4);
    scenario_end(&s);
}
