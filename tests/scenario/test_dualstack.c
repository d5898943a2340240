/*
 * test_dualstack.c — one stack, both families: the socket rules of
 * synack/socket.h (synack_bind) for TCP listeners, connect, bind conflicts
 * and UDP.
 *
 * The stack's interface has fd00:5ac::2/64 and 198.18.0.2/24; the peer is
 * fd00:5ac::1 or 198.18.0.1.  speak() switches the family the harness
 * builds and reads packets in (its addresses with it), so one scenario
 * can play an IPv6 peer and an IPv4 peer in turn.  Nothing here is ever
 * v4-mapped: an IPv4 peer is an IPv4 endpoint.
 */
#include "byteorder.h"
#include "scenario.h"

static struct synack_addr v6(uint8_t n)
{
    uint8_t b[16] = { 0xfd, 0x00, 0x05, 0xac, [15] = n };
    return synack_addr_v6(b);
}
static struct synack_addr v4(uint8_t n) { return synack_addr_v4(198, 18, 0, n); }

/* A stack with both addresses and no socket yet. */
static void setup_(struct scenario *s, const char *name)
{
    scenario_client_(s, name, (struct scenario_opts){ .family = 6, .mtu = 1500, .iss = 8000 });
    synack_close(s->st, s->sock);
    s->sock = -1;
    CHECK_EQ(synack_iface_add_addr(s->st, 0, v4(2), 24), 0);
    at(s, 0);
}
#define setup(s) setup_(s, __func__)

/* The harness speaks `family` from now on (peer :40000, stack :80). */
static void speak(struct scenario *s, int family)
{
    s->o.family = (uint8_t)family;
    s->stack_ep = synack_endpoint_make(family == 6 ? v6(2) : v4(2), 80);
    s->peer_ep = synack_endpoint_make(family == 6 ? v6(1) : v4(1), 40000);
}

static int listener_on(struct scenario *s, struct synack_addr addr, uint16_t port)
{
    int l = synack_socket(s->st);
    struct synack_endpoint ep = synack_endpoint_make(addr, port);
    CHECK_EQ(synack_bind(s->st, l, &ep), 0);
    CHECK_EQ(synack_listen(s->st, l, 8), 0);
    return l;
}

/* The handshake in the family spoken; the accepted socket's peer and
 * local endpoints must be that family's. */
static void handshake_(struct scenario *s, int listener, uint32_t peer_iss, const char *file, int line)
{
    peer_sends_(s, SEG(SYN, .seq = peer_iss), file, line);
    expect_sent_(s, SEG(SYN | ACK, .seq = 8000, .ack = peer_iss + 1), file, line);
    peer_sends_(s, SEG(ACK, .seq = peer_iss + 1, .ack = 8001), file, line);
    struct synack_endpoint peer;
    int h = synack_accept(s->st, listener, &peer);
    if (h < 0) {
        test_fail(file, line, "accept() found no connection");
        return;
    }
    struct synack_tcp_info info;
    CHECK_EQ(synack_getinfo(s->st, h, &info), 0);
    if (!synack_endpoint_equal(&peer, &s->peer_ep) || !synack_endpoint_equal(&info.remote, &s->peer_ep) ||
        !synack_endpoint_equal(&info.local, &s->stack_ep)) {
        char p[SYNACK_ENDPOINT_STRLEN], l[SYNACK_ENDPOINT_STRLEN];
        test_fail(file, line, "accepted %s -> %s, expected the family spoken",
                  synack_endpoint_format(&info.remote, p, sizeof p), synack_endpoint_format(&info.local, l, sizeof l));
    }
    synack_abort(s->st, h);
    synack_poll(s->st, s->now);
    struct tcp_segment rst;
    if (!take_sent(s, &rst) || !(rst.flags & RST))
        test_fail(file, line, "expected the abort's RST");
}
#define handshake(s, l, iss) handshake_(s, l, iss, __FILE__, __LINE__)

/* A SYN to :80 that no listener takes is answered with RST|ACK. */
static void expect_refused_(struct scenario *s, const char *file, int line)
{
    peer_sends_(s, SEG(SYN, .seq = 3000), file, line);
    expect_sent_(s, SEG(RST | ACK, .seq = 0, .ack = 3001), file, line);
}
#define expect_refused(s) expect_refused_(s, __FILE__, __LINE__)

/*  listener on [::]:80
 *  IPv6 SYN from [fd00:5ac::1]:40000    -->  handshake; accept: the peer is [fd00:5ac::1]:40000
 *  IPv4 SYN from 198.18.0.1:40000       -->  handshake; accept: the peer is 198.18.0.1:40000
 *  The same with a listener bound to the unspecified address of family UNSPEC.
 */
TEST(a_listener_on_the_ipv6_wildcard_takes_both_families)
{
    for (int unspec = 0; unspec < 2; unspec++) {
        struct scenario s;
        setup(&s);
        int l = listener_on(&s, synack_addr_any(unspec ? SYNACK_AF_UNSPEC : SYNACK_AF_INET6), 80);
        speak(&s, 6);
        handshake(&s, l, 1000);
        speak(&s, 4);
        handshake(&s, l, 2000);
        CHECK_EQ(synack_stack_stats(s.st)->tcp_passive_opens, 2);
        synack_close(s.st, l);
        scenario_end(&s);
    }
}

/*  listener on 0.0.0.0:80
 *  IPv4 SYN                             -->  handshake
 *  IPv6 SYN                             -->  RST (IPv4 only)
 *  listeners on [fd00:5ac::2]:80 and 198.18.0.2:80 together
 *  IPv6 SYN, IPv4 SYN                   -->  each to its own listener
 *  the IPv4 one closed: IPv4 SYN        -->  RST ([fd00:5ac::2]:80 takes no IPv4)
 */
TEST(the_ipv4_wildcard_and_specific_addresses_take_their_own_family)
{
    struct scenario s;
    setup(&s);
    int l = listener_on(&s, synack_addr_any(SYNACK_AF_INET), 80);
    speak(&s, 4);
    handshake(&s, l, 1000);
    speak(&s, 6);
    expect_refused(&s);
    synack_close(s.st, l);
    int l6 = listener_on(&s, v6(2), 80);
    int l4 = listener_on(&s, v4(2), 80);
    speak(&s, 6);
    handshake(&s, l6, 3000);
    speak(&s, 4);
    handshake(&s, l4, 4000);
    synack_close(s.st, l4);
    expect_refused(&s);                               /* [fd00:5ac::2]:80 takes no IPv4 */
    synack_close(s.st, l6);
    scenario_end(&s);
}

/* Bind conflicts: a second binding of a port fails exactly when some
 * packet would match both (every wildcard takes IPv4). */
TEST(bind_conflicts_follow_what_each_binding_takes)
{
    static const struct {
        int first, second;      /* 0: 0.0.0.0, 1: ::, 2: UNSPEC, 3: 198.18.0.2, 4: fd00:5ac::2 */
        bool conflict;
    } cases[] = {
        { 0, 1, true },  { 1, 0, true },  { 0, 2, true },  { 2, 1, true },  { 1, 3, true },
        { 2, 4, true },  { 3, 0, true },  { 4, 1, true },  { 0, 4, false }, { 4, 0, false },
        { 3, 4, false }, { 4, 3, false }, { 3, 3, true },  { 4, 4, true },
    };
    struct scenario s;
    setup(&s);
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct synack_addr a[2];
        int which[2] = { cases[i].first, cases[i].second };
        for (int k = 0; k < 2; k++)
            a[k] = which[k] == 0   ? synack_addr_any(SYNACK_AF_INET)
                   : which[k] == 1 ? synack_addr_any(SYNACK_AF_INET6)
                   : which[k] == 2 ? synack_addr_any(SYNACK_AF_UNSPEC)
                   : which[k] == 3 ? v4(2)
                                   : v6(2);
        for (int udp = 0; udp < 2; udp++) {
            int x = udp ? synack_udp_socket(s.st) : synack_socket(s.st);
            int y = udp ? synack_udp_socket(s.st) : synack_socket(s.st);
            uint16_t port = (uint16_t)(1000 + i);
            struct synack_endpoint e0 = synack_endpoint_make(a[0], port), e1 = synack_endpoint_make(a[1], port);
            CHECK_EQ(synack_bind(s.st, x, &e0), 0);
            int rc = synack_bind(s.st, y, &e1);
            if (rc != (cases[i].conflict ? -SYNACK_EADDRINUSE : 0))
                test_fail(__FILE__, __LINE__, "case %u (%d then %d, %s): bind returned %d", i, which[0], which[1],
                          udp ? "UDP" : "TCP", rc);
            synack_close(s.st, x);
            synack_close(s.st, y);
        }
    }
    scenario_end(&s);
}

/*  socket bound to 0.0.0.0:5000, connect to [fd00:5ac::1]:80  -->  EAFNOSUPPORT
 *  socket bound to [::]:5001, connect to 198.18.0.1:80
 *                                       <--  SYN from 198.18.0.2:5001 (IPv4)
 */
TEST(connect_takes_the_family_the_binding_allows)
{
    struct scenario s;
    setup(&s);
    int c = synack_socket(s.st);
    struct synack_endpoint local = synack_endpoint_make(synack_addr_any(SYNACK_AF_INET), 5000);
    struct synack_endpoint to6 = synack_endpoint_make(v6(1), 80), to4 = synack_endpoint_make(v4(1), 80);
    CHECK_EQ(synack_bind(s.st, c, &local), 0);
    CHECK_EQ(synack_connect(s.st, c, &to6), -SYNACK_EAFNOSUPPORT);
    synack_close(s.st, c);
    c = synack_socket(s.st);
    local = synack_endpoint_make(synack_addr_any(SYNACK_AF_INET6), 5001);
    CHECK_EQ(synack_bind(s.st, c, &local), 0);
    CHECK_EQ(synack_connect(s.st, c, &to4), -SYNACK_EINPROGRESS);
    synack_poll(s.st, s.now);
    speak(&s, 4);
    s.peer_ep.port = 80;
    s.stack_ep.port = 5001;
    expect_sent(&s, SEG(SYN, .seq = 8000));
    struct synack_tcp_info info;
    CHECK_EQ(synack_getinfo(s.st, c, &info), 0);
    CHECK(synack_endpoint_equal(&info.local, &s.stack_ep));
    synack_abort(s.st, c);
    synack_poll(s.st, s.now);
    scenario_end(&s);
}

/*  UDP socket bound to *:53 (UNSPEC)
 *  IPv4 datagram from 198.18.0.1:40000   -->  recvfrom: 198.18.0.1:40000; the reply goes out over IPv4
 *  IPv6 datagram from [fd00:5ac::1]:40000  -->  recvfrom: [fd00:5ac::1]:40000; the reply over IPv6
 *  UDP socket bound to 0.0.0.0:54: sendto an IPv6 peer  -->  EAFNOSUPPORT;
 *  an IPv6 datagram to :54               -->  no socket: port unreachable
 */
TEST(udp_sockets_are_dual_stack_too)
{
    struct scenario s;
    uint8_t pkt[256];
    char buf[32];
    setup(&s);
    int u = synack_udp_socket(s.st);
    struct synack_endpoint local = synack_endpoint_make(synack_addr_any(SYNACK_AF_UNSPEC), 53);
    CHECK_EQ(synack_bind(s.st, u, &local), 0);
    for (int family = 4; family <= 6; family += 2) {
        speak(&s, family);
        size_t len = peer_udp_packet(&s, 40000, 53, 1, "query", 5, pkt, sizeof pkt);
        peer_sends_raw(&s, pkt, len);
        struct synack_endpoint from;
        CHECK_EQ(synack_recvfrom(s.st, u, buf, sizeof buf, &from), 5);
        CHECK(synack_endpoint_equal(&from, &s.peer_ep));
        CHECK_EQ(synack_sendto(s.st, u, "answer", 6, &from), 6);
        synack_poll(s.st, s.now);
        expect_sent_udp(&s, 53, 40000, "answer", 6);
    }
    int u4 = synack_udp_socket(s.st);
    local = synack_endpoint_make(synack_addr_any(SYNACK_AF_INET), 54);
    CHECK_EQ(synack_bind(s.st, u4, &local), 0);
    struct synack_endpoint to6 = synack_endpoint_make(v6(1), 40000);
    CHECK_EQ(synack_sendto(s.st, u4, "x", 1, &to6), -SYNACK_EAFNOSUPPORT);
    speak(&s, 6);
    size_t len = peer_udp_packet(&s, 40000, 54, 1, "x", 1, pkt, sizeof pkt);
    peer_sends_raw(&s, pkt, len);
    CHECK_EQ(synack_stack_stats(s.st)->udp_no_ports, 1);
    uint8_t icmp[256];
    CHECK_EQ(take_sent_raw(&s, icmp, sizeof icmp), 40 + 8 + len);
    synack_close(s.st, u);
    synack_close(s.st, u4);
    scenario_end(&s);
}
