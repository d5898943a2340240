/*
 * test_keepalive.c — keep-alives (RFC 1122 §4.2.3.6): off unless the
 * application asks (MUST default to off); when on, a probe goes after an
 * idle interval of at least two hours (default 7200 s) counted from the
 * last segment received; the probe is an ACK with SEG.SEQ = SND.UNA - 1
 * and no data, which any live peer must answer with an ACK; unanswered
 * probes repeat every 75 s, and after 10 of them (and one more interval
 * of silence) the connection is declared dead and the application gets
 * ETIMEDOUT.  An answer — or any segment — resets both the count and the
 * idle time.  KEEPIDLE, KEEPINTVL and KEEPCNT change the three numbers.
 *
 * The stack listens on :80 with ISS 8000 and accepts the peer's
 * connection (peer ISS 1000) at time 0.
 */
#include "scenario.h"

#define SEC(x) ((double)(x) * 1000.0)   /* seconds, as scenario milliseconds */

/*  peer                                           stack :80
 *  "ping" seq=1001                        -->     1 s
 *                                         <--     ACK ack=1005         1.2 s (delayed)
 *                      ten hours of silence: nothing from the stack
 */
TEST(keepalive_is_off_by_default)
{
    struct scenario s;
    char buf[16];
    int64_t v;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);       handshake_passive(&s, 1000);
                     CHECK_EQ(synack_getsockopt(s.st, s.sock, SYNACK_OPT_KEEPALIVE, &v), 0);
                     CHECK_EQ(v, 0);
                     CHECK_EQ(synack_getsockopt(s.st, s.sock, SYNACK_OPT_KEEPIDLE, &v), 0);
                     CHECK_EQ(v, 7200);
                     CHECK_EQ(synack_getsockopt(s.st, s.sock, SYNACK_OPT_KEEPINTVL, &v), 0);
                     CHECK_EQ(v, 75);
                     CHECK_EQ(synack_getsockopt(s.st, s.sock, SYNACK_OPT_KEEPCNT, &v), 0);
                     CHECK_EQ(v, 10);
    at(&s, SEC(1));  peer_sends(&s, SEG(ACK | PSH, .seq = 1001, .ack = 8001, .data = "ping"));
                     CHECK_EQ(app_recv(&s, buf, sizeof buf), 4);
    at(&s, SEC(1.2)); expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1005));
    at(&s, SEC(36000)); expect_nothing_sent(&s);
                     expect_state(&s, ESTABLISHED);
                     CHECK_EQ(app_info(&s).keepalive_probes, 0);
                     CHECK_EQ(synack_stack_stats(s.st)->tcp_keepalive_probes, 0);
    scenario_end(&s);
}

/*  KEEPALIVE on, defaults.  The last segment received arrives at 1 s.
 *  "ping" seq=1001                        -->     1 s
 *                                         <--     ACK seq=8001 ack=1005      1.2 s (delayed)
 *                                         <--     ACK seq=8000 ack=1005      7201 s: probe 1 (SND.UNA - 1, no data)
 *                                         <--     ACK seq=8000 ack=1005      7276 s: probe 2
 *                                                 ... every 75 s ...
 *                                         <--     ACK seq=8000 ack=1005      7876 s: probe 10
 *                                                 7951 s: CLOSED, ETIMEDOUT for the application
 */
TEST(keepalive_defaults_probe_after_two_hours_and_give_up_after_ten_probes)
{
    struct scenario s;
    char buf[16];
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);        handshake_passive(&s, 1000);
                      CHECK_EQ(synack_setsockopt(s.st, s.sock, SYNACK_OPT_KEEPALIVE, 1), 0);
    at(&s, SEC(1));   peer_sends(&s, SEG(ACK | PSH, .seq = 1001, .ack = 8001, .data = "ping"));
                      CHECK_EQ(app_recv(&s, buf, sizeof buf), 4);
    at(&s, SEC(1.2)); expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1005));
    at(&s, SEC(7201) - 0.001); expect_nothing_sent(&s);
    for (int k = 0; k < 10; k++) {
        at(&s, SEC(7201 + 75 * k) - 0.001);
        expect_nothing_sent(&s);
        at(&s, SEC(7201 + 75 * k));
        expect_sent(&s, SEG(ACK, .seq = 8000, .ack = 1005, .len = 0));
        CHECK_EQ(app_info(&s).keepalive_probes, k + 1);
    }
    at(&s, SEC(7951) - 0.001); expect_state(&s, ESTABLISHED);
    at(&s, SEC(7951));         expect_state(&s, CLOSED);
                               expect_nothing_sent(&s);   /* no RST: nobody is there to take it */
                               CHECK(app_ready(&s) & SYNACK_ERROR);
                               CHECK_EQ(app_error(&s), -SYNACK_ETIMEDOUT);
                               CHECK_EQ(app_info(&s).keepalive_probes, 10);
                               CHECK_EQ(synack_stack_stats(s.st)->tcp_keepalive_probes, 10);
                               CHECK_EQ(synack_stack_stats(s.st)->tcp_keepalive_drops, 1);
    scenario_end(&s);
}

/*  An answered probe proves the peer alive: the idle time starts again
 *  from the answer, and the unanswered count from zero.
 *  (handshake at 0 s is the last segment received)
 *                                         <--     ACK seq=8000 ack=1001      7200 s: probe 1
 *                                         <--     ACK seq=8000 ack=1001      7275 s: probe 2
 *  ACK seq=1001 ack=8001                  -->     7275.05 s: the answer
 *                                         <--     ACK seq=8000 ack=1001      14475.05 s: probe 1 again
 *  ACK seq=1001 ack=8001                  -->     14475.1 s
 *                                         <--     ACK seq=8000 ack=1001      21675.1 s
 *                                                 ... ten unanswered: CLOSED at 21675.1 + 750 s
 */
TEST(keepalive_answer_resets_idle_time_and_probe_count)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);              handshake_passive(&s, 1000);
                            CHECK_EQ(synack_setsockopt(s.st, s.sock, SYNACK_OPT_KEEPALIVE, 1), 0);
    at(&s, SEC(7200) - 0.001); expect_nothing_sent(&s);
    at(&s, SEC(7200));      expect_sent(&s, SEG(ACK, .seq = 8000, .ack = 1001, .len = 0));
    at(&s, SEC(7275));      expect_sent(&s, SEG(ACK, .seq = 8000, .ack = 1001, .len = 0));
    at(&s, SEC(7275.05));   peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001));
                            expect_nothing_sent(&s);
    at(&s, SEC(14475.05) - 0.001); expect_nothing_sent(&s);
    at(&s, SEC(14475.05));  expect_sent(&s, SEG(ACK, .seq = 8000, .ack = 1001, .len = 0));
    at(&s, SEC(14475.1));   peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001));
    at(&s, SEC(21675.1) - 0.001); expect_nothing_sent(&s);
    for (int k = 0; k < 10; k++) {
        at(&s, SEC(21675.1 + 75 * k));
        expect_sent(&s, SEG(ACK, .seq = 8000, .ack = 1001, .len = 0));
    }
    at(&s, SEC(21675.1 + 750) - 0.001); expect_state(&s, ESTABLISHED);
    at(&s, SEC(21675.1 + 750));         expect_state(&s, CLOSED);
                                        CHECK_EQ(app_error(&s), -SYNACK_ETIMEDOUT);
    CHECK_EQ(app_info(&s).keepalive_probes, 13);
    scenario_end(&s);
}

/*  KEEPIDLE 60 s, KEEPINTVL 10 s, KEEPCNT 3, set on the listener and
 *  inherited by the accepted connection.  Data from the peer counts as
 *  proof of life like an answer does.
 *  "data" seq=1001                        -->     30 s
 *                                         <--     ACK seq=8001 ack=1005      30.2 s (delayed)
 *                                         <--     ACK seq=8000 ack=1005      90 s: probe 1
 *                                         <--     ACK seq=8000 ack=1005      100 s: probe 2
 *  ACK seq=1005 ack=8001                  -->     100.5 s
 *                                         <--     ACK seq=8000 ack=1005      160.5 s
 *                                         <--     ACK seq=8000 ack=1005      170.5 s
 *                                         <--     ACK seq=8000 ack=1005      180.5 s
 *                                                 190.5 s: CLOSED, ETIMEDOUT
 */
TEST(keepalive_idle_interval_and_count_are_settable)
{
    struct scenario s;
    char buf[16];
    int64_t v;
    scenario_listen(&s, .iss = 8000);
    CHECK_EQ(synack_setsockopt(s.st, s.listener, SYNACK_OPT_KEEPALIVE, 1), 0);
    CHECK_EQ(synack_setsockopt(s.st, s.listener, SYNACK_OPT_KEEPIDLE, 60), 0);
    CHECK_EQ(synack_setsockopt(s.st, s.listener, SYNACK_OPT_KEEPINTVL, 10), 0);
    CHECK_EQ(synack_setsockopt(s.st, s.listener, SYNACK_OPT_KEEPCNT, 3), 0);
    CHECK_EQ(synack_setsockopt(s.st, s.listener, SYNACK_OPT_KEEPCNT, 0), -SYNACK_EINVAL);
    CHECK_EQ(synack_setsockopt(s.st, s.listener, SYNACK_OPT_KEEPIDLE, 0), -SYNACK_EINVAL);
    at(&s, 0);         handshake_passive(&s, 1000);
                       CHECK_EQ(synack_getsockopt(s.st, s.sock, SYNACK_OPT_KEEPIDLE, &v), 0);
                       CHECK_EQ(v, 60);
    at(&s, SEC(30));   peer_sends(&s, SEG(ACK | PSH, .seq = 1001, .ack = 8001, .data = "data"));
                       CHECK_EQ(app_recv(&s, buf, sizeof buf), 4);
    at(&s, SEC(30.2)); expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1005));
    at(&s, SEC(90) - 0.001); expect_nothing_sent(&s);
    at(&s, SEC(90));   expect_sent(&s, SEG(ACK, .seq = 8000, .ack = 1005, .len = 0));
    at(&s, SEC(100));  expect_sent(&s, SEG(ACK, .seq = 8000, .ack = 1005, .len = 0));
    at(&s, SEC(100.5)); peer_sends(&s, SEG(ACK, .seq = 1005, .ack = 8001));
    at(&s, SEC(160.5) - 0.001); expect_nothing_sent(&s);
    at(&s, SEC(160.5)); expect_sent(&s, SEG(ACK, .seq = 8000, .ack = 1005, .len = 0));
    at(&s, SEC(170.5)); expect_sent(&s, SEG(ACK, .seq = 8000, .ack = 1005, .len = 0));
    at(&s, SEC(180.5)); expect_sent(&s, SEG(ACK, .seq = 8000, .ack = 1005, .len = 0));
    at(&s, SEC(190.5) - 0.001); expect_state(&s, ESTABLISHED);
    at(&s, SEC(190.5)); expect_state(&s, CLOSED);
                        CHECK_EQ(app_recv(&s, buf, sizeof buf), -SYNACK_ETIMEDOUT);
                        CHECK_EQ(app_info(&s).keepalive_probes, 5);
    scenario_end(&s);
}

/*  Turning keep-alive off stops the probes.
 *                      KEEPALIVE on, KEEPIDLE 60 at 0 s
 *                                         <--     ACK seq=8000 ack=1001      60 s: probe 1
 *                      KEEPALIVE off at 65 s: nothing more, ever
 */
TEST(keepalive_turned_off_stops_probing)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);        handshake_passive(&s, 1000);
                      CHECK_EQ(synack_setsockopt(s.st, s.sock, SYNACK_OPT_KEEPIDLE, 60), 0);
                      CHECK_EQ(synack_setsockopt(s.st, s.sock, SYNACK_OPT_KEEPALIVE, 1), 0);
    at(&s, SEC(60));  expect_sent(&s, SEG(ACK, .seq = 8000, .ack = 1001, .len = 0));
    at(&s, SEC(65));  CHECK_EQ(synack_setsockopt(s.st, s.sock, SYNACK_OPT_KEEPALIVE, 0), 0);
    at(&s, SEC(36000)); expect_nothing_sent(&s);
                      expect_state(&s, ESTABLISHED);
    scenario_end(&s);
}
