/*
 * test_rack.c — RACK loss detection by time (RFC 8985 §6): a segment is
 * lost when one sent after it has been delivered and RACK.rtt +
 * RACK.reo_wnd have passed since it was sent (§6.2 step 5), whichever
 * transmission it was (§6: a lost retransmission is found the same way);
 * the reordering window (§6.2 step 4) is min_RTT/4 outside recovery, 0
 * once DupThresh segments are SACKed while no reordering has been seen,
 * and grows by min_RTT/4 for each round that brings a D-SACK.
 *
 * Every scenario: the stack listens on :80 with ISS 8000 and NewReno
 * window arithmetic; the peer, ISS 1000, offers SACK and acknowledges the
 * SYN|ACK 100 ms later: SRTT = min RTT = 100 ms, so reo_wnd = 25 ms, and
 * RTO = 1 s.  SMSS 1460; segment Sn starts at 8001 + 1460*n.
 */
#include "scenario.h"

#define MSS 1460u
#define S(n) (8001u + MSS * (n))

/*  SYN seq=1000 mss=1460 sackOK            -->     0
 *                                          <--     SYN|ACK seq=8000 ack=1001 sackOK
 *  ACK seq=1001 ack=8001                   -->     100
 */
static void handshake_sack(struct scenario *s)
{
    at(s, 0);   peer_sends(s, SEG(SYN, .seq = 1000, .mss = 1460, .sack_ok = true));
                expect_sent(s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460, .sack_ok = true));
    at(s, 100); peer_sends(s, SEG(ACK, .seq = 1001, .ack = 8001));
                CHECK(app_accept(s) >= 0);
                CHECK_EQ(app_info(s).min_rtt_us, 100000);
}

#define PEER_ACK(s, a, ...) peer_sends(s, SEG(ACK, .seq = 1001, .ack = (a), __VA_ARGS__))

static void send_segments(struct scenario *s, uint32_t first, uint32_t count)
{
    CHECK_EQ(app_send_bytes(s, count * MSS), count * MSS);
    for (uint32_t n = first; n < first + count; n++)
        expect_sent(s, SEG(ACK, .seq = S(n), .ack = 1001, .len = MSS));
}

/*  No third duplicate is needed: two SACKed segments, and the hole below
 *  them is lost once RACK.rtt + reo_wnd (25 ms) have passed since it was
 *  sent; the reordering timer fires then (RFC 8985 §6.2 step 5, §6.3).
 *                                          <--     S0..S9                      1000
 *  ACK 9461                                -->     (S0)                        1100
 *  ACK 9461 sack{10921:12381}              -->     (S2) RACK.rtt 101 ms        1101
 *  ACK 9461 sack{10921:13841}              -->     (S3) RACK.rtt 102 ms        1102
 *                                                  S1 sent at 1000: lost at 1000 + 102 + 25
 *                                          <--     S1 seq=9461                 1127
 */
TEST(reordering_timer_marks_a_hole_lost_with_two_segments_sacked)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .cc = "newreno");
    handshake_sack(&s);
    at(&s, 1000);     send_segments(&s, 0, 10);
    at(&s, 1100);     PEER_ACK(&s, S(1));
    at(&s, 1101);     PEER_ACK(&s, S(1), .nsack = 1, .sack = { { S(2), S(3) } });
    at(&s, 1102);     PEER_ACK(&s, S(1), .nsack = 1, .sack = { { S(2), S(4) } });
    at(&s, 1126.999); expect_nothing_sent(&s);
    at(&s, 1127);     expect_sent(&s, SEG(ACK, .seq = S(1), .ack = 1001, .len = MSS));
                      expect_nothing_sent(&s);
    CHECK_EQ(app_info(&s).fast_retrans, 1);
    CHECK_EQ(app_info(&s).retrans_fast, 1);
    at(&s, 1227);     PEER_ACK(&s, S(10));
    at(&s, 10000);    expect_nothing_sent(&s);
    CHECK_EQ(app_info(&s).rto_expiries, 0);
    scenario_end(&s);
}

/*  RFC 8985 §6 (lost retransmissions): S0's fast retransmission is lost
 *  too.  S5, sent after it, is SACKed a round trip later, so the
 *  retransmission, sent before S5 and unacknowledged RACK.rtt later, is
 *  lost: it goes a third time at once, long before the RTO (2000).
 *                                          <--     S0..S4                      1000
 *  ACK 8001 sack{9461:10921}, {9461:12381} -->     (S1, S2)                    1100, 1101
 *  ACK 8001 sack{9461:13841}               -->     (S3): S0 lost               1102
 *                                          <--     S0 (lost again)             1102
 *        the application writes S5 and S6
 *  ACK 8001 sack{9461:15301}               -->     (S4)                        1103
 *                                          <--     S5                          PRR
 *  ACK 8001 sack{9461:16761}               -->     (S5, sent at 1103 > 1102)   1203
 *                                          <--     S0 again, then S6
 *  ACK 18221                               -->     recovery over               1303
 */
TEST(rack_detects_a_lost_retransmission)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .cc = "newreno");
    handshake_sack(&s);
    at(&s, 1000); send_segments(&s, 0, 5);
    at(&s, 1100); PEER_ACK(&s, S(0), .nsack = 1, .sack = { { S(1), S(2) } });
    at(&s, 1101); PEER_ACK(&s, S(0), .nsack = 1, .sack = { { S(1), S(3) } });
                  expect_nothing_sent(&s);
    at(&s, 1102); PEER_ACK(&s, S(0), .nsack = 1, .sack = { { S(1), S(4) } });
                  expect_sent(&s, SEG(ACK, .seq = S(0), .ack = 1001, .len = MSS));
                  expect_nothing_sent(&s);
    /* FlightSize 7300: ssthresh 3650; pipe = 7300 - 4380 - 1460 = 1460:
     * sndcnt = MIN(3650 - 1460, MAX(1460, 1460) + 1460) = 2190. */
    CHECK_EQ(app_info(&s).ssthresh_bytes, 3650);
    CHECK_EQ(app_info(&s).cwnd_bytes, 3650);
                  CHECK_EQ(app_send_bytes(&s, 2 * MSS), 2 * MSS);
                  expect_nothing_sent(&s);              /* cwnd - pipe = 730: less than a segment */
    at(&s, 1103); PEER_ACK(&s, S(0), .nsack = 1, .sack = { { S(1), S(5) } });
                  expect_sent(&s, SEG(ACK, .seq = S(5), .ack = 1001, .len = MSS));
                  expect_nothing_sent(&s);
    at(&s, 1202.999); expect_nothing_sent(&s);
    at(&s, 1203); PEER_ACK(&s, S(0), .nsack = 1, .sack = { { S(1), S(6) } });
                  /* S0 was last sent at 1102, before S5 (1103): lost by
                   * 1102 + RACK.rtt (100) + reo_wnd (0 in recovery) = 1202.
                   * pipe = 0: sndcnt = MIN(3650, MAX(4380 - 2920, 1460) + 1460). */
                  expect_sent(&s, SEG(ACK, .seq = S(0), .ack = 1001, .len = MSS));
                  expect_sent(&s, SEG(ACK | PSH, .seq = S(6), .ack = 1001, .len = MSS));
                  expect_nothing_sent(&s);
    struct synack_tcp_info i = app_info(&s);
    CHECK_EQ(i.fast_retrans, 1);                        /* one recovery episode */
    CHECK_EQ(i.retrans_fast, 2);
    CHECK_EQ(i.rto_expiries, 0);
    CHECK_EQ(i.ssthresh_bytes, 3650);                   /* no second reduction */
    at(&s, 1303); PEER_ACK(&s, S(7));
                  expect_nothing_sent(&s);
    at(&s, 10000); expect_nothing_sent(&s);
    CHECK_EQ(app_info(&s).rto_expiries, 0);
    scenario_end(&s);
}

/*  Reordering seen (RFC 8985 §6.2 step 3: S1, never resent, is delivered
 *  after S2 was SACKed): from then on the window stays min_RTT/4 even
 *  with three segments SACKed, and a hole waits for the reordering timer.
 *                                          <--     S0..S9                      1000
 *  ACK 9461                                -->     (S0)                        1100
 *  ACK 9461 sack{10921:12381}              -->     (S2)                        1101
 *  ACK 12381                               -->     (S1, late): reordering      1102
 *  ACK 12381 sack{13841:15301} .. {13841:18221} --> (S4, S5, S6)               1103..1105
 *                                                  S3 waits until 1000 + 105 + 25
 *                                          <--     S3                          1130
 */
TEST(with_reordering_seen_a_hole_waits_for_the_reordering_window)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .cc = "newreno");
    handshake_sack(&s);
    at(&s, 1000);     send_segments(&s, 0, 10);
    at(&s, 1100);     PEER_ACK(&s, S(1));
    at(&s, 1101);     PEER_ACK(&s, S(1), .nsack = 1, .sack = { { S(2), S(3) } });
    at(&s, 1102);     PEER_ACK(&s, S(3));
                      expect_nothing_sent(&s);
    at(&s, 1103);     PEER_ACK(&s, S(3), .nsack = 1, .sack = { { S(4), S(5) } });
    at(&s, 1104);     PEER_ACK(&s, S(3), .nsack = 1, .sack = { { S(4), S(6) } });
    at(&s, 1105);     PEER_ACK(&s, S(3), .nsack = 1, .sack = { { S(4), S(7) } });
                      expect_nothing_sent(&s);              /* three SACKed, but reordering was seen */
    at(&s, 1129.999); expect_nothing_sent(&s);
    at(&s, 1130);     expect_sent(&s, SEG(ACK, .seq = S(3), .ack = 1001, .len = MSS));
                      expect_nothing_sent(&s);
    CHECK_EQ(app_info(&s).fast_retrans, 1);
    at(&s, 1131);     PEER_ACK(&s, S(3), .nsack = 1, .sack = { { S(4), S(10) } });
                      expect_nothing_sent(&s);
    at(&s, 1230);     PEER_ACK(&s, S(10));
    at(&s, 10000);    expect_nothing_sent(&s);
    CHECK_EQ(app_info(&s).rto_expiries, 0);
    scenario_end(&s);
}

/*  A D-SACK widens the window (RFC 8985 §6.2 step 4: reo_wnd_mult starts
 *  at 1 and grows by one in a round with a D-SACK): S1 was only late, its
 *  fast retransmission needless; the peer reports the copy (RFC 2883).
 *  The next hole then waits 2 * min_RTT/4 = 50 ms, not 25.
 *                                          <--     S0..S9                      1000
 *  ACK 9461; sack S2, S2-3, S2-4           -->                                 1100..1103
 *                                          <--     S1 (fast retransmit)        1103
 *  ACK 22601                               -->     (the original S1 was late)  1104
 *  ACK 22601 sack{9461:10921}              -->     D-SACK: the copy            1203
 *                                          <--     T0..T9 = 22601 + 1460*k     1300
 *  ACK 24061; sack T2, T2-3, T2-4          -->                                 1400..1403
 *                                                  T1 lost at 1300 + 103 + 50
 *                                          <--     T1                          1453
 */
TEST(dsack_widens_the_reordering_window)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .cc = "newreno");
    handshake_sack(&s);
    at(&s, 1000);     send_segments(&s, 0, 10);
    at(&s, 1100);     PEER_ACK(&s, S(1));
    at(&s, 1101);     PEER_ACK(&s, S(1), .nsack = 1, .sack = { { S(2), S(3) } });
    at(&s, 1102);     PEER_ACK(&s, S(1), .nsack = 1, .sack = { { S(2), S(4) } });
    at(&s, 1103);     PEER_ACK(&s, S(1), .nsack = 1, .sack = { { S(2), S(5) } });
                      expect_sent(&s, SEG(ACK, .seq = S(1), .ack = 1001, .len = MSS));
    at(&s, 1104);     PEER_ACK(&s, S(10));
    at(&s, 1203);     PEER_ACK(&s, S(10), .nsack = 1, .sack = { { S(1), S(2) } });
                      expect_nothing_sent(&s);
    CHECK_EQ(app_info(&s).dsack_in, 1);
    at(&s, 1300);     send_segments(&s, 10, 10);
    at(&s, 1400);     PEER_ACK(&s, S(11));
    at(&s, 1401);     PEER_ACK(&s, S(11), .nsack = 1, .sack = { { S(12), S(13) } });
    at(&s, 1402);     PEER_ACK(&s, S(11), .nsack = 1, .sack = { { S(12), S(14) } });
    at(&s, 1403);     PEER_ACK(&s, S(11), .nsack = 1, .sack = { { S(12), S(15) } });
                      expect_nothing_sent(&s);
    at(&s, 1452.999); expect_nothing_sent(&s);
    at(&s, 1453);     expect_sent(&s, SEG(ACK, .seq = S(11), .ack = 1001, .len = MSS));
                      expect_nothing_sent(&s);
    at(&s, 1553);     PEER_ACK(&s, S(20));
    at(&s, 10000);    expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  The widened window lasts (RFC 8985 §6.2 step 4: it returns to
 *  min_RTT/4 only after 16 recoveries without a D-SACK), however many
 *  ACKs come in between: after the D-SACK, twenty segments are ACKed one
 *  by one, and the next hole still waits 50 ms.
 *        as above up to the D-SACK                                             1000..1203
 *                                          <--     S10..S19                    1300
 *  ACK S11, S12 .. S20, one per segment    -->                                 1400..1409
 *                                          <--     S20..S29                    1500
 *  ACK S21 .. S30                          -->                                 1600..1609
 *                                          <--     S30..S39                    1700
 *  ACK S31; sack S32, S32-33, S32-34       -->                                 1800..1803
 *                                          <--     S31 at 1700 + 103 + 50      1853
 */
TEST(widened_reordering_window_outlasts_many_acks)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .cc = "newreno");
    handshake_sack(&s);
    at(&s, 1000);     send_segments(&s, 0, 10);
    at(&s, 1100);     PEER_ACK(&s, S(1));
    at(&s, 1101);     PEER_ACK(&s, S(1), .nsack = 1, .sack = { { S(2), S(3) } });
    at(&s, 1102);     PEER_ACK(&s, S(1), .nsack = 1, .sack = { { S(2), S(4) } });
    at(&s, 1103);     PEER_ACK(&s, S(1), .nsack = 1, .sack = { { S(2), S(5) } });
                      expect_sent(&s, SEG(ACK, .seq = S(1), .ack = 1001, .len = MSS));
    at(&s, 1104);     PEER_ACK(&s, S(10));
    at(&s, 1203);     PEER_ACK(&s, S(10), .nsack = 1, .sack = { { S(1), S(2) } });
    for (uint32_t round = 1; round <= 2; round++) {
        at(&s, 1100 + 200 * round); send_segments(&s, 10 * round, 10);
        for (uint32_t k = 1; k <= 10; k++) {
            at(&s, 1200 + 200 * round + k - 1); PEER_ACK(&s, S(10 * round + k));
        }
        expect_nothing_sent(&s);
    }
    at(&s, 1700);     send_segments(&s, 30, 10);
    at(&s, 1800);     PEER_ACK(&s, S(31));
    at(&s, 1801);     PEER_ACK(&s, S(31), .nsack = 1, .sack = { { S(32), S(33) } });
    at(&s, 1802);     PEER_ACK(&s, S(31), .nsack = 1, .sack = { { S(32), S(34) } });
    at(&s, 1803);     PEER_ACK(&s, S(31), .nsack = 1, .sack = { { S(32), S(35) } });
    at(&s, 1852.999); expect_nothing_sent(&s);
    at(&s, 1853);     expect_sent(&s, SEG(ACK, .seq = S(31), .ack = 1001, .len = MSS));
                      expect_nothing_sent(&s);
    at(&s, 1953);     PEER_ACK(&s, S(40));
    at(&s, 10000);    expect_nothing_sent(&s);
    scenario_end(&s);
}
