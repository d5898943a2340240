/*
 * test_limits.c — the stack's limits bite where they should, and each
 * refusal is counted by reason: out-of-order data per connection
 * (ooo_max_bytes) and stack-wide (ooo_stack_max_bytes), the connection
 * table (max_connections), the memory pressure line (mem_pressure_bytes:
 * new work refused) and the hard cap (mem_max_bytes: the allocation
 * fails, the stack carries on).  Also what a connection costs.
 *
 * The stack listens on :80 with ISS 8000; the peer's ISS is 1000 (5000 for
 * a second connection from :40001).  "[1101,1201)" is the peer's 100-byte
 * segment at seq 1101.  Out-of-order data is stored in place in the
 * receive ring, so its cost is its span: from RCV.NXT to the end of the
 * furthest range.
 */
#include "scenario.h"

#include "stack_internal.h"
#include "tcp_conn.h"

/* A handshake from peer port sport (0: the scenario's) offering SACK, and
 * window scaling with shift ws when ws >= 0; accept() sets s->sock. */
static void handshake_(struct scenario *s, uint16_t sport, uint32_t peer_iss, int ws, const char *file, int line)
{
    peer_sends_(s, SEG(SYN, .seq = peer_iss, .mss = 1460, .sack_ok = true, .has_ws = ws >= 0,
                       .ws = (uint8_t)(ws < 0 ? 0 : ws), .sport = sport), file, line);
    expect_sent_(s, SEG(SYN | ACK, .seq = 8000, .ack = peer_iss + 1, .sack_ok = true), file, line);
    peer_sends_(s, SEG(ACK, .seq = peer_iss + 1, .ack = 8001, .sport = sport), file, line);
    if (app_accept(s) < 0)
        test_fail(file, line, "accept() found no connection after the handshake");
}
#define handshake(s, sport, peer_iss, ws) handshake_(s, sport, peer_iss, ws, __FILE__, __LINE__)

#define DATA(sq) SEG(ACK, .seq = (sq), .ack = 8001, .len = 100)
#define DATA_FROM(port, sq) SEG(ACK, .seq = (sq), .ack = 8001, .len = 100, .sport = (port))

static struct synack_mem_info mem(struct scenario *s)
{
    struct synack_mem_info m;
    synack_stack_mem(s->st, &m);
    return m;
}

/* Reads n bytes and checks they are the peer's stream from seq. */
static void read_check_(struct scenario *s, uint32_t seq, uint32_t n, const char *file, int line)
{
    static char buf[1 << 20], want[1 << 20];
    long got = app_recv(s, buf, n);
    peer_payload(seq, n, want);
    if (got != (long)n || memcmp(buf, want, n) != 0)
        test_fail(file, line, "read %ld bytes, wanted the %u bytes of the stream from %u", got, n, seq);
}
#define read_check(s, seq, n) read_check_(s, seq, n, __FILE__, __LINE__)

/*  ooo_max_bytes 300                               RCV.NXT 1001
 *  [1101,1201)              -->  span 200: held   <--  ACK 1001 sack{1101:1201}
 *  [1301,1401)              -->  span 400: dropped (TCP_OOO_CONN_LIMIT)
 *                                                 <--  ACK 1001 sack{1101:1201}
 *  [1001,1101)              -->  fills the hole   <--  ACK 1201
 *  [1301,1401)              -->  span 200 now     <--  ACK 1201 sack{1301:1401}
 *  [1201,1301)              -->                   <--  ACK 1401
 */
TEST(out_of_order_data_reaching_past_ooo_max_bytes_is_dropped_and_counted)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .ooo_max_bytes = 300);
    at(&s, 0);  handshake(&s, 0, 1000, -1);
    at(&s, 10); peer_sends(&s, DATA(1101));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .nsack = 1, .sack = { { 1101, 1201 } }));
                CHECK_EQ(stats(&s)->tcp_ooo_span_bytes, 200);
    at(&s, 20); peer_sends(&s, DATA(1301));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .nsack = 1, .sack = { { 1101, 1201 } }));
                CHECK_EQ(stats(&s)->drops[SYNACK_DROP_TCP_OOO_CONN_LIMIT], 1);
                CHECK_EQ(stats(&s)->tcp_ooo_drops, 1);
                CHECK_EQ(stats(&s)->tcp_ooo_span_bytes, 200);
    at(&s, 30); peer_sends(&s, DATA(1001));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1201, .no_sack = true));
                CHECK_EQ(stats(&s)->tcp_ooo_span_bytes, 0);
    at(&s, 40); peer_sends(&s, DATA(1301));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1201, .nsack = 1, .sack = { { 1301, 1401 } }));
    at(&s, 50); peer_sends(&s, DATA(1201));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1401, .no_sack = true));
                read_check(&s, 1001, 400);
                CHECK_EQ(stats(&s)->tcp_ooo_drops, 1);
                CHECK_EQ(stats(&s)->tcp_ooo_span_bytes, 0);
    scenario_end(&s);
}

/*  ooo_stack_max_bytes 300, two connections     A :40000 (RCV.NXT 1001), B :40001 (5001)
 *  A [1101,1201)            -->  200 of 300       <--  ACK 1001 sack{1101:1201}
 *  B [5101,5201)            -->  400: dropped (TCP_OOO_STACK_LIMIT)
 *                                                 <--  ACK 5001
 *  A [1001,1101)            -->  A's span is 0    <--  ACK 1201
 *  B [5101,5201)            -->  200: held        <--  ACK 5001 sack{5101:5201}
 *  B [5001,5101)            -->                   <--  ACK 5201
 */
TEST(the_stack_wide_out_of_order_limit_counts_every_connection)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .ooo_stack_max_bytes = 300);
    at(&s, 0);  handshake(&s, 0, 1000, -1);
    int a = s.sock;
                handshake(&s, 40001, 5000, -1);
    int b = s.sock;
    at(&s, 10); peer_sends(&s, DATA(1101));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .nsack = 1, .sack = { { 1101, 1201 } }));
    at(&s, 20); peer_sends(&s, DATA_FROM(40001, 5101));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 5001, .no_sack = true));
                CHECK_EQ(stats(&s)->drops[SYNACK_DROP_TCP_OOO_STACK_LIMIT], 1);
                CHECK_EQ(stats(&s)->tcp_ooo_span_bytes, 200);
    at(&s, 30); peer_sends(&s, DATA(1001));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1201, .no_sack = true));
                CHECK_EQ(stats(&s)->tcp_ooo_span_bytes, 0);
    at(&s, 40); peer_sends(&s, DATA_FROM(40001, 5101));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 5001, .nsack = 1, .sack = { { 5101, 5201 } }));
                CHECK_EQ(stats(&s)->tcp_ooo_span_bytes, 200);
    at(&s, 50); peer_sends(&s, DATA_FROM(40001, 5001));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 5201, .no_sack = true));
                CHECK_EQ(stats(&s)->tcp_ooo_span_bytes, 0);
                CHECK_EQ(stats(&s)->tcp_ooo_drops, 1);
    s.sock = a; read_check(&s, 1001, 200);
    s.sock = b; read_check(&s, 5001, 200);
    CHECK_EQ(synack_abort(s.st, a), 0);
    synack_poll(s.st, s.now);
    expect_sent(&s, SEG(RST | ACK, .seq = 8001, .ack = 1201));
    scenario_end(&s);
}

/*  max_connections 1, SYN cookies off
 *  :40000 handshake                                ESTABLISHED (the table is full)
 *  :40001 SYN seq=5000      -->  dropped (TCP_CONN_LIMIT), TCPConnLimit 1, ListenDrops 1
 *  connect() from the stack                        ENOBUFS, TCPConnLimit 2
 */
TEST(a_full_connection_table_drops_syns_and_refuses_connect)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .max_connections = 1, .no_syncookies = true);
    at(&s, 0);  handshake(&s, 0, 1000, -1);
    at(&s, 10); peer_sends(&s, SEG(SYN, .seq = 5000, .mss = 1460, .sport = 40001));
                expect_nothing_sent(&s);
                CHECK_EQ(stats(&s)->drops[SYNACK_DROP_TCP_CONN_LIMIT], 1);
                CHECK_EQ(stats(&s)->tcp_conn_limit, 1);
                CHECK_EQ(stats(&s)->tcp_listen_drops, 1);
    int c = synack_socket(s.st);
    CHECK(c >= 0);
    struct synack_endpoint peer = synack_endpoint_make(s.peer_ep.addr, 9);
    CHECK_EQ(synack_connect(s.st, c, &peer), -SYNACK_ENOBUFS);
    CHECK_EQ(stats(&s)->tcp_conn_limit, 2);
    CHECK_EQ(synack_close(s.st, c), 0);
    scenario_end(&s);
}

/*  max_connections 1, SYN cookies on: the SYN gets a cookie, but the ACK
 *  that brings it back finds the table still full and is dropped; once
 *  the first connection is gone, the repeated ACK makes the connection.
 *  :40001 SYN seq=5000      -->                   <--  SYN|ACK seq=C (cookie)
 *  :40001 ACK ack=C+1       -->  dropped (TCP_CONN_LIMIT)
 *  abort the first connection                     <--  RST
 *  :40001 ACK ack=C+1       -->  ESTABLISHED, accept()
 */
TEST(a_full_connection_table_answers_with_cookies_that_wait_for_room)
{
    struct scenario s;
    struct tcp_segment sa;
    scenario_listen(&s, .iss = 8000, .max_connections = 1);
    at(&s, 0);  handshake(&s, 0, 1000, -1);
    at(&s, 10); peer_sends(&s, SEG(SYN, .seq = 5000, .mss = 1460, .sport = 40001));
                REQUIRE(take_sent(&s, &sa));
                CHECK_EQ(sa.flags, TCP_SYN | TCP_ACK);
                CHECK(sa.seq != 8000);
                CHECK_EQ(stats(&s)->tcp_syncookies_sent, 1);
                CHECK_EQ(stats(&s)->tcp_conn_limit, 1);
    at(&s, 20); peer_sends(&s, SEG(ACK, .seq = 5001, .ack = sa.seq + 1, .sport = 40001));
                expect_nothing_sent(&s);
                CHECK_EQ(stats(&s)->drops[SYNACK_DROP_TCP_CONN_LIMIT], 1);
                CHECK_EQ(app_abort(&s), 0);
                expect_sent(&s, SEG(RST | ACK, .seq = 8001, .ack = 1001));
    at(&s, 30); peer_sends(&s, SEG(ACK, .seq = 5001, .ack = sa.seq + 1, .sport = 40001));
                CHECK(app_accept(&s) >= 0);
                CHECK_EQ(app_info(&s).state, SYNACK_TCP_ESTABLISHED);
                CHECK_EQ(stats(&s)->tcp_syncookies_recv, 1);
    scenario_end(&s);
}

/* Bytes in use after a handshake with the pressure setup below, measured
 * on a stack configured alike (the same allocations happen in the same
 * order), so that the tests can put the pressure line just above it. */
static uint64_t used_after_handshake(void)
{
    struct scenario m;
    scenario_listen(&m, .iss = 8000, .rcvbuf = 256 * 1024, .mem_max_bytes = 64u << 20);
    at(&m, 0); handshake(&m, 0, 1000, 7);
    int u = synack_udp_socket(m.st);
    struct synack_endpoint ep = synack_endpoint_make(m.stack_ep.addr, 7);
    CHECK_EQ(synack_bind(m.st, u, &ep), 0);
    uint64_t used = mem(&m).used;
    scenario_end(&m);
    return used;
}

/* The peer sends n bytes in order from seq, 1460 at a time; the ACKs are
 * taken unchecked.  Returns the next sequence number. */
static uint32_t peer_streams(struct scenario *s, uint32_t seq, uint32_t n)
{
    struct tcp_segment ack;
    for (uint32_t sent = 0; sent < n;) {
        uint32_t len = n - sent < 1460 ? n - sent : 1460;
        peer_sends(s, SEG(ACK, .seq = seq + sent, .ack = 8001, .len = len));
        sent += len;
    }
    while (take_sent(s, &ack)) {
    }
    return seq + n;
}

/* The right edge of the window an ACK advertises (our shift ws). */
static uint32_t right_edge(const struct tcp_segment *a, int ws) { return a->ack + ((uint32_t)a->window << ws); }

/*  Pressure line = what the stack holds after the handshake + 56 KiB;
 *  RCVBUF 256 KiB (window shift 3; the window is 256 KiB from the start).
 *
 *  peer streams 58400 bytes in order   -->  invited: the ring grows to 64 KiB,
 *                                           and the stack is past the line
 *  :40001 SYN               -->  no embryo: a SYN cookie (MemRefusedOpens)
 *  connect(), udp socket()                  ENOBUFS (MemRefusedOpens)
 *  [+8000, +9460) out of order   -->  needs a larger ring: dropped (TCP_OOO_MEMORY)
 *                                           <--  ACK (no SACK)
 *  the next 8000 bytes in order  -->  invited: taken, the ring grows to 128 KiB
 *  a UDP datagram to :7, an IP fragment   -->  dropped (UDP_NO_MEMORY, IP_FRAG_NO_MEMORY)
 *  the application reads 30000 bytes        no window update: the window may
 *                                           open no further than the storage
 *  1000 more bytes          -->             <--  ACK with the same right edge
 *  send(3000)                               2048: a ring's first storage is
 *                                           granted, no more (MemRefusedSends)
 *  send(100)                                EAGAIN: full and may not grow
 *                                           <--  [8001,9461)
 *  ACK 9461                 -->             <--  [9461,10049)
 *  ACK 10049                -->             the emptied send ring is given back
 *  the application reads the rest           the empty ring is given back, the
 *                                           stack is below the line again
 *                                           <--  window update: the edge moves on
 *  :40002 SYN               -->             <--  SYN|ACK seq=8000 (an embryo)
 */
TEST(under_memory_pressure_new_work_is_refused_and_invited_data_is_taken)
{
    uint64_t base = used_after_handshake();
    struct scenario s;
    struct tcp_segment a;
    scenario_listen(&s, .iss = 8000, .rcvbuf = 256 * 1024, .mem_max_bytes = 64u << 20,
                    .mem_pressure_bytes = base + 56 * 1024);
    at(&s, 0);  handshake(&s, 0, 1000, 7);
    int udp = synack_udp_socket(s.st);
    struct synack_endpoint ep = synack_endpoint_make(s.stack_ep.addr, 7);
    CHECK_EQ(synack_bind(s.st, udp, &ep), 0);
    CHECK_EQ(mem(&s).used, base);
    CHECK(!mem(&s).pressure);
    uint32_t edge = 1001 + 262144;
    at(&s, 10); uint32_t nxt = peer_streams(&s, 1001, 58400);
                CHECK(mem(&s).pressure);
                CHECK_EQ(stats(&s)->mem_pressures, 1);
                CHECK_EQ(app_info(&s).rcv_nxt, nxt);
    at(&s, 20); peer_sends(&s, SEG(SYN, .seq = 5000, .mss = 1460, .sport = 40001));
                REQUIRE(take_sent(&s, &a));
                CHECK_EQ(a.flags, TCP_SYN | TCP_ACK);
                CHECK(a.seq != 8000);                   /* a cookie: no embryo */
                CHECK_EQ(stats(&s)->tcp_syn_queue_len, 0);
                CHECK_EQ(stats(&s)->mem_refused_opens, 1);
    int c = synack_socket(s.st);
    struct synack_endpoint peer = synack_endpoint_make(s.peer_ep.addr, 9);
    CHECK_EQ(synack_connect(s.st, c, &peer), -SYNACK_ENOBUFS);
    CHECK_EQ(synack_udp_socket(s.st), -SYNACK_ENOBUFS);
    CHECK_EQ(stats(&s)->mem_refused_opens, 3);
    CHECK_EQ(synack_close(s.st, c), 0);
    at(&s, 30); peer_sends(&s, SEG(ACK, .seq = nxt + 8000, .ack = 8001, .len = 1460));
                REQUIRE(take_sent(&s, &a));
                CHECK_EQ(a.ack, nxt);
                CHECK_EQ(a.opt.sack_count, 0);
                CHECK_EQ(stats(&s)->drops[SYNACK_DROP_TCP_OOO_MEMORY], 1);
                CHECK_EQ(stats(&s)->tcp_ooo_drops, 1);
    at(&s, 40); nxt = peer_streams(&s, nxt, 8000);
                CHECK_EQ(app_info(&s).rcv_nxt, nxt);
                CHECK_EQ(stats(&s)->drops[SYNACK_DROP_TCP_RCV_MEMORY], 0);
    uint8_t pkt[1600], frag[1600];
    size_t len = peer_udp_packet(&s, 40000, 7, 1, "hello", 5, pkt, sizeof pkt);
    peer_sends_raw(&s, pkt, len);
    CHECK_EQ(stats(&s)->drops[SYNACK_DROP_UDP_NO_MEMORY], 1);
    len = peer_udp_packet(&s, 40000, 7, 2, "0123456789abcdef0123456789abcdef", 32, pkt, sizeof pkt);
    size_t flen = scenario_family(&s) == 6 ? ip6_fragment(pkt, 40, 0, 16, true, 2, frag, sizeof frag)
                                           : ip_fragment(pkt, 0, 16, true, frag, sizeof frag);
    peer_sends_raw(&s, frag, flen);
    CHECK_EQ(stats(&s)->drops[SYNACK_DROP_IP_FRAG_NO_MEMORY], 1);
    expect_nothing_sent(&s);
    at(&s, 50); read_check(&s, 1001, 30000);
                expect_nothing_sent(&s);               /* without the pressure: a window update */
                CHECK(mem(&s).pressure);
    at(&s, 60); nxt = peer_streams(&s, nxt, 0);
                peer_sends(&s, SEG(ACK, .seq = nxt, .ack = 8001, .len = 1000));
                nxt += 1000;
    at(&s, 300); REQUIRE(take_sent(&s, &a));            /* the delayed ACK */
                CHECK_EQ(a.ack, nxt);
                CHECK_EQ(right_edge(&a, 3), edge);
                CHECK(stats(&s)->mem_window_clamped >= 1);
                CHECK_EQ(app_send_bytes(&s, 3000), 2048);
                CHECK_EQ(stats(&s)->mem_refused_sends, 1);
                CHECK_EQ(app_send_bytes(&s, 100), -SYNACK_EAGAIN);
                CHECK_EQ(stats(&s)->mem_refused_sends, 2);
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = nxt, .len = 1460));
                peer_sends(&s, SEG(ACK, .seq = nxt, .ack = 9461));
                expect_sent(&s, SEG(ACK | PSH, .seq = 9461, .ack = nxt, .len = 588));   /* after Nagle */
                peer_sends(&s, SEG(ACK, .seq = nxt, .ack = 10049));
                expect_nothing_sent(&s);
    at(&s, 310); read_check(&s, 1001 + 30000, nxt - 1001 - 30000);
                CHECK(!mem(&s).pressure);
                CHECK_EQ(mem(&s).used, base);           /* every ring given back */
                REQUIRE(take_sent(&s, &a));             /* the window update */
                CHECK_EQ(a.ack, nxt);
                CHECK(right_edge(&a, 3) > edge);
    at(&s, 320); peer_sends(&s, SEG(SYN, .seq = 7000, .mss = 1460, .sport = 40002));
                expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 7001));
                CHECK_EQ(stats(&s)->tcp_syn_queue_len, 1);
                CHECK_EQ(stats(&s)->mem_pressures, 1);
    CHECK_EQ(synack_close(s.st, udp), 0);
    scenario_end(&s);
}

/*  The hard cap: mem_max_bytes = what the stack holds after the handshake
 *  + 224 KiB, and the pressure line at the cap (no new work is involved).
 *  RCVBUF 1 MiB: the window is open far beyond what memory allows.
 *
 *  peer streams 131072 bytes in order   -->  the ring grows to 128 KiB
 *  the next segment          -->  the ring cannot double under the cap:
 *                                 dropped (TCP_NO_MEMORY)   <--  ACK
 *  the application reads everything          <--  window update
 *  the segment again         -->  taken into the storage there is
 */
TEST(at_the_hard_cap_an_allocation_fails_and_the_connection_carries_on)
{
    struct scenario m;
    scenario_listen(&m, .iss = 8000, .rcvbuf = 1u << 20, .mem_max_bytes = 64u << 20);
    at(&m, 0); handshake(&m, 0, 1000, 7);
    uint64_t base = mem(&m).used;
    scenario_end(&m);

    struct scenario s;
    struct tcp_segment a;
    uint64_t cap = base + 224 * 1024;
    scenario_listen(&s, .iss = 8000, .rcvbuf = 1u << 20, .mem_max_bytes = cap, .mem_pressure_bytes = cap);
    at(&s, 0);  handshake(&s, 0, 1000, 7);
                CHECK_EQ(mem(&s).used, base);
                CHECK_EQ(mem(&s).max, cap);
    at(&s, 10); uint32_t nxt = peer_streams(&s, 1001, 131072);
                CHECK_EQ(app_info(&s).rcv_nxt, nxt);
                CHECK_EQ(stats(&s)->mem_alloc_failures, 0);
    at(&s, 20); peer_sends(&s, SEG(ACK, .seq = nxt, .ack = 8001, .len = 1460));
                REQUIRE(take_sent(&s, &a));
                CHECK_EQ(a.ack, nxt);
                CHECK_EQ(stats(&s)->drops[SYNACK_DROP_TCP_NO_MEMORY], 1);
                CHECK_EQ(stats(&s)->mem_alloc_failures, 1);
                CHECK(mem(&s).peak <= cap);
    at(&s, 30); read_check(&s, 1001, nxt - 1001);
                REQUIRE(take_sent(&s, &a));
                CHECK_EQ(a.ack, nxt);
    at(&s, 40); peer_sends(&s, SEG(ACK, .seq = nxt, .ack = 8001, .len = 1460));
    at(&s, 300); REQUIRE(take_sent(&s, &a));
                CHECK_EQ(a.ack, nxt + 1460);
                read_check(&s, nxt, 1460);
                CHECK(mem(&s).peak <= cap);
                CHECK_EQ(stats(&s)->mem_alloc_failures, 1);
    scenario_end(&s);
}

/*  What things cost.  The stack with its listener; a connection, embryonic
 *  or established with empty buffers, is exactly its TCB (the tables have
 *  room: 16 socket slots, 64 timer entries, 256 hash buckets); after a
 *  small exchange each ring holds its first 2 KiB.
 */
TEST(a_connection_costs_its_tcb_until_data_flows)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    uint64_t listening = mem(&s).used;
    at(&s, 0);  peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1460));
                expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001));
    uint64_t embryo = mem(&s).used - listening;
                peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001));
                CHECK(app_accept(&s) >= 0);
    uint64_t established = mem(&s).used - listening;
    CHECK_EQ(embryo, sizeof(struct tcp_conn));
    CHECK_EQ(established, sizeof(struct tcp_conn));
    at(&s, 10); peer_sends(&s, SEG(ACK | PSH, .seq = 1001, .ack = 8001, .data = "ping"));
                CHECK_EQ(app_send(&s, "pong"), 4);
                expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1005, .data = "pong"));
    char buf[8];
    CHECK_EQ(app_recv(&s, buf, sizeof buf), 4);
    uint64_t idle = mem(&s).used - listening;
    CHECK_EQ(idle, sizeof(struct tcp_conn) + 2 * 2048);
    printf("    memory: stack with a listener %llu B; connection (embryonic, or established with empty "
           "buffers) %llu B; idle after a small exchange %llu B; plus a socket slot (%zu B) and 8 B in "
           "each of the timer heap and the hash table, when those grow\n",
           (unsigned long long)listening, (unsigned long long)established, (unsigned long long)idle,
           sizeof(struct sock));
    at(&s, 20); peer_sends(&s, SEG(ACK, .seq = 1005, .ack = 8005));
    scenario_end(&s);
}
