/*
 * test_paws.c — timestamps on data (RFC 7323 §4.3, §5): which TSval the
 * stack echoes, and PAWS.
 *
 * TS.Recent (§4.3, §5.3 R3) is taken only from a segment that covers
 * Last.ACK.sent (SEG.SEQ <= Last.ACK.sent) and whose TSval is not older;
 * so a delayed ACK echoes the earliest of the segments it acknowledges,
 * an ACK for out-of-order data echoes the last in-sequence one, and the
 * ACK of a segment that fills a hole echoes that segment.
 *
 * PAWS (§5.3 R1): a segment whose TSval is older than TS.Recent is an
 * old duplicate; it is dropped (counted as a PAWS drop) and answered with
 * an ACK.  A RST is not subject to PAWS (§5.2: "it MUST NOT be subjected
 * to the PAWS check"; R1 applies only "if the RST bit is not set").
 * After 24 days without an update TS.Recent is no longer valid (§5.5).
 *
 * The stack listens on :80 with ISS 8000; the peer (ISS 1000, MSS 1460)
 * offers timestamps with TSval 100 at time 0.  The MSS left for data is
 * 1460 - 12.
 */
#include "scenario.h"

static void ts_handshake_(struct scenario *s, const char *file, int line)
{
    peer_sends_(s, SEG(SYN, .seq = 1000, .mss = 1460, .ts = true, .tsval = 100), file, line);
    expect_sent_(s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .ts = true, .tsecr = 100, .ts_ecr_check = true),
                 file, line);
    peer_sends_(s, SEG(ACK, .seq = 1001, .ack = 8001, .ts = true, .tsval = 101), file, line);
    if (app_accept(s) < 0)
        test_fail(file, line, "accept() found no connection after the handshake");
    if (!app_info(s).timestamps_ok)
        test_fail(file, line, "timestamps not negotiated");
}
#define ts_handshake(s) ts_handshake_(s, __FILE__, __LINE__)

/*  peer                                           stack :80
 *  SYN seq=1000 TS val=100                -->
 *                                         <--     SYN|ACK TS ecr=100
 *  ACK seq=1001 TS val=101                -->     ESTABLISHED, TS.Recent = 101
 *  seq=1001 len=100 TS val=200            -->     10: TS.Recent = 200
 *                                         <--     ACK ack=1101 TS ecr=200     210 (delayed)
 *  seq=1101 len=100 TS val=150            -->     300: 150 < 200: an old duplicate
 *                                         <--     ACK ack=1101 TS ecr=200     at once; the data is dropped
 *  ACK seq=1101 ack=8001 TS val=190       -->     310: a pure ACK is judged the same way
 *                                         <--     ACK ack=1101 TS ecr=200
 *  seq=1101 len=100 TS val=300            -->     320: accepted
 *                                         <--     ACK ack=1201 TS ecr=300     520 (delayed)
 */
TEST(paws_drops_a_segment_with_an_old_timestamp_and_acks)
{
    struct scenario s;
    char buf[256], want[200];
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);   ts_handshake(&s);
    at(&s, 10);  peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .len = 100, .ts = true, .tsval = 200));
                 expect_nothing_sent(&s);
    at(&s, 210); expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1101, .ts = true, .tsecr = 200, .ts_ecr_check = true));
    at(&s, 300); peer_sends(&s, SEG(ACK, .seq = 1101, .ack = 8001, .len = 100, .ts = true, .tsval = 150));
                 expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1101, .ts = true, .tsecr = 200, .ts_ecr_check = true));
                 CHECK_EQ(synack_stack_stats(s.st)->tcp_paws_drops, 1);
                 CHECK_EQ(synack_stack_stats(s.st)->drops[SYNACK_DROP_TCP_PAWS], 1);
                 CHECK_EQ(app_info(&s).bytes_received, 100);
                 CHECK_EQ(app_info(&s).rcv_nxt, 1101);
    at(&s, 310); peer_sends(&s, SEG(ACK, .seq = 1101, .ack = 8001, .ts = true, .tsval = 190));
                 expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1101, .ts = true, .tsecr = 200, .ts_ecr_check = true));
                 CHECK_EQ(synack_stack_stats(s.st)->tcp_paws_drops, 2);
                 CHECK_EQ(synack_stack_stats(s.st)->drops[SYNACK_DROP_TCP_PAWS], 2);
    at(&s, 320); peer_sends(&s, SEG(ACK, .seq = 1101, .ack = 8001, .len = 100, .ts = true, .tsval = 300));
                 expect_nothing_sent(&s);
    at(&s, 520); expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1201, .ts = true, .tsecr = 300, .ts_ecr_check = true));
                 CHECK_EQ(app_recv(&s, buf, sizeof buf), 200);
                 peer_payload(1001, 200, want);
                 CHECK(memcmp(buf, want, 200) == 0);
                 CHECK_EQ(synack_stack_stats(s.st)->tcp_paws_drops, 2);
    scenario_end(&s);
}

/*  Which timestamp each ACK echoes (RFC 7323 §4.3, cases A, B and C).
 *  seq=1001 len=100 TS val=200            -->     10: covers Last.ACK.sent (1001): TS.Recent = 200
 *  seq=1101 len=100 TS val=210            -->     20: 1101 > Last.ACK.sent: TS.Recent stays
 *                                         <--     ACK ack=1201 TS ecr=200     second segment: at once;
 *                                                 echoes the earlier of the two (case A)
 *  seq=1301 len=100 TS val=230            -->     30: out of order, beyond Last.ACK.sent (1201)
 *                                         <--     ACK ack=1201 TS ecr=200     at once (case B)
 *  seq=1201 len=100 TS val=240            -->     40: fills the hole, covers Last.ACK.sent
 *                                         <--     ACK ack=1401 TS ecr=240     at once (case C)
 */
TEST(ts_recent_is_taken_only_from_segments_covering_last_ack_sent)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  ts_handshake(&s);
    at(&s, 10); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .len = 100, .ts = true, .tsval = 200));
                expect_nothing_sent(&s);
    at(&s, 20); peer_sends(&s, SEG(ACK, .seq = 1101, .ack = 8001, .len = 100, .ts = true, .tsval = 210));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1201, .ts = true, .tsecr = 200, .ts_ecr_check = true));
    at(&s, 30); peer_sends(&s, SEG(ACK, .seq = 1301, .ack = 8001, .len = 100, .ts = true, .tsval = 230));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1201, .ts = true, .tsecr = 200, .ts_ecr_check = true));
    at(&s, 40); peer_sends(&s, SEG(ACK, .seq = 1201, .ack = 8001, .len = 100, .ts = true, .tsval = 240));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1401, .ts = true, .tsecr = 240, .ts_ecr_check = true));
                CHECK_EQ(synack_stack_stats(s.st)->tcp_paws_drops, 0);
                CHECK_EQ(app_info(&s).bytes_received, 400);
    scenario_end(&s);
}

/*  A RST is believed by its sequence number alone, whatever its TSval.
 *  seq=1001 len=100 TS val=200            -->     10: TS.Recent = 200
 *  RST seq=1101 TS val=50                 -->     20: older than TS.Recent, still a reset
 *                                                 CLOSED, ECONNRESET; no PAWS drop
 */
TEST(paws_does_not_apply_to_a_reset)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  ts_handshake(&s);
    at(&s, 10); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .len = 100, .ts = true, .tsval = 200));
    at(&s, 20); peer_sends(&s, SEG(RST, .seq = 1101, .ts = true, .tsval = 50));
                expect_state(&s, CLOSED);
                CHECK_EQ(app_error(&s), -SYNACK_ECONNRESET);
                CHECK_EQ(synack_stack_stats(s.st)->tcp_paws_drops, 0);
                expect_nothing_sent(&s);   /* the delayed ACK died with the connection */
    at(&s, 1000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  After 24 days in which TS.Recent was not updated, it no longer guards
 *  (RFC 7323 §5.5): an older TSval is accepted and becomes TS.Recent.
 *  seq=1001 len=100 TS val=200            -->     10 ms
 *                                         <--     ACK ack=1101 TS ecr=200     210 ms
 *  seq=1101 len=100 TS val=150            -->     25 days later: accepted
 *                                         <--     ACK ack=1201 TS ecr=150     (delayed)
 */
TEST(paws_ts_recent_expires_after_24_idle_days)
{
    const double day_ms = 24.0 * 3600 * 1000;
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);   ts_handshake(&s);
    at(&s, 10);  peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .len = 100, .ts = true, .tsval = 200));
    at(&s, 210); expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1101, .ts = true, .tsecr = 200, .ts_ecr_check = true));
    at(&s, 23 * day_ms);
                 peer_sends(&s, SEG(ACK, .seq = 1101, .ack = 8001, .len = 100, .ts = true, .tsval = 150));
                 expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1101, .ts = true, .tsecr = 200, .ts_ecr_check = true));
                 CHECK_EQ(synack_stack_stats(s.st)->tcp_paws_drops, 1);   /* 23 days: still guarded */
    at(&s, 25 * day_ms);
                 peer_sends(&s, SEG(ACK, .seq = 1101, .ack = 8001, .len = 100, .ts = true, .tsval = 150));
    after_ms(&s, 200);
                 expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1201, .ts = true, .tsecr = 150, .ts_ecr_check = true));
                 CHECK_EQ(synack_stack_stats(s.st)->tcp_paws_drops, 1);
                 CHECK_EQ(app_info(&s).bytes_received, 200);
    scenario_end(&s);
}
