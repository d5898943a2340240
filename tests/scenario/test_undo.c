/*
 * test_undo.c — undoing a congestion response that proved needless.
 *   Eifel detection (RFC 3522 §2-§3) with timestamps: after a timeout,
 *   the ACK of the first retransmission echoes the TSval of the original
 *   transmission (RFC 7323 §4.3), so the original got through and the
 *   timeout was spurious; the response is undone as RFC 4015 §3 allows
 *   (cwnd and ssthresh back, nothing more resent).
 *   D-SACK (RFC 2883 §4, RFC 3708 §3): when every fast retransmission of
 *   a recovery comes back as a duplicate, none was needed, and the window
 *   reduction is undone.
 *
 * Every scenario: the stack listens on :80 with ISS 8000 and NewReno
 * window arithmetic; the peer, ISS 1000, offers timestamps (Eifel) or
 * SACK (D-SACK) and acknowledges the SYN|ACK 100 ms later: SRTT 100 ms,
 * RTO 1 s.
 */
#include "scenario.h"

#define PEER_ACK(s, a, ...) peer_sends(s, SEG(ACK, .seq = 1001, .ack = (a), __VA_ARGS__))

/* TSval of the segment the stack sent last (taken already). */
static uint32_t last_tsval(struct scenario *s)
{
    struct tcp_segment seg;
    s->sent_taken--;
    if (!take_sent(s, &seg) || !seg.opt.has_timestamp) {
        test_fail(__FILE__, __LINE__, "the stack's last segment carries no timestamp");
        return 0;
    }
    return seg.opt.ts_val;
}

/*  Eifel.  The peer offers timestamps but not SACK (so no tail loss
 *  probe comes before the RTO).  SMSS 1448 (1460 less the timestamp
 *  option); segment Sn starts at 8001 + 1448*n.  The peer's clock ticks
 *  with ours: its TSval is the time in milliseconds plus 5000.
 *  SYN seq=1000 TS val=5000                -->     0
 *                                          <--     SYN|ACK TS ecr=5000
 *  ACK ack=8001 TS                         -->     100
 *                                          <--     S0..S9, TSval T1            1000
 *                                          <--     S0 (RTO), TSval T2 > T1     2000: cwnd 1448
 *  ACK 9449 TS ecr=T1                      -->     the original's ACK, late    2050
 *                                                  Eifel: spurious; cwnd, ssthresh back
 *  ACK 22481 TS ecr=T1                     -->                                 2060
 */
#define TMSS 1448u
#define TS(n) (8001u + TMSS * (n))
TEST(eifel_undoes_a_spurious_timeout)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .cc = "newreno");
    at(&s, 0);    peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1460, .ts = true, .tsval = 5000));
                  expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .ts = true, .tsecr = 5000, .ts_ecr_check = true));
    uint32_t synack_ts = last_tsval(&s);
    at(&s, 100);  peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .ts = true, .tsval = 5100, .tsecr = synack_ts));
                  CHECK(app_accept(&s) >= 0);
                  CHECK(app_info(&s).timestamps_ok);
                  CHECK_EQ(app_info(&s).snd_mss, TMSS);
    at(&s, 1000); CHECK_EQ(app_send_bytes(&s, 10 * TMSS), 10 * TMSS);
    for (uint32_t n = 0; n < 10; n++)
        expect_sent(&s, SEG(ACK, .seq = TS(n), .ack = 1001, .len = TMSS, .ts = true));
    uint32_t t1 = last_tsval(&s);
    at(&s, 1999.999); expect_nothing_sent(&s);
    at(&s, 2000); expect_sent(&s, SEG(ACK, .seq = TS(0), .ack = 1001, .len = TMSS, .ts = true));
                  expect_nothing_sent(&s);
    uint32_t t2 = last_tsval(&s);
    CHECK_EQ(t2 - t1, 1000);                       /* one tick per millisecond */
    struct synack_tcp_info i = app_info(&s);
    CHECK_EQ(i.rto_expiries, 1);
    CHECK_EQ(i.cwnd_bytes, TMSS);
    CHECK_EQ(i.ssthresh_bytes, 5 * TMSS);           /* RFC 5681 eq. 4: FlightSize/2 */
    at(&s, 2050); PEER_ACK(&s, TS(1), .ts = true, .tsval = 7050, .tsecr = t1);
                  expect_nothing_sent(&s);          /* S1..S9 are not resent */
    i = app_info(&s);
    CHECK_EQ(i.spurious_rtos, 1);
    CHECK_EQ(synack_stack_stats(s.st)->tcp_spurious_rtos, 1);
    CHECK_EQ(i.cwnd_bytes, 10 * TMSS);
    CHECK_EQ(i.ssthresh_bytes, UINT32_MAX / 2);
    CHECK_EQ(i.in_flight_bytes, 9 * TMSS);          /* nothing judged lost any more */
    at(&s, 2060); PEER_ACK(&s, TS(10), .ts = true, .tsval = 7060, .tsecr = t1);
                  expect_nothing_sent(&s);
    i = app_info(&s);
    CHECK_EQ(i.retrans_segs, 1);
    CHECK_EQ(i.retrans_rto, 1);
    CHECK_EQ(i.in_flight_bytes, 0);
    at(&s, 10000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  The same timeout, but this time the original was lost: the ACK echoes
 *  the retransmission's TSval, and the response stands: slow start from
 *  one segment, the rest resent in order.
 *                                          <--     S0..S9, TSval T1            1000
 *                                          <--     S0 (RTO), TSval T2          2000
 *  ACK 9449 TS ecr=T2                      -->     a genuine loss              2100
 *                                          <--     S1, S2
 */
TEST(eifel_keeps_the_response_to_a_genuine_timeout)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .cc = "newreno");
    at(&s, 0);    peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1460, .ts = true, .tsval = 5000));
                  expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .ts = true));
    uint32_t synack_ts = last_tsval(&s);
    at(&s, 100);  peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .ts = true, .tsval = 5100, .tsecr = synack_ts));
                  CHECK(app_accept(&s) >= 0);
    at(&s, 1000); CHECK_EQ(app_send_bytes(&s, 10 * TMSS), 10 * TMSS);
    for (uint32_t n = 0; n < 10; n++)
        expect_sent(&s, SEG(ACK, .seq = TS(n), .ack = 1001, .len = TMSS, .ts = true));
    at(&s, 2000); expect_sent(&s, SEG(ACK, .seq = TS(0), .ack = 1001, .len = TMSS, .ts = true));
    uint32_t t2 = last_tsval(&s);
    at(&s, 2100); PEER_ACK(&s, TS(1), .ts = true, .tsval = 7100, .tsecr = t2);
                  expect_sent(&s, SEG(ACK, .seq = TS(1), .ack = 1001, .len = TMSS, .ts = true));
                  expect_sent(&s, SEG(ACK, .seq = TS(2), .ack = 1001, .len = TMSS, .ts = true));
                  expect_nothing_sent(&s);
    struct synack_tcp_info i = app_info(&s);
    CHECK_EQ(i.spurious_rtos, 0);
    CHECK_EQ(i.cwnd_bytes, 2 * TMSS);
    CHECK_EQ(i.ssthresh_bytes, 5 * TMSS);
    scenario_end(&s);
}

/*  D-SACK undo.  S1 and S3 were only late (reordered), but S2, S4 and S5
 *  SACKed above them made RACK judge both lost (no reordering seen yet:
 *  reo_wnd 0 with three SACKed), and both were resent.  The peer reports
 *  each copy as a duplicate (RFC 2883); after the first only one of two
 *  retransmissions is accounted for, after the second all are: the
 *  recovery was needless, cwnd and ssthresh go back to what they were
 *  (RFC 3708 §3), and the next write goes out with the whole window.
 *  Segment Sn starts at 8001 + 1460*n.
 *                                          <--     S0..S9                      1000
 *  ACK 9461                                -->     (S0)   cwnd 16060           1100
 *  ACK 9461 sack S2; S4,S2; S5-S6,S2       -->                                 1101..1103
 *                                          <--     S1 (fast retransmit)        1103
 *  ACK 9461 sack S4-S7, S2                 -->                                 1104
 *  ACK 9461 sack S4-S8, S2                 -->                                 1105
 *                                          <--     S3 (PRR allows it now)
 *  ACK 22601                               -->     the late originals          1106
 *  ACK 22601 sack{9461:10921}              -->     D-SACK: S1's copy           1203
 *  ACK 22601 sack{12381:13841}             -->     D-SACK: S3's copy           1205
 *                                                  undo: cwnd 16060 again
 *                                          <--     11 new segments             1300
 */
#define MSS 1460u
#define S(n) (8001u + MSS * (n))
TEST(dsack_of_every_retransmission_undoes_the_recovery)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .cc = "newreno");
    at(&s, 0);    peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1460, .sack_ok = true));
                  expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .sack_ok = true));
    at(&s, 100);  peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001));
                  CHECK(app_accept(&s) >= 0);
    at(&s, 1000); CHECK_EQ(app_send_bytes(&s, 10 * MSS), 10 * MSS);
    for (uint32_t n = 0; n < 10; n++)
        expect_sent(&s, SEG(ACK, .seq = S(n), .ack = 1001, .len = MSS));
    at(&s, 1100); PEER_ACK(&s, S(1));
                  CHECK_EQ(app_info(&s).cwnd_bytes, 11 * MSS);
    at(&s, 1101); PEER_ACK(&s, S(1), .nsack = 1, .sack = { { S(2), S(3) } });
    at(&s, 1102); PEER_ACK(&s, S(1), .nsack = 2, .sack = { { S(4), S(5) }, { S(2), S(3) } });
                  expect_nothing_sent(&s);
    at(&s, 1103); PEER_ACK(&s, S(1), .nsack = 2, .sack = { { S(4), S(6) }, { S(2), S(3) } });
                  expect_sent(&s, SEG(ACK, .seq = S(1), .ack = 1001, .len = MSS));
                  expect_nothing_sent(&s);
    CHECK_EQ(app_info(&s).ssthresh_bytes, 6570);
    at(&s, 1104); PEER_ACK(&s, S(1), .nsack = 2, .sack = { { S(4), S(7) }, { S(2), S(3) } });
                  expect_nothing_sent(&s);        /* PRR: sndcnt 730, less than S3 */
    at(&s, 1105); PEER_ACK(&s, S(1), .nsack = 2, .sack = { { S(4), S(8) }, { S(2), S(3) } });
                  expect_sent(&s, SEG(ACK, .seq = S(3), .ack = 1001, .len = MSS));
                  expect_nothing_sent(&s);
    at(&s, 1106); PEER_ACK(&s, S(10));
                  /* Recovery ends at ssthresh (RFC 6937 §3). */
                  CHECK_EQ(app_info(&s).cwnd_bytes, 6570);
    at(&s, 1203); PEER_ACK(&s, S(10), .nsack = 1, .sack = { { S(1), S(2) } });
    struct synack_tcp_info i = app_info(&s);
    CHECK_EQ(i.dsack_in, 1);
    CHECK_EQ(i.spurious_retrans, 0);              /* S3's copy not yet accounted for */
    CHECK_EQ(i.cwnd_bytes, 6570);
    at(&s, 1205); PEER_ACK(&s, S(10), .nsack = 1, .sack = { { S(3), S(4) } });
                  expect_nothing_sent(&s);
    i = app_info(&s);
    CHECK_EQ(i.dsack_in, 2);
    CHECK_EQ(i.spurious_retrans, 1);
    CHECK_EQ(synack_stack_stats(s.st)->tcp_undo_recoveries, 1);
    CHECK_EQ(i.cwnd_bytes, 11 * MSS);
    CHECK_EQ(i.ssthresh_bytes, UINT32_MAX / 2);
    at(&s, 1300); CHECK_EQ(app_send_bytes(&s, 12 * MSS), 12 * MSS);
    for (uint32_t n = 10; n < 21; n++)
        expect_sent(&s, SEG(ACK, .seq = S(n), .ack = 1001, .len = MSS));
                  expect_nothing_sent(&s);        /* the twelfth waits for cwnd */
    scenario_end(&s);
}
