/*
 * test_newreno.c — loss recovery with a peer that does not do SACK:
 * duplicate ACKs (RFC 5681 §3.2) and NewReno's partial ACKs (RFC 6582
 * §3.2), and the "recover" variable that keeps one window's losses from
 * drawing a second fast retransmit (RFC 6582 §3.2 steps 2 and 5).
 *
 * Every scenario: the stack listens on :80 with ISS 8000 and NewReno
 * window arithmetic; the peer, ISS 1000, offers no SACK and acknowledges
 * the SYN|ACK 100 ms later (SRTT 100 ms, RTO 1 s).  SMSS 1460; segment
 * Sn starts at 8001 + 1460*n.
 */
#include "scenario.h"

#define MSS 1460u
#define S(n) (8001u + MSS * (n))
#define PEER_ACK(s, a) peer_sends(s, SEG(ACK, .seq = 1001, .ack = (a)))

static void handshake(struct scenario *s)
{
    at(s, 0);   peer_sends(s, SEG(SYN, .seq = 1000, .mss = 1460));
                expect_sent(s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .no_sack = true));
    at(s, 100); peer_sends(s, SEG(ACK, .seq = 1001, .ack = 8001));
                CHECK(app_accept(s) >= 0);
                CHECK(!app_info(s).sack_ok);
}

/*  Three segments of one window lost (S1, S3, S5).  The third duplicate
 *  ACK retransmits S1; each partial ACK then shows the next hole, which
 *  is retransmitted at once (RFC 6582 §3.2 step 4), one per round trip;
 *  the ACK of everything sent before recovery ends it (step 3).
 *                                          <--     S0..S9                      1000
 *  ACK 9461                                -->     (S0)                        1100
 *  ACK 9461 x3                             -->     (S2, S4, S6)                1101..1103
 *                                          <--     S1                          fast retransmit
 *  ACK 9461 x3                             -->     (S7, S8, S9)                1104..1106
 *  ACK 12381                               -->     partial: S1, S2             1203
 *                                          <--     S3
 *  ACK 15301                               -->     partial: S3, S4             1303
 *                                          <--     S5
 *  ACK 22601                               -->     full: recovery over         1403
 */
TEST(partial_acks_retransmit_each_hole_of_the_window)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .cc = "newreno");
    handshake(&s);
    at(&s, 1000); CHECK_EQ(app_send_bytes(&s, 10 * MSS), 10 * MSS);
    for (uint32_t n = 0; n < 10; n++)
        expect_sent(&s, SEG(ACK, .seq = S(n), .ack = 1001, .len = MSS));
    at(&s, 1100); PEER_ACK(&s, S(1));
    at(&s, 1101); PEER_ACK(&s, S(1));
    at(&s, 1102); PEER_ACK(&s, S(1));
                  expect_nothing_sent(&s);
    at(&s, 1103); PEER_ACK(&s, S(1));
                  expect_sent(&s, SEG(ACK, .seq = S(1), .ack = 1001, .len = MSS));
                  expect_nothing_sent(&s);
    /* RFC 5681 eq. 4: FlightSize 13140 at the first duplicate: ssthresh 6570.
     * RFC 6937: pipe = 13140 - 3 duplicates - 1460 lost = 7300 > ssthresh;
     * sndcnt = CEIL(1460 * 6570 / 13140) = 730, one segment for the fast
     * retransmit. */
    CHECK_EQ(app_info(&s).ssthresh_bytes, 6570);
    CHECK_EQ(app_info(&s).cwnd_bytes, 8760);
    at(&s, 1104); PEER_ACK(&s, S(1));
    at(&s, 1105); PEER_ACK(&s, S(1));
    at(&s, 1106); PEER_ACK(&s, S(1));
                  expect_nothing_sent(&s);
    at(&s, 1203); PEER_ACK(&s, S(3));
                  expect_sent(&s, SEG(ACK, .seq = S(3), .ack = 1001, .len = MSS));
                  expect_nothing_sent(&s);
    at(&s, 1303); PEER_ACK(&s, S(5));
                  expect_sent(&s, SEG(ACK, .seq = S(5), .ack = 1001, .len = MSS));
                  expect_nothing_sent(&s);
    CHECK_EQ(app_info(&s).ssthresh_bytes, 6570);
    at(&s, 1403); PEER_ACK(&s, S(10));
                  expect_nothing_sent(&s);
    struct synack_tcp_info i = app_info(&s);
    CHECK_EQ(i.fast_retrans, 1);
    CHECK_EQ(i.retrans_fast, 3);
    CHECK_EQ(i.retrans_segs, 3);
    CHECK_EQ(i.dup_acks_in, 6);
    CHECK_EQ(i.rto_expiries, 0);
    /* Recovery ends at ssthresh (RFC 6937 §3; RFC 6582 §3.2 step 3, second option). */
    CHECK_EQ(i.cwnd_bytes, 6570);
    CHECK_EQ(i.ssthresh_bytes, 6570);
    at(&s, 10000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  RFC 6582 §3.2 steps 2 and 5 (and §6): after a timeout, "recover" holds
 *  the highest sequence number sent before it (22600, everything below
 *  SND.MAX = 22601).  Going back N resends segments the peer already
 *  holds, and their duplicate ACKs (here four, acknowledging exactly up to
 *  recover) must not draw a fast retransmit: the cumulative ACK does not
 *  cover more than recover.
 *  The peer holds S1, S3, S5..S9 and lost S0, S2, S4; none of its
 *  duplicate ACKs reach us before 2300.
 *                                          <--     S0..S9 (S10, S11 wait)      1000
 *                                          <--     S0 (RTO)                    2000
 *  ACK 10921                               -->     (S0, S1)  cwnd 2 -> 3       2100
 *                                          <--     S2, S3, S4
 *  ACK 13841                               -->     (S2, S3)  cwnd 5            2200
 *                                          <--     S5, S6, S7, S8 (the peer has them)
 *  ACK 22601                               -->     (S4): recover reached       2202
 *                                          <--     S10, S11
 *  ACK 22601 x4                            -->     (copies of S5..S8)          2300..2303
 *                                                  no fast retransmit
 *  ACK 25521                               -->     (S10, S11)                  2304
 */
TEST(duplicate_acks_not_beyond_recover_do_not_retransmit)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .cc = "newreno");
    handshake(&s);
    at(&s, 1000);     CHECK_EQ(app_send_bytes(&s, 12 * MSS), 12 * MSS);
    for (uint32_t n = 0; n < 10; n++)
        expect_sent(&s, SEG(ACK, .seq = S(n), .ack = 1001, .len = MSS));
                      expect_nothing_sent(&s);
    at(&s, 1999.999); expect_nothing_sent(&s);
    at(&s, 2000);     expect_sent(&s, SEG(ACK, .seq = S(0), .ack = 1001, .len = MSS));
                      expect_nothing_sent(&s);
                      CHECK_EQ(app_info(&s).ssthresh_bytes, 7300);
    at(&s, 2100);     PEER_ACK(&s, S(2));
                      expect_sent(&s, SEG(ACK, .seq = S(2), .ack = 1001, .len = MSS));
                      expect_sent(&s, SEG(ACK, .seq = S(3), .ack = 1001, .len = MSS));
                      expect_sent(&s, SEG(ACK, .seq = S(4), .ack = 1001, .len = MSS));
                      expect_nothing_sent(&s);
    at(&s, 2200);     PEER_ACK(&s, S(4));
                      expect_sent(&s, SEG(ACK, .seq = S(5), .ack = 1001, .len = MSS));
                      expect_sent(&s, SEG(ACK, .seq = S(6), .ack = 1001, .len = MSS));
                      expect_sent(&s, SEG(ACK, .seq = S(7), .ack = 1001, .len = MSS));
                      expect_sent(&s, SEG(ACK, .seq = S(8), .ack = 1001, .len = MSS));
                      expect_nothing_sent(&s);
    at(&s, 2202);     PEER_ACK(&s, S(10));
                      expect_sent(&s, SEG(ACK, .seq = S(10), .ack = 1001, .len = MSS));
                      expect_sent(&s, SEG(ACK | PSH, .seq = S(11), .ack = 1001, .len = MSS));
                      expect_nothing_sent(&s);
    uint32_t cwnd = app_info(&s).cwnd_bytes;
    for (int k = 0; k < 4; k++) {
        at(&s, 2300 + k); PEER_ACK(&s, S(10));
                          expect_nothing_sent(&s);
    }
    struct synack_tcp_info i = app_info(&s);
    CHECK_EQ(i.fast_retrans, 0);
    CHECK_EQ(i.ssthresh_bytes, 7300);
    CHECK_EQ(i.cwnd_bytes, cwnd);
    CHECK_EQ(i.dup_acks_in, 4);
    at(&s, 2304);     PEER_ACK(&s, S(12));
                      expect_nothing_sent(&s);
    i = app_info(&s);
    CHECK_EQ(i.rto_expiries, 1);
    CHECK_EQ(i.retrans_segs, 8);                 /* S0, S2..S8 */
    CHECK_EQ(i.in_flight_bytes, 0);
    at(&s, 10000);    expect_nothing_sent(&s);
    scenario_end(&s);
}
