/*
 * test_tlp.c — tail loss probes (RFC 8985 §7): when the ACKs stop
 * before the flight is acknowledged, a probe goes out after PTO =
 * 2*SRTT (plus WCDelAckT = the 200 ms delayed-ACK allowance when one
 * segment is in flight, and never later than the RTO, §7.2): new data if
 * there is some (§7.3), else the last segment again.  Its ACK lets RACK
 * find the rest of the tail (§7.4.1); a probe that alone repaired the
 * loss still counts as a congestion event, one that proves needless
 * (D-SACK) does not (§7.4.2).
 *
 * Every scenario: the stack listens on :80 with ISS 8000 and NewReno
 * window arithmetic; the peer, ISS 1000, offers SACK and acknowledges the
 * SYN|ACK 100 ms later, so SRTT = 100 ms (and stays so: every later RTT
 * is 100 ms too).  SMSS 1460; segment Sn starts at 8001 + 1460*n.
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
}

#define PEER_ACK(s, a, ...) peer_sends(s, SEG(ACK, .seq = 1001, .ack = (a), __VA_ARGS__))

static void send_segments(struct scenario *s, uint32_t first, uint32_t count)
{
    for (uint32_t n = first; n < first + count; n++)
        expect_sent(s, SEG(ACK, .seq = S(n), .ack = 1001, .len = MSS));
}

static uint64_t loss_probe_recoveries(struct scenario *s)
{
    return synack_stack_stats(s->st)->tcp_loss_probe_recovery;
}

/*  The last three segments are lost.  PTO = 2*SRTT after the last ACK
 *  (more than one segment in flight: no delayed-ACK allowance); the probe
 *  is S9 again, its SACK shows RACK that S7 and S8, sent before it, are
 *  lost, and fast recovery resends them — the probe saved an RTO (2100).
 *  Entering fast recovery ends the probe's episode (RFC 8985 §7.1), so
 *  the loss draws one congestion response, not two.
 *                                          <--     S0..S9                      1000
 *  ACK 18221                               -->     (S0..S6)                    1100
 *                                          <--     S9 (probe)                  1300
 *  ACK 18221 sack{21141:22601}             -->     S7, S8 lost                 1400
 *                                          <--     S7, S8
 *  ACK 22601                               -->     recovery over               1500
 */
TEST(probe_resends_the_last_segment_and_its_sack_recovers_the_tail)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .cc = "newreno");
    handshake_sack(&s);
    at(&s, 1000);     CHECK_EQ(app_send_bytes(&s, 10 * MSS), 10 * MSS);
                      send_segments(&s, 0, 10);
    at(&s, 1100);     PEER_ACK(&s, S(7));
    at(&s, 1299.999); expect_nothing_sent(&s);
    at(&s, 1300);     expect_sent(&s, SEG(ACK | PSH, .seq = S(9), .ack = 1001, .len = MSS));
                      expect_nothing_sent(&s);
    CHECK_EQ(app_info(&s).retrans_tlp, 1);
    at(&s, 1400);     PEER_ACK(&s, S(7), .nsack = 1, .sack = { { S(9), S(10) } });
                      expect_sent(&s, SEG(ACK, .seq = S(7), .ack = 1001, .len = MSS));
                      expect_sent(&s, SEG(ACK, .seq = S(8), .ack = 1001, .len = MSS));
                      expect_nothing_sent(&s);
    struct synack_tcp_info i = app_info(&s);
    CHECK_EQ(i.fast_retrans, 1);
    CHECK_EQ(i.retrans_fast, 2);
    /* FlightSize 22601 - 18221 = 4380: ssthresh = max(2190, 2*SMSS). */
    CHECK_EQ(i.ssthresh_bytes, 2 * MSS);
    at(&s, 1500);     PEER_ACK(&s, S(10));
                      expect_nothing_sent(&s);
    i = app_info(&s);
    CHECK_EQ(i.ssthresh_bytes, 2 * MSS);
    CHECK_EQ(i.cwnd_bytes, 2 * MSS);
    CHECK_EQ(i.rto_expiries, 0);
    CHECK_EQ(loss_probe_recoveries(&s), 0);   /* fast recovery answered the loss */
    at(&s, 10000);    expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  Only the last segment is lost, and with one segment in flight the PTO
 *  allows for a delayed ACK: 2*SRTT + WCDelAckT = 400 ms.  The probe's
 *  ACK (ack = TLP.end_seq) cannot yet tell a repaired loss from a late
 *  ACK; the next ACK beyond it, with no D-SACK in between, can: the probe
 *  repaired a loss, and congestion control answers it once (RFC 8985
 *  §7.4.2): ssthresh = max(cwnd/2, 2*SMSS) with the probe's window, cwnd
 *  = ssthresh.
 *                                          <--     S0..S9                      1000
 *  ACK 21141                               -->     (S0..S8)                    1100
 *                                          <--     S9 (probe)                  1500
 *  ACK 22601                               -->     = TLP.end_seq: not yet      1600
 *                                          <--     S10 "more"                  2000
 *  ACK 22605                               -->     beyond: a loss was repaired 2100
 */
TEST(probe_that_repaired_a_single_loss_reduces_the_window_once)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .cc = "newreno");
    handshake_sack(&s);
    at(&s, 1000);     CHECK_EQ(app_send_bytes(&s, 10 * MSS), 10 * MSS);
                      send_segments(&s, 0, 10);
    at(&s, 1100);     PEER_ACK(&s, S(9));
                      CHECK_EQ(app_info(&s).cwnd_bytes, 10 * MSS + 2 * MSS);   /* slow start, L = 2*SMSS */
    at(&s, 1499.999); expect_nothing_sent(&s);
    at(&s, 1500);     expect_sent(&s, SEG(ACK | PSH, .seq = S(9), .ack = 1001, .len = MSS));
    at(&s, 1600);     PEER_ACK(&s, S(10));
                      CHECK_EQ(app_info(&s).cwnd_bytes, 12 * MSS);
                      CHECK_EQ(loss_probe_recoveries(&s), 0);
    at(&s, 2000);     CHECK_EQ(app_send(&s, "more"), 4);
                      expect_sent(&s, SEG(ACK | PSH, .seq = S(10), .ack = 1001, .data = "more"));
    at(&s, 2100);     PEER_ACK(&s, S(10) + 4);
                      expect_nothing_sent(&s);
    struct synack_tcp_info i = app_info(&s);
    CHECK_EQ(loss_probe_recoveries(&s), 1);
    /* RFC 8985 §7.4.2: one response, as for fast recovery, from the
     * window the probe was sent with (12 segments): RFC 5681 eq. 4. */
    CHECK_EQ(i.ssthresh_bytes, 6 * MSS);
    CHECK_EQ(i.cwnd_bytes, 6 * MSS);
    CHECK_EQ(i.retrans_tlp, 1);
    CHECK_EQ(i.fast_retrans, 0);
    CHECK_EQ(i.rto_expiries, 0);
    at(&s, 10000);    expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  The original was not lost, only its ACK late: the peer D-SACKs the
 *  probe (RFC 2883), the episode ends without a congestion response (RFC
 *  8985 §7.4.2, case 1) and cwnd stands.
 *                                          <--     S0..S9                      1000
 *  ACK 21141                               -->     (S0..S8)                    1100
 *                                          <--     S9 (probe)                  1500
 *  ACK 22601                               -->     (the original S9, late)     1550
 *  ACK 22601 sack{21141:22601}             -->     D-SACK: the probe           1600
 *                                          <--     S10 "more"                  2000
 *  ACK 22605                               -->                                 2100
 */
TEST(probe_shown_needless_by_dsack_leaves_the_window_alone)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .cc = "newreno");
    handshake_sack(&s);
    at(&s, 1000); CHECK_EQ(app_send_bytes(&s, 10 * MSS), 10 * MSS);
                  send_segments(&s, 0, 10);
    at(&s, 1100); PEER_ACK(&s, S(9));
    at(&s, 1500); expect_sent(&s, SEG(ACK | PSH, .seq = S(9), .ack = 1001, .len = MSS));
    at(&s, 1550); PEER_ACK(&s, S(10));
    at(&s, 1600); PEER_ACK(&s, S(10), .nsack = 1, .sack = { { S(9), S(10) } });
                  expect_nothing_sent(&s);
    CHECK_EQ(app_info(&s).dsack_in, 1);
    at(&s, 2000); CHECK_EQ(app_send(&s, "more"), 4);
                  expect_sent(&s, SEG(ACK | PSH, .seq = S(10), .ack = 1001, .data = "more"));
    at(&s, 2100); PEER_ACK(&s, S(10) + 4);
    struct synack_tcp_info i = app_info(&s);
    CHECK_EQ(loss_probe_recoveries(&s), 0);
    CHECK_EQ(i.cwnd_bytes, 12 * MSS);
    CHECK_EQ(i.ssthresh_bytes, UINT32_MAX / 2);
    at(&s, 10000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  With data waiting (cwnd held S10 and S11 back), the probe is new data
 *  (RFC 8985 §7.3, cwnd notwithstanding).  Here the whole flight was
 *  lost: the probe's SACK shows it, RACK marks S0..S9 lost, and recovery
 *  starts at once (PRR-SSRB from pipe 0: two segments).
 *                                          <--     S0..S9                      1000
 *                                          <--     S10 (probe: new data)       1200
 *  ACK 8001 sack{22601:24061}              -->     S0..S9 lost                 1300
 *                                          <--     S0, S1
 */
TEST(probe_sends_new_data_when_there_is_some)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .cc = "newreno");
    handshake_sack(&s);
    at(&s, 1000);     CHECK_EQ(app_send_bytes(&s, 12 * MSS), 12 * MSS);
                      send_segments(&s, 0, 10);
                      expect_nothing_sent(&s);
    at(&s, 1199.999); expect_nothing_sent(&s);
    at(&s, 1200);     expect_sent(&s, SEG(ACK, .seq = S(10), .ack = 1001, .len = MSS));
                      expect_nothing_sent(&s);
    struct synack_tcp_info i = app_info(&s);
    CHECK_EQ(i.retrans_tlp, 0);                          /* not a retransmission */
    CHECK_EQ(synack_stack_stats(s.st)->tcp_loss_probes, 1);
    at(&s, 1300);     PEER_ACK(&s, S(0), .nsack = 1, .sack = { { S(10), S(11) } });
                      /* FlightSize 24061 - 8001 = 16060: ssthresh 8030; pipe 0:
                       * sndcnt = MIN(8030, MAX(1460, 1460) + 1460) = 2920. */
                      expect_sent(&s, SEG(ACK, .seq = S(0), .ack = 1001, .len = MSS));
                      expect_sent(&s, SEG(ACK, .seq = S(1), .ack = 1001, .len = MSS));
                      expect_nothing_sent(&s);
    i = app_info(&s);
    CHECK_EQ(i.fast_retrans, 1);
    CHECK_EQ(i.ssthresh_bytes, 8030);
    CHECK_EQ(i.cwnd_bytes, 2 * MSS);
    CHECK_EQ(i.rto_expiries, 0);
    scenario_end(&s);
}

/*  RFC 8985 §7.2: the PTO never runs past the RTO's expiry; when it would,
 *  the probe goes at that instant in the RTO's place, and the RTO is
 *  rearmed from it (§7.3).  Minimum RTO 200 ms: RTO = SRTT + 4*RTTVAR =
 *  300 ms, while one segment in flight makes the PTO 2*100 + 200 = 400 ms.
 *                                          <--     "hello"                     1000
 *                                          <--     "hello" (probe)             1300
 *                                          <--     "hello" (RTO)               1600
 *  ACK 8006                                -->                                 1650
 */
TEST(probe_stands_in_for_an_earlier_rto)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .cc = "newreno", .rto_min_us = 200000);
    handshake_sack(&s);
    CHECK_EQ(app_info(&s).rto_us, 300000);
    at(&s, 1000);     CHECK_EQ(app_send(&s, "hello"), 5);
                      expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .data = "hello"));
    at(&s, 1299.999); expect_nothing_sent(&s);
    at(&s, 1300);     expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .data = "hello"));
    struct synack_tcp_info i = app_info(&s);
    CHECK_EQ(i.retrans_tlp, 1);
    CHECK_EQ(i.rto_expiries, 0);
    CHECK_EQ(i.cwnd_bytes, 10 * MSS);                    /* no timeout, no collapse */
    at(&s, 1599.999); expect_nothing_sent(&s);
    at(&s, 1600);     expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .data = "hello"));
    i = app_info(&s);
    CHECK_EQ(i.rto_expiries, 1);
    CHECK_EQ(i.retrans_rto, 1);
    CHECK_EQ(i.cwnd_bytes, MSS);
    at(&s, 1650);     PEER_ACK(&s, 8006);
    at(&s, 10000);    expect_nothing_sent(&s);
    scenario_end(&s);
}
