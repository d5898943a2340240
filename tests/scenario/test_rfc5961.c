/*
 * test_rfc5961.c — blind in-window attacks (RFC 5961): the ACK
 * acceptability check against MAX.SND.WND (§5.2), the rate limit on
 * challenge ACKs (§7), and the counters that name each blind segment's
 * fate.  The basic RST and SYN cases (§3.2 in-window and exact RST, §4.2
 * SYN in ESTABLISHED) and RFC 1337 are in test_reset.c.
 *
 * The stack is the server with ISS 8000, the peer has ISS 1000 and offers
 * a window of 65535 without scaling, so MAX.SND.WND is 65535 and the
 * acceptable ACKs after the handshake are 8001 - 65535 .. SND.NXT.
 */
#include "scenario.h"

#define MAX_SND_WND 65535u

/*  RFC 5961 §5.2: "(SND.UNA - MAX.SND.WND) =< SEG.ACK =< SND.NXT".  An ACK
 *  at the lower edge is merely old, and the data beside it is taken; one
 *  below it is an injection attempt, dropped with its data and answered
 *  with a challenge ACK.
 *  1                                       <--    ACK|PSH seq=1001 ack=8001-65535 "ok"
 *                                                 acceptable: "ok" is taken
 *  2                                       <--    ACK|PSH seq=1003 ack=8001-65536 "evil"
 *  3  ACK seq=8001 ack=1003                -->    challenge ACK; "evil" is dropped
 */
TEST(ack_below_snd_una_minus_max_snd_wnd_is_dropped_with_a_challenge_ack)
{
    struct scenario s;
    const struct synack_stats *st;
    char buf[16];
    scenario_listen(&s, .iss = 8000);
    st = synack_stack_stats(s.st);
    at(&s, 0);  handshake_passive(&s, 1000);
                CHECK_EQ(app_info(&s).max_snd_wnd, MAX_SND_WND);
    at(&s, 10); peer_sends(&s, SEG(ACK | PSH, .seq = 1001, .ack = 8001 - MAX_SND_WND, .data = "ok"));
                expect_nothing_sent(&s);                 /* its ACK is delayed */
    at(&s, 20); peer_sends(&s, SEG(ACK | PSH, .seq = 1003, .ack = 8001 - MAX_SND_WND - 1, .data = "evil"));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1003));
                CHECK_EQ(app_recv(&s, buf, sizeof buf), 2);
                CHECK_EQ(memcmp(buf, "ok", 2), 0);
                CHECK_EQ(st->tcp_ack_too_old, 1);
                CHECK_EQ(st->drops[SYNACK_DROP_TCP_ACK_TOO_OLD], 1);
                CHECK_EQ(st->tcp_challenge_acks, 1);
                expect_state(&s, ESTABLISHED);
    at(&s, 1000); expect_nothing_sent(&s);               /* the challenge ACK covered "ok" */
    scenario_end(&s);
}

/*  RFC 5961 §5.2 (and RFC 9293 §3.10.7.4): an ACK of something never sent
 *  is dropped, data and all, and answered with a challenge ACK.
 *  1  ACK|PSH seq=8001 ack=1001 "data"     -->    SND.NXT = 8005
 *  2                                       <--    ACK|PSH seq=1001 ack=8006 "evil"
 *  3  ACK seq=8005 ack=1001                -->    challenge ACK; "evil" is dropped
 *  4                                       <--    ACK seq=1001 ack=8005
 */
TEST(ack_beyond_snd_nxt_is_dropped_with_a_challenge_ack)
{
    struct scenario s;
    const struct synack_stats *st;
    char buf[16];
    scenario_listen(&s, .iss = 8000);
    st = synack_stack_stats(s.st);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); CHECK_EQ(app_send(&s, "data"), 4);
                expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .data = "data"));
    at(&s, 20); peer_sends(&s, SEG(ACK | PSH, .seq = 1001, .ack = 8006, .data = "evil"));
                expect_sent(&s, SEG(ACK, .seq = 8005, .ack = 1001));
                CHECK_EQ(app_recv(&s, buf, sizeof buf), -SYNACK_EAGAIN);
                CHECK_EQ(st->tcp_ack_unsent, 1);
                CHECK_EQ(st->drops[SYNACK_DROP_TCP_BAD_ACK], 1);
                CHECK_EQ(st->tcp_challenge_acks, 1);
    at(&s, 30); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8005));
                expect_nothing_sent(&s);
                CHECK_EQ(app_info(&s).snd_una, 8005);
    scenario_end(&s);
}

/*  Each blind segment is dropped and counted by what it was; the ones RFC
 *  5961 answers draw a challenge ACK, the out-of-window data segment the
 *  ordinary duplicate ACK of RFC 9293 §3.10.7.4.  A SYN draws a challenge
 *  ACK "irrespective of the sequence number" (§4.2), so the one far
 *  outside the window too.  Nothing reaches the application and the
 *  connection survives.
 *  1                                       <--    RST seq=1002           in window, not exact
 *  2  ACK seq=8001 ack=1001                -->    challenge
 *  3                                       <--    RST seq=66536          beyond the window: silence
 *  4                                       <--    SYN seq=1001
 *  5  ACK seq=8001 ack=1001                -->    challenge
 *  6                                       <--    SYN seq=900000         far outside the window
 *  7  ACK seq=8001 ack=1001                -->    challenge
 *  8                                       <--    ACK|PSH seq=1001 ack=9000 "x"       unsent
 *  9  ACK seq=8001 ack=1001                -->    challenge
 * 10                                       <--    ACK|PSH seq=1001 ack=8001-70000 "x" too old
 * 11  ACK seq=8001 ack=1001                -->    challenge
 * 12                                       <--    ACK|PSH seq=500000 ack=8001 "x"     out of window
 * 13  ACK seq=8001 ack=1001                -->    duplicate ACK (not a challenge)
 */
TEST(each_blind_segment_is_dropped_and_counted_by_its_reason)
{
    struct scenario s;
    const struct synack_stats *st;
    char buf[16];
    scenario_listen(&s, .iss = 8000);
    st = synack_stack_stats(s.st);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); peer_sends(&s, SEG(RST, .seq = 1002));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001));
                peer_sends(&s, SEG(RST, .seq = 1001 + 65535));
                expect_nothing_sent(&s);
                peer_sends(&s, SEG(SYN, .seq = 1001));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001));
                peer_sends(&s, SEG(SYN, .seq = 900000));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001));
                peer_sends(&s, SEG(ACK | PSH, .seq = 1001, .ack = 9000, .data = "x"));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001));
                peer_sends(&s, SEG(ACK | PSH, .seq = 1001, .ack = 8001u - 70000u, .data = "x"));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001));
                peer_sends(&s, SEG(ACK | PSH, .seq = 500000, .ack = 8001, .data = "x"));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001));
    CHECK_EQ(st->tcp_rst_challenged, 1);
    CHECK_EQ(st->drops[SYNACK_DROP_TCP_RST_CHALLENGED], 1);
    CHECK_EQ(st->tcp_rst_out_of_window, 1);
    CHECK_EQ(st->drops[SYNACK_DROP_TCP_RST_IGNORED], 1);
    CHECK_EQ(st->tcp_syn_challenged, 2);
    CHECK_EQ(st->drops[SYNACK_DROP_TCP_SYN_CHALLENGED], 2);
    CHECK_EQ(st->tcp_ack_unsent, 1);
    CHECK_EQ(st->drops[SYNACK_DROP_TCP_BAD_ACK], 1);
    CHECK_EQ(st->tcp_ack_too_old, 1);
    CHECK_EQ(st->drops[SYNACK_DROP_TCP_ACK_TOO_OLD], 1);
    CHECK_EQ(st->drops[SYNACK_DROP_TCP_OUT_OF_WINDOW], 1);
    CHECK_EQ(st->tcp_challenge_acks, 5);
    CHECK_EQ(st->tcp_challenge_acks_limited, 0);
    CHECK_EQ(st->tcp_estab_resets, 0);
    CHECK_EQ(app_recv(&s, buf, sizeof buf), -SYNACK_EAGAIN);
    expect_state(&s, ESTABLISHED);
    at(&s, 20); peer_sends(&s, SEG(ACK | PSH, .seq = 1001, .ack = 8001, .data = "real"));
                CHECK_EQ(app_recv(&s, buf, sizeof buf), 4);
                CHECK_EQ(memcmp(buf, "real", 4), 0);
    at(&s, 220); expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1005));
    scenario_end(&s);
}

/*  RFC 5961 §7: challenge ACKs pass one token bucket for the whole stack,
 *  here 10 a second with a burst of 3.  Two connections share it: :40000
 *  and :40001 (ISS 3000, not accepted).
 *  t=10    :40000 RST seq=1002 -> ACK ; RST seq=1003 -> ACK
 *          :40001 SYN          -> ACK (the third token, another connection)
 *          :40000 RST seq=1004 -> nothing; :40001 SYN -> nothing      (limited)
 *  t=110   one token back (100 ms at 10/s):
 *          :40001 RST seq=3005 -> ACK seq=8001 ack=3001; :40000 RST -> nothing
 *  t=1110  a second later the bucket is full again, but holds only 3:
 *          three challenges answered, the fourth not
 */
TEST(challenge_acks_are_rate_limited_per_stack)
{
    struct scenario s;
    const struct synack_stats *st;
    scenario_listen(&s, .iss = 8000, .challenge_ack_rate = 10, .challenge_ack_burst = 3);
    st = synack_stack_stats(s.st);
    at(&s, 0);    handshake_passive(&s, 1000);
                  peer_sends(&s, SEG(SYN, .seq = 3000, .mss = 1460, .sport = 40001));
                  expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 3001));
                  peer_sends(&s, SEG(ACK, .seq = 3001, .ack = 8001, .sport = 40001));
                  expect_nothing_sent(&s);
    at(&s, 10);   peer_sends(&s, SEG(RST, .seq = 1002));
                  expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001));
                  peer_sends(&s, SEG(RST, .seq = 1003));
                  expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001));
                  peer_sends(&s, SEG(SYN, .seq = 3000, .sport = 40001));
                  expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 3001));
                  peer_sends(&s, SEG(RST, .seq = 1004));
                  peer_sends(&s, SEG(SYN, .seq = 3000, .sport = 40001));
                  expect_nothing_sent(&s);
                  CHECK_EQ(st->tcp_challenge_acks, 3);
                  CHECK_EQ(st->tcp_challenge_acks_limited, 2);
    at(&s, 109);  peer_sends(&s, SEG(RST, .seq = 3005, .sport = 40001));
                  expect_nothing_sent(&s);              /* 99 ms: not yet a whole token */
    at(&s, 110);  peer_sends(&s, SEG(RST, .seq = 3005, .sport = 40001));
                  expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 3001));
                  peer_sends(&s, SEG(RST, .seq = 1002));
                  expect_nothing_sent(&s);
    at(&s, 1110); for (int i = 0; i < 3; i++) {
                      peer_sends(&s, SEG(RST, .seq = 1002));
                      expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001));
                  }
                  peer_sends(&s, SEG(RST, .seq = 1002));
                  expect_nothing_sent(&s);
    CHECK_EQ(st->tcp_challenge_acks, 7);
    CHECK_EQ(st->tcp_challenge_acks_limited, 5);
    CHECK_EQ(st->tcp_rst_challenged + st->tcp_syn_challenged, 12);
    CHECK_EQ(st->tcp_estab_resets, 0);
    expect_state(&s, ESTABLISHED);
    scenario_end(&s);
}

/*  The default limit is Linux's: a burst of 1000 challenge ACKs, then
 *  1000 a second.  1500 in-window RSTs at one instant draw 1000 ACKs.
 */
TEST(default_limit_is_a_burst_of_1000)
{
    struct scenario s;
    const struct synack_stats *st;
    scenario_listen(&s, .iss = 8000);
    st = synack_stack_stats(s.st);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); for (int i = 0; i < 1500; i++)
                    peer_sends(&s, SEG(RST, .seq = 1002 + (uint32_t)i));
                for (int i = 0; i < 1000; i++)
                    expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001));
                expect_nothing_sent(&s);
    CHECK_EQ(st->tcp_challenge_acks, 1000);
    CHECK_EQ(st->tcp_challenge_acks_limited, 500);
    scenario_end(&s);
}

/*  Rate 0 turns the limit off (for those who prefer no counter shared by
 *  every connection: see CVE-2016-5696 in synack/stack.h), and then the
 *  burst may be 0 too; with a rate, a burst of 0 is refused.
 */
TEST(challenge_ack_rate_zero_answers_every_challenge)
{
    struct synack_config cfg;
    synack_config_default(&cfg);
    cfg.challenge_ack_rate = 5;
    cfg.challenge_ack_burst = 0;
    CHECK(synack_stack_new(&cfg) == NULL);
    struct scenario s;
    const struct synack_stats *st;
    scenario_listen(&s, .iss = 8000, .challenge_ack_unlimited = true);
    st = synack_stack_stats(s.st);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); for (int i = 0; i < 1500; i++)
                    peer_sends(&s, SEG(RST, .seq = 1002 + (uint32_t)i));
                for (int i = 0; i < 1500; i++)
                    expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001));
    CHECK_EQ(st->tcp_challenge_acks, 1500);
    CHECK_EQ(st->tcp_challenge_acks_limited, 0);
    scenario_end(&s);
}
