/*
 * test_window.c — flow control both ways.
 *
 * Receiving: the window the stack advertises is the free room of its
 * receive buffer (RFC 9293 §3.8.6), data beyond it is trimmed (§3.10.7.4
 * first step), a zero window is still probed and answered (§3.8.6.1), and
 * the right edge moves only by at least min(RCV.BUFF/2, MSS) (receiver SWS
 * avoidance, §3.8.6.2.2).
 *
 * Sending: a zero window stops the stack, a persist probe of one byte
 * follows after the RTO and then at doubling intervals (§3.8.6.1), and an
 * opened window lets the queued data go at once; the send buffer bounds
 * what the application may queue (synack/socket.h).
 *
 * The stack listens on :80 with ISS 8000 and accepts the peer's
 * connection (peer ISS 1000, MSS 1460 both ways) at time 0.
 */
#include <stdlib.h>

#include "scenario.h"

/* Reads up to n bytes and checks they are the peer's stream from `from`. */
static void expect_app_reads_(struct scenario *s, uint32_t from, uint32_t n, const char *file, int line)
{
    char *got = calloc(1, n), *want = calloc(1, n);
    long r = app_recv(s, got, n);
    if (r != (long)n)
        test_fail(file, line, "the application read %ld bytes, expected %u", r, n);
    peer_payload(from, n, want);
    if (r == (long)n && memcmp(got, want, n) != 0)
        test_fail(file, line, "the %u bytes read are not the peer's stream from seq %u", n, from);
    free(got);
    free(want);
}
#define expect_app_reads(s, from, n) expect_app_reads_(s, from, n, __FILE__, __LINE__)

/*  A receive buffer of 2000 bytes that the application leaves unread, then
 *  drains in small reads.  SWS threshold min(2000/2, 1460) = 1000.
 *  peer                                           stack :80, RCV.BUFF = 2000
 *  ACK seq=1001 len=1000                  -->     10
 *                                         <--     ACK ack=2001 win=1000       210 (delayed)
 *  ACK seq=2001 len=1000                  -->     300
 *                                         <--     ACK ack=3001 win=0          500 (delayed)
 *  ACK seq=3001 len=1  (window probe)     -->     600: no room
 *                                         <--     ACK ack=3001 win=0          at once
 *                      the application reads 500, then 499: no update (< 1000)
 *                      the application reads 1 more:
 *                                         <--     ACK ack=3001 win=1000       window update
 *                      the application reads the other 1000:
 *                                         <--     ACK ack=3001 win=2000       window update
 */
TEST(receive_window_shrinks_while_data_waits_and_reopens_after_reads)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .rcvbuf = 2000);
    at(&s, 0);   peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1460));
                 expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .win = 2000, .mss = 1460));
                 peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001));
                 CHECK(app_accept(&s) >= 0);
    at(&s, 10);  peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .len = 1000));
    at(&s, 210); expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 2001, .win = 1000));
    at(&s, 300); peer_sends(&s, SEG(ACK, .seq = 2001, .ack = 8001, .len = 1000));
                 expect_nothing_sent(&s);
    at(&s, 500); expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 3001, .win_zero = true));
                 CHECK_EQ(app_info(&s).rcv_wnd, 0);
    at(&s, 600); peer_sends(&s, SEG(ACK, .seq = 3001, .ack = 8001, .len = 1));
                 expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 3001, .win_zero = true));
    at(&s, 700); expect_app_reads(&s, 1001, 500);
                 expect_nothing_sent(&s);
                 expect_app_reads(&s, 1501, 499);
                 expect_nothing_sent(&s);
                 CHECK_EQ(app_info(&s).rcv_wnd, 0);
                 expect_app_reads(&s, 2000, 1);
                 expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 3001, .win = 1000));
                 CHECK_EQ(app_info(&s).rcv_wnd, 1000);
                 expect_app_reads(&s, 2001, 1000);
                 expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 3001, .win = 2000));
    at(&s, 5000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  Receiver SWS avoidance also governs the window carried by ordinary
 *  ACKs: while less than 1000 bytes of room have come back, the right edge
 *  stays where it was.
 *  ACK seq=1001 len=1000, seq=2001 len=1000 -->   10, 11 (second: ACK at once)
 *                                         <--     ACK ack=3001 win=0
 *                      the application reads 600
 *  ACK seq=3001 len=0  (pure ACK, nothing to answer)
 *                      the application reads 400 more
 *                                         <--     ACK ack=3001 win=1000
 */
TEST(receive_window_right_edge_moves_only_by_the_sws_threshold)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .rcvbuf = 2000);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .len = 1000));
    at(&s, 11); peer_sends(&s, SEG(ACK, .seq = 2001, .ack = 8001, .len = 1000));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 3001, .win_zero = true));
    at(&s, 20); expect_app_reads(&s, 1001, 600);
                expect_nothing_sent(&s);
                CHECK_EQ(app_info(&s).rcv_wnd, 0);
    at(&s, 30); expect_app_reads(&s, 1601, 400);
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 3001, .win = 1000));
    at(&s, 1000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  RFC 9293 §3.10.7.4: a segment only partly inside the window is trimmed
 *  to the part inside; the rest must come again when there is room.
 *  ACK seq=1001 len=1500                  -->     10: window 2000, all taken
 *                                         <--     ACK ack=2501 win=500        210
 *  ACK seq=2501 len=1000                  -->     300: 500 taken, 500 trimmed
 *                                         <--     ACK ack=3001 win=0          at once: the window was overrun
 *  ACK seq=3001 len=500  (the rest, again) -->    400: window 0, nothing taken
 *                                         <--     ACK ack=3001 win=0          at once
 *                      the application reads 2000 bytes: 1001..3000, each once
 */
TEST(data_beyond_the_receive_window_is_trimmed)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .rcvbuf = 2000);
    at(&s, 0);   handshake_passive(&s, 1000);
    at(&s, 10);  peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .len = 1500));
    at(&s, 210); expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 2501, .win = 500));
    at(&s, 300); peer_sends(&s, SEG(ACK, .seq = 2501, .ack = 8001, .len = 1000));
                 expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 3001, .win_zero = true));
                 CHECK_EQ(app_info(&s).bytes_received, 2000);
    at(&s, 400); peer_sends(&s, SEG(ACK, .seq = 3001, .ack = 8001, .len = 500));
                 expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 3001, .win_zero = true));
                 CHECK_EQ(app_info(&s).bytes_received, 2000);
                 expect_app_reads(&s, 1001, 2000);
                 expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 3001, .win = 2000));   /* window update */
    at(&s, 500); peer_sends(&s, SEG(ACK, .seq = 3001, .ack = 8001, .len = 500));
    at(&s, 700); expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 3501, .win = 1500));
                 expect_app_reads(&s, 3001, 500);
    scenario_end(&s);
}

/*  A segment that starts at or beyond the right edge is not acceptable at
 *  all: it is dropped and answered with an ACK (RFC 9293 §3.10.7.4).
 *  One that starts inside and ends beyond is kept in part, out of order.
 *  ACK seq=3001 len=100                   -->     right edge is 3001: dropped
 *                                         <--     ACK ack=1001 win=2000
 *  ACK seq=2901 len=200                   -->     2901..3000 held out of order
 *                                         <--     ACK ack=1001 win=2000
 *  ACK seq=1001 len=1000, seq=2001 len=900 -->    the hole fills
 *                                         <--     ACK ack=3001 win=0
 */
TEST(segment_starting_beyond_the_window_is_dropped_and_acked)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .rcvbuf = 2000);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); peer_sends(&s, SEG(ACK, .seq = 3001, .ack = 8001, .len = 100));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .win = 2000));
                CHECK_EQ(synack_stack_stats(s.st)->drops[SYNACK_DROP_TCP_OUT_OF_WINDOW], 1);
    at(&s, 20); peer_sends(&s, SEG(ACK, .seq = 2901, .ack = 8001, .len = 200));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .win = 2000));
                CHECK_EQ(app_info(&s).ooo_bytes, 100);
    at(&s, 30); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .len = 1000));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 2001, .win = 1000));   /* part of the gap: at once */
    at(&s, 31); peer_sends(&s, SEG(ACK, .seq = 2001, .ack = 8001, .len = 900));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 3001, .win_zero = true));
                expect_app_reads(&s, 1001, 2000);
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 3001, .win = 2000));
    scenario_end(&s);
}

/*  The peer closes its window; the stack holds its data and probes.  RTO
 *  1 s (the minimum: the handshake measured 1 µs).
 *  peer                                           stack :80
 *  ACK ack=8001 win=0                     -->     10
 *                      the application sends "hello" at 20: nothing goes
 *                                         <--     ACK seq=8001 "h"    1020  probe after one RTO
 *  ACK ack=8001 win=0                     -->     1030  (not taken)
 *                                         <--     ACK seq=8001 "h"    3020  probe after 2 RTO
 *  ACK ack=8001 win=0                     -->     3030
 *                                         <--     ACK seq=8001 "h"    7020  probe after 4 RTO
 *  ACK ack=8001 win=0                     -->     7030
 *  ACK ack=8001 win=65535                 -->     8000  the window opens
 *                                         <--     ACK|PSH seq=8001 "hello"   at once
 *  ACK ack=8006                           -->     8010
 */
TEST(zero_window_stops_sending_and_persist_probes_back_off)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);        handshake_passive(&s, 1000);
    at(&s, 10);       peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .win_zero = true));
                      expect_nothing_sent(&s);
                      CHECK_EQ(app_info(&s).snd_wnd, 0);
    at(&s, 20);       CHECK_EQ(app_send(&s, "hello"), 5);
                      expect_nothing_sent(&s);
    at(&s, 1019.999); expect_nothing_sent(&s);
    at(&s, 1020);     expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .data = "h"));
    at(&s, 1030);     peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .win_zero = true));
                      expect_nothing_sent(&s);
    at(&s, 3019.999); expect_nothing_sent(&s);
    at(&s, 3020);     expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .data = "h"));
    at(&s, 3030);     peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .win_zero = true));
                      expect_nothing_sent(&s);
    at(&s, 7019.999); expect_nothing_sent(&s);
    at(&s, 7020);     expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .data = "h"));
    at(&s, 7030);     peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .win_zero = true));
                      expect_nothing_sent(&s);
                      expect_state(&s, ESTABLISHED);
    at(&s, 8000);     peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .win = 65535));
                      expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .data = "hello"));
    at(&s, 8010);     peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8006));
                      expect_nothing_sent(&s);
                      CHECK_EQ(app_info(&s).unacked_bytes, 0);
                      CHECK_EQ(app_info(&s).send_queue_bytes, 0);
    at(&s, 100000);   expect_nothing_sent(&s);
    expect_state(&s, ESTABLISHED);
    scenario_end(&s);
}

/*  The peer may take the probe byte while keeping its window shut; the
 *  next probe then carries the next byte.
 *  ACK ack=8001 win=0                     -->     10
 *                                         <--     ACK seq=8001 "h"    1020
 *  ACK ack=8002 win=0                     -->     1030  (taken)
 *                                         <--     ACK seq=8002 "e"    3020
 *  ACK ack=8003 win=100                   -->     3030  the window opens
 *                                         <--     ACK|PSH seq=8003 "llo"   at once
 */
TEST(zero_window_probe_taken_by_the_peer_moves_on)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);    handshake_passive(&s, 1000);
    at(&s, 10);   peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .win_zero = true));
    at(&s, 20);   CHECK_EQ(app_send(&s, "hello"), 5);
                  expect_nothing_sent(&s);
    at(&s, 1020); expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .data = "h"));
    at(&s, 1030); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8002, .win_zero = true));
                  expect_nothing_sent(&s);
    at(&s, 3020); expect_sent(&s, SEG(ACK, .seq = 8002, .ack = 1001, .data = "e"));
    at(&s, 3030); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8003, .win = 100));
                  expect_sent(&s, SEG(ACK | PSH, .seq = 8003, .ack = 1001, .data = "llo"));
    at(&s, 3040); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8006, .win = 100));
                  expect_nothing_sent(&s);
    at(&s, 100000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  A send buffer of 1000 bytes.  send() takes what fits and then says
 *  EAGAIN; the socket is WRITABLE again when an ACK frees room.
 *                      the application sends 1500: 1000 accepted
 *                                         <--     ACK|PSH seq=8001 len=1000   10
 *                      the application sends 1 more: EAGAIN, not WRITABLE
 *  ACK ack=8501                           -->     20: 500 bytes free, WRITABLE (event)
 *                      the application sends 600: 500 accepted
 *                                         <--     ACK|PSH seq=9001 len=500
 *  ACK ack=9501                           -->     30: the buffer is empty
 */
TEST(send_buffer_limits_send_and_writable_returns_with_acks)
{
    struct scenario s;
    struct synack_event ev;
    scenario_listen(&s, .iss = 8000, .sndbuf = 1000);
    at(&s, 0);  handshake_passive(&s, 1000);
                /* Small writes must go at once here, not wait for ACKs. */
                CHECK_EQ(synack_setsockopt(s.st, s.sock, SYNACK_OPT_NODELAY, 1), 0);
                CHECK(app_ready(&s) & SYNACK_WRITABLE);
    at(&s, 10); CHECK_EQ(app_send_bytes(&s, 1500), 1000);
                expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .len = 1000));
                CHECK_EQ(app_send_bytes(&s, 1), -SYNACK_EAGAIN);
                CHECK(!(app_ready(&s) & SYNACK_WRITABLE));
                while (synack_next_event(s.st, &ev))
                    ;
    at(&s, 20); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8501));
                expect_nothing_sent(&s);
                CHECK(app_ready(&s) & SYNACK_WRITABLE);
                CHECK_EQ(synack_next_event(s.st, &ev), 1);
                CHECK_EQ(ev.sock, s.sock);
                CHECK(ev.ready & SYNACK_WRITABLE);
                CHECK_EQ(app_info(&s).send_queue_bytes, 500);
                CHECK_EQ(app_send_bytes(&s, 600), 500);
                expect_sent(&s, SEG(ACK | PSH, .seq = 9001, .ack = 1001, .len = 500));
                CHECK(!(app_ready(&s) & SYNACK_WRITABLE));
    at(&s, 30); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 9501));
                expect_nothing_sent(&s);
                CHECK(app_ready(&s) & SYNACK_WRITABLE);
                CHECK_EQ(app_info(&s).send_queue_bytes, 0);
    at(&s, 5000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  A peer that keeps its window shut for twenty minutes but answers every
 *  probe is never given up on (RFC 9293 §3.8.6.1): probes back off to the
 *  60 s maximum and keep coming, the retransmission timer stays out of it,
 *  and data flows as soon as the window opens.
 *  peer                                           stack :80
 *  ACK ack=8001 win=0                     -->     ESTABLISHED, "hello" queued
 *                                         <--     ACK seq=8001 "h"    (probe)
 *  ACK ack=8001 win=0                     -->     ... for 20 minutes
 *  ACK ack=8001 win=65535                 -->
 *                                         <--     ACK|PSH seq=8001 "hello"
 */
TEST(zero_window_peer_that_answers_is_never_abandoned)
{
    struct scenario s;
    struct tcp_segment seg;
    scenario_listen(&s, .iss = 8000);
    handshake_passive(&s, 1000);
    at(&s, 10); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .win_zero = true));
    at(&s, 20); CHECK_EQ(app_send(&s, "hello"), 5);
                expect_nothing_sent(&s);
    unsigned probes = 0;
    double last_probe_ms = 0, longest_gap_ms = 0;
    for (int i = 0; i < 1200; i++) {
        after_ms(&s, 1000);
        while (take_sent(&s, &seg)) {
            CHECK_EQ(seg.seq, 8001);
            CHECK_EQ(seg.payload_len, 1);
            CHECK(!(seg.flags & (TCP_RST | TCP_FIN)));
            double t = (double)s.now / 1000.0;
            if (probes && t - last_probe_ms > longest_gap_ms)
                longest_gap_ms = t - last_probe_ms;
            last_probe_ms = t;
            probes++;
            peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .win_zero = true));
        }
    }
    expect_state(&s, ESTABLISHED);
    CHECK(probes >= 20);                      /* 1+2+4+8+16+32 s, then every 60 s */
    CHECK(longest_gap_ms <= 61000);
    CHECK_EQ(app_info(&s).rto_expiries, 0);   /* the retransmission timer never ran */
    peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .win = 65535));
    expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .data = "hello"));
    peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8006));
    scenario_end(&s);
}

/*  The peer's window counts from its SEG.ACK, so the newest window is the
 *  one that came with the newest ACK, even on a segment of older sequence
 *  number (RFC 9293 §3.10.7.4; Linux updates the window on any ACK that
 *  moves SND.UNA).  Here the peer's out-of-order segment has raised
 *  SND.WL1; its retransmission of the hole acknowledges everything and
 *  shuts the window, and the stack must not send past it (found by
 *  fuzz/fuzz_conn.c: the old window slid forward with SND.UNA).
 *  ACK seq=1101 len=100 ack=8001          -->     10  out of order (SND.WL1 = 1101)
 *                                         <--     ACK seq=8001 ack=1001     at once
 *                      the application writes 1000 bytes at 20
 *                                         <--     ACK seq=8001 len=1000
 *  ACK seq=1001 len=100 ack=9001 win=0    -->     30  the hole filled, everything acked, window shut
 *                                         <--     ACK seq=9001 ack=1201     at once
 *                      the application writes "x" at 40: nothing goes (window 0)
 *                                         <--     ACK seq=9001 "x"          1040: a zero-window probe
 */
TEST(window_from_an_ack_that_moves_snd_una_counts_even_below_snd_wl1)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); peer_sends(&s, SEG(ACK, .seq = 1101, .ack = 8001, .len = 100));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001));
    at(&s, 20); CHECK_EQ(app_send_bytes(&s, 1000), 1000);
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .len = 1000));
    at(&s, 30); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 9001, .len = 100, .win_zero = true));
                expect_sent(&s, SEG(ACK, .seq = 9001, .ack = 1201));
                CHECK_EQ(app_info(&s).snd_wnd, 0);
    at(&s, 40); CHECK_EQ(app_send(&s, "x"), 1);
                expect_nothing_sent(&s);
    at(&s, 1040); expect_sent(&s, SEG(ACK, .seq = 9001, .ack = 1201, .data = "x"));
    scenario_end(&s);
}

/*  An old ACK (SEG.ACK < SND.UNA, still within MAX.SND.WND so no challenge)
 *  carries no window: RFC 9293 §3.10.7.4 ignores it, and its window,
 *  counted from an older SEG.ACK, would otherwise be applied from SND.UNA
 *  (here on an out-of-order segment, whose SEG.SEQ passes the SND.WL1
 *  test; found by fuzz/fuzz_conn.c).
 *                      the application writes 1000 bytes at 10
 *  ACK ack=9001                           -->     20
 *  ACK seq=1101 len=100 ack=8501 win=4    -->     30  old ACK: the window stays 65535
 *                                         <--     ACK seq=9001 ack=1001     at once (out of order)
 *                      the application writes 3000 bytes at 40: two full segments go at once
 */
TEST(window_of_an_old_ack_is_ignored)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); CHECK_EQ(app_send_bytes(&s, 1000), 1000);
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .len = 1000));
    at(&s, 20); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 9001));
    at(&s, 30); peer_sends(&s, SEG(ACK, .seq = 1101, .ack = 8501, .len = 100, .win = 4));
                expect_sent(&s, SEG(ACK, .seq = 9001, .ack = 1001));
                CHECK_EQ(app_info(&s).snd_wnd, 65535);
    at(&s, 40); CHECK_EQ(app_send_bytes(&s, 3000), 3000);
                expect_sent(&s, SEG(ACK, .seq = 9001, .ack = 1001, .len = 1460));
                expect_sent(&s, SEG(ACK, .seq = 10461, .ack = 1001, .len = 1460));
    scenario_end(&s);
}
