/*
 * test_persist.c — zero-window probing (RFC 9293 §3.8.6.1; RFC 1122
 * §4.2.2.17): while the peer's window is shut and data waits, the stack
 * sends a one-byte probe after the RTO, then at intervals that double up
 * to the RTO maximum (60 s); a peer that answers is never given up on;
 * and sending resumes as soon as the window opens, even when the peer's
 * window update was lost and only the answer to a probe tells.
 *
 * test_window.c has the first probes and the twenty-minute run; here are
 * the exact times of the whole backoff sequence and the ways the window
 * can reopen.  The stack listens on :80 with ISS 8000 and accepts the
 * peer's connection (peer ISS 1000) at time 0; the handshake measured
 * nothing, so the RTO is the 1 s minimum.
 */
#include "scenario.h"

/*  peer                                           stack :80
 *  ACK ack=8001 win=0                     -->     10
 *                      the application writes "hello" at 20: persist timer for 1 s
 *                                         <--     ACK seq=8001 "h"      1020    (1 s)
 *  ACK ack=8001 win=0                     -->     +10 ms, each time
 *                                         <--     ACK seq=8001 "h"      3020    (2 s)
 *                                         <--     ACK seq=8001 "h"      7020    (4 s)
 *                                         <--     ACK seq=8001 "h"     15020    (8 s)
 *                                         <--     ACK seq=8001 "h"     31020    (16 s)
 *                                         <--     ACK seq=8001 "h"     63020    (32 s)
 *                                         <--     ACK seq=8001 "h"    123020    (60 s: 64 s capped at the RTO maximum)
 *                                         <--     ACK seq=8001 "h"    183020    (60 s)
 *                                         <--     ACK seq=8001 "h"    243020    (60 s)
 *  ACK ack=8001 win=65535                 -->     250000  the window opens
 *                                         <--     ACK|PSH seq=8001 "hello"      at once
 *  ACK ack=8006                           -->     250010
 */
TEST(persist_probes_back_off_exactly_to_the_rto_maximum)
{
    static const double probe_ms[] = { 1020, 3020, 7020, 15020, 31020, 63020, 123020, 183020, 243020 };
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .win_zero = true));
    at(&s, 20); CHECK_EQ(app_send(&s, "hello"), 5);
                expect_nothing_sent(&s);
    for (unsigned i = 0; i < sizeof probe_ms / sizeof probe_ms[0]; i++) {
        at(&s, probe_ms[i] - 0.001);
        expect_nothing_sent(&s);
        at(&s, probe_ms[i]);
        expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .data = "h"));
        after_ms(&s, 10);
        peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .win_zero = true));
        expect_nothing_sent(&s);
        CHECK_EQ(app_info(&s).zero_window_probes, i + 1);
    }
    expect_state(&s, ESTABLISHED);
    struct synack_tcp_info i = app_info(&s);
    CHECK_EQ(i.rto_expiries, 0);                  /* the retransmission timer stayed out of it */
    CHECK_EQ(i.backoff, 0);
    CHECK_EQ(i.snd_una, 8001);
    at(&s, 250000); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .win = 65535));
                    expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .data = "hello"));
    at(&s, 250010); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8006));
                    expect_nothing_sent(&s);
                    CHECK_EQ(app_info(&s).send_queue_bytes, 0);
                    CHECK_EQ(app_info(&s).zero_window_probes, 9);
    at(&s, 1000000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  The peer's window update is lost; the next probe finds the window open
 *  (the peer takes the probe byte) and the rest follows at once.
 *  ACK ack=8001 win=0                     -->     10
 *                      the application writes "hello" at 20
 *                                         <--     ACK seq=8001 "h"      1020
 *  ACK ack=8001 win=0                     -->     1030
 *  ACK ack=8001 win=65535            --X          2000  (the peer's application read; lost)
 *                                         <--     ACK seq=8001 "h"      3020
 *  ACK ack=8002 win=65535                 -->     3030  the probe byte taken, window open
 *                                         <--     ACK|PSH seq=8002 "ello"      at once
 *  ACK ack=8006                           -->     3040
 */
TEST(persist_probe_discovers_a_window_whose_update_was_lost)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);    handshake_passive(&s, 1000);
    at(&s, 10);   peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .win_zero = true));
    at(&s, 20);   CHECK_EQ(app_send(&s, "hello"), 5);
    at(&s, 1020); expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .data = "h"));
    at(&s, 1030); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .win_zero = true));
    at(&s, 2000); /* the window update the peer sends here never arrives */
                  expect_nothing_sent(&s);
    at(&s, 3020); expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .data = "h"));
    at(&s, 3030); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8002, .win = 65535));
                  expect_sent(&s, SEG(ACK | PSH, .seq = 8002, .ack = 1001, .data = "ello"));
                  expect_nothing_sent(&s);
    at(&s, 3040); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8006));
                  expect_nothing_sent(&s);
                  CHECK_EQ(app_info(&s).send_queue_bytes, 0);
                  CHECK_EQ(app_info(&s).zero_window_probes, 2);
    at(&s, 100000); expect_nothing_sent(&s);    /* the persist timer is gone */
    expect_state(&s, ESTABLISHED);
    scenario_end(&s);
}

/*  A window update before the first probe: the data goes at once and the
 *  persist timer is stopped.
 *  ACK ack=8001 win=0                     -->     10
 *                      the application writes "hello" at 20
 *  ACK ack=8001 win=65535                 -->     500
 *                                         <--     ACK|PSH seq=8001 "hello"
 *  ACK ack=8006                           -->     510
 *                      (nothing at 1020, when the probe would have gone)
 */
TEST(window_update_before_the_first_probe_sends_at_once)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);   handshake_passive(&s, 1000);
    at(&s, 10);  peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .win_zero = true));
    at(&s, 20);  CHECK_EQ(app_send(&s, "hello"), 5);
                 expect_nothing_sent(&s);
    at(&s, 500); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .win = 65535));
                 expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .data = "hello"));
    at(&s, 510); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8006));
    at(&s, 100000); expect_nothing_sent(&s);
    CHECK_EQ(app_info(&s).zero_window_probes, 0);
    scenario_end(&s);
}

/*  A window that closes with data in flight: the retransmission timer
 *  covers the data in flight; once the peer has taken it all and the
 *  window is still shut, the persist timer takes over.
 *                      the application writes 100 bytes at 10
 *                                         <--     ACK|PSH seq=8001 len=100
 *  ACK ack=8101 win=0                     -->     20: all taken, window shut
 *                      the application writes "more" at 30
 *                                         <--     ACK seq=8101 "m"      1030  (probe after 1 s)
 *  ACK ack=8101 win=0                     -->     1040
 *                                         <--     ACK seq=8101 "m"      3030
 *  ACK ack=8102 win=10                    -->     3040  probe byte taken, window open
 *                                         <--     ACK|PSH seq=8102 "ore"
 *  ACK ack=8105 win=65535                 -->     3050
 */
TEST(persist_takes_over_when_the_window_closes_behind_data)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);    handshake_passive(&s, 1000);
    at(&s, 10);   CHECK_EQ(app_send_bytes(&s, 100), 100);
                  expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .len = 100));
    at(&s, 20);   peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8101, .win_zero = true));
    at(&s, 30);   CHECK_EQ(app_send(&s, "more"), 4);
                  expect_nothing_sent(&s);
    at(&s, 1029.999); expect_nothing_sent(&s);
    at(&s, 1030); expect_sent(&s, SEG(ACK, .seq = 8101, .ack = 1001, .data = "m"));
    at(&s, 1040); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8101, .win_zero = true));
    at(&s, 3029.999); expect_nothing_sent(&s);
    at(&s, 3030); expect_sent(&s, SEG(ACK, .seq = 8101, .ack = 1001, .data = "m"));
    at(&s, 3040); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8102, .win = 10));
                  expect_sent(&s, SEG(ACK | PSH, .seq = 8102, .ack = 1001, .data = "ore"));
    at(&s, 3050); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8105, .win = 65535));
    at(&s, 100000); expect_nothing_sent(&s);
    CHECK_EQ(app_info(&s).rto_expiries, 0);
    scenario_end(&s);
}

/*  A peer that answers the probes is never given up on, however many go
 *  out (here more than data_retries = 3); one that shuts its window and
 *  then falls silent is, after data_retries unanswered probes, as the
 *  retransmission timer would (RFC 9293 §3.8.3 R2): otherwise it would
 *  pin the connection forever (found by fuzz/fuzz_conn.c).
 *  ACK ack=8001 win=0                     -->     10
 *                      the application writes "hello" at 20
 *                                         <--     ACK seq=8001 "h"   1020, 3020, 7020, 15020
 *  ACK ack=8001 win=0                     -->     +10 ms after each
 *                                         <--     ACK seq=8001 "h"   31020, 63020, 123020 (no answer)
 *                                                 183020: CLOSED, ETIMEDOUT, nothing sent
 */
TEST(persist_gives_up_on_a_peer_that_stopped_answering_the_probes)
{
    static const double answered_ms[] = { 1020, 3020, 7020, 15020 };
    static const double silent_ms[] = { 31020, 63020, 123020 };
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .data_retries = 3);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .win_zero = true));
    at(&s, 20); CHECK_EQ(app_send(&s, "hello"), 5);
    for (unsigned i = 0; i < sizeof answered_ms / sizeof answered_ms[0]; i++) {
        at(&s, answered_ms[i]);
        expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .data = "h"));
        after_ms(&s, 10);
        peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .win_zero = true));
        expect_nothing_sent(&s);
    }
    for (unsigned i = 0; i < sizeof silent_ms / sizeof silent_ms[0]; i++) {
        at(&s, silent_ms[i]);
        expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .data = "h"));
        expect_state(&s, ESTABLISHED);
    }
    at(&s, 183020 - 0.001); expect_state(&s, ESTABLISHED);
    at(&s, 183020); expect_nothing_sent(&s);
                    expect_state(&s, CLOSED);
                    CHECK_EQ(app_error(&s), -SYNACK_ETIMEDOUT);
                    CHECK_EQ(app_info(&s).zero_window_probes, 7);
    scenario_end(&s);
}
