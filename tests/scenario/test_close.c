/*
 * test_close.c — ending a connection: the closing transitions of RFC 9293
 * §3.3.2 (Figure 5), §3.6 (closing a connection: the three cases of
 * Figures 12 and 13), half-close (RFC 9293 §3.6: "CLOSE ... means 'I have
 * no more to send'" while receiving goes on), and TIME_WAIT (§3.6.1,
 * §3.10.7.4 eighth step, and the 2*MSL timeout of §3.10.8).
 *
 * As server the stack has ISS 8000 and the peer ISS 1000; as client the
 * stack has ISS 1000 and the peer ISS 8000.  MSL is 1 s, so 2*MSL = 2 s.
 */
#include "scenario.h"

/*  Active close through FIN_WAIT_2 (RFC 9293 Figure 12, "normal close"),
 *  the stack as server closing first.
 *     ESTABLISHED (handshake at t=0)
 *     close()
 *  1  FIN|ACK seq=8001 ack=1001            -->    FIN_WAIT_1
 *  2                                       <--    ACK seq=1001 ack=8002
 *                                                 FIN_WAIT_2
 *  3                                       <--    FIN|ACK seq=1001 ack=8002
 *  4  ACK seq=8002 ack=1002                -->    TIME_WAIT
 *     2*MSL later                                 CLOSED
 */
TEST(active_close_through_fin_wait_2)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .msl_us = 1000000);
    at(&s, 0);    handshake_passive(&s, 1000);
    at(&s, 100);  CHECK_EQ(app_close(&s), 0);
                  expect_sent(&s, SEG(FIN | ACK, .seq = 8001, .ack = 1001));
                  expect_state(&s, FIN_WAIT_1);
    at(&s, 110);  peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8002));
                  expect_nothing_sent(&s);
                  expect_state(&s, FIN_WAIT_2);
    at(&s, 300);  peer_sends(&s, SEG(FIN | ACK, .seq = 1001, .ack = 8002));
                  expect_sent(&s, SEG(ACK, .seq = 8002, .ack = 1002));
                  expect_state(&s, TIME_WAIT);
    at(&s, 2299); expect_state(&s, TIME_WAIT);
    at(&s, 2300); expect_state(&s, CLOSED);
    CHECK_EQ(synack_stack_stats(s.st)->tcp_time_wait_expired, 1);
    scenario_end(&s);
}

/*  Passive close (RFC 9293 Figure 12, the other end): CLOSE_WAIT ->
 *  LAST_ACK -> CLOSED, the stack as client.
 *                                          <--    FIN|ACK seq=8001 ack=1001
 *                                                 CLOSE_WAIT, recv() -> 0
 *  1  ACK seq=1001 ack=8002                -->    (delayed ACK, 200 ms)
 *     close()
 *  2  FIN|ACK seq=1001 ack=8002            -->    LAST_ACK
 *  3                                       <--    ACK seq=8002 ack=1002
 *                                                 CLOSED, no TIME_WAIT
 */
TEST(passive_close_close_wait_last_ack_closed)
{
    struct scenario s;
    char buf[16];
    scenario_client(&s, .iss = 1000);
    at(&s, 0);    handshake_active(&s, 8000);
    at(&s, 100);  peer_sends(&s, SEG(FIN | ACK, .seq = 8001, .ack = 1001));
                  expect_nothing_sent(&s);
                  expect_state(&s, CLOSE_WAIT);
                  CHECK(app_ready(&s) & SYNACK_HUP);
                  CHECK(app_ready(&s) & SYNACK_WRITABLE);
                  CHECK_EQ(app_recv(&s, buf, sizeof buf), 0);
    at(&s, 300);  expect_sent(&s, SEG(ACK, .seq = 1001, .ack = 8002));
    at(&s, 500);  CHECK_EQ(app_close(&s), 0);
                  expect_sent(&s, SEG(FIN | ACK, .seq = 1001, .ack = 8002));
                  expect_state(&s, LAST_ACK);
    at(&s, 510);  peer_sends(&s, SEG(ACK, .seq = 8002, .ack = 1002));
                  expect_nothing_sent(&s);
                  expect_state(&s, CLOSED);
    at(&s, 60000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  RFC 9293 §3.10.7.4, eighth step, FIN_WAIT_1: "If our FIN has been ACKed
 *  (perhaps in this segment), then enter TIME-WAIT".  One segment carries
 *  both the ACK of our FIN and the peer's FIN.
 *     close()
 *  1  FIN|ACK seq=8001 ack=1001            -->    FIN_WAIT_1
 *  2                                       <--    FIN|ACK seq=1001 ack=8002
 *  3  ACK seq=8002 ack=1002                -->    TIME_WAIT (at once)
 */
TEST(fin_wait_1_fin_with_ack_of_our_fin_goes_to_time_wait)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .msl_us = 1000000);
    at(&s, 0);    handshake_passive(&s, 1000);
    at(&s, 100);  CHECK_EQ(app_close(&s), 0);
                  expect_sent(&s, SEG(FIN | ACK, .seq = 8001, .ack = 1001));
                  expect_state(&s, FIN_WAIT_1);
    at(&s, 110);  peer_sends(&s, SEG(FIN | ACK, .seq = 1001, .ack = 8002));
                  expect_sent(&s, SEG(ACK, .seq = 8002, .ack = 1002));
                  expect_state(&s, TIME_WAIT);
    at(&s, 2109); expect_state(&s, TIME_WAIT);
    at(&s, 2110); expect_state(&s, CLOSED);
    scenario_end(&s);
}

/*  Simultaneous close (RFC 9293 Figure 13): the FINs cross.
 *     close()
 *  1  FIN|ACK seq=8001 ack=1001            -->    FIN_WAIT_1   (crosses 2)
 *  2                                       <--    FIN|ACK seq=1001 ack=8001
 *  3  ACK seq=8002 ack=1002                -->    CLOSING
 *  4                                       <--    ACK seq=1002 ack=8002
 *                                                 TIME_WAIT, CLOSED 2*MSL later
 */
TEST(simultaneous_close_fin_wait_1_closing_time_wait)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .msl_us = 1000000);
    at(&s, 0);    handshake_passive(&s, 1000);
    at(&s, 100);  CHECK_EQ(app_close(&s), 0);
                  expect_sent(&s, SEG(FIN | ACK, .seq = 8001, .ack = 1001));
                  expect_state(&s, FIN_WAIT_1);
    at(&s, 110);  peer_sends(&s, SEG(FIN | ACK, .seq = 1001, .ack = 8001));
                  expect_sent(&s, SEG(ACK, .seq = 8002, .ack = 1002));
                  expect_state(&s, CLOSING);
    at(&s, 120);  peer_sends(&s, SEG(ACK, .seq = 1002, .ack = 8002));
                  expect_nothing_sent(&s);
                  expect_state(&s, TIME_WAIT);
    at(&s, 2119); expect_state(&s, TIME_WAIT);
    at(&s, 2120); expect_state(&s, CLOSED);
    scenario_end(&s);
}

/*  Simultaneous close with the peer's ACK lost: in CLOSING our FIN is
 *  retransmitted after the RTO (1 s) and the peer's ACK of it ends CLOSING.
 */
TEST(simultaneous_close_closing_retransmits_fin)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .msl_us = 1000000);
    at(&s, 0);    handshake_passive(&s, 1000);
    at(&s, 100);  CHECK_EQ(app_close(&s), 0);
                  expect_sent(&s, SEG(FIN | ACK, .seq = 8001, .ack = 1001));
    at(&s, 110);  peer_sends(&s, SEG(FIN | ACK, .seq = 1001, .ack = 8001));
                  expect_sent(&s, SEG(ACK, .seq = 8002, .ack = 1002));
                  expect_state(&s, CLOSING);
    at(&s, 1099); expect_nothing_sent(&s);
    at(&s, 1100); expect_sent(&s, SEG(FIN | ACK, .seq = 8001, .ack = 1002));
                  expect_state(&s, CLOSING);
    at(&s, 1110); peer_sends(&s, SEG(ACK, .seq = 1002, .ack = 8002));
                  expect_state(&s, TIME_WAIT);
    scenario_end(&s);
}

/*  Half-close by the stack as client: shutdown(SHUT_WR) sends FIN, and the
 *  stack goes on receiving and acknowledging what the peer sends, through
 *  FIN_WAIT_1 and FIN_WAIT_2, until the peer's FIN.
 *     shutdown(WR)
 *  1  FIN|ACK seq=1001 ack=8001            -->    FIN_WAIT_1; send() -> EPIPE
 *  2                                       <--    ACK|PSH seq=8001 ack=1001 "abc" (FIN not yet acked)
 *  3                                       <--    ACK|PSH seq=8004 ack=1002 "defgh"
 *                                                 FIN_WAIT_2
 *  4  ACK seq=1002 ack=8009                -->    (every second segment at once)
 *  5                                       <--    ACK|PSH seq=8009 ack=1002 "ij"
 *  6  ACK seq=1002 ack=8011                -->    (delayed ACK, 200 ms)
 *  7                                       <--    FIN|ACK seq=8011 ack=1002
 *  8  ACK seq=1002 ack=8012                -->    TIME_WAIT
 */
TEST(half_close_client_keeps_receiving_after_shutdown_write)
{
    struct scenario s;
    char buf[32];
    scenario_client(&s, .iss = 1000, .msl_us = 1000000);
    at(&s, 0);    handshake_active(&s, 8000);
    at(&s, 100);  CHECK_EQ(app_shutdown_write(&s), 0);
                  expect_sent(&s, SEG(FIN | ACK, .seq = 1001, .ack = 8001));
                  expect_state(&s, FIN_WAIT_1);
                  CHECK_EQ(app_send(&s, "late"), -SYNACK_EPIPE);
                  CHECK(!(app_ready(&s) & SYNACK_WRITABLE));
                  CHECK(app_ready(&s) & SYNACK_CONNECTED);
    at(&s, 110);  peer_sends(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .data = "abc"));
                  expect_nothing_sent(&s);
                  expect_state(&s, FIN_WAIT_1);
    at(&s, 120);  peer_sends(&s, SEG(ACK | PSH, .seq = 8004, .ack = 1002, .data = "defgh"));
                  expect_sent(&s, SEG(ACK, .seq = 1002, .ack = 8009));
                  expect_state(&s, FIN_WAIT_2);
                  CHECK_EQ(app_recv(&s, buf, sizeof buf), 8);
                  CHECK(memcmp(buf, "abcdefgh", 8) == 0);
    at(&s, 130);  peer_sends(&s, SEG(ACK | PSH, .seq = 8009, .ack = 1002, .data = "ij"));
                  expect_nothing_sent(&s);
                  CHECK_EQ(app_recv(&s, buf, sizeof buf), 2);
                  CHECK(memcmp(buf, "ij", 2) == 0);
    at(&s, 329);  expect_nothing_sent(&s);
    at(&s, 330);  expect_sent(&s, SEG(ACK, .seq = 1002, .ack = 8011));
    at(&s, 400);  peer_sends(&s, SEG(FIN | ACK, .seq = 8011, .ack = 1002));
                  expect_sent(&s, SEG(ACK, .seq = 1002, .ack = 8012));
                  expect_state(&s, TIME_WAIT);
                  CHECK(app_ready(&s) & SYNACK_HUP);
                  CHECK_EQ(app_recv(&s, buf, sizeof buf), 0);
                  CHECK_EQ(app_close(&s), 0);
                  expect_nothing_sent(&s);
    at(&s, 2399); expect_state(&s, TIME_WAIT);
    at(&s, 2400); expect_state(&s, CLOSED);
    scenario_end(&s);
}

/*  Half-close by the stack as server: it answers a request, shuts down its
 *  write side, and keeps reading the peer's stream until the peer's FIN.
 *  1                                       <--    ACK|PSH seq=1001 ack=8001 "request"
 *     send("answer")
 *  2  ACK|PSH seq=8001 ack=1008 "answer"   -->
 *     shutdown(WR)
 *  3  FIN|ACK seq=8007 ack=1008            -->    FIN_WAIT_1
 *  4                                       <--    ACK seq=1008 ack=8008
 *                                                 FIN_WAIT_2
 *  5                                       <--    ACK|PSH seq=1008 ack=8008 "more"
 *  6                                       <--    FIN|ACK seq=1012 ack=8008
 *  7  ACK seq=8008 ack=1013                -->    TIME_WAIT
 */
TEST(half_close_server_keeps_receiving_after_shutdown_write)
{
    struct scenario s;
    char buf[32];
    scenario_listen(&s, .iss = 8000, .msl_us = 1000000);
    at(&s, 0);    handshake_passive(&s, 1000);
    at(&s, 10);   peer_sends(&s, SEG(ACK | PSH, .seq = 1001, .ack = 8001, .data = "request"));
                  CHECK_EQ(app_recv(&s, buf, sizeof buf), 7);
                  CHECK_EQ(app_send(&s, "answer"), 6);
                  CHECK_EQ(app_shutdown_write(&s), 0);
                  expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1008, .data = "answer"));
                  expect_sent(&s, SEG(FIN | ACK, .seq = 8007, .ack = 1008));
                  expect_state(&s, FIN_WAIT_1);
    at(&s, 20);   peer_sends(&s, SEG(ACK, .seq = 1008, .ack = 8008));
                  expect_nothing_sent(&s);
                  expect_state(&s, FIN_WAIT_2);
    at(&s, 30);   peer_sends(&s, SEG(ACK | PSH, .seq = 1008, .ack = 8008, .data = "more"));
                  expect_nothing_sent(&s);
                  CHECK_EQ(app_recv(&s, buf, sizeof buf), 4);
                  CHECK(memcmp(buf, "more", 4) == 0);
    at(&s, 40);   peer_sends(&s, SEG(FIN | ACK, .seq = 1012, .ack = 8008));
                  expect_sent(&s, SEG(ACK, .seq = 8008, .ack = 1013));
                  expect_state(&s, TIME_WAIT);
                  CHECK_EQ(app_recv(&s, buf, sizeof buf), 0);
                  CHECK_EQ(app_close(&s), 0);
    at(&s, 2040); expect_state(&s, CLOSED);
    scenario_end(&s);
}

/*  The mirror case: the peer half-closes first, and the stack keeps
 *  sending in CLOSE_WAIT until it closes.
 *  1                                       <--    FIN|ACK seq=1001 ack=8001
 *                                                 CLOSE_WAIT, recv() -> 0
 *     send("first")
 *  2  ACK|PSH seq=8001 ack=1002 "first"    -->    (carries the ACK of the FIN)
 *  3                                       <--    ACK seq=1002 ack=8006
 *     send("second")
 *  4  ACK|PSH seq=8006 ack=1002 "second"   -->
 *  5                                       <--    ACK seq=1002 ack=8012
 *     close()
 *  6  FIN|ACK seq=8012 ack=1002            -->    LAST_ACK
 *  7                                       <--    ACK seq=1002 ack=8013
 *                                                 CLOSED
 */
TEST(half_close_by_peer_stack_keeps_sending_in_close_wait)
{
    struct scenario s;
    char buf[16];
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);    handshake_passive(&s, 1000);
    at(&s, 10);   peer_sends(&s, SEG(FIN | ACK, .seq = 1001, .ack = 8001));
                  expect_state(&s, CLOSE_WAIT);
                  CHECK_EQ(app_recv(&s, buf, sizeof buf), 0);
                  CHECK(app_ready(&s) & SYNACK_WRITABLE);
                  CHECK_EQ(app_send(&s, "first"), 5);
                  expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1002, .data = "first"));
    at(&s, 20);   peer_sends(&s, SEG(ACK, .seq = 1002, .ack = 8006));
                  expect_nothing_sent(&s);
                  CHECK_EQ(app_send(&s, "second"), 6);
                  expect_sent(&s, SEG(ACK, .seq = 8006, .ack = 1002, .data = "second"));
    at(&s, 30);   peer_sends(&s, SEG(ACK, .seq = 1002, .ack = 8012));
                  expect_nothing_sent(&s);
                  expect_state(&s, CLOSE_WAIT);
    at(&s, 40);   CHECK_EQ(app_close(&s), 0);
                  expect_sent(&s, SEG(FIN | ACK, .seq = 8012, .ack = 1002));
                  expect_state(&s, LAST_ACK);
    at(&s, 50);   peer_sends(&s, SEG(ACK, .seq = 1002, .ack = 8013));
                  expect_nothing_sent(&s);
                  expect_state(&s, CLOSED);
    scenario_end(&s);
}

/*  LAST_ACK whose FIN is lost: it is retransmitted after the RTO, and an
 *  ACK that does not cover it leaves the connection in LAST_ACK.
 */
TEST(last_ack_retransmits_fin_until_acked)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);    handshake_passive(&s, 1000);
    at(&s, 10);   peer_sends(&s, SEG(FIN | ACK, .seq = 1001, .ack = 8001));
                  expect_state(&s, CLOSE_WAIT);
                  CHECK_EQ(app_close(&s), 0);
                  expect_sent(&s, SEG(FIN | ACK, .seq = 8001, .ack = 1002));
                  expect_state(&s, LAST_ACK);
    at(&s, 20);   peer_sends(&s, SEG(ACK, .seq = 1002, .ack = 8001));   /* old ACK: FIN not covered */
                  expect_nothing_sent(&s);
                  expect_state(&s, LAST_ACK);
    at(&s, 1009); expect_nothing_sent(&s);
    at(&s, 1010); expect_sent(&s, SEG(FIN | ACK, .seq = 8001, .ack = 1002));
    at(&s, 1020); peer_sends(&s, SEG(ACK, .seq = 1002, .ack = 8002));
                  expect_state(&s, CLOSED);
    scenario_end(&s);
}

/*  TIME_WAIT lasts exactly 2*MSL (RFC 9293 §3.10.8: "If the time-wait
 *  timeout expires on a connection, delete the TCB"), and nothing is sent
 *  when it ends.  Here MSL is 1.5 s.
 *  ...                                     <--    FIN|ACK seq=8001 ack=1002
 *     ACK seq=1002 ack=8002                -->    TIME_WAIT at t=200
 *     t=200+3000-0.001                            still TIME_WAIT
 *     t=3200                                      CLOSED
 */
TEST(time_wait_expires_after_exactly_2msl)
{
    struct scenario s;
    scenario_client(&s, .iss = 1000, .msl_us = 1500000);
    at(&s, 0);        handshake_active(&s, 8000);
    at(&s, 100);      CHECK_EQ(app_close(&s), 0);
                      expect_sent(&s, SEG(FIN | ACK, .seq = 1001, .ack = 8001));
    at(&s, 110);      peer_sends(&s, SEG(ACK, .seq = 8001, .ack = 1002));
                      expect_state(&s, FIN_WAIT_2);
    at(&s, 200);      peer_sends(&s, SEG(FIN | ACK, .seq = 8001, .ack = 1002));
                      expect_sent(&s, SEG(ACK, .seq = 1002, .ack = 8002));
                      expect_state(&s, TIME_WAIT);
    at(&s, 3199.999); expect_state(&s, TIME_WAIT);
                      CHECK_EQ(synack_stack_stats(s.st)->tcp_time_wait_expired, 0);
    at(&s, 3200);     expect_state(&s, CLOSED);
                      expect_nothing_sent(&s);
                      CHECK_EQ(synack_stack_stats(s.st)->tcp_time_wait_expired, 1);
    scenario_end(&s);
}

/*  RFC 9293 §3.10.7.4, eighth step, TIME_WAIT: "Remain in the TIME-WAIT
 *  state.  Restart the 2 MSL time-wait timeout."  A retransmitted FIN
 *  (our ACK of it was lost) is ACKed again and the wait starts over.
 *  1                                       <--    FIN|ACK seq=8001 ack=1002
 *  2  ACK seq=1002 ack=8002                -->    TIME_WAIT at t=200 (lost)
 *  3                                       <--    FIN|ACK seq=8001 ack=1002 at t=1200
 *  4  ACK seq=1002 ack=8002                -->    expiry moves from 2200 to 3200
 */
TEST(time_wait_retransmitted_fin_is_acked_and_restarts_2msl)
{
    struct scenario s;
    scenario_client(&s, .iss = 1000, .msl_us = 1000000);
    at(&s, 0);        handshake_active(&s, 8000);
    at(&s, 100);      CHECK_EQ(app_close(&s), 0);
                      expect_sent(&s, SEG(FIN | ACK, .seq = 1001, .ack = 8001));
    at(&s, 110);      peer_sends(&s, SEG(ACK, .seq = 8001, .ack = 1002));
    at(&s, 200);      peer_sends(&s, SEG(FIN | ACK, .seq = 8001, .ack = 1002));
                      expect_sent(&s, SEG(ACK, .seq = 1002, .ack = 8002));
                      expect_state(&s, TIME_WAIT);
    at(&s, 1200);     peer_sends(&s, SEG(FIN | ACK, .seq = 8001, .ack = 1002));
                      expect_sent(&s, SEG(ACK, .seq = 1002, .ack = 8002));
                      expect_state(&s, TIME_WAIT);
    at(&s, 2200);     expect_state(&s, TIME_WAIT);   /* the first expiry is gone */
    at(&s, 3199.999); expect_state(&s, TIME_WAIT);
    at(&s, 3200);     expect_state(&s, CLOSED);
    scenario_end(&s);
}

/*  In TIME_WAIT a new segment that is not a FIN (here a stray ACK of old
 *  data) is answered with an ACK and does not restart the wait.
 */
TEST(time_wait_other_segment_is_acked_without_restart)
{
    struct scenario s;
    scenario_client(&s, .iss = 1000, .msl_us = 1000000);
    at(&s, 0);        handshake_active(&s, 8000);
    at(&s, 100);      CHECK_EQ(app_close(&s), 0);
                      expect_sent(&s, SEG(FIN | ACK, .seq = 1001, .ack = 8001));
    at(&s, 110);      peer_sends(&s, SEG(FIN | ACK, .seq = 8001, .ack = 1002));
                      expect_sent(&s, SEG(ACK, .seq = 1002, .ack = 8002));
                      expect_state(&s, TIME_WAIT);
    at(&s, 1110);     peer_sends(&s, SEG(ACK, .seq = 8001, .ack = 1002));   /* old duplicate */
                      expect_sent(&s, SEG(ACK, .seq = 1002, .ack = 8002));
    at(&s, 2109.999); expect_state(&s, TIME_WAIT);
    at(&s, 2110);     expect_state(&s, CLOSED);
    scenario_end(&s);
}

/*  An orphaned connection (closed by the application) does not wait in
 *  FIN_WAIT_2 forever for a FIN that may never come: after 2*MSL it is
 *  deleted without sending anything.
 */
TEST(orphan_fin_wait_2_gives_up_after_2msl)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .msl_us = 1000000);
    at(&s, 0);    handshake_passive(&s, 1000);
    at(&s, 100);  CHECK_EQ(app_close(&s), 0);
                  expect_sent(&s, SEG(FIN | ACK, .seq = 8001, .ack = 1001));
    at(&s, 110);  peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8002));
                  expect_state(&s, FIN_WAIT_2);
    at(&s, 2109); expect_state(&s, FIN_WAIT_2);
    at(&s, 2110); expect_state(&s, CLOSED);
                  expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  The peer's FIN is retransmitted (our ACK was late or lost) in
 *  CLOSE_WAIT and again in LAST_ACK: each copy is an old duplicate and is
 *  answered at once with an ACK of the current state (RFC 9293 §3.10.7.4,
 *  first step); the state does not change.
 *  1                                       <--    FIN|ACK seq=1001 ack=8001
 *                                                 CLOSE_WAIT
 *  2                                       <--    FIN|ACK seq=1001 ack=8001 (again)
 *  3  ACK seq=8001 ack=1002                -->    at once
 *     close()
 *  4  FIN|ACK seq=8001 ack=1002            -->    LAST_ACK
 *  5                                       <--    FIN|ACK seq=1001 ack=8001 (again)
 *  6  ACK seq=8002 ack=1002                -->    still LAST_ACK
 *  7                                       <--    ACK seq=1002 ack=8002
 *                                                 CLOSED
 */
TEST(retransmitted_fin_is_acked_in_close_wait_and_last_ack)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);   handshake_passive(&s, 1000);
    at(&s, 10);  peer_sends(&s, SEG(FIN | ACK, .seq = 1001, .ack = 8001));
                 expect_nothing_sent(&s);
                 expect_state(&s, CLOSE_WAIT);
    at(&s, 100); peer_sends(&s, SEG(FIN | ACK, .seq = 1001, .ack = 8001));
                 expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1002));
                 expect_state(&s, CLOSE_WAIT);
    at(&s, 400); CHECK_EQ(app_close(&s), 0);
                 expect_sent(&s, SEG(FIN | ACK, .seq = 8001, .ack = 1002));
                 expect_state(&s, LAST_ACK);
    at(&s, 500); peer_sends(&s, SEG(FIN | ACK, .seq = 1001, .ack = 8001));
                 expect_sent(&s, SEG(ACK, .seq = 8002, .ack = 1002));
                 expect_state(&s, LAST_ACK);
    at(&s, 510); peer_sends(&s, SEG(ACK, .seq = 1002, .ack = 8002));
                 expect_nothing_sent(&s);
                 expect_state(&s, CLOSED);
    scenario_end(&s);
}
