/*
 * test_reset.c — resets, state by state: RFC 9293 §3.10.7.1 (no
 * connection), §3.10.7.3 (SYN-SENT), §3.10.7.4 second step (the other
 * states), RFC 5961 §3 (a RST in the window but not at RCV.NXT draws a
 * challenge ACK) and §4 (a SYN in a synchronized state draws one too), and
 * RFC 1337 §3 (TIME-WAIT ignores RST).
 *
 * As server the stack has ISS 8000 and the peer ISS 1000; as client the
 * stack has ISS 1000 and the peer ISS 8000.  The receive window is 65535.
 */
#include "scenario.h"

/* ---- No connection: RFC 9293 §3.10.7.1 ---- */

/*  Nothing listens on :81 (the stack listens on :80 only).
 *  1                                       <--    SYN seq=5000 (to :81)
 *  2  RST|ACK seq=0 ack=5001 win=0         -->    <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
 *  3                                       <--    FIN|PSH seq=6000 len=5 (no ACK)
 *  4  RST|ACK seq=0 ack=6006               -->    the FIN counts in SEG.LEN
 */
TEST(closed_port_syn_is_answered_rst_ack)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  peer_sends(&s, SEG(SYN, .seq = 5000, .mss = 1460, .dport = 81));
                expect_sent(&s, SEG(RST | ACK, .seq = 0, .ack = 5001, .win_zero = true));
    at(&s, 10); peer_sends(&s, SEG(FIN | PSH, .seq = 6000, .data = "hello", .dport = 81));
                expect_sent(&s, SEG(RST | ACK, .seq = 0, .ack = 6006));
    CHECK_EQ(synack_stack_stats(s.st)->tcp_out_rsts, 2);
    scenario_end(&s);
}

/*  1                                       <--    ACK seq=5000 ack=7777 (to :81)
 *  2  RST seq=7777                         -->    <SEQ=SEG.ACK><CTL=RST>, no ACK bit
 *  3                                       <--    ACK|PSH seq=5000 ack=9999 "data"
 *  4  RST seq=9999                         -->
 */
TEST(closed_port_ack_is_answered_rst_seq_seg_ack)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  peer_sends(&s, SEG(ACK, .seq = 5000, .ack = 7777, .dport = 81));
                expect_sent(&s, SEG(RST, .seq = 7777));
    at(&s, 10); peer_sends(&s, SEG(ACK | PSH, .seq = 5000, .ack = 9999, .data = "data", .dport = 81));
                expect_sent(&s, SEG(RST, .seq = 9999));
    scenario_end(&s);
}

/*  "An incoming segment containing a RST is discarded": never answer a
 *  reset with a reset.
 */
TEST(closed_port_rst_is_ignored)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  peer_sends(&s, SEG(RST, .seq = 5000, .dport = 81));
                peer_sends(&s, SEG(RST | ACK, .seq = 5000, .ack = 7777, .dport = 81));
                expect_nothing_sent(&s);
    CHECK_EQ(synack_stack_stats(s.st)->drops[SYNACK_DROP_TCP_NO_CONNECTION_RST], 2);
    CHECK_EQ(synack_stack_stats(s.st)->tcp_out_rsts, 0);
    scenario_end(&s);
}

/* ---- SYN_SENT: RFC 9293 §3.10.7.3 ---- */

/*  Connecting to a port where nothing listens: the peer answers as RFC
 *  9293 §3.10.7.1 says, and the application learns ECONNREFUSED from the
 *  ready list and from synack_socket_error(), once.
 *  1  SYN seq=1000 mss=1460                -->    SYN_SENT
 *  2                                       <--    RST|ACK seq=0 ack=1001
 *                                                 CLOSED, ERROR ready
 */
TEST(connect_to_port_without_listener_is_refused)
{
    struct scenario s;
    struct synack_event ev;
    scenario_client(&s, .iss = 1000);
    at(&s, 0);  CHECK_EQ(app_connect(&s), -SYNACK_EINPROGRESS);
                expect_sent(&s, SEG(SYN, .seq = 1000, .mss = 1460));
                while (synack_next_event(s.st, &ev))   /* drain what connect() reported */
                    ;
    at(&s, 10); peer_sends(&s, SEG(RST | ACK, .seq = 0, .ack = 1001));
                expect_nothing_sent(&s);
                expect_state(&s, CLOSED);
                REQUIRE(synack_next_event(s.st, &ev) == 1);
                CHECK_EQ(ev.sock, s.sock);
                CHECK(ev.ready & SYNACK_ERROR);
                CHECK(ev.ready & SYNACK_CLOSED);
                CHECK(!(ev.ready & SYNACK_CONNECTED));
                CHECK_EQ(app_error(&s), -SYNACK_ECONNREFUSED);
                CHECK_EQ(app_error(&s), 0);              /* taken, like SO_ERROR */
                CHECK(!(app_ready(&s) & SYNACK_ERROR));
    CHECK_EQ(synack_stack_stats(s.st)->tcp_attempt_fails, 1);
    at(&s, 10000); expect_nothing_sent(&s);              /* no SYN retransmission */
    scenario_end(&s);
}

/*  The same refusal seen through recv(), which returns the error.
 *  1  SYN seq=1000                         -->    SYN_SENT
 *  2                                       <--    RST|ACK seq=0 ack=1001
 *     recv() -> -ECONNREFUSED
 */
TEST(syn_sent_rst_with_acceptable_ack_refuses)
{
    struct scenario s;
    char buf[8];
    scenario_client(&s, .iss = 1000);
    at(&s, 0);  CHECK_EQ(app_connect(&s), -SYNACK_EINPROGRESS);
                expect_sent(&s, SEG(SYN, .seq = 1000, .mss = 1460));
                CHECK_EQ(app_recv(&s, buf, sizeof buf), -SYNACK_EAGAIN);
    at(&s, 10); peer_sends(&s, SEG(RST | ACK, .seq = 0, .ack = 1001));
                expect_nothing_sent(&s);
                expect_state(&s, CLOSED);
                CHECK(app_ready(&s) & SYNACK_ERROR);
                CHECK_EQ(app_recv(&s, buf, sizeof buf), -SYNACK_ECONNREFUSED);
                CHECK_EQ(app_send(&s, "x"), -SYNACK_EPIPE);
    scenario_end(&s);
}

/*  RFC 9293 §3.10.7.3: in SYN_SENT a RST is acceptable only with an ACK of
 *  our SYN; without the ACK bit, or with an ACK that does not cover the
 *  SYN, it is dropped (and a RST is never answered).
 *  1  SYN seq=1000                         -->    SYN_SENT
 *  2                                       <--    RST seq=0           (no ACK): dropped
 *  3                                       <--    RST|ACK seq=0 ack=1000 (=ISS): dropped
 *  4                                       <--    RST|ACK seq=0 ack=5000 (beyond SND.NXT): dropped
 *  5                                       <--    SYN|ACK seq=8000 ack=1001
 *  6  ACK seq=1001 ack=8001                -->    ESTABLISHED
 */
TEST(syn_sent_rst_without_acceptable_ack_is_ignored)
{
    struct scenario s;
    scenario_client(&s, .iss = 1000);
    at(&s, 0);  CHECK_EQ(app_connect(&s), -SYNACK_EINPROGRESS);
                expect_sent(&s, SEG(SYN, .seq = 1000, .mss = 1460));
    at(&s, 10); peer_sends(&s, SEG(RST, .seq = 0));
                expect_nothing_sent(&s);
                expect_state(&s, SYN_SENT);
                peer_sends(&s, SEG(RST | ACK, .seq = 0, .ack = 1000));
                expect_nothing_sent(&s);
                expect_state(&s, SYN_SENT);
                peer_sends(&s, SEG(RST | ACK, .seq = 0, .ack = 5000));
                expect_nothing_sent(&s);
                expect_state(&s, SYN_SENT);
                CHECK_EQ(app_error(&s), 0);
    at(&s, 20); peer_sends(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460));
                expect_sent(&s, SEG(ACK, .seq = 1001, .ack = 8001));
                expect_state(&s, ESTABLISHED);
    CHECK_EQ(synack_stack_stats(s.st)->drops[SYNACK_DROP_TCP_RST_IGNORED], 1);
    CHECK_EQ(synack_stack_stats(s.st)->drops[SYNACK_DROP_TCP_SYN_SENT_BAD], 2);
    scenario_end(&s);
}

/* ---- SYN_RECEIVED from an active open: RFC 9293 §3.10.7.4 second step ---- */

/*  "If this connection was initiated with an active OPEN (i.e., came from
 *  SYN-SENT state), then the connection was refused".
 *  1  SYN seq=1000                         -->
 *  2                                       <--    SYN seq=8000
 *  3  SYN|ACK seq=1000 ack=8001            -->    SYN_RECEIVED
 *  4                                       <--    RST seq=8001
 *                                                 CLOSED, ECONNREFUSED
 */
TEST(syn_received_active_rst_refuses)
{
    struct scenario s;
    scenario_client(&s, .iss = 1000);
    at(&s, 0);  CHECK_EQ(app_connect(&s), -SYNACK_EINPROGRESS);
                expect_sent(&s, SEG(SYN, .seq = 1000, .mss = 1460));
    at(&s, 10); peer_sends(&s, SEG(SYN, .seq = 8000, .mss = 1460));
                expect_sent(&s, SEG(SYN | ACK, .seq = 1000, .ack = 8001, .mss = 1460));
                expect_state(&s, SYN_RECEIVED);
    at(&s, 20); peer_sends(&s, SEG(RST, .seq = 8001));
                expect_nothing_sent(&s);
                expect_state(&s, CLOSED);
                CHECK_EQ(app_error(&s), -SYNACK_ECONNREFUSED);
    at(&s, 5000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/* ---- ESTABLISHED ---- */

/*  An exact RST (SEG.SEQ = RCV.NXT) resets the connection (RFC 5961 §3.2).
 *  1                                       <--    RST seq=1001
 *                                                 CLOSED, recv() -> -ECONNRESET
 */
TEST(established_exact_rst_resets)
{
    struct scenario s;
    char buf[8];
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); peer_sends(&s, SEG(RST, .seq = 1001));
                expect_nothing_sent(&s);
                expect_state(&s, CLOSED);
                CHECK(app_ready(&s) & SYNACK_ERROR);
                CHECK(app_ready(&s) & SYNACK_CLOSED);
                CHECK_EQ(app_recv(&s, buf, sizeof buf), -SYNACK_ECONNRESET);
    CHECK_EQ(synack_stack_stats(s.st)->tcp_estab_resets, 1);
    CHECK_EQ(synack_stack_stats(s.st)->tcp_curr_estab, 0);
    at(&s, 5000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  The same with RST|ACK, and with unacknowledged data outstanding: the
 *  retransmission timer dies with the connection.
 *  1  ACK|PSH seq=8001 ack=1001 "lost"     -->
 *  2                                       <--    RST|ACK seq=1001 ack=8001
 *                                                 CLOSED, ECONNRESET
 */
TEST(established_exact_rst_ack_resets_with_data_in_flight)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  handshake_passive(&s, 1000);
                CHECK_EQ(app_send(&s, "lost"), 4);
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .data = "lost"));
    at(&s, 10); peer_sends(&s, SEG(RST | ACK, .seq = 1001, .ack = 8001));
                expect_nothing_sent(&s);
                expect_state(&s, CLOSED);
                CHECK_EQ(app_error(&s), -SYNACK_ECONNRESET);
                CHECK_EQ(app_send(&s, "more"), -SYNACK_EPIPE);
    at(&s, 10000); expect_nothing_sent(&s);            /* no retransmission */
    scenario_end(&s);
}

/*  RFC 5961 §3.2: a RST whose sequence number is in the window but not
 *  exactly RCV.NXT draws a challenge ACK <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
 *  and the connection stays; only a genuine peer can then send the exact
 *  RST.
 *  1                                       <--    RST seq=1002
 *  2  ACK seq=8001 ack=1001                -->    challenge ACK, ESTABLISHED
 *  3                                       <--    RST seq=66535 (= RCV.NXT + RCV.WND - 1)
 *  4  ACK seq=8001 ack=1001                -->    challenge ACK
 *  5                                       <--    RST seq=1001
 *                                                 CLOSED
 */
TEST(established_in_window_rst_draws_challenge_ack)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); peer_sends(&s, SEG(RST, .seq = 1002));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001));
                expect_state(&s, ESTABLISHED);
                CHECK_EQ(app_error(&s), 0);
    at(&s, 20); peer_sends(&s, SEG(RST | ACK, .seq = 1001 + 65534, .ack = 8001));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001));
                expect_state(&s, ESTABLISHED);
    at(&s, 30); peer_sends(&s, SEG(RST, .seq = 1001));
                expect_nothing_sent(&s);
                expect_state(&s, CLOSED);
                CHECK_EQ(app_error(&s), -SYNACK_ECONNRESET);
    scenario_end(&s);
}

/*  A RST outside the window is dropped silently: no challenge ACK, no
 *  change (RFC 5961 §3.2: "If the RST bit is set and the sequence number
 *  is outside the current receive window, silently drop the segment").
 *  1                                       <--    RST seq=66536 (= RCV.NXT + RCV.WND)
 *  2                                       <--    RST seq=1000  (= RCV.NXT - 1)
 *  3                                       <--    RST|ACK seq=500000 ack=8001
 *     nothing sent, ESTABLISHED; data still flows:
 *  4                                       <--    ACK|PSH seq=1001 ack=8001 "ok"
 */
TEST(established_out_of_window_rst_is_dropped_silently)
{
    struct scenario s;
    char buf[8];
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); peer_sends(&s, SEG(RST, .seq = 1001 + 65535));
                peer_sends(&s, SEG(RST, .seq = 1000));
                peer_sends(&s, SEG(RST | ACK, .seq = 500000, .ack = 8001));
                expect_nothing_sent(&s);
                expect_state(&s, ESTABLISHED);
                CHECK_EQ(app_error(&s), 0);
    at(&s, 20); peer_sends(&s, SEG(ACK | PSH, .seq = 1001, .ack = 8001, .data = "ok"));
                CHECK_EQ(app_recv(&s, buf, sizeof buf), 2);
    at(&s, 220); expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1003));
                expect_state(&s, ESTABLISHED);
    scenario_end(&s);
}

/*  RFC 5961 §4.2: a SYN in a synchronized state, whatever its sequence
 *  number, draws a challenge ACK; the connection is not reset.
 *  1                                       <--    SYN seq=1001
 *  2  ACK seq=8001 ack=1001                -->
 *  3                                       <--    SYN seq=30000
 *  4  ACK seq=8001 ack=1001                -->    ESTABLISHED
 */
TEST(established_syn_draws_challenge_ack)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); peer_sends(&s, SEG(SYN, .seq = 1001, .mss = 1460));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001));
                expect_state(&s, ESTABLISHED);
    at(&s, 20); peer_sends(&s, SEG(SYN, .seq = 30000, .mss = 1460));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001));
                expect_state(&s, ESTABLISHED);
                CHECK_EQ(app_error(&s), 0);
    scenario_end(&s);
}

/* ---- After the user or the peer closed ---- */

/*  FIN_WAIT_1: the application shut down its write side and still holds
 *  the socket, so it hears of the reset.
 *  1  FIN|ACK seq=8001 ack=1001            -->    FIN_WAIT_1
 *  2                                       <--    RST seq=1001
 *                                                 CLOSED, ECONNRESET
 */
TEST(fin_wait_1_rst_resets)
{
    struct scenario s;
    char buf[8];
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); CHECK_EQ(app_shutdown_write(&s), 0);
                expect_sent(&s, SEG(FIN | ACK, .seq = 8001, .ack = 1001));
                expect_state(&s, FIN_WAIT_1);
    at(&s, 20); peer_sends(&s, SEG(RST, .seq = 1001));
                expect_nothing_sent(&s);
                expect_state(&s, CLOSED);
                CHECK_EQ(app_recv(&s, buf, sizeof buf), -SYNACK_ECONNRESET);
    at(&s, 5000); expect_nothing_sent(&s);            /* the FIN is not retransmitted */
    scenario_end(&s);
}

/*  FIN_WAIT_2: our FIN is acknowledged; a RST (exact) still resets, and one
 *  in the window but not exact draws a challenge ACK first.
 *  1  FIN|ACK seq=8001 ack=1001            -->    FIN_WAIT_1
 *  2                                       <--    ACK seq=1001 ack=8002
 *                                                 FIN_WAIT_2
 *  3                                       <--    RST seq=1500
 *  4  ACK seq=8002 ack=1001                -->    challenge ACK
 *  5                                       <--    RST seq=1001
 *                                                 CLOSED, ECONNRESET
 */
TEST(fin_wait_2_rst_resets)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); CHECK_EQ(app_shutdown_write(&s), 0);
                expect_sent(&s, SEG(FIN | ACK, .seq = 8001, .ack = 1001));
    at(&s, 20); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8002));
                expect_state(&s, FIN_WAIT_2);
    at(&s, 30); peer_sends(&s, SEG(RST, .seq = 1500));
                expect_sent(&s, SEG(ACK, .seq = 8002, .ack = 1001));
                expect_state(&s, FIN_WAIT_2);
    at(&s, 40); peer_sends(&s, SEG(RST, .seq = 1001));
                expect_nothing_sent(&s);
                expect_state(&s, CLOSED);
                CHECK_EQ(app_error(&s), -SYNACK_ECONNRESET);
    scenario_end(&s);
}

/*  CLOSE_WAIT: the peer's FIN took one sequence number, so the exact RST
 *  is at 1002.  The application has read the end of stream (recv() keeps
 *  returning 0) and learns of the reset from synack_socket_error().
 *  1                                       <--    FIN|ACK seq=1001 ack=8001
 *                                                 CLOSE_WAIT
 *  2                                       <--    RST seq=1002
 *                                                 CLOSED, ECONNRESET
 */
TEST(close_wait_rst_resets)
{
    struct scenario s;
    char buf[8];
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); peer_sends(&s, SEG(FIN | ACK, .seq = 1001, .ack = 8001));
                expect_state(&s, CLOSE_WAIT);
                CHECK_EQ(app_recv(&s, buf, sizeof buf), 0);
    at(&s, 20); peer_sends(&s, SEG(RST, .seq = 1002));
                expect_nothing_sent(&s);                 /* the delayed ACK is cancelled */
                expect_state(&s, CLOSED);
                CHECK(app_ready(&s) & SYNACK_ERROR);
                CHECK_EQ(app_error(&s), -SYNACK_ECONNRESET);
    CHECK_EQ(synack_stack_stats(s.st)->tcp_estab_resets, 1);
    at(&s, 5000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  CLOSING (after a simultaneous close): "If the RST bit is set, then
 *  enter the CLOSED state, delete the TCB, and return."
 *  1  FIN|ACK seq=8001 ack=1001            -->    FIN_WAIT_1
 *  2                                       <--    FIN|ACK seq=1001 ack=8001
 *  3  ACK seq=8002 ack=1002                -->    CLOSING
 *  4                                       <--    RST seq=1002
 *                                                 CLOSED, FIN not retransmitted
 */
TEST(closing_rst_closes)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); CHECK_EQ(app_close(&s), 0);
                expect_sent(&s, SEG(FIN | ACK, .seq = 8001, .ack = 1001));
    at(&s, 20); peer_sends(&s, SEG(FIN | ACK, .seq = 1001, .ack = 8001));
                expect_sent(&s, SEG(ACK, .seq = 8002, .ack = 1002));
                expect_state(&s, CLOSING);
    at(&s, 30); peer_sends(&s, SEG(RST, .seq = 1002));
                expect_nothing_sent(&s);
                expect_state(&s, CLOSED);
    at(&s, 10000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  LAST_ACK: the same.
 *  1                                       <--    FIN|ACK seq=1001 ack=8001
 *     close()
 *  2  FIN|ACK seq=8001 ack=1002            -->    LAST_ACK
 *  3                                       <--    RST seq=1002
 *                                                 CLOSED, FIN not retransmitted
 */
TEST(last_ack_rst_closes)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); peer_sends(&s, SEG(FIN | ACK, .seq = 1001, .ack = 8001));
                CHECK_EQ(app_close(&s), 0);
                expect_sent(&s, SEG(FIN | ACK, .seq = 8001, .ack = 1002));
                expect_state(&s, LAST_ACK);
    at(&s, 20); peer_sends(&s, SEG(RST, .seq = 1002));
                expect_nothing_sent(&s);
                expect_state(&s, CLOSED);
    at(&s, 10000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  TIME_WAIT ignores RST (RFC 1337 §3, "TIME-WAIT assassination"): the
 *  wait runs to its end at 2*MSL as if nothing had arrived.  An in-window
 *  RST that is not exact draws no challenge ACK either: the exact RST it
 *  would invite is ignored anyway.
 *  1  FIN|ACK seq=8001 ack=1001            -->    FIN_WAIT_1
 *  2                                       <--    FIN|ACK seq=1001 ack=8002
 *  3  ACK seq=8002 ack=1002                -->    TIME_WAIT at t=20
 *  4                                       <--    RST seq=1002 (exact)
 *  5                                       <--    RST|ACK seq=1002 ack=8002
 *  6                                       <--    RST seq=1500 (in window, not exact)
 *     nothing sent; TIME_WAIT until t=2020
 */
TEST(time_wait_ignores_rst)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .msl_us = 1000000);
    at(&s, 0);    handshake_passive(&s, 1000);
    at(&s, 10);   CHECK_EQ(app_close(&s), 0);
                  expect_sent(&s, SEG(FIN | ACK, .seq = 8001, .ack = 1001));
    at(&s, 20);   peer_sends(&s, SEG(FIN | ACK, .seq = 1001, .ack = 8002));
                  expect_sent(&s, SEG(ACK, .seq = 8002, .ack = 1002));
                  expect_state(&s, TIME_WAIT);
    at(&s, 500);  peer_sends(&s, SEG(RST, .seq = 1002));
                  peer_sends(&s, SEG(RST | ACK, .seq = 1002, .ack = 8002));
                  peer_sends(&s, SEG(RST, .seq = 1500));
                  expect_nothing_sent(&s);
                  expect_state(&s, TIME_WAIT);
                  CHECK_EQ(synack_stack_stats(s.st)->tcp_tw_rst_ignored, 3);
                  CHECK_EQ(synack_stack_stats(s.st)->drops[SYNACK_DROP_TCP_RST_TIME_WAIT], 3);
                  CHECK_EQ(synack_stack_stats(s.st)->tcp_challenge_acks, 0);
    at(&s, 2019); expect_state(&s, TIME_WAIT);
    at(&s, 2020); expect_state(&s, CLOSED);
    scenario_end(&s);
}

/* ---- Resets the stack sends ---- */

/*  ABORT (RFC 9293 §3.10.5): in ESTABLISHED "a reset segment should be
 *  sent", <SEQ=SND.NXT><CTL=RST> (with the ACK bit, so that the peer can
 *  match it), and the connection is deleted at once.
 *  1  ACK|PSH seq=8001 ack=1001 "unacked"  -->
 *     abort()
 *  2  RST|ACK seq=8008 ack=1001            -->    CLOSED, nothing retransmitted
 */
TEST(abort_in_established_sends_rst)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);     handshake_passive(&s, 1000);
    at(&s, 10);    CHECK_EQ(app_send(&s, "unacked"), 7);
                   expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .data = "unacked"));
    at(&s, 20);    CHECK_EQ(app_abort(&s), 0);
                   expect_sent(&s, SEG(RST | ACK, .seq = 8008, .ack = 1001));
                   expect_state(&s, CLOSED);
    CHECK_EQ(synack_stack_stats(s.st)->tcp_estab_resets, 1);
    at(&s, 10000); expect_nothing_sent(&s);
                   peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8008));   /* the connection is gone */
                   expect_sent(&s, SEG(RST, .seq = 8008));
    scenario_end(&s);
}

/*  close() with data the application never read would lose it silently:
 *  RFC 1122 §4.2.2.13 (and RFC 2525 §2.17) say reset instead of FIN.
 *  1                                       <--    ACK|PSH seq=1001 ack=8001 "unread"
 *     close()
 *  2  RST|ACK seq=8001 ack=1007            -->    CLOSED
 */
TEST(close_with_unread_data_sends_rst)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); peer_sends(&s, SEG(ACK | PSH, .seq = 1001, .ack = 8001, .data = "unread"));
                expect_nothing_sent(&s);
                CHECK_EQ(app_close(&s), 0);
                expect_sent(&s, SEG(RST | ACK, .seq = 8001, .ack = 1007));
                expect_state(&s, CLOSED);
    at(&s, 5000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  Data that arrives after the application closed cannot be delivered
 *  (RFC 1122 §4.2.2.13): the orphan in FIN_WAIT_2 answers it with a reset
 *  and is deleted.
 *     close()
 *  1  FIN|ACK seq=8001 ack=1001            -->    FIN_WAIT_1
 *  2                                       <--    ACK seq=1001 ack=8002
 *                                                 FIN_WAIT_2
 *  3                                       <--    ACK|PSH seq=1001 ack=8002 "late"
 *  4  RST|ACK seq=8002 ack=1001            -->    CLOSED
 */
TEST(data_after_close_is_answered_with_rst)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); CHECK_EQ(app_close(&s), 0);
                expect_sent(&s, SEG(FIN | ACK, .seq = 8001, .ack = 1001));
    at(&s, 20); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8002));
                expect_state(&s, FIN_WAIT_2);
    at(&s, 30); peer_sends(&s, SEG(ACK | PSH, .seq = 1001, .ack = 8002, .data = "late"));
                expect_sent(&s, SEG(RST | ACK, .seq = 8002, .ack = 1001));
                expect_state(&s, CLOSED);
    scenario_end(&s);
}
