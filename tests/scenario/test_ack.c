/*
 * test_ack.c — when the stack acknowledges: the delayed ACK of RFC 9293
 * §3.8.6.3 and RFC 1122 §4.2.3.2 (at most 0.5 s, here the default 200 ms;
 * at least every second full-sized segment), and the ACK that rides on
 * data instead.  Immediate ACKs for out-of-order and duplicate segments
 * are in test_data.c, window updates in test_window.c.
 *
 * The stack listens on :80 with ISS 8000 and accepts the peer's
 * connection (peer ISS 1000, MSS 1460 both ways) at time 0.
 */
#include "scenario.h"

/*  peer                                           stack :80
 *  ACK seq=1001 len=100                   -->     (10 ms) ACK held back
 *                                                 ... 199.999 ms: nothing
 *                                         <--     ACK seq=8001 ack=1101   (210 ms: 200 ms later)
 */
TEST(one_segment_is_acked_after_exactly_the_delayed_ack_time)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);        handshake_passive(&s, 1000);
    at(&s, 10);       peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .len = 100));
                      expect_nothing_sent(&s);
    at(&s, 209.999);  expect_nothing_sent(&s);
    at(&s, 210);      expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1101, .win = 65535 - 100));
    at(&s, 2000);     expect_nothing_sent(&s);
    CHECK_EQ(synack_stack_stats(s.st)->tcp_delayed_acks, 1);
    scenario_end(&s);
}

/*  The same with a 40 ms delayed ACK (config delack_us).
 *  ACK seq=1001 len=100                   -->     (10 ms)
 *                                         <--     ACK seq=8001 ack=1101   (50 ms)
 */
TEST(delayed_ack_time_is_the_configured_one)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .delack_us = 40000);
    at(&s, 0);       handshake_passive(&s, 1000);
    at(&s, 10);      peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .len = 100));
    at(&s, 49.999);  expect_nothing_sent(&s);
    at(&s, 50);      expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1101));
    scenario_end(&s);
}

/*  RFC 9293 §3.8.6.3: an ACK for at least every second full-sized segment.
 *  ACK seq=1001 len=1460                  -->     (10 ms) held back
 *  ACK seq=2461 len=1460                  -->     (20 ms)
 *                                         <--     ACK seq=8001 ack=3921 win=62615   at once
 *  the delayed-ACK timer is gone: nothing at 210 ms
 */
TEST(two_full_sized_segments_are_acked_at_once)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);    handshake_passive(&s, 1000);
    at(&s, 10);   peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .len = 1460));
                  expect_nothing_sent(&s);
    at(&s, 20);   peer_sends(&s, SEG(ACK, .seq = 2461, .ack = 8001, .len = 1460));
                  expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 3921, .win = 65535 - 2920));
    at(&s, 1000); expect_nothing_sent(&s);
    CHECK_EQ(synack_stack_stats(s.st)->tcp_delayed_acks, 0);
    scenario_end(&s);
}

/*  Every second segment, not every segment: the third waits again.
 *  seg 1  seq=1001 len=1460               -->     (10 ms)
 *  seg 2  seq=2461 len=1460               -->     (20 ms)  <--  ACK ack=3921
 *  seg 3  seq=3921 len=1460               -->     (30 ms)
 *                                         <--     ACK ack=5381   (230 ms)
 *  seg 4  seq=5381 len=1460               -->     (300 ms)
 *  seg 5  seq=6841 len=1460               -->     (310 ms) <--  ACK ack=8301
 */
TEST(third_segment_waits_for_the_delayed_ack_again)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);       handshake_passive(&s, 1000);
    at(&s, 10);      peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .len = 1460));
    at(&s, 20);      peer_sends(&s, SEG(ACK, .seq = 2461, .ack = 8001, .len = 1460));
                     expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 3921));
    at(&s, 30);      peer_sends(&s, SEG(ACK, .seq = 3921, .ack = 8001, .len = 1460));
                     expect_nothing_sent(&s);
    at(&s, 229.999); expect_nothing_sent(&s);
    at(&s, 230);     expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 5381));
    at(&s, 300);     peer_sends(&s, SEG(ACK, .seq = 5381, .ack = 8001, .len = 1460));
                     expect_nothing_sent(&s);
    at(&s, 310);     peer_sends(&s, SEG(ACK, .seq = 6841, .ack = 8001, .len = 1460));
                     expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 8301));
    at(&s, 1000);    expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  The held-back ACK rides on the answer, and the timer is cancelled.
 *  ACK|PSH seq=1001 "question?"           -->     (10 ms) ACK held back
 *                       the application answers at 50 ms
 *                                         <--     ACK|PSH seq=8001 ack=1010 "answer!"
 *  nothing at 210 ms
 *  ACK seq=1010 ack=8008                  -->     (60 ms)  a pure ACK is not acknowledged
 */
TEST(ack_piggybacked_on_data_cancels_the_delayed_ack)
{
    struct scenario s;
    char buf[32];
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);    handshake_passive(&s, 1000);
    at(&s, 10);   peer_sends(&s, SEG(ACK | PSH, .seq = 1001, .ack = 8001, .data = "question?"));
                  expect_nothing_sent(&s);
                  CHECK_EQ(app_recv(&s, buf, sizeof buf), 9);
                  CHECK(memcmp(buf, "question?", 9) == 0);
    at(&s, 50);   CHECK_EQ(app_send(&s, "answer!"), 7);
                  expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1010, .data = "answer!"));
    at(&s, 60);   peer_sends(&s, SEG(ACK, .seq = 1010, .ack = 8008));
                  expect_nothing_sent(&s);
    at(&s, 2000); expect_nothing_sent(&s);
    CHECK_EQ(synack_stack_stats(s.st)->tcp_delayed_acks, 0);
    scenario_end(&s);
}

/*  Data queued by the application goes out at once and carries the ACK
 *  of everything received so far, even in the middle of a delay; the next
 *  segment from the peer starts a new delay of its own.
 *  ACK seq=1001 len=100                   -->     (10 ms) ACK held back
 *                       the application sends "x" at 100 ms
 *                                         <--     ACK|PSH seq=8001 ack=1101 "x"
 *  ACK seq=1101 len=100                   -->     (150 ms) a new delay starts
 *                                         <--     ACK seq=8002 ack=1201           (350 ms)
 */
TEST(delayed_ack_restarts_after_an_ack_rode_on_data)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);       handshake_passive(&s, 1000);
    at(&s, 10);      peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .len = 100));
    at(&s, 100);     CHECK_EQ(app_send(&s, "x"), 1);
                     expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1101, .data = "x"));
    at(&s, 150);     peer_sends(&s, SEG(ACK, .seq = 1101, .ack = 8002, .len = 100));
                     expect_nothing_sent(&s);
    at(&s, 349.999); expect_nothing_sent(&s);
    at(&s, 350);     expect_sent(&s, SEG(ACK, .seq = 8002, .ack = 1201));
    at(&s, 2000);    expect_nothing_sent(&s);
    scenario_end(&s);
}
