/*
 * test_udp.c — UDP sockets (RFC 768) on the stack, datagram by datagram.
 *
 * Reading list: RFC 768 (header, length, checksum: zero means none, a
 * computed zero is sent as all ones); RFC 1122 §4.1.3 (UDP in a host) and
 * §3.2.2.1 (port unreachable for a datagram no socket wants); RFC 4113
 * (udpInDatagrams, udpNoPorts, udpInErrors, udpOutDatagrams).
 *
 * The stack is 198.18.0.2, the peer 198.18.0.1; "-->" is a datagram
 * arriving at the stack, "<--" one it sends.  Socket calls queue; the
 * datagram leaves at the next poll, which every app step here runs.
 */
#include "byteorder.h"
#include "checksum.h"
#include "ipv4.h"
#include "scenario.h"

#define STACK_IP synack_addr_v4(198, 18, 0, 2)
#define PEER_IP synack_addr_v4(198, 18, 0, 1)

static struct synack_endpoint ep(struct synack_addr a, uint16_t port) { return synack_endpoint_make(a, port); }

/* A stack with no TCP socket at all (the harness's client socket is closed
 * again) and a UDP socket bound to port (0: unbound). */
static int udp_setup(struct scenario *s, const char *name, uint16_t port, struct scenario_opts o)
{
    scenario_client_(s, name, o);
    synack_close(s->st, s->sock);
    s->sock = -1;
    int u = synack_udp_socket(s->st);
    CHECK(u >= 0);
    if (port) {
        struct synack_endpoint local = ep(STACK_IP, port);
        CHECK_EQ(synack_bind(s->st, u, &local), 0);
    }
    return u;
}
#define udp_scenario(s, port, ...) udp_setup(s, __func__, port, (struct scenario_opts){ __VA_ARGS__ })

/* The peer sends one datagram from sport to the stack's dport. */
static void peer_sends_udp(struct scenario *s, uint16_t sport, uint16_t dport, const char *text)
{
    uint8_t pkt[1600];
    size_t len = peer_udp_packet(s, sport, dport, 1, text, strlen(text), pkt, sizeof pkt);
    REQUIRE(len);
    peer_sends_raw(s, pkt, len);
}

static long app_sendto(struct scenario *s, int u, const char *text, const struct synack_endpoint *to)
{
    long rc = (long)synack_sendto(s->st, u, text, strlen(text), to);
    synack_poll(s->st, s->now);
    return rc;
}

/*  peer 198.18.0.1:40000                     stack 198.18.0.2:53 (bound)
 *  UDP "what time is it?"             -->    recvfrom: 16 bytes from 198.18.0.1:40000
 *                                            sendto 198.18.0.1:40000 "noon"
 *                                     <--    UDP 53 > 40000 "noon", checksum right
 */
TEST(udp_request_and_reply)
{
    struct scenario s;
    char buf[64];
    struct synack_endpoint from;
    int u = udp_scenario(&s, 53);
    at(&s, 10);
    CHECK_EQ(synack_recvfrom(s.st, u, buf, sizeof buf, &from), -SYNACK_EAGAIN);
    peer_sends_udp(&s, 40000, 53, "what time is it?");
    expect_nothing_sent(&s);
    CHECK(synack_socket_ready(s.st, u) & SYNACK_READABLE);
    CHECK_EQ(synack_recvfrom(s.st, u, buf, sizeof buf, &from), 16);
    CHECK(memcmp(buf, "what time is it?", 16) == 0);
    struct synack_endpoint peer = ep(PEER_IP, 40000);
    CHECK(synack_endpoint_equal(&from, &peer));
    CHECK(!(synack_socket_ready(s.st, u) & SYNACK_READABLE));
    CHECK_EQ(synack_recvfrom(s.st, u, buf, sizeof buf, &from), -SYNACK_EAGAIN);
    CHECK_EQ(app_sendto(&s, u, "noon", &from), 4);
    expect_sent_udp(&s, 53, 40000, "noon", 4);
    const struct synack_stats *st = synack_stack_stats(s.st);
    CHECK_EQ(st->udp_in_datagrams, 1);
    CHECK_EQ(st->udp_out_datagrams, 1);
    CHECK_EQ(st->udp_no_ports, 0);
    CHECK_EQ(st->udp_in_errors, 0);
    synack_close(s.st, u);
    scenario_end(&s);
}

/*  sendto from an unbound socket                     (socket call: queued, nothing sent yet)
 *                                     <--    UDP <ephemeral> > 7 "ping"   (at the poll)
 *  UDP 7 > <ephemeral> "pong"         -->    recvfrom: "pong"
 */
TEST(udp_unbound_sendto_binds_an_ephemeral_port)
{
    struct scenario s;
    char buf[16];
    int u = udp_scenario(&s, 0);
    at(&s, 10);
    struct synack_endpoint local, echo = ep(PEER_IP, 7);
    CHECK_EQ(synack_local_endpoint(s.st, u, &local), 0);
    CHECK_EQ(local.port, 0);
    CHECK_EQ(synack_sendto(s.st, u, "ping", 4, &echo), 4);
    expect_nothing_sent(&s);                       /* socket calls never transmit */
    synack_poll(s.st, s.now);
    CHECK_EQ(synack_local_endpoint(s.st, u, &local), 0);
    CHECK(local.port >= 49152);
    CHECK(synack_addr_is_any(&local.addr));
    expect_sent_udp(&s, local.port, 7, "ping", 4);
    peer_sends_udp(&s, 7, local.port, "pong");
    CHECK_EQ(synack_recvfrom(s.st, u, buf, sizeof buf, NULL), 4);
    CHECK(memcmp(buf, "pong", 4) == 0);
    synack_close(s.st, u);
    scenario_end(&s);
}

/*  UDP 40000 > 9 "anyone?"  (no socket on 9)  -->
 *                                     <--    ICMP port unreachable quoting the
 *                                            whole datagram (IP header + 8 + 7)
 */
TEST(udp_to_a_closed_port_gets_port_unreachable)
{
    struct scenario s;
    uint8_t pkt[128];
    int u = udp_scenario(&s, 53);
    at(&s, 10);
    size_t len = peer_udp_packet(&s, 40000, 9, 77, "anyone?", 7, pkt, sizeof pkt);
    peer_sends_raw(&s, pkt, len);
    expect_sent_icmp_error(&s, 3, 3, pkt, len);
    const struct synack_stats *st = synack_stack_stats(s.st);
    CHECK_EQ(st->udp_no_ports, 1);
    CHECK_EQ(st->udp_in_datagrams, 0);
    CHECK_EQ(st->drops[SYNACK_DROP_UDP_NO_PORT], 1);
    CHECK_EQ(st->icmp_out_dest_unreachs, 1);
    CHECK_EQ(st->icmp_out_msgs, 1);
    synack_close(s.st, u);
    scenario_end(&s);
}

/*  A long datagram to a closed port: the error quotes 548 bytes of it
 *  (RFC 1812 §4.3.2.3's 576-byte limit, as Linux), not all 1028.
 */
TEST(udp_port_unreachable_quotes_at_most_548_bytes)
{
    struct scenario s;
    uint8_t data[1000], pkt[1100];
    memset(data, 'x', sizeof data);
    int u = udp_scenario(&s, 53);
    at(&s, 10);
    size_t len = peer_udp_packet(&s, 40000, 9, 78, data, sizeof data, pkt, sizeof pkt);
    peer_sends_raw(&s, pkt, len);
    expect_sent_icmp_error(&s, 3, 3, pkt, 548);
    synack_close(s.st, u);
    scenario_end(&s);
}

/*  Each broken in one way, to a closed port (so that a datagram taken for
 *  good would be answered with port unreachable):
 *  7 bytes of UDP, length field 4, length field past the IP payload,
 *  checksum wrong                            -->  dropped, counted, nothing sent
 *  checksum 0 (none computed), to port 53    -->  delivered
 */
TEST(udp_malformed_datagrams_are_dropped_and_counted)
{
    struct scenario s;
    uint8_t good[128], pkt[128];
    char buf[16];
    int u = udp_scenario(&s, 53);
    at(&s, 10);
    size_t len = peer_udp_packet(&s, 40000, 9, 1, "hello", 5, good, sizeof good);
    uint8_t *udp = pkt + IPV4_HEADER_LEN;

    memcpy(pkt, good, len);
    ipv4_write_header(pkt, &s.peer_ep.addr, &s.stack_ep.addr, IP_PROTO_UDP, 7, 64, 1, false);
    peer_sends_raw(&s, pkt, IPV4_HEADER_LEN + 7);
    CHECK_EQ(synack_stack_stats(s.st)->drops[SYNACK_DROP_UDP_TRUNCATED], 1);
    memcpy(pkt, good, len); put_be16(udp + 4, 4);
    peer_sends_raw(&s, pkt, len);
    memcpy(pkt, good, len); put_be16(udp + 4, 14);                /* 13 bytes there */
    peer_sends_raw(&s, pkt, len);
    CHECK_EQ(synack_stack_stats(s.st)->drops[SYNACK_DROP_UDP_LENGTH], 2);
    memcpy(pkt, good, len); udp[8] ^= 0x20;                        /* "Hello": checksum now wrong */
    peer_sends_raw(&s, pkt, len);
    CHECK_EQ(synack_stack_stats(s.st)->drops[SYNACK_DROP_UDP_CHECKSUM], 1);
    expect_nothing_sent(&s);
    CHECK_EQ(synack_stack_stats(s.st)->udp_in_errors, 4);
    CHECK_EQ(synack_stack_stats(s.st)->udp_no_ports, 0);

    /* RFC 768: zero in the checksum field means none was computed. */
    memcpy(pkt, good, len); put_be16(udp + 2, 53); put_be16(udp + 6, 0);
    peer_sends_raw(&s, pkt, len);
    CHECK_EQ(synack_recvfrom(s.st, u, buf, sizeof buf, NULL), 5);
    CHECK_EQ(synack_stack_stats(s.st)->udp_in_datagrams, 1);
    synack_close(s.st, u);
    scenario_end(&s);
}

/*  RCVBUF 200: each 80-byte datagram takes 80 + 32 bytes of the queue.
 *  UDP 80 bytes "a..."   -->   queued (112)
 *  UDP 80 bytes "b..."   -->   dropped: 224 > 200 (udpRcvbufErrors)
 *  recvfrom              ->    "a..."; the queue is empty again
 *  UDP 80 bytes "c..."   -->   queued
 */
TEST(udp_receive_queue_is_bounded_by_rcvbuf)
{
    struct scenario s;
    char data[80], buf[128];
    int u = udp_scenario(&s, 53);
    CHECK_EQ(synack_setsockopt(s.st, u, SYNACK_OPT_RCVBUF, 200), 0);
    at(&s, 10);
    for (char c = 'a'; c <= 'c'; c++) {
        memset(data, c, sizeof data);
        uint8_t pkt[256];
        size_t len = peer_udp_packet(&s, 40000, 53, 1, data, sizeof data, pkt, sizeof pkt);
        peer_sends_raw(&s, pkt, len);
        if (c == 'b') {
            CHECK_EQ(synack_stack_stats(s.st)->udp_rcvbuf_errors, 1);
            CHECK_EQ(synack_stack_stats(s.st)->drops[SYNACK_DROP_UDP_RCVBUF_FULL], 1);
            CHECK_EQ(synack_recvfrom(s.st, u, buf, sizeof buf, NULL), 80);
            CHECK_EQ(buf[0], 'a');
            CHECK_EQ(synack_recvfrom(s.st, u, buf, sizeof buf, NULL), -SYNACK_EAGAIN);
        }
    }
    CHECK_EQ(synack_recvfrom(s.st, u, buf, sizeof buf, NULL), 80);
    CHECK_EQ(buf[0], 'c');
    const struct synack_stats *st = synack_stack_stats(s.st);
    CHECK_EQ(st->udp_in_datagrams, 2);
    CHECK_EQ(st->udp_in_errors, 1);
    expect_nothing_sent(&s);
    synack_close(s.st, u);
    scenario_end(&s);
}

/*  UDP "0123456789"  -->  recvmsg into 4 bytes: "0123", MSG_TRUNC; the rest is gone
 *  UDP ""            -->  recvfrom: 0 (an empty datagram is a datagram)
 *  UDP "xyz"         -->  recvmsg into 16 bytes: 3, no flag
 */
TEST(udp_datagram_boundaries_and_truncation)
{
    struct scenario s;
    char buf[16];
    uint32_t flags = 99;
    int u = udp_scenario(&s, 53);
    at(&s, 10);
    peer_sends_udp(&s, 40000, 53, "0123456789");
    peer_sends_udp(&s, 40000, 53, "");
    peer_sends_udp(&s, 40000, 53, "xyz");
    CHECK_EQ(synack_recvmsg(s.st, u, buf, 4, NULL, &flags), 4);
    CHECK(memcmp(buf, "0123", 4) == 0);
    CHECK_EQ(flags, SYNACK_MSG_TRUNC);
    CHECK_EQ(synack_recvfrom(s.st, u, buf, sizeof buf, NULL), 0);
    CHECK_EQ(synack_recvmsg(s.st, u, buf, sizeof buf, NULL, &flags), 3);
    CHECK_EQ(flags, 0);
    CHECK(memcmp(buf, "xyz", 3) == 0);
    CHECK_EQ(synack_recvmsg(s.st, u, buf, sizeof buf, NULL, &flags), -SYNACK_EAGAIN);
    synack_close(s.st, u);
    scenario_end(&s);
}

/*  connect(198.18.0.1:40000)            ->   0, CONNECTED; local address fixed
 *  send "hi" (no address)               <--  UDP 53 > 40000 "hi"
 *  UDP from 198.18.0.1:40001            -->  not for this socket: port unreachable
 *                                       <--  ICMP port unreachable
 *  UDP from 198.18.0.1:40000 "yes"      -->  recv: "yes"
 *  connect(AF_UNSPEC)                   ->   0; send without address: EDESTADDRREQ
 *  UDP from 198.18.0.1:40001            -->  delivered now
 */
TEST(udp_connect_sets_the_default_peer_and_filters_input)
{
    struct scenario s;
    char buf[16];
    uint8_t pkt[128];
    int u = udp_scenario(&s, 53);
    at(&s, 10);
    struct synack_endpoint peer = ep(PEER_IP, 40000), got;
    CHECK_EQ(synack_remote_endpoint(s.st, u, &got), -SYNACK_ENOTCONN);
    CHECK_EQ(synack_send(s.st, u, "hi", 2), -SYNACK_EDESTADDRREQ);
    CHECK_EQ(synack_connect(s.st, u, &peer), 0);
    CHECK_EQ(synack_remote_endpoint(s.st, u, &got), 0);
    CHECK(synack_endpoint_equal(&got, &peer));
    CHECK_EQ(synack_socket_ready(s.st, u), SYNACK_WRITABLE | SYNACK_CONNECTED);
    struct synack_event ev;
    CHECK_EQ(synack_next_event(s.st, &ev), 1);
    CHECK_EQ(ev.sock, u);
    CHECK_EQ(synack_send(s.st, u, "hi", 2), 2);
    synack_poll(s.st, s.now);
    expect_sent_udp(&s, 53, 40000, "hi", 2);

    size_t len = peer_udp_packet(&s, 40001, 53, 5, "no", 2, pkt, sizeof pkt);
    peer_sends_raw(&s, pkt, len);
    expect_sent_icmp_error(&s, 3, 3, pkt, len);
    CHECK_EQ(synack_recv(s.st, u, buf, sizeof buf), -SYNACK_EAGAIN);
    peer_sends_udp(&s, 40000, 53, "yes");
    CHECK_EQ(synack_next_event(s.st, &ev), 1);
    CHECK_EQ(ev.ready, SYNACK_READABLE | SYNACK_WRITABLE | SYNACK_CONNECTED);
    CHECK_EQ(synack_recv(s.st, u, buf, sizeof buf), 3);
    CHECK(memcmp(buf, "yes", 3) == 0);

    struct synack_endpoint unspec;
    memset(&unspec, 0, sizeof unspec);
    CHECK_EQ(synack_connect(s.st, u, &unspec), 0);
    CHECK_EQ(synack_send(s.st, u, "hi", 2), -SYNACK_EDESTADDRREQ);
    peer_sends_raw(&s, pkt, len);
    expect_nothing_sent(&s);
    CHECK_EQ(synack_recvfrom(s.st, u, buf, sizeof buf, &got), 2);
    CHECK_EQ(got.port, 40001);
    synack_close(s.st, u);
    scenario_end(&s);
}

/*  UDP and TCP have separate port spaces; two UDP sockets cannot share one.
 *  A closed UDP socket's port is free again, and datagrams to it are
 *  answered with port unreachable.
 */
TEST(udp_bind_conflicts_and_close)
{
    struct scenario s;
    uint8_t pkt[128];
    int u = udp_scenario(&s, 80);
    struct synack_endpoint any80 = ep(synack_addr_v4(0, 0, 0, 0), 80), mine80 = ep(STACK_IP, 80);
    int u2 = synack_udp_socket(s.st);
    CHECK_EQ(synack_bind(s.st, u2, &any80), -SYNACK_EADDRINUSE);
    CHECK_EQ(synack_bind(s.st, u2, &mine80), -SYNACK_EADDRINUSE);
    int t = synack_socket(s.st);                       /* TCP on the same number: fine */
    CHECK_EQ(synack_bind(s.st, t, &mine80), 0);
    CHECK_EQ(synack_listen(s.st, t, 4), 0);
    CHECK_EQ(synack_listen(s.st, u, 4), -SYNACK_EOPNOTSUPP);
    CHECK_EQ(synack_shutdown(s.st, u, SYNACK_SHUT_WR), -SYNACK_EOPNOTSUPP);
    struct synack_tcp_info info;
    CHECK_EQ(synack_getinfo(s.st, u, &info), -SYNACK_EOPNOTSUPP);
    CHECK_EQ(synack_setsockopt(s.st, u, SYNACK_OPT_NODELAY, 1), -SYNACK_ENOPROTOOPT);
    at(&s, 10);
    CHECK_EQ(app_sendto(&s, u, "queued", &s.peer_ep), 6);   /* sent at once by the poll */
    expect_sent_udp(&s, 80, 40000, "queued", 6);
    CHECK_EQ(synack_close(s.st, u), 0);
    CHECK_EQ(synack_close(s.st, u), -SYNACK_EBADF);
    size_t len = peer_udp_packet(&s, 40000, 80, 3, "late", 4, pkt, sizeof pkt);
    peer_sends_raw(&s, pkt, len);
    expect_sent_icmp_error(&s, 3, 3, pkt, len);
    CHECK_EQ(synack_bind(s.st, u2, &any80), 0);
    synack_close(s.st, u2);
    synack_close(s.st, t);
    scenario_end(&s);
}

/*  MTU 1500: 1472 bytes of payload fit (20 + 8 + 1472); 1473 do not, and
 *  synack never fragments: EMSGSIZE.  Bad destinations are refused.
 */
TEST(udp_sendto_refuses_what_it_cannot_send)
{
    struct scenario s;
    static char big[1473];
    memset(big, 'z', sizeof big);
    int u = udp_scenario(&s, 53);
    at(&s, 10);
    CHECK_EQ(synack_sendto(s.st, u, big, 1473, &s.peer_ep), -SYNACK_EMSGSIZE);
    struct synack_endpoint port0 = ep(PEER_IP, 0), any = ep(synack_addr_v4(0, 0, 0, 0), 7);
    CHECK_EQ(synack_sendto(s.st, u, "x", 1, &port0), -SYNACK_EINVAL);
    CHECK_EQ(synack_sendto(s.st, u, "x", 1, &any), -SYNACK_EINVAL);
    CHECK_EQ(synack_sendto(s.st, u, big, 1472, &s.peer_ep), 1472);
    synack_poll(s.st, s.now);
    expect_sent_udp(&s, 53, 40000, big, 1472);
    /* SNDBUF bounds the queue: 100 bytes cannot hold 52 + 60, nor ever 52 + 1000. */
    CHECK_EQ(synack_setsockopt(s.st, u, SYNACK_OPT_SNDBUF, 100), 0);
    CHECK_EQ(synack_sendto(s.st, u, big, 1000, &s.peer_ep), -SYNACK_EMSGSIZE);
    CHECK_EQ(synack_sendto(s.st, u, big, 40, &s.peer_ep), 40);
    CHECK(!(synack_socket_ready(s.st, u) & SYNACK_WRITABLE));   /* less than half free */
    CHECK_EQ(synack_sendto(s.st, u, big, 40, &s.peer_ep), -SYNACK_EAGAIN);
    synack_poll(s.st, s.now);
    expect_sent_udp(&s, 53, 40000, big, 40);
    CHECK(synack_socket_ready(s.st, u) & SYNACK_WRITABLE);
    CHECK_EQ(synack_stack_stats(s.st)->udp_out_datagrams, 2);
    synack_close(s.st, u);
    scenario_end(&s);
}

/*  connect(198.18.0.1:5353); send "q"        <--  UDP 53 > 5353 "q"
 *  ICMP port unreachable quoting it     -->  pending error
 *  recv                                 ->   ECONNREFUSED, once; then EAGAIN
 *  (an unconnected socket is not told: the same ICMP is counted and ignored)
 */
TEST(udp_connected_socket_learns_port_unreachable)
{
    struct scenario s;
    uint8_t sent[128], icmp[256];
    char buf[8];
    int u = udp_scenario(&s, 53);
    at(&s, 10);
    struct synack_endpoint mdns = ep(PEER_IP, 5353);
    CHECK_EQ(synack_connect(s.st, u, &mdns), 0);
    CHECK_EQ(synack_send(s.st, u, "q", 1), 1);
    synack_poll(s.st, s.now);
    size_t slen = take_sent_raw(&s, sent, sizeof sent);
    REQUIRE(slen == IPV4_HEADER_LEN + 8 + 1);
    size_t ilen = peer_icmp_error(&s, 3, 3, sent, slen, icmp, sizeof icmp);
    peer_sends_raw(&s, icmp, ilen);
    CHECK(synack_socket_ready(s.st, u) & SYNACK_ERROR);
    CHECK_EQ(synack_recv(s.st, u, buf, sizeof buf), -SYNACK_ECONNREFUSED);
    CHECK_EQ(synack_recv(s.st, u, buf, sizeof buf), -SYNACK_EAGAIN);
    CHECK(!(synack_socket_ready(s.st, u) & SYNACK_ERROR));

    /* Host unreachable is soft: a connected socket is not told. */
    ilen = peer_icmp_error(&s, 3, 1, sent, slen, icmp, sizeof icmp);
    peer_sends_raw(&s, icmp, ilen);
    CHECK_EQ(synack_socket_error(s.st, u), 0);

    struct synack_endpoint unspec;
    memset(&unspec, 0, sizeof unspec);
    CHECK_EQ(synack_connect(s.st, u, &unspec), 0);
    ilen = peer_icmp_error(&s, 3, 3, sent, slen, icmp, sizeof icmp);
    peer_sends_raw(&s, icmp, ilen);
    CHECK_EQ(synack_socket_error(s.st, u), 0);
    CHECK_EQ(synack_stack_stats(s.st)->drops[SYNACK_DROP_ICMP_ERROR_NO_MATCH], 1);
    CHECK_EQ(synack_stack_stats(s.st)->icmp_in_dest_unreachs, 3);
    expect_nothing_sent(&s);
    synack_close(s.st, u);
    scenario_end(&s);
}

/*  Over a TUN with offloads the local kernel may leave a UDP checksum
 *  partial, and the link vouches for it (SYNACK_INPUT_CSUM_VALID):
 *  UDP "ok" with a checksum that does not verify, vouched for  -->  delivered
 *  the same datagram, not vouched for                          -->  dropped (UDP_CHECKSUM)
 */
TEST(udp_checksum_vouched_for_by_the_link_is_believed)
{
    struct scenario s;
    uint8_t pkt[64];
    char buf[8];
    int u = udp_scenario(&s, 53);
    at(&s, 10);
    size_t len = peer_udp_packet(&s, 40000, 53, 1, "ok", 2, pkt, sizeof pkt);
    put_be16(pkt + IPV4_HEADER_LEN + 6, 0x1234);                   /* e.g. only the pseudo-header sum */
    synack_input_flags(s.st, 0, pkt, len, SYNACK_INPUT_CSUM_VALID, s.now);
    CHECK_EQ(synack_recvfrom(s.st, u, buf, sizeof buf, NULL), 2);
    peer_sends_raw(&s, pkt, len);
    CHECK_EQ(synack_recvfrom(s.st, u, buf, sizeof buf, NULL), -SYNACK_EAGAIN);
    CHECK_EQ(synack_stack_stats(s.st)->drops[SYNACK_DROP_UDP_CHECKSUM], 1);
    synack_close(s.st, u);
    scenario_end(&s);
}
