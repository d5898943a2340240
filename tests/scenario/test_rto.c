/*
 * test_rto.c — retransmission: the timer of RFC 6298 (§2 estimator, §3
 * Karn's rule, §5 managing the timer and backing off), giving up after R2
 * (RFC 9293 §3.8.3, RFC 1122 §4.2.3.5), and fast retransmit with NewReno
 * recovery (RFC 5681 §3.2, RFC 6582 §3.2).
 *
 * The stack listens on :80 with ISS 8000 (or connects from :49152 with ISS
 * 1000); the peer's ISS is 1000 (8000).  Times are on the virtual clock, in
 * milliseconds.
 */
#include "scenario.h"

/* The passive handshake with a measured round trip: the SYN|ACK leaves at
 * the current time and the peer's ACK comes rtt_ms later, which is the
 * stack's first RTT sample (RFC 6298 §2.2).
 *  SYN seq=1000 mss=1460                  -->
 *                                         <--     SYN|ACK seq=8000 ack=1001
 *  ACK seq=1001 ack=8001                  -->     (rtt_ms later) ESTABLISHED
 */
static void handshake_with_rtt(struct scenario *s, double rtt_ms)
{
    peer_sends(s, SEG(SYN, .seq = 1000, .mss = 1460));
    expect_sent(s, SEG(SYN | ACK, .seq = 8000, .ack = 1001));
    after_ms(s, rtt_ms);
    peer_sends(s, SEG(ACK, .seq = 1001, .ack = 8001));
    expect_state(s, ESTABLISHED);
    CHECK(app_accept(s) >= 0);
}

/*  A black-holed path: the peer never answers.  RTT 1 µs from the
 *  handshake, so RTO = max(min 200 ms, SRTT + 4*RTTVAR) = 200 ms, doubled
 *  at each expiry (RFC 6298 §5.5); data_retries = 3.
 *                                         <--     ACK|PSH seq=8001 "hello"   1000
 *                                         <--     same again                 1200  (RTO 200)
 *                                         <--     same again                 1600  (RTO 400)
 *                                         <--     same again                 2400  (RTO 800)
 *                                                 4000: the fourth expiry (RTO 1600) gives up:
 *                                                 CLOSED, ETIMEDOUT, no RST
 */
TEST(black_holed_data_is_retransmitted_with_backoff_then_times_out)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .rto_min_us = 200000, .data_retries = 3);
    at(&s, 0);         handshake_passive(&s, 1000);
                       CHECK_EQ(app_info(&s).rto_us, 200000);
    at(&s, 1000);      CHECK_EQ(app_send(&s, "hello"), 5);
                       expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .data = "hello"));
    at(&s, 1199.999);  expect_nothing_sent(&s);
    at(&s, 1200);      expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .data = "hello"));
                       CHECK_EQ(app_info(&s).backoff, 1);
                       CHECK_EQ(app_info(&s).rto_us, 400000);
    at(&s, 1599.999);  expect_nothing_sent(&s);
    at(&s, 1600);      expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .data = "hello"));
                       CHECK_EQ(app_info(&s).backoff, 2);
    at(&s, 2399.999);  expect_nothing_sent(&s);
    at(&s, 2400);      expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .data = "hello"));
                       CHECK_EQ(app_info(&s).backoff, 3);
    at(&s, 3999.999);  expect_nothing_sent(&s);
                       expect_state(&s, ESTABLISHED);
                       CHECK_EQ(app_error(&s), 0);
    at(&s, 4000);      expect_nothing_sent(&s);
                       expect_state(&s, CLOSED);
                       CHECK(app_ready(&s) & SYNACK_ERROR);
                       CHECK(app_ready(&s) & SYNACK_CLOSED);
                       CHECK_EQ(app_error(&s), -SYNACK_ETIMEDOUT);
                       CHECK_EQ(app_send(&s, "more"), -SYNACK_EPIPE);
    const struct synack_stats *st = synack_stack_stats(s.st);
    CHECK_EQ(st->tcp_timeouts, 4);
    CHECK_EQ(st->tcp_retrans_segs, 3);
    CHECK_EQ(st->tcp_estab_resets, 1);
    CHECK_EQ(st->tcp_curr_estab, 0);
    at(&s, 100000);    expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  The same with every default: RTO 1 s (RFC 6298 §2.4 minimum), doubled
 *  up to the 60 s maximum (§2.5), 15 retransmissions, so the connection is
 *  abandoned 1+2+4+8+16+32+60*10 = 663 s after the first transmission.
 *  The application learns it from recv().
 */
TEST(default_rto_doubles_up_to_sixty_seconds_and_gives_up_after_fifteen_retransmissions)
{
    /* Seconds after the first transmission at which each retransmission goes out. */
    static const double rexmt_s[15] = { 1, 3, 7, 15, 31, 63, 123, 183, 243, 303, 363, 423, 483, 543, 603 };
    struct scenario s;
    char buf[16];
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);    handshake_passive(&s, 1000);
    at(&s, 1000); CHECK_EQ(app_send(&s, "hello"), 5);
                  expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .data = "hello"));
    for (int i = 0; i < 15; i++) {
        at(&s, 1000 + rexmt_s[i] * 1000 - 0.001); expect_nothing_sent(&s);
        at(&s, 1000 + rexmt_s[i] * 1000);         expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .data = "hello"));
    }
    CHECK_EQ(app_info(&s).rto_us, 60000000);
    at(&s, 1000 + 663000 - 0.001); expect_state(&s, ESTABLISHED);
    at(&s, 1000 + 663000);         expect_state(&s, CLOSED);
                                   expect_nothing_sent(&s);
                                   CHECK_EQ(app_recv(&s, buf, sizeof buf), -SYNACK_ETIMEDOUT);
                                   CHECK_EQ(app_recv(&s, buf, sizeof buf), 0);   /* the error is reported once */
    scenario_end(&s);
}

/*  SYN-SENT with every default: initial RTO 1 s (RFC 6298 §2.1), six SYN
 *  retransmissions, then ETIMEDOUT (RFC 1122 §4.2.3.5: R2 for a SYN at
 *  least 3 minutes is a SHOULD; the default gives up after 123 s, the last
 *  wait being capped at the 60 s maximum RTO of RFC 6298 §2.5).
 *  client (stack :49152)                          server (peer :40000), silent
 *  SYN seq=1000                           -->     0 s
 *  SYN seq=1000                           -->     1, 3, 7, 15, 31, 63 s
 *                                                 123 s: CLOSED, ETIMEDOUT
 */
TEST(syn_is_retransmitted_with_backoff_then_connect_times_out)
{
    static const double rexmt_s[6] = { 1, 3, 7, 15, 31, 63 };
    struct scenario s;
    scenario_client(&s, .iss = 1000);
    at(&s, 0); CHECK_EQ(app_connect(&s), -SYNACK_EINPROGRESS);
               expect_sent(&s, SEG(SYN, .seq = 1000, .mss = 1460));
    for (int i = 0; i < 6; i++) {
        at(&s, rexmt_s[i] * 1000 - 0.001); expect_nothing_sent(&s);
        at(&s, rexmt_s[i] * 1000);         expect_sent(&s, SEG(SYN, .seq = 1000, .mss = 1460));
                                           expect_state(&s, SYN_SENT);
    }
    at(&s, 122999.999); expect_state(&s, SYN_SENT);
                        CHECK(!(app_ready(&s) & SYNACK_ERROR));
    at(&s, 123000);     expect_state(&s, CLOSED);
                        expect_nothing_sent(&s);
                        CHECK(app_ready(&s) & SYNACK_ERROR);
                        CHECK(!(app_ready(&s) & SYNACK_CONNECTED));
                        CHECK_EQ(app_error(&s), -SYNACK_ETIMEDOUT);
    CHECK_EQ(synack_stack_stats(s.st)->tcp_attempt_fails, 1);
    CHECK_EQ(synack_stack_stats(s.st)->tcp_timeouts, 7);
    scenario_end(&s);
}

/*  The same with short timers: RTO 100 ms, two retries.
 *  SYN seq=1000                           -->     0, 100, 300 ms
 *                                                 700 ms: CLOSED, ETIMEDOUT
 */
TEST(syn_retries_and_initial_rto_are_configurable)
{
    struct scenario s;
    char buf[16];
    scenario_client(&s, .iss = 1000, .rto_initial_us = 100000, .rto_min_us = 100000, .syn_retries = 2);
    at(&s, 0);       CHECK_EQ(app_connect(&s), -SYNACK_EINPROGRESS);
                     expect_sent(&s, SEG(SYN, .seq = 1000));
    at(&s, 99.999);  expect_nothing_sent(&s);
    at(&s, 100);     expect_sent(&s, SEG(SYN, .seq = 1000));
    at(&s, 299.999); expect_nothing_sent(&s);
    at(&s, 300);     expect_sent(&s, SEG(SYN, .seq = 1000));
    at(&s, 699.999); expect_state(&s, SYN_SENT);
    at(&s, 700);     expect_state(&s, CLOSED);
                     expect_nothing_sent(&s);
                     CHECK_EQ(app_recv(&s, buf, sizeof buf), -SYNACK_ETIMEDOUT);
    scenario_end(&s);
}

/*  RFC 6298 §2.2: the first sample R gives SRTT = R, RTTVAR = R/2,
 *  RTO = SRTT + 4*RTTVAR (here 20 + 40 = 60 ms, above the 50 ms minimum).
 *  §2.3 for the next sample R' = 40 ms:
 *    RTTVAR = 3/4 * 10 + 1/4 * |20 - 40| = 12.5 ms
 *    SRTT   = 7/8 * 20 + 1/8 * 40        = 22.5 ms,   RTO = 72.5 ms
 *  SYN seq=1000                           -->     0
 *                                         <--     SYN|ACK seq=8000 ack=1001
 *  ACK seq=1001 ack=8001                  -->     20: R = 20 ms
 *                                         <--     ACK|PSH seq=8001 "hello"   100
 *  ACK seq=1001 ack=8006                  -->     140: R' = 40 ms
 */
TEST(rtt_samples_follow_rfc6298)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .rto_min_us = 50000);
    at(&s, 0);   handshake_with_rtt(&s, 20);
                 CHECK_EQ(app_info(&s).srtt_us, 20000);
                 CHECK_EQ(app_info(&s).rttvar_us, 10000);
                 CHECK_EQ(app_info(&s).rto_us, 60000);
    at(&s, 100); CHECK_EQ(app_send(&s, "hello"), 5);
                 expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .data = "hello"));
    at(&s, 140); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8006));
                 expect_nothing_sent(&s);
                 CHECK_EQ(app_info(&s).srtt_us, 22500);
                 CHECK_EQ(app_info(&s).rttvar_us, 12500);
                 CHECK_EQ(app_info(&s).rto_us, 72500);
    at(&s, 5000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  RFC 6298 §3 (Karn): an ACK for a retransmitted segment is ambiguous and
 *  gives no sample.  RTO 60 ms from the handshake (R = 20 ms).
 *                                         <--     ACK|PSH seq=8001 "hello"   100
 *                                         <--     ACK|PSH seq=8001 "hello"   160  RTO
 *  ACK seq=1001 ack=8006                  -->     170: no sample, SRTT stays 20 ms
 *                                         <--     ACK|PSH seq=8006 "world"   200  timed afresh
 *  ACK seq=1001 ack=8011                  -->     240: R = 40 ms, SRTT = 22.5 ms
 */
TEST(karn_no_rtt_sample_from_a_retransmitted_segment)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .rto_min_us = 50000);
    at(&s, 0);       handshake_with_rtt(&s, 20);
    at(&s, 100);     CHECK_EQ(app_send(&s, "hello"), 5);
                     expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .data = "hello"));
    at(&s, 159.999); expect_nothing_sent(&s);
    at(&s, 160);     expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .data = "hello"));
    at(&s, 170);     peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8006));
                     CHECK_EQ(app_info(&s).srtt_us, 20000);
                     CHECK_EQ(app_info(&s).rttvar_us, 10000);
    at(&s, 200);     CHECK_EQ(app_send(&s, "world"), 5);
                     expect_sent(&s, SEG(ACK | PSH, .seq = 8006, .ack = 1001, .data = "world"));
    at(&s, 240);     peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8011));
                     CHECK_EQ(app_info(&s).srtt_us, 22500);
                     CHECK_EQ(app_info(&s).rttvar_us, 12500);
    at(&s, 5000);    expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  Karn's rule for the SYN: a SYN retransmitted after the initial RTO and
 *  then answered gives no sample; the first sample comes from data.
 *  client (stack :49152, ISS 1000)                server (peer, ISS 8000)
 *  SYN seq=1000                           -->     0
 *  SYN seq=1000                           -->     1000  RTO
 *                                         <--     SYN|ACK seq=8000 ack=1001   1030
 *  ACK seq=1001 ack=8001                  -->     SRTT still 0, backoff 0
 *  ACK|PSH seq=1001 "hello"               -->     1100
 *                                         <--     ACK seq=8001 ack=1006       1150: R = 50 ms
 */
TEST(karn_no_rtt_sample_from_a_retransmitted_syn)
{
    struct scenario s;
    scenario_client(&s, .iss = 1000);
    at(&s, 0);    CHECK_EQ(app_connect(&s), -SYNACK_EINPROGRESS);
                  expect_sent(&s, SEG(SYN, .seq = 1000));
    at(&s, 1000); expect_sent(&s, SEG(SYN, .seq = 1000));
    at(&s, 1030); peer_sends(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460));
                  expect_sent(&s, SEG(ACK, .seq = 1001, .ack = 8001));
                  expect_state(&s, ESTABLISHED);
                  CHECK_EQ(app_info(&s).srtt_us, 0);
                  CHECK_EQ(app_info(&s).backoff, 0);
    at(&s, 1100); CHECK_EQ(app_send(&s, "hello"), 5);
                  expect_sent(&s, SEG(ACK | PSH, .seq = 1001, .ack = 8001, .data = "hello"));
    at(&s, 1150); peer_sends(&s, SEG(ACK, .seq = 8001, .ack = 1006));
                  CHECK_EQ(app_info(&s).srtt_us, 50000);
                  CHECK_EQ(app_info(&s).rttvar_us, 25000);
                  CHECK_EQ(app_info(&s).rto_us, 1000000);     /* 50 + 4*25 = 150 ms, below the 1 s minimum */
    scenario_end(&s);
}

/*  RFC 6298 §5.3, §5.5: after a retransmission is acknowledged the backoff
 *  is over; the next segment's timer runs with the plain RTO (60 ms), not
 *  the doubled one.
 *                                         <--     ACK|PSH seq=8001 "hello"   100
 *                                         <--     ACK|PSH seq=8001 "hello"   160  (backoff 1: next RTO 120)
 *  ACK seq=1001 ack=8006                  -->     170: backoff 0, RTO 60
 *                                         <--     ACK|PSH seq=8006 "world"   200
 *                                         <--     ACK|PSH seq=8006 "world"   260  (60 ms, not 120)
 */
TEST(acknowledged_retransmission_ends_the_backoff)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .rto_min_us = 50000);
    at(&s, 0);       handshake_with_rtt(&s, 20);
    at(&s, 100);     CHECK_EQ(app_send(&s, "hello"), 5);
                     expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .data = "hello"));
    at(&s, 160);     expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .data = "hello"));
                     CHECK_EQ(app_info(&s).backoff, 1);
                     CHECK_EQ(app_info(&s).rto_us, 120000);
    at(&s, 170);     peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8006));
                     CHECK_EQ(app_info(&s).backoff, 0);
                     CHECK_EQ(app_info(&s).rto_us, 60000);
    at(&s, 200);     CHECK_EQ(app_send(&s, "world"), 5);
                     expect_sent(&s, SEG(ACK | PSH, .seq = 8006, .ack = 1001, .data = "world"));
    at(&s, 259.999); expect_nothing_sent(&s);
    at(&s, 260);     expect_sent(&s, SEG(ACK | PSH, .seq = 8006, .ack = 1001, .data = "world"));
    at(&s, 265);     peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8011));
    at(&s, 5000);    expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  After a timeout only the first segment is resent (the loss window is one
 *  segment, RFC 5681 §3.1); its ACK opens slow start again and the rest
 *  follows, two segments for one ACK.  RTO 1 s.
 *                                         <--     seq=8001, 9461, 10921 (1460 each)   1000
 *                                         <--     seq=8001 len=1460                   2000  RTO
 *                                                 cwnd = 1460, ssthresh = max(4380/2, 2*1460) = 2920
 *  ACK ack=9461                           -->     2010: slow start, cwnd = 2920
 *                                         <--     seq=9461 len=1460, seq=10921 len=1460
 *  ACK ack=12381                          -->     2020
 */
TEST(timeout_resends_one_segment_then_the_rest_in_slow_start)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .cc = "newreno");
    at(&s, 0);    handshake_passive(&s, 1000);
    at(&s, 1000); CHECK_EQ(app_send_bytes(&s, 3 * 1460), 3 * 1460);
                  expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .len = 1460));
                  expect_sent(&s, SEG(ACK, .seq = 9461, .ack = 1001, .len = 1460));
                  expect_sent(&s, SEG(ACK, .seq = 10921, .ack = 1001, .len = 1460));
    at(&s, 2000); expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .len = 1460));
                  expect_nothing_sent(&s);
                  CHECK_EQ(app_info(&s).cwnd_bytes, 1460);
                  CHECK_EQ(app_info(&s).ssthresh_bytes, 2920);    /* RFC 5681 eq. 4 */
    at(&s, 2010); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 9461));
                  expect_sent(&s, SEG(ACK, .seq = 9461, .ack = 1001, .len = 1460));
                  expect_sent(&s, SEG(ACK, .seq = 10921, .ack = 1001, .len = 1460));
    at(&s, 2020); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 12381));
                  expect_nothing_sent(&s);
    at(&s, 10000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  RFC 5681 §3.2: the third duplicate ACK retransmits the first
 *  unacknowledged segment at once, long before the RTO (1 s); RFC 6582
 *  §3.2: a partial ACK during recovery retransmits the next hole.
 *  Eight segments of 1460; the 2nd (9461) and the 5th (13841) are lost.
 *                                         <--     8001 9461 10921 12381 13841 15301 16761 18221   1000
 *  ACK ack=9461                           -->     (for 8001)                      1010
 *  ACK ack=9461  x2                       -->     (for 10921, 12381) duplicates   1011, 1012
 *  ACK ack=9461                           -->     third duplicate (for 15301)     1013
 *                                         <--     seq=9461 len=1460               fast retransmit
 *  ACK ack=9461  x2                       -->     (for 16761, 18221)              1014, 1015
 *  ACK ack=13841                          -->     partial ACK                     1030
 *                                         <--     seq=13841 len=1460              the next hole
 *  ACK ack=19681                          -->     full ACK: recovery ends         1040
 */
TEST(fast_retransmit_and_newreno_partial_ack)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .cc = "newreno");
    at(&s, 0);    handshake_passive(&s, 1000);
    at(&s, 1000); CHECK_EQ(app_send_bytes(&s, 8 * 1460), 8 * 1460);
    for (uint32_t i = 0; i < 8; i++)
        expect_sent(&s, SEG(ACK, .seq = 8001 + 1460 * i, .ack = 1001, .len = 1460));
    at(&s, 1010); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 9461));
                  expect_nothing_sent(&s);
    at(&s, 1011); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 9461));
                  expect_nothing_sent(&s);
    at(&s, 1012); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 9461));
                  expect_nothing_sent(&s);
    at(&s, 1013); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 9461));
                  expect_sent(&s, SEG(ACK, .seq = 9461, .ack = 1001, .len = 1460));
                  /* RFC 5681 eq. 4: ssthresh = FlightSize/2 = (19681-9461)/2 = 5110.
                   * RFC 6937 (PRR): the three duplicates stand for three segments
                   * that left the network, so pipe = 10220 - 3*1460 - 1460 (lost)
                   * = 4380 <= ssthresh; sndcnt = min(ssthresh - pipe, ...) = 730,
                   * raised to one segment for the first retransmission (RFC 6675
                   * §5 step 4.2): cwnd = pipe + 1460. */
                  CHECK_EQ(app_info(&s).ssthresh_bytes, 5110);
                  CHECK_EQ(app_info(&s).cwnd_bytes, 4380 + 1460);
    at(&s, 1014); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 9461));
    at(&s, 1015); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 9461));
                  expect_nothing_sent(&s);                  /* nothing new to send */
    at(&s, 1030); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 13841));
                  expect_sent(&s, SEG(ACK, .seq = 13841, .ack = 1001, .len = 1460));
                  expect_nothing_sent(&s);
    at(&s, 1040); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 19681));
                  expect_nothing_sent(&s);
                  /* Recovery ends at ssthresh (RFC 6937 §3; RFC 6582 §3.2 step 3, second option). */
                  CHECK_EQ(app_info(&s).cwnd_bytes, 5110);
                  CHECK_EQ(app_info(&s).fast_retrans, 1);
                  CHECK_EQ(app_info(&s).dup_acks_in, 5);
                  CHECK_EQ(app_info(&s).rto_expiries, 0);
                  CHECK_EQ(app_info(&s).retrans_segs, 2);
    at(&s, 10000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  Two duplicate ACKs are not a loss signal (RFC 5681 §3.2: the third is);
 *  the segment waits for the RTO.
 *                                         <--     8001 9461 10921 (1460 each)    1000
 *  ACK ack=9461, then twice more          -->     1010, 1011, 1012
 *                                         <--     seq=9461 len=1460              2010: RTO
 */
TEST(two_duplicate_acks_do_not_trigger_fast_retransmit)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);        handshake_passive(&s, 1000);
    at(&s, 1000);     CHECK_EQ(app_send_bytes(&s, 3 * 1460), 3 * 1460);
                      expect_sent(&s, SEG(ACK, .seq = 8001, .len = 1460, .ack = 1001));
                      expect_sent(&s, SEG(ACK, .seq = 9461, .len = 1460, .ack = 1001));
                      expect_sent(&s, SEG(ACK, .seq = 10921, .len = 1460, .ack = 1001));
    at(&s, 1010);     peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 9461));
    at(&s, 1011);     peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 9461));
    at(&s, 1012);     peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 9461));
    at(&s, 2009.999); expect_nothing_sent(&s);
    at(&s, 2010);     expect_sent(&s, SEG(ACK, .seq = 9461, .ack = 1001, .len = 1460));
    at(&s, 2020);     peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 12381));
                      expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  RFC 6298 §5.7: the SYN had to be sent twice, so no RTT sample exists
 *  (Karn); the first data then waits 3 s, not 1 s, before it is resent.
 *  stack (client)                                 peer
 *  SYN seq=1000                            -->    0     (lost)
 *  SYN seq=1000                            -->    1000  after the initial RTO of 1 s
 *                                          <--    SYN|ACK seq=8000 ack=1001   1010
 *  ACK seq=1001 ack=8001                   -->
 *  ACK|PSH seq=1001 "hi"                   -->    1010  (lost)
 *  ACK|PSH seq=1001 "hi"                   -->    4010  after 3 s
 */
TEST(rto_is_three_seconds_after_a_syn_timeout)
{
    struct scenario s;
    scenario_client(&s, .iss = 1000);
    at(&s, 0);    CHECK_EQ(app_connect(&s), -SYNACK_EINPROGRESS);
                  expect_sent(&s, SEG(SYN, .seq = 1000));
    at(&s, 1000); expect_sent(&s, SEG(SYN, .seq = 1000));
    at(&s, 1010); peer_sends(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460));
                  expect_sent(&s, SEG(ACK, .seq = 1001, .ack = 8001));
                  CHECK_EQ(app_send(&s, "hi"), 2);
                  expect_sent(&s, SEG(ACK | PSH, .seq = 1001, .ack = 8001, .data = "hi"));
                  CHECK_EQ(app_info(&s).rto_us, 3000000);
    at(&s, 4009); expect_nothing_sent(&s);
    at(&s, 4010); expect_sent(&s, SEG(ACK | PSH, .seq = 1001, .ack = 8001, .data = "hi"));
    at(&s, 4020); peer_sends(&s, SEG(ACK, .seq = 8001, .ack = 1003));
    scenario_end(&s);
}
