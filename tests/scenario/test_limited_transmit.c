/*
 * test_limited_transmit.c — RFC 3042 limited transmit: the first two
 * duplicate ACKs each let one new segment out, so that a small window can
 * still produce the third duplicate ACK fast retransmit needs.  With the
 * pipe arithmetic of RFC 6675 this falls out of counting each duplicate
 * ACK (or SACKed segment) as data that left the network.
 */
#include "scenario.h"

#define MSS 1460
#define S(n) (8001 + (uint32_t)(n) * MSS)

/*  peer (no SACK)                                 stack :80 (initial window 10 segments, 13 queued)
 *                                          <--     S0..S9                      1000
 *  ACK S1 (S0 arrived, S1 lost)            -->                                 1100
 *                                          <--     S10, S11                    slow start: 11 segments
 *  ACK S1 (duplicate 1)                    -->                                 1101
 *                                          <--     S12                         limited transmit
 *  ACK S1 (duplicate 2)                    -->                                 1102  (nothing left to send)
 *  ACK S1 (duplicate 3)                    -->                                 1103
 *                                          <--     S1                          fast retransmit
 */
TEST(limited_transmit_sends_one_new_segment_per_duplicate_ack)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .cc = "newreno");
    handshake_passive(&s, 1000);
    CHECK_EQ(synack_setsockopt(s.st, s.sock, SYNACK_OPT_NODELAY, 1), 0);
    at(&s, 1000); CHECK_EQ(app_send_bytes(&s, 13 * MSS), 13 * MSS);
    for (int i = 0; i < 10; i++)
        expect_sent(&s, SEG(ACK, .seq = S(i), .ack = 1001, .len = MSS));
                  expect_nothing_sent(&s);                 /* the initial window is full */
    at(&s, 1100); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = S(1)));
                  /* slow start: cwnd 10 -> 11 segments, one acknowledged: two may go */
                  expect_sent(&s, SEG(ACK, .seq = S(10), .ack = 1001, .len = MSS));
                  expect_sent(&s, SEG(ACK, .seq = S(11), .ack = 1001, .len = MSS));
                  expect_nothing_sent(&s);
    at(&s, 1101); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = S(1)));
                  expect_sent(&s, SEG(ACK | PSH, .seq = S(12), .ack = 1001, .len = MSS));   /* RFC 3042 */
                  expect_nothing_sent(&s);
    at(&s, 1102); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = S(1)));
                  expect_nothing_sent(&s);                 /* nothing new queued */
                  CHECK_EQ(app_info(&s).fast_retrans, 0);
    at(&s, 1103); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = S(1)));
                  expect_sent(&s, SEG(ACK, .seq = S(1), .ack = 1001, .len = MSS));          /* third duplicate */
                  CHECK_EQ(app_info(&s).fast_retrans, 1);
                  /* ssthresh from the flight at the first duplicate ACK (S1..S12:
                   * 11 segments), not counting what limited transmit added. */
                  CHECK_EQ(app_info(&s).ssthresh_bytes, 11 * MSS / 2);
    at(&s, 1200); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = S(13)));
                  expect_nothing_sent(&s);
    struct synack_tcp_info i = app_info(&s);
    CHECK_EQ(i.bytes_acked, 13 * MSS);
    CHECK(i.delivery_rate_bps > 0);
    scenario_end(&s);
}
