/*
 * test_idle_restart.c — RFC 5681 §4.1: a sender that has not sent data
 * for longer than the retransmission timeout no longer knows the path's
 * state from its ACK clock, so before sending again it sets cwnd to no
 * more than the restart window RW = min(IW, cwnd) (IW = 10 segments here,
 * RFC 6928); an idle period not longer than the RTO leaves cwnd alone.
 *
 * Every scenario: the stack listens on :80 with ISS 8000 and NewReno
 * window arithmetic; the peer, ISS 1000, acknowledges the SYN|ACK 100 ms
 * later (RTO = 1 s, the RFC 6298 minimum).  SMSS 1460; segment Sn starts
 * at 8001 + 1460*n.
 */
#include "scenario.h"

#define MSS 1460u
#define S(n) (8001u + MSS * (n))
#define PEER_ACK(s, a) peer_sends(s, SEG(ACK, .seq = 1001, .ack = (a)))

/*  Grows cwnd past the initial window, then leaves the connection idle
 *  with everything acknowledged; the last data went out at 1000.
 *  SYN, SYN|ACK, ACK                                                           0, 100
 *                                          <--     S0..S9 (IW = 14600)         1000
 *  ACK S2, S4, S6, S8, S10                 -->     slow start, L = 2*SMSS      1100..1104
 *        cwnd 14600 + 2920 + 2920 = 20440: after the second ACK the flight
 *        is under half the window and nothing is queued, so cwnd stops
 *        growing (RFC 7661: not cwnd-limited)
 */
static void grow_then_idle(struct scenario *s)
{
    at(s, 0);     peer_sends(s, SEG(SYN, .seq = 1000, .mss = 1460));
                  expect_sent(s, SEG(SYN | ACK, .seq = 8000, .ack = 1001));
    at(s, 100);   PEER_ACK(s, 8001);
                  CHECK(app_accept(s) >= 0);
                  CHECK_EQ(app_info(s).cwnd_bytes, 10 * MSS);
    at(s, 1000);  CHECK_EQ(app_send_bytes(s, 10 * MSS), 10 * MSS);
    for (uint32_t n = 0; n < 10; n++)
        expect_sent(s, SEG(ACK, .seq = S(n), .ack = 1001, .len = MSS));
    for (uint32_t k = 1; k <= 5; k++) {
        at(s, 1099 + k); PEER_ACK(s, S(2 * k));
    }
    expect_nothing_sent(s);
    CHECK_EQ(app_info(s).cwnd_bytes, 14 * MSS);
    CHECK_EQ(app_info(s).rto_us, 1000000);
}

/*  Idle exactly one RTO (1000 .. 2000): not longer than it, so the whole
 *  window of 14 segments goes out at once.
 *                                          <--     S10..S23                    2000
 */
TEST(idle_no_longer_than_the_rto_keeps_cwnd)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .cc = "newreno");
    grow_then_idle(&s);
    at(&s, 2000); CHECK_EQ(app_send_bytes(&s, 20 * MSS), 20 * MSS);
    for (uint32_t n = 10; n < 24; n++)
        expect_sent(&s, SEG(ACK, .seq = S(n), .ack = 1001, .len = MSS));
                  expect_nothing_sent(&s);
    CHECK_EQ(app_info(&s).cwnd_bytes, 14 * MSS);
    scenario_end(&s);
}

/*  Idle a little longer than the RTO: cwnd = min(RW, cwnd) = 10 segments
 *  before anything is sent; ssthresh is untouched (still "arbitrarily
 *  high": the restart is no congestion signal), so the ACKs then open the
 *  window in slow start.
 *                                          <--     S10..S19                    2000.001
 *  ACK S12                                 -->                                 2100
 *                                          <--     S20..S23 (cwnd 12 + 2 acked)
 */
TEST(idle_longer_than_the_rto_restarts_from_the_initial_window)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .cc = "newreno");
    grow_then_idle(&s);
    at(&s, 2000.001); CHECK_EQ(app_send_bytes(&s, 20 * MSS), 20 * MSS);
    for (uint32_t n = 10; n < 20; n++)
        expect_sent(&s, SEG(ACK, .seq = S(n), .ack = 1001, .len = MSS));
                      expect_nothing_sent(&s);
    struct synack_tcp_info i = app_info(&s);
    CHECK_EQ(i.cwnd_bytes, 10 * MSS);
    CHECK_EQ(i.ssthresh_bytes, UINT32_MAX / 2);
    CHECK_EQ(i.in_flight_bytes, 10 * MSS);
    at(&s, 2100);     PEER_ACK(&s, S(12));
                      CHECK_EQ(app_info(&s).cwnd_bytes, 12 * MSS);
    for (uint32_t n = 20; n < 24; n++)
        expect_sent(&s, SEG(ACK, .seq = S(n), .ack = 1001, .len = MSS));
                      expect_nothing_sent(&s);
    scenario_end(&s);
}
