/*
 * test_nagle.c — Nagle's algorithm (RFC 9293 §3.7.4, RFC 1122 §4.2.3.4):
 * while data is unacknowledged, small writes wait until the ACK comes or
 * a full segment has accumulated; NODELAY turns the rule off; closing
 * flushes what waits.
 *
 * The stack listens on :80 with ISS 8000 and accepts the peer's
 * connection (peer ISS 1000, MSS 1460 both ways, no options) at time 0.
 */
#include "scenario.h"

/*  peer                                           stack :80
 *                      the application writes "a" at 10: nothing in flight, it goes
 *                                         <--     ACK|PSH seq=8001 ack=1001 "a"
 *                      the application writes "b", then "c": "a" is unacknowledged, they wait
 *  ACK ack=8002                           -->     50
 *                                         <--     ACK|PSH seq=8002 "bc"       both, in one segment
 *                      the application writes "d": waits
 *  ACK ack=8003  (covers "b" only)        -->     60: "c" still out, "d" still waits
 *  ACK ack=8004                           -->     70
 *                                         <--     ACK|PSH seq=8004 "d"
 *  ACK ack=8005                           -->     80
 */
TEST(nagle_holds_small_writes_until_everything_is_acknowledged)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); CHECK_EQ(app_send(&s, "a"), 1);
                expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .data = "a"));
                CHECK_EQ(app_send(&s, "b"), 1);
                CHECK_EQ(app_send(&s, "c"), 1);
                expect_nothing_sent(&s);
                CHECK_EQ(app_info(&s).send_queue_bytes, 3);
                CHECK_EQ(app_info(&s).unacked_bytes, 1);
    at(&s, 50); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8002));
                expect_sent(&s, SEG(ACK | PSH, .seq = 8002, .ack = 1001, .data = "bc"));
                CHECK_EQ(app_send(&s, "d"), 1);
                expect_nothing_sent(&s);
    at(&s, 60); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8003));
                expect_nothing_sent(&s);
    at(&s, 70); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8004));
                expect_sent(&s, SEG(ACK | PSH, .seq = 8004, .ack = 1001, .data = "d"));
    at(&s, 80); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8005));
                expect_nothing_sent(&s);
                CHECK_EQ(app_info(&s).send_queue_bytes, 0);
                CHECK_EQ(app_info(&s).data_segs_out, 3);
    at(&s, 10000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  A write that fills whole segments is not held: only its small tail is.
 *                      the application writes "a" at 10
 *                                         <--     ACK|PSH seq=8001 "a"
 *                      the application writes 3000 bytes ("a" unacknowledged)
 *                                         <--     ACK seq=8002 len=1460       full segment: goes
 *                                         <--     ACK seq=9462 len=1460       full segment: goes
 *                                                 (the last 80 bytes wait)
 *  ACK ack=9462                           -->     50: 1460 bytes still out, the 80 wait
 *  ACK ack=10922                          -->     60: everything acknowledged
 *                                         <--     ACK|PSH seq=10922 len=80
 *  ACK ack=11002                          -->     70
 */
TEST(nagle_lets_full_segments_go_and_holds_the_small_tail)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); CHECK_EQ(app_send(&s, "a"), 1);
                expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .data = "a"));
                CHECK_EQ(app_send_bytes(&s, 3000), 3000);
                expect_sent(&s, SEG(ACK, .seq = 8002, .ack = 1001, .len = 1460));
                expect_sent(&s, SEG(ACK, .seq = 9462, .ack = 1001, .len = 1460));
                expect_nothing_sent(&s);
                CHECK_EQ(app_info(&s).send_queue_bytes, 3001);
    at(&s, 50); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 9462));
                expect_nothing_sent(&s);
    at(&s, 60); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 10922));
                expect_sent(&s, SEG(ACK | PSH, .seq = 10922, .ack = 1001, .len = 80));
    at(&s, 70); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 11002));
                expect_nothing_sent(&s);
                CHECK_EQ(app_info(&s).send_queue_bytes, 0);
    at(&s, 10000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  Small writes that add up to a full segment release it.
 *                      the application writes "a" at 10
 *                                         <--     ACK|PSH seq=8001 "a"
 *                      the application writes 1000 bytes: waits
 *                      the application writes 1000 more: a full segment is there
 *                                         <--     ACK seq=8002 len=1460       (540 bytes wait)
 *  ACK ack=8002                           -->     50: 1460 bytes still out
 *  ACK ack=9462                           -->     60
 *                                         <--     ACK|PSH seq=9462 len=540
 *  ACK ack=10002                          -->     70
 */
TEST(nagle_sends_once_a_full_segment_accumulates)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); CHECK_EQ(app_send(&s, "a"), 1);
                expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .data = "a"));
                CHECK_EQ(app_send_bytes(&s, 1000), 1000);
                expect_nothing_sent(&s);
                CHECK_EQ(app_send_bytes(&s, 1000), 1000);
                expect_sent(&s, SEG(ACK, .seq = 8002, .ack = 1001, .len = 1460));
                expect_nothing_sent(&s);
    at(&s, 50); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8002));
                expect_nothing_sent(&s);
    at(&s, 60); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 9462));
                expect_sent(&s, SEG(ACK | PSH, .seq = 9462, .ack = 1001, .len = 540));
    at(&s, 70); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 10002));
                expect_nothing_sent(&s);
                CHECK_EQ(app_info(&s).send_queue_bytes, 0);
    at(&s, 10000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  With NODELAY every write goes at once, whatever is in flight.
 *                      NODELAY on; the application writes "a", "b", "c" at 10
 *                                         <--     ACK|PSH seq=8001 "a"
 *                                         <--     ACK|PSH seq=8002 "b"
 *                                         <--     ACK|PSH seq=8003 "c"
 *  ACK ack=8004                           -->     20
 */
TEST(nodelay_sends_every_small_write_at_once)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  handshake_passive(&s, 1000);
                CHECK_EQ(synack_setsockopt(s.st, s.sock, SYNACK_OPT_NODELAY, 1), 0);
    at(&s, 10); CHECK_EQ(app_send(&s, "a"), 1);
                expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .data = "a"));
                CHECK_EQ(app_send(&s, "b"), 1);
                expect_sent(&s, SEG(ACK | PSH, .seq = 8002, .ack = 1001, .data = "b"));
                CHECK_EQ(app_send(&s, "c"), 1);
                expect_sent(&s, SEG(ACK | PSH, .seq = 8003, .ack = 1001, .data = "c"));
                CHECK_EQ(app_info(&s).unacked_bytes, 3);
    at(&s, 20); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8004));
                expect_nothing_sent(&s);
    at(&s, 10000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  Turning NODELAY on releases what Nagle was holding, at the next poll.
 *                      the application writes "a", then "b" at 10
 *                                         <--     ACK|PSH seq=8001 "a"        ("b" waits)
 *                      NODELAY on at 20
 *                                         <--     ACK|PSH seq=8002 "b"
 *  ACK ack=8003                           -->     30
 */
TEST(nodelay_turned_on_releases_held_data)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); CHECK_EQ(app_send(&s, "a"), 1);
                CHECK_EQ(app_send(&s, "b"), 1);
                expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .data = "a"));
                expect_nothing_sent(&s);
    at(&s, 20); CHECK_EQ(synack_setsockopt(s.st, s.sock, SYNACK_OPT_NODELAY, 1), 0);
                synack_poll(s.st, s.now);
                expect_sent(&s, SEG(ACK | PSH, .seq = 8002, .ack = 1001, .data = "b"));
    at(&s, 30); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8003));
                expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  Closing flushes: the held bytes go at once, with the FIN on them.
 *                      the application writes "a", then "b" at 10
 *                                         <--     ACK|PSH seq=8001 "a"        ("b" waits)
 *                      the application closes at 20
 *                                         <--     FIN|ACK|PSH seq=8002 "b"    FIN_WAIT_1
 *  ACK ack=8004                           -->     30: FIN_WAIT_2
 *  FIN|ACK seq=1001 ack=8004              -->     40
 *                                         <--     ACK seq=8004 ack=1002       TIME_WAIT
 */
TEST(close_flushes_data_held_by_nagle)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); CHECK_EQ(app_send(&s, "a"), 1);
                CHECK_EQ(app_send(&s, "b"), 1);
                expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .data = "a"));
                expect_nothing_sent(&s);
    at(&s, 20); CHECK_EQ(app_close(&s), 0);
                expect_sent(&s, SEG(FIN | ACK | PSH, .seq = 8002, .ack = 1001, .data = "b"));
                expect_state(&s, FIN_WAIT_1);
    at(&s, 30); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8004));
                expect_state(&s, FIN_WAIT_2);
    at(&s, 40); peer_sends(&s, SEG(FIN | ACK, .seq = 1001, .ack = 8004));
                expect_sent(&s, SEG(ACK, .seq = 8004, .ack = 1002));
                expect_state(&s, TIME_WAIT);
    scenario_end(&s);
}
