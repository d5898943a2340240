/*
 * test_sack_recovery.c — loss recovery with a SACK peer: fast retransmit
 * when RACK (RFC 8985 §6) judges a hole lost, resending only the holes
 * (RFC 6675 §5, NextSeg rule 1), at the pace of Proportional Rate
 * Reduction (RFC 6937 §3), until the ACK that covers "recover".
 *
 * Every scenario: the stack listens on :80 with ISS 8000 and NewReno
 * window arithmetic (RFC 5681 eq. 4: ssthresh = FlightSize/2); the peer,
 * ISS 1000, offers SACK in its SYN and acknowledges it 100 ms later, so
 * SRTT = min RTT = 100 ms and RTO = 1 s (RFC 6298 §2.4 minimum).  SMSS is
 * 1460; the initial window 10 segments (RFC 6928).  Data segment Sn
 * carries bytes 8001 + 1460*n .. 8001 + 1460*(n+1).
 */
#include "scenario.h"

#define MSS 1460u
#define S(n) (8001u + MSS * (n))      /* first sequence number of segment n */

/*  SYN seq=1000 mss=1460 sackOK            -->     0
 *                                          <--     SYN|ACK seq=8000 ack=1001 sackOK
 *  ACK seq=1001 ack=8001                   -->     100: SRTT = min RTT = 100 ms
 */
static void handshake_sack(struct scenario *s)
{
    at(s, 0);   peer_sends(s, SEG(SYN, .seq = 1000, .mss = 1460, .sack_ok = true));
                expect_sent(s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460, .sack_ok = true));
    at(s, 100); peer_sends(s, SEG(ACK, .seq = 1001, .ack = 8001));
                expect_state(s, ESTABLISHED);
                CHECK(app_accept(s) >= 0);
                CHECK(app_info(s).sack_ok);
                CHECK_EQ(app_info(s).srtt_us, 100000);
}

/* The peer's ACK: cumulative ack, and SACK blocks [l, r) (0 to 3). */
#define PEER_ACK(s, a, ...) peer_sends(s, SEG(ACK, .seq = 1001, .ack = (a), __VA_ARGS__))

/*  One hole; the third SACKed segment above it makes RACK (with no
 *  reordering seen, RFC 8985 §6.2 step 4: reo_wnd = 0 once DupThresh
 *  segments are SACKed) judge it lost, and only it is resent, at once.
 *                                          <--     S0..S9 (1460 each)          1000
 *  ACK 9461                                -->     (S0)                        1100
 *  ACK 9461 sack{10921:12381}              -->     (S2) reo_wnd = 25 ms: wait  1101
 *  ACK 9461 sack{10921:13841}              -->     (S3) still waiting          1102
 *  ACK 9461 sack{10921:15301}              -->     (S4) 3 SACKed: reo_wnd 0    1103
 *                                          <--     S1 seq=9461                 fast retransmit
 *  ACK 9461 sack{10921:16761} .. {10921:22601} --> (S5..S9)                    1104..1108
 *  ACK 22601                               -->     (S1 again) recovery over    1203
 */
TEST(third_sacked_segment_above_a_hole_retransmits_only_the_hole)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .cc = "newreno");
    handshake_sack(&s);
    at(&s, 1000); CHECK_EQ(app_send_bytes(&s, 10 * MSS), 10 * MSS);
    for (uint32_t n = 0; n < 10; n++)
        expect_sent(&s, SEG(ACK, .seq = S(n), .ack = 1001, .len = MSS));
    at(&s, 1100); PEER_ACK(&s, S(1));
                  expect_nothing_sent(&s);
    at(&s, 1101); PEER_ACK(&s, S(1), .nsack = 1, .sack = { { S(2), S(3) } });
                  expect_nothing_sent(&s);
    at(&s, 1102); PEER_ACK(&s, S(1), .nsack = 1, .sack = { { S(2), S(4) } });
                  expect_nothing_sent(&s);
    at(&s, 1103); PEER_ACK(&s, S(1), .nsack = 1, .sack = { { S(2), S(5) } });
                  expect_sent(&s, SEG(ACK, .seq = S(1), .ack = 1001, .len = MSS));
                  expect_nothing_sent(&s);
    struct synack_tcp_info i = app_info(&s);
    CHECK_EQ(i.fast_retrans, 1);
    CHECK_EQ(i.retrans_fast, 1);
    CHECK_EQ(i.retrans_rto, 0);
    CHECK_EQ(i.retrans_tlp, 0);
    /* RFC 5681 eq. 4: FlightSize = 22601 - 9461 = 13140, ssthresh = 6570.
     * RFC 6937: RecoverFS = 13140; this ACK delivered 1460 (S4), pipe =
     * 13140 - 3*1460 SACKed - 1460 lost = 7300 > ssthresh, so
     * sndcnt = CEIL(1460 * 6570 / 13140) - 0 = 730, raised to one segment
     * for the fast retransmit (RFC 6675 §5 step 4.2): cwnd = 7300 + 1460. */
    CHECK_EQ(i.ssthresh_bytes, 6570);
    CHECK_EQ(i.cwnd_bytes, 8760);
    CHECK_EQ(i.in_flight_bytes, 8760);
    /* The rest arrives; PRR: after S5 (delivered 2920 in all, pipe 7300 >
     * ssthresh) sndcnt = CEIL(2920 * 6570 / 13140) - 1460 = 0, cwnd = pipe;
     * from S6 on pipe <= ssthresh and PRR-SSRB lets cwnd reach ssthresh. */
    at(&s, 1104); PEER_ACK(&s, S(1), .nsack = 1, .sack = { { S(2), S(6) } });
                  CHECK_EQ(app_info(&s).cwnd_bytes, 7300);
    at(&s, 1105); PEER_ACK(&s, S(1), .nsack = 1, .sack = { { S(2), S(7) } });
                  CHECK_EQ(app_info(&s).cwnd_bytes, 6570);
    at(&s, 1106); PEER_ACK(&s, S(1), .nsack = 1, .sack = { { S(2), S(8) } });
    at(&s, 1107); PEER_ACK(&s, S(1), .nsack = 1, .sack = { { S(2), S(9) } });
    at(&s, 1108); PEER_ACK(&s, S(1), .nsack = 1, .sack = { { S(2), S(10) } });
                  expect_nothing_sent(&s);               /* nothing new queued, nothing lost */
                  CHECK_EQ(app_info(&s).cwnd_bytes, 6570);
                  CHECK_EQ(app_info(&s).in_flight_bytes, MSS);
    at(&s, 1203); PEER_ACK(&s, S(10));
                  expect_nothing_sent(&s);
    i = app_info(&s);
    CHECK_EQ(i.cwnd_bytes, 6570);                /* RFC 6937 §3: recovery ends at ssthresh */
    CHECK_EQ(i.in_flight_bytes, 0);
    CHECK_EQ(i.ssthresh_bytes, 6570);
    CHECK_EQ(i.retrans_segs, 1);
    CHECK_EQ(i.rto_expiries, 0);
    at(&s, 10000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  Three holes in one window (S1, S3, S5 lost).  Once three segments are
 *  SACKed above them RACK marks all three lost; they are resent in order,
 *  each exactly once, never a SACKed one, as PRR allows (RFC 6937 §3,
 *  PRR-SSRB since pipe <= ssthresh), and recovery ends with the ACK that
 *  covers "recover" = 22601 (RFC 6675 §5, RFC 6582 §3.2 step 3).
 *                                          <--     S0..S9                      1000
 *  ACK 9461                                -->     (S0)                        1100
 *  ACK 9461 sack{10921:12381}              -->     (S2)                        1101
 *  ACK 9461 sack{13841:15301}{10921:12381} -->     (S4)                        1102
 *  ACK 9461 sack{16761:18221}{13841:15301}{10921:12381}   (S6)                 1103
 *                                          <--     S1                          recovery
 *  ... S7, S8, S9 SACKed                   -->                                 1104..1106
 *                                          <--     S3, then S5, one per ACK
 *  ACK 12381 (S1 filled the first hole)    -->     partial ACK                 1203
 *  ACK 15301, ACK 22601                    -->     recovery over               1204, 1205
 */
TEST(sack_recovery_resends_exactly_the_holes_in_order_paced_by_prr)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .cc = "newreno");
    handshake_sack(&s);
    at(&s, 1000); CHECK_EQ(app_send_bytes(&s, 10 * MSS), 10 * MSS);
    for (uint32_t n = 0; n < 10; n++)
        expect_sent(&s, SEG(ACK, .seq = S(n), .ack = 1001, .len = MSS));
    at(&s, 1100); PEER_ACK(&s, S(1));
    at(&s, 1101); PEER_ACK(&s, S(1), .nsack = 1, .sack = { { S(2), S(3) } });
    at(&s, 1102); PEER_ACK(&s, S(1), .nsack = 2, .sack = { { S(4), S(5) }, { S(2), S(3) } });
                  expect_nothing_sent(&s);
    at(&s, 1103); PEER_ACK(&s, S(1), .nsack = 3, .sack = { { S(6), S(7) }, { S(4), S(5) }, { S(2), S(3) } });
                  /* FlightSize 13140: ssthresh 6570.  pipe = 13140 - 3*1460
                   * SACKed - 3*1460 lost = 4380 <= ssthresh: sndcnt =
                   * MIN(6570 - 4380, MAX(1460 - 0, 1460) + 1460) = 2190,
                   * room for one segment, not two. */
                  expect_sent(&s, SEG(ACK, .seq = S(1), .ack = 1001, .len = MSS));
                  expect_nothing_sent(&s);
    struct synack_tcp_info i = app_info(&s);
    CHECK_EQ(i.ssthresh_bytes, 6570);
    CHECK_EQ(i.cwnd_bytes, 6570);
    CHECK_EQ(i.in_flight_bytes, 5840);
    CHECK_EQ(i.fast_retrans, 1);
    /* S7: delivered 1460, pipe 4380 again (S1 back in it): sndcnt 2190. */
    at(&s, 1104); PEER_ACK(&s, S(1), .nsack = 3, .sack = { { S(6), S(8) }, { S(4), S(5) }, { S(2), S(3) } });
                  expect_sent(&s, SEG(ACK, .seq = S(3), .ack = 1001, .len = MSS));
                  expect_nothing_sent(&s);
    at(&s, 1105); PEER_ACK(&s, S(1), .nsack = 3, .sack = { { S(6), S(9) }, { S(4), S(5) }, { S(2), S(3) } });
                  expect_sent(&s, SEG(ACK, .seq = S(5), .ack = 1001, .len = MSS));
                  expect_nothing_sent(&s);
    at(&s, 1106); PEER_ACK(&s, S(1), .nsack = 3, .sack = { { S(6), S(10) }, { S(4), S(5) }, { S(2), S(3) } });
                  expect_nothing_sent(&s);                /* every hole resent once */
    i = app_info(&s);
    CHECK_EQ(i.retrans_fast, 3);
    CHECK_EQ(i.in_flight_bytes, 3 * MSS);
    /* The resent segments arrive: partial ACKs, then the ACK of recover. */
    at(&s, 1203); PEER_ACK(&s, S(3), .nsack = 2, .sack = { { S(6), S(10) }, { S(4), S(5) } });
                  expect_nothing_sent(&s);
    at(&s, 1204); PEER_ACK(&s, S(5), .nsack = 1, .sack = { { S(6), S(10) } });
                  expect_nothing_sent(&s);
                  CHECK_EQ(app_info(&s).ssthresh_bytes, 6570);
    at(&s, 1205); PEER_ACK(&s, S(10));
                  expect_nothing_sent(&s);
    i = app_info(&s);
    /* Recovery is over: RFC 6937 §3, cwnd = ssthresh. */
    CHECK_EQ(i.cwnd_bytes, 6570);
    CHECK_EQ(i.in_flight_bytes, 0);
    CHECK_EQ(i.retrans_segs, 3);
    CHECK_EQ(i.fast_retrans, 1);
    CHECK_EQ(i.rto_expiries, 0);
    at(&s, 10000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  When recovery itself fails, the RTO (RFC 6298 §5) takes over: every
 *  segment not SACKed is judged lost (RFC 6675 §5.1, RFC 8985 §6.3) and
 *  resent in order, from a window of one segment growing in slow start
 *  (RFC 5681 §3.1); S5, which the peer SACKed, is never resent.  A second
 *  expiry doubles the RTO again and keeps ssthresh (RFC 5681 §3.1: it is
 *  not reduced twice for the same segment); the first new ACK ends the
 *  backoff and the timer restarts with the plain RTO (RFC 6298 §5.3; as
 *  in test_rto.c, even though that ACK gives no RTT sample).
 *                                          <--     S0..S9                      1000
 *  ACK 8001 sack{15301:16761}              -->     (S5 only)                   1100
 *                                          <--     S0 (RACK: reordering timer) 1125
 *                                          <--     S0 (RTO 1 s, backoff 1)     2000
 *                                          <--     S0 (RTO 2 s, backoff 2)     4000
 *  ACK 9461 sack{15301:16761}              -->                                 4100
 *                                          <--     S1, S2                      cwnd 2 segments
 *  ACK 12381 sack{15301:16761}             -->                                 4200
 *                                          <--     S3, S4, S6, S7              cwnd 4 (S5 skipped)
 *  ACK 16761                               -->                                 4300
 *                                          <--     S8, S9
 *  ACK 19681, ACK 22601                    -->                                 4400, 4401
 */
TEST(timeout_after_failed_recovery_resends_all_but_the_sacked_in_slow_start)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .cc = "newreno");
    handshake_sack(&s);
    at(&s, 1000);     CHECK_EQ(app_send_bytes(&s, 10 * MSS), 10 * MSS);
    for (uint32_t n = 0; n < 10; n++)
        expect_sent(&s, SEG(ACK, .seq = S(n), .ack = 1001, .len = MSS));
    at(&s, 1100);     PEER_ACK(&s, S(0), .nsack = 1, .sack = { { S(5), S(6) } });
                      expect_nothing_sent(&s);
    at(&s, 1125);     expect_sent(&s, SEG(ACK, .seq = S(0), .ack = 1001, .len = MSS));
                      expect_nothing_sent(&s);
    CHECK_EQ(app_info(&s).fast_retrans, 1);
    CHECK_EQ(app_info(&s).ssthresh_bytes, 7300);
    at(&s, 1999.999); expect_nothing_sent(&s);
    at(&s, 2000);     expect_sent(&s, SEG(ACK, .seq = S(0), .ack = 1001, .len = MSS));
                      expect_nothing_sent(&s);
    struct synack_tcp_info i = app_info(&s);
    CHECK_EQ(i.rto_expiries, 1);
    CHECK_EQ(i.backoff, 1);
    CHECK_EQ(i.cwnd_bytes, MSS);
    CHECK_EQ(i.ssthresh_bytes, 7300);                /* FlightSize 14600 / 2 */
    CHECK_EQ(i.in_flight_bytes, MSS);                /* all but S5 lost; S0 out again */
    at(&s, 3999.999); expect_nothing_sent(&s);
    at(&s, 4000);     expect_sent(&s, SEG(ACK, .seq = S(0), .ack = 1001, .len = MSS));
                      expect_nothing_sent(&s);
    i = app_info(&s);
    CHECK_EQ(i.rto_expiries, 2);
    CHECK_EQ(i.backoff, 2);
    CHECK_EQ(i.cwnd_bytes, MSS);
    CHECK_EQ(i.ssthresh_bytes, 7300);
    at(&s, 4100);     PEER_ACK(&s, S(1), .nsack = 1, .sack = { { S(5), S(6) } });
                      expect_sent(&s, SEG(ACK, .seq = S(1), .ack = 1001, .len = MSS));
                      expect_sent(&s, SEG(ACK, .seq = S(2), .ack = 1001, .len = MSS));
                      expect_nothing_sent(&s);
    i = app_info(&s);
    CHECK_EQ(i.backoff, 0);
    CHECK_EQ(i.rto_us, 1000000);
    CHECK_EQ(i.cwnd_bytes, 2 * MSS);
    at(&s, 4200);     PEER_ACK(&s, S(3), .nsack = 1, .sack = { { S(5), S(6) } });
                      expect_sent(&s, SEG(ACK, .seq = S(3), .ack = 1001, .len = MSS));
                      expect_sent(&s, SEG(ACK, .seq = S(4), .ack = 1001, .len = MSS));
                      expect_sent(&s, SEG(ACK, .seq = S(6), .ack = 1001, .len = MSS));
                      expect_sent(&s, SEG(ACK, .seq = S(7), .ack = 1001, .len = MSS));
                      expect_nothing_sent(&s);
    at(&s, 4300);     PEER_ACK(&s, S(6));
                      expect_sent(&s, SEG(ACK, .seq = S(8), .ack = 1001, .len = MSS));
                      expect_sent(&s, SEG(ACK | PSH, .seq = S(9), .ack = 1001, .len = MSS));
                      expect_nothing_sent(&s);
    at(&s, 4400);     PEER_ACK(&s, S(8));
    at(&s, 4401);     PEER_ACK(&s, S(10));
                      expect_nothing_sent(&s);
    i = app_info(&s);
    CHECK_EQ(i.retrans_fast, 1);
    CHECK_EQ(i.retrans_rto, 10);                     /* S0 twice, then S1-S4, S6-S9 */
    CHECK_EQ(i.retrans_segs, 11);
    CHECK_EQ(i.in_flight_bytes, 0);
    CHECK_EQ(i.ssthresh_bytes, 7300);
    at(&s, 10000);    expect_nothing_sent(&s);
    scenario_end(&s);
}
