/*
 * test_sender_sws.c — sender silly-window-syndrome avoidance (RFC 9293
 * §3.8.6.2.1): with data queued and data in flight, the stack does not
 * fill a small usable window with a small segment.  It sends when a full
 * segment fits, when all that is queued fits, when the usable window
 * reaches half the largest window the peer ever offered (Fs = 1/2), or
 * when nothing is in flight (the stack's stand-in for the override
 * timeout: with an empty pipe no ACK would ever come to open the window
 * further).
 *
 * NODELAY is on in every test, so that Nagle's rule (test_nagle.c) is out
 * of the way and what holds data back is SWS avoidance alone.  The stack
 * listens on :80 with ISS 8000; the peer's ISS is 1000.
 */
#include "scenario.h"

/*  The peer announces MSS 1000 and a 3000-byte window (so Fs * max window
 *  = 1500), then lets 300 bytes of window open at a time.
 *  peer                                           stack :80
 *  SYN seq=1000 mss=1000 win=3000          -->
 *                                          <--    SYN|ACK seq=8000 ack=1001
 *  ACK seq=1001 ack=8001 win=3000          -->    ESTABLISHED; NODELAY
 *                      the application writes 5000 bytes at 10
 *                                          <--    ACK seq=8001  len=1000
 *                                          <--    ACK seq=9001  len=1000
 *                                          <--    ACK seq=10001 len=1000   window full (right edge 11001)
 *  ACK ack=9001 win=2300                   -->    20: edge 11301, usable 300 < 1000, 2000 in flight: wait
 *  ACK ack=10001 win=1300                  -->    30: usable still 300, 1000 in flight: wait
 *  ACK ack=11001 win=300                   -->    40: nothing in flight: the 300 go
 *                                          <--    ACK seq=11001 len=300
 *  ACK ack=11301 win=3000                  -->    50: a full segment, then all the rest
 *                                          <--    ACK seq=11301 len=1000
 *                                          <--    ACK|PSH seq=12301 len=700
 *  ACK ack=13001 win=3000                  -->    60
 */
TEST(sender_sws_waits_for_a_useful_window_while_data_is_in_flight)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1000, .win = 3000));
                expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460));
                peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .win = 3000));
                REQUIRE(app_accept(&s) >= 0);
                CHECK_EQ(synack_setsockopt(s.st, s.sock, SYNACK_OPT_NODELAY, 1), 0);
    at(&s, 10); CHECK_EQ(app_send_bytes(&s, 5000), 5000);
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .len = 1000));
                expect_sent(&s, SEG(ACK, .seq = 9001, .ack = 1001, .len = 1000));
                expect_sent(&s, SEG(ACK, .seq = 10001, .ack = 1001, .len = 1000));
                expect_nothing_sent(&s);
    at(&s, 20); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 9001, .win = 2300));
                expect_nothing_sent(&s);
                CHECK_EQ(app_info(&s).snd_wnd, 2300);
    at(&s, 30); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 10001, .win = 1300));
                expect_nothing_sent(&s);
    at(&s, 40); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 11001, .win = 300));
                expect_sent(&s, SEG(ACK, .seq = 11001, .ack = 1001, .len = 300));
                expect_nothing_sent(&s);
    at(&s, 50); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 11301, .win = 3000));
                expect_sent(&s, SEG(ACK, .seq = 11301, .ack = 1001, .len = 1000));
                expect_sent(&s, SEG(ACK | PSH, .seq = 12301, .ack = 1001, .len = 700));
    at(&s, 60); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 13001, .win = 3000));
                expect_nothing_sent(&s);
                CHECK_EQ(app_info(&s).send_queue_bytes, 0);
                CHECK_EQ(app_info(&s).retrans_segs, 0);
    at(&s, 10000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  The largest window the peer offered is 2000 bytes, so a usable window
 *  of 1000 (half of it) is worth a segment even with data in flight.  The
 *  peer acknowledges part of a segment at a time.
 *  SYN seq=1000 mss=1460 win=2000          -->
 *                                          <--    SYN|ACK seq=8000 ack=1001
 *  ACK seq=1001 ack=8001 win=2000          -->    ESTABLISHED; NODELAY
 *                      the application writes 4000 bytes at 10
 *                                          <--    ACK seq=8001 len=1460    usable 540 < 1000: wait
 *  ACK ack=8101 win=2000                   -->    20: edge 10101, usable 640: wait
 *  ACK ack=8501 win=2000                   -->    30: edge 10501, usable 1040 >= 1000
 *                                          <--    ACK seq=9461 len=1040
 *  ACK ack=10501 win=2000                  -->    40: nothing in flight, 1500 queued
 *                                          <--    ACK seq=10501 len=1460
 *                                          <--    ACK|PSH seq=11961 len=40  the last of the data
 *  ACK ack=12001 win=2000                  -->    50
 */
TEST(sender_sws_sends_once_half_the_largest_window_is_usable)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1460, .win = 2000));
                expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460));
                peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .win = 2000));
                REQUIRE(app_accept(&s) >= 0);
                CHECK_EQ(synack_setsockopt(s.st, s.sock, SYNACK_OPT_NODELAY, 1), 0);
    at(&s, 10); CHECK_EQ(app_send_bytes(&s, 4000), 4000);
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .len = 1460));
                expect_nothing_sent(&s);
    at(&s, 20); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8101, .win = 2000));
                expect_nothing_sent(&s);
    at(&s, 30); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8501, .win = 2000));
                expect_sent(&s, SEG(ACK, .seq = 9461, .ack = 1001, .len = 1040));
                expect_nothing_sent(&s);
    at(&s, 40); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 10501, .win = 2000));
                expect_sent(&s, SEG(ACK, .seq = 10501, .ack = 1001, .len = 1460));
                expect_sent(&s, SEG(ACK | PSH, .seq = 11961, .ack = 1001, .len = 40));
    at(&s, 50); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 12001, .win = 2000));
                expect_nothing_sent(&s);
                CHECK_EQ(app_info(&s).send_queue_bytes, 0);
    at(&s, 10000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  All that is queued may go even into a small window: the rule guards
 *  against small segments that more data would have filled, not against
 *  the end of the data.
 *  SYN seq=1000 mss=1460 win=2000          -->
 *                                          <--    SYN|ACK seq=8000 ack=1001
 *  ACK seq=1001 ack=8001 win=2000          -->    ESTABLISHED; NODELAY
 *                      the application writes 1460 bytes at 10
 *                                          <--    ACK|PSH seq=8001 len=1460   usable now 540
 *                      the application writes 150 bytes: 150 < MSS, 150 < 1000 (half
 *                      the largest window), 1460 in flight, but 150 is all there is
 *                                          <--    ACK|PSH seq=9461 len=150
 *  ACK ack=9611 win=2000                   -->    20
 */
TEST(sender_sws_sends_all_queued_data_into_a_small_window)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1460, .win = 2000));
                expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460));
                peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .win = 2000));
                REQUIRE(app_accept(&s) >= 0);
                CHECK_EQ(synack_setsockopt(s.st, s.sock, SYNACK_OPT_NODELAY, 1), 0);
    at(&s, 10); CHECK_EQ(app_send_bytes(&s, 1460), 1460);
                expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .len = 1460));
                CHECK_EQ(app_send_bytes(&s, 150), 150);
                expect_sent(&s, SEG(ACK | PSH, .seq = 9461, .ack = 1001, .len = 150));
    at(&s, 20); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 9611, .win = 2000));
                expect_nothing_sent(&s);
                CHECK_EQ(app_info(&s).send_queue_bytes, 0);
    scenario_end(&s);
}
