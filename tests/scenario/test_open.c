/*
 * test_open.c — opening a connection: the transitions of RFC 9293 §3.3.2
 * (Figure 5) that start in CLOSED, SYN_SENT and SYN_RECEIVED, simultaneous
 * open (RFC 9293 §3.5, Figure 7), and CLOSE during the handshake
 * (RFC 9293 §3.10.4).
 *
 * The stack is the client on :49152 with ISS 1000 unless said otherwise;
 * the peer (the test) is on :40000 with ISS 8000.  Both announce MSS 1460.
 */
#include "scenario.h"

/*  stack (client)                                 peer
 *  CLOSED -> SYN_SENT
 *  1  SYN seq=1000 mss=1460                -->
 *  2                                       <--    SYN|ACK seq=8000 ack=1001 mss=1460
 *  3  ACK seq=1001 ack=8001                -->    ESTABLISHED
 */
TEST(active_open_closed_syn_sent_established)
{
    struct scenario s;
    scenario_client(&s, .iss = 1000);
    at(&s, 0);  CHECK_EQ(app_connect(&s), -SYNACK_EINPROGRESS);
                expect_sent(&s, SEG(SYN, .seq = 1000, .mss = 1460));
                expect_state(&s, SYN_SENT);
                CHECK(!(app_ready(&s) & SYNACK_CONNECTED));
    at(&s, 10); peer_sends(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460));
                expect_sent(&s, SEG(ACK, .seq = 1001, .ack = 8001));
                expect_state(&s, ESTABLISHED);
                CHECK(app_ready(&s) & SYNACK_CONNECTED);
                CHECK(app_ready(&s) & SYNACK_WRITABLE);
    scenario_end(&s);
}

/*  peer                                           stack listening on :80
 *  1  SYN seq=1000 mss=1460                -->    LISTEN -> SYN_RECEIVED
 *  2                                       <--    SYN|ACK seq=8000 ack=1001 mss=1460
 *  3  ACK seq=1001 ack=8001                -->    ESTABLISHED, accept() returns it
 */
TEST(passive_open_listen_syn_received_established)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1460));
                expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460));
                expect_state(&s, SYN_RECEIVED);
                CHECK_EQ(app_accept(&s), -SYNACK_EAGAIN);   /* an embryo is not accepted */
    at(&s, 10); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001));
                expect_nothing_sent(&s);
                expect_state(&s, ESTABLISHED);
                CHECK(synack_socket_ready(s.st, s.listener) & SYNACK_READABLE);
                CHECK(app_accept(&s) >= 0);
                CHECK(app_ready(&s) & SYNACK_CONNECTED);
    scenario_end(&s);
}

/*  Simultaneous open (RFC 9293 §3.5, Figure 7): both ends send a SYN, each
 *  sees the other's bare SYN in SYN_SENT and answers it with SYN|ACK
 *  repeating its own ISS.  Here the peer's SYN|ACK completes the handshake.
 *
 *  stack (client)                                 peer (also in SYN_SENT)
 *  1  SYN seq=1000 mss=1460                -->    (crosses 2)
 *  2                                       <--    SYN seq=8000 mss=1460
 *     SYN_SENT -> SYN_RECEIVED
 *  3  SYN|ACK seq=1000 ack=8001 mss=1460   -->
 *  4                                       <--    SYN|ACK seq=8000 ack=1001
 *     ESTABLISHED (the SYN repeats one already taken; nothing to answer)
 *  5  ACK|PSH seq=1001 ack=8001 "hello"    -->
 */
TEST(simultaneous_open_completed_by_syn_ack)
{
    struct scenario s;
    scenario_client(&s, .iss = 1000);
    at(&s, 0);  CHECK_EQ(app_connect(&s), -SYNACK_EINPROGRESS);
                expect_sent(&s, SEG(SYN, .seq = 1000, .mss = 1460));
    at(&s, 10); peer_sends(&s, SEG(SYN, .seq = 8000, .mss = 1460));
                expect_sent(&s, SEG(SYN | ACK, .seq = 1000, .ack = 8001, .mss = 1460));
                expect_state(&s, SYN_RECEIVED);
                CHECK(!(app_ready(&s) & SYNACK_CONNECTED));
    at(&s, 20); peer_sends(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460));
                expect_nothing_sent(&s);
                expect_state(&s, ESTABLISHED);
                CHECK(app_ready(&s) & SYNACK_CONNECTED);
                CHECK_EQ(app_send(&s, "hello"), 5);
                expect_sent(&s, SEG(ACK, .seq = 1001, .ack = 8001, .data = "hello"));
    at(&s, 30); peer_sends(&s, SEG(ACK, .seq = 8001, .ack = 1006));
                expect_nothing_sent(&s);
                expect_state(&s, ESTABLISHED);
    scenario_end(&s);
}

/*  Simultaneous open in which the peer, having taken our SYN|ACK, answers
 *  it with a plain ACK.
 *  1  SYN seq=1000                         -->
 *  2                                       <--    SYN seq=8000
 *  3  SYN|ACK seq=1000 ack=8001            -->    SYN_RECEIVED
 *  4                                       <--    ACK seq=8001 ack=1001
 *                                                 ESTABLISHED
 *  5                                       <--    ACK|PSH seq=8001 ack=1001 "data"
 */
TEST(simultaneous_open_completed_by_ack)
{
    struct scenario s;
    char buf[16];
    scenario_client(&s, .iss = 1000);
    at(&s, 0);  CHECK_EQ(app_connect(&s), -SYNACK_EINPROGRESS);
                expect_sent(&s, SEG(SYN, .seq = 1000, .mss = 1460));
    at(&s, 10); peer_sends(&s, SEG(SYN, .seq = 8000, .mss = 1460));
                expect_sent(&s, SEG(SYN | ACK, .seq = 1000, .ack = 8001, .mss = 1460));
                expect_state(&s, SYN_RECEIVED);
    at(&s, 20); peer_sends(&s, SEG(ACK, .seq = 8001, .ack = 1001));
                expect_nothing_sent(&s);
                expect_state(&s, ESTABLISHED);
                CHECK(app_ready(&s) & SYNACK_CONNECTED);
    at(&s, 30); peer_sends(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .data = "data"));
                CHECK_EQ(app_recv(&s, buf, sizeof buf), 4);
                CHECK(memcmp(buf, "data", 4) == 0);
    at(&s, 230); expect_sent(&s, SEG(ACK, .seq = 1001, .ack = 8005));   /* delayed ACK */
    scenario_end(&s);
}

/*  CLOSE in SYN_SENT (RFC 9293 §3.10.4): "delete the TCB": nothing is sent,
 *  the SYN is not retransmitted, and the peer's late SYN|ACK finds no
 *  connection, so it is answered as for CLOSED (§3.10.7.1).
 *  1  SYN seq=1000                         -->    SYN_SENT
 *     close()                                     CLOSED, nothing sent
 *  2                                       <--    SYN|ACK seq=8000 ack=1001 (late)
 *  3  RST seq=1001                         -->    <SEQ=SEG.ACK><CTL=RST>
 */
TEST(close_in_syn_sent_sends_nothing)
{
    struct scenario s;
    scenario_client(&s, .iss = 1000);
    at(&s, 0);     CHECK_EQ(app_connect(&s), -SYNACK_EINPROGRESS);
                   expect_sent(&s, SEG(SYN, .seq = 1000, .mss = 1460));
    at(&s, 10);    CHECK_EQ(app_close(&s), 0);
                   expect_nothing_sent(&s);
                   expect_state(&s, CLOSED);
    at(&s, 10000); expect_nothing_sent(&s);   /* no SYN retransmission */
                   peer_sends(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460));
                   expect_sent(&s, SEG(RST, .seq = 1001));
    scenario_end(&s);
}

/*  CLOSE in SYN_RECEIVED (RFC 9293 §3.10.4): with nothing queued to send,
 *  "form a FIN segment and send it, and enter FIN-WAIT-1 state".  The
 *  SYN_RECEIVED connection an application holds is one of a simultaneous
 *  open.
 *  1  SYN seq=1000                         -->
 *  2                                       <--    SYN seq=8000
 *  3  SYN|ACK seq=1000 ack=8001            -->    SYN_RECEIVED
 *     close()
 *  4  FIN|ACK seq=1001 ack=8001            -->    FIN_WAIT_1
 *  5                                       <--    ACK seq=8001 ack=1002
 *                                                 FIN_WAIT_2
 *  6                                       <--    FIN|ACK seq=8001 ack=1002
 *  7  ACK seq=1002 ack=8002                -->    TIME_WAIT
 */
TEST(close_in_syn_received_sends_fin)
{
    struct scenario s;
    scenario_client(&s, .iss = 1000, .msl_us = 1000000);
    at(&s, 0);    CHECK_EQ(app_connect(&s), -SYNACK_EINPROGRESS);
                  expect_sent(&s, SEG(SYN, .seq = 1000, .mss = 1460));
    at(&s, 10);   peer_sends(&s, SEG(SYN, .seq = 8000, .mss = 1460));
                  expect_sent(&s, SEG(SYN | ACK, .seq = 1000, .ack = 8001, .mss = 1460));
                  expect_state(&s, SYN_RECEIVED);
    at(&s, 20);   CHECK_EQ(app_close(&s), 0);
                  expect_sent(&s, SEG(FIN | ACK, .seq = 1001, .ack = 8001));
                  expect_state(&s, FIN_WAIT_1);
    at(&s, 30);   peer_sends(&s, SEG(ACK, .seq = 8001, .ack = 1002));
                  expect_nothing_sent(&s);
                  expect_state(&s, FIN_WAIT_2);
    at(&s, 40);   peer_sends(&s, SEG(FIN | ACK, .seq = 8001, .ack = 1002));
                  expect_sent(&s, SEG(ACK, .seq = 1002, .ack = 8002));
                  expect_state(&s, TIME_WAIT);
    at(&s, 2040); expect_state(&s, CLOSED);
    scenario_end(&s);
}

/*  The same close in SYN_RECEIVED when the SYN|ACK and FIN are lost: the
 *  retransmission timer, running since our SYN left at t=0 (RFC 6298 §5.1),
 *  expires after the initial RTO of 1 s and resends the SYN|ACK, then the
 *  FIN.
 *  3  SYN|ACK seq=1000 ack=8001            -->    SYN_RECEIVED (lost)
 *     close()
 *  4  FIN|ACK seq=1001 ack=8001            -->    FIN_WAIT_1 (lost)
 *  5  SYN|ACK seq=1000 ack=8001            -->    t=1000
 *  6  FIN|ACK seq=1001 ack=8001            -->
 *  7                                       <--    ACK seq=8001 ack=1002
 *                                                 FIN_WAIT_2
 */
TEST(close_in_syn_received_retransmits_syn_ack_and_fin)
{
    struct scenario s;
    scenario_client(&s, .iss = 1000);
    at(&s, 0);    CHECK_EQ(app_connect(&s), -SYNACK_EINPROGRESS);
                  expect_sent(&s, SEG(SYN, .seq = 1000, .mss = 1460));
    at(&s, 10);   peer_sends(&s, SEG(SYN, .seq = 8000, .mss = 1460));
                  expect_sent(&s, SEG(SYN | ACK, .seq = 1000, .ack = 8001, .mss = 1460));
    at(&s, 20);   CHECK_EQ(app_close(&s), 0);
                  expect_sent(&s, SEG(FIN | ACK, .seq = 1001, .ack = 8001));
                  expect_state(&s, FIN_WAIT_1);
    at(&s, 999);  expect_nothing_sent(&s);
    at(&s, 1000); expect_sent(&s, SEG(SYN | ACK, .seq = 1000, .ack = 8001, .mss = 1460));
                  expect_sent(&s, SEG(FIN | ACK, .seq = 1001, .ack = 8001));
                  expect_state(&s, FIN_WAIT_1);
    at(&s, 1020); peer_sends(&s, SEG(ACK, .seq = 8001, .ack = 1002));
                  expect_nothing_sent(&s);
                  expect_state(&s, FIN_WAIT_2);
    scenario_end(&s);
}

/*  shutdown(SHUT_WR) in SYN_RECEIVED is the same CLOSE, but the
 *  application keeps the socket: it sees the connection as still opening
 *  until our SYN is acknowledged, then as connected, and goes on receiving.
 *  3  SYN|ACK seq=1000 ack=8001            -->    SYN_RECEIVED
 *     shutdown(WR)
 *  4  FIN|ACK seq=1001 ack=8001            -->    FIN_WAIT_1, recv() -> EAGAIN
 *  5                                       <--    ACK|PSH seq=8001 ack=1002 "reply"
 *                                                 FIN_WAIT_2, CONNECTED
 *  6                                       <--    FIN|ACK seq=8006 ack=1002
 *  7  ACK seq=1002 ack=8007                -->    TIME_WAIT
 */
TEST(shutdown_write_in_syn_received_keeps_receiving)
{
    struct scenario s;
    char buf[16];
    scenario_client(&s, .iss = 1000);
    at(&s, 0);  CHECK_EQ(app_connect(&s), -SYNACK_EINPROGRESS);
                expect_sent(&s, SEG(SYN, .seq = 1000, .mss = 1460));
    at(&s, 10); peer_sends(&s, SEG(SYN, .seq = 8000, .mss = 1460));
                expect_sent(&s, SEG(SYN | ACK, .seq = 1000, .ack = 8001, .mss = 1460));
    at(&s, 20); CHECK_EQ(app_shutdown_write(&s), 0);
                expect_sent(&s, SEG(FIN | ACK, .seq = 1001, .ack = 8001));
                expect_state(&s, FIN_WAIT_1);
                CHECK_EQ(app_recv(&s, buf, sizeof buf), -SYNACK_EAGAIN);
                CHECK(!(app_ready(&s) & SYNACK_CONNECTED));
    at(&s, 30); peer_sends(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1002, .data = "reply"));
                expect_state(&s, FIN_WAIT_2);
                CHECK(app_ready(&s) & SYNACK_CONNECTED);
                CHECK_EQ(app_recv(&s, buf, sizeof buf), 5);
                CHECK(memcmp(buf, "reply", 5) == 0);
    at(&s, 40); peer_sends(&s, SEG(FIN | ACK, .seq = 8006, .ack = 1002));
                expect_sent(&s, SEG(ACK, .seq = 1002, .ack = 8007));
                expect_state(&s, TIME_WAIT);
                CHECK_EQ(app_recv(&s, buf, sizeof buf), 0);
                CHECK_EQ(app_error(&s), 0);
    scenario_end(&s);
}

/*  RFC 9293 §3.10.7.4, fifth step, SYN-RECEIVED after a simultaneous open:
 *  a SYN|ACK whose ACK does not cover our SYN is answered
 *  <SEQ=SEG.ACK><CTL=RST>, and the connection stays in SYN_RECEIVED.
 *  3  SYN|ACK seq=1000 ack=8001            -->    SYN_RECEIVED
 *  4                                       <--    SYN|ACK seq=8000 ack=1500
 *  5  RST seq=1500                         -->
 *  6                                       <--    ACK seq=8001 ack=1001
 *                                                 ESTABLISHED
 */
TEST(simultaneous_open_bad_ack_is_answered_with_rst)
{
    struct scenario s;
    scenario_client(&s, .iss = 1000);
    at(&s, 0);  CHECK_EQ(app_connect(&s), -SYNACK_EINPROGRESS);
                expect_sent(&s, SEG(SYN, .seq = 1000, .mss = 1460));
    at(&s, 10); peer_sends(&s, SEG(SYN, .seq = 8000, .mss = 1460));
                expect_sent(&s, SEG(SYN | ACK, .seq = 1000, .ack = 8001, .mss = 1460));
    at(&s, 20); peer_sends(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1500, .mss = 1460));
                expect_sent(&s, SEG(RST, .seq = 1500));
                expect_state(&s, SYN_RECEIVED);
    at(&s, 30); peer_sends(&s, SEG(ACK, .seq = 8001, .ack = 1001));
                expect_nothing_sent(&s);
                expect_state(&s, ESTABLISHED);
    scenario_end(&s);
}

/*  RFC 9293 §3.10.7.3, SYN_SENT, first check: an ACK that does not cover
 *  our SYN (SEG.ACK =< ISS or > SND.NXT) is answered <SEQ=SEG.ACK><CTL=RST>
 *  and the connection stays in SYN_SENT.
 *  1  SYN seq=1000                         -->    SYN_SENT
 *  2                                       <--    ACK seq=8000 ack=5000
 *  3  RST seq=5000                         -->
 *  4                                       <--    SYN|ACK seq=8000 ack=1000 (=ISS)
 *  5  RST seq=1000                         -->
 *  6                                       <--    SYN|ACK seq=8000 ack=1001
 *  7  ACK seq=1001 ack=8001                -->    ESTABLISHED
 */
TEST(syn_sent_unacceptable_ack_is_answered_with_rst)
{
    struct scenario s;
    scenario_client(&s, .iss = 1000);
    at(&s, 0);  CHECK_EQ(app_connect(&s), -SYNACK_EINPROGRESS);
                expect_sent(&s, SEG(SYN, .seq = 1000, .mss = 1460));
    at(&s, 10); peer_sends(&s, SEG(ACK, .seq = 8000, .ack = 5000));
                expect_sent(&s, SEG(RST, .seq = 5000));
                expect_state(&s, SYN_SENT);
    at(&s, 20); peer_sends(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1000, .mss = 1460));
                expect_sent(&s, SEG(RST, .seq = 1000));
                expect_state(&s, SYN_SENT);
                CHECK_EQ(app_error(&s), 0);
    at(&s, 30); peer_sends(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460));
                expect_sent(&s, SEG(ACK, .seq = 1001, .ack = 8001));
                expect_state(&s, ESTABLISHED);
    scenario_end(&s);
}

/*  RFC 9293 §3.10.7.3, fifth: in SYN_SENT a segment with neither SYN nor
 *  RST (here an acceptable ACK alone, then a bare FIN) is dropped.
 */
TEST(syn_sent_drops_segment_without_syn_or_rst)
{
    struct scenario s;
    scenario_client(&s, .iss = 1000);
    at(&s, 0);  CHECK_EQ(app_connect(&s), -SYNACK_EINPROGRESS);
                expect_sent(&s, SEG(SYN, .seq = 1000, .mss = 1460));
    at(&s, 10); peer_sends(&s, SEG(ACK, .seq = 8001, .ack = 1001));
                expect_nothing_sent(&s);
                expect_state(&s, SYN_SENT);
                peer_sends(&s, SEG(FIN, .seq = 8001));
                expect_nothing_sent(&s);
                expect_state(&s, SYN_SENT);
    at(&s, 20); peer_sends(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460));
                expect_sent(&s, SEG(ACK, .seq = 1001, .ack = 8001));
                expect_state(&s, ESTABLISHED);
    scenario_end(&s);
}

/*  Our ACK of the SYN|ACK was lost, so the peer retransmits its SYN|ACK.
 *  In ESTABLISHED it is an old duplicate (RFC 9293 §3.10.7.4, first step:
 *  "If an incoming segment is not acceptable, an acknowledgment should be
 *  sent in reply"), and the ACK it draws completes the peer's handshake.
 *  1  SYN seq=1000                         -->
 *  2                                       <--    SYN|ACK seq=8000 ack=1001
 *  3  ACK seq=1001 ack=8001                -->    ESTABLISHED (lost)
 *  4                                       <--    SYN|ACK seq=8000 ack=1001 (retransmitted)
 *  5  ACK seq=1001 ack=8001                -->    still ESTABLISHED
 */
TEST(established_retransmitted_syn_ack_is_acked_again)
{
    struct scenario s;
    scenario_client(&s, .iss = 1000);
    at(&s, 0);    handshake_active(&s, 8000);
    at(&s, 1000); peer_sends(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460));
                  expect_sent(&s, SEG(ACK, .seq = 1001, .ack = 8001));
                  expect_state(&s, ESTABLISHED);
                  CHECK_EQ(app_error(&s), 0);
    scenario_end(&s);
}
