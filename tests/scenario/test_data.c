/*
 * test_data.c — receiving a stream that the network cut, reordered and
 * repeated: out-of-order segments (RFC 9293 §3.10.7.4 seventh step, RFC
 * 5681 §4.2), an early FIN, duplicates and overlaps (RFC 9293 §3.10.7.4
 * first step: "only the new parts are processed").
 *
 * The stack listens on :80 with ISS 8000 and accepts the peer's
 * connection (peer ISS 1000) at time 0, so the stream starts at 1001.  The
 * peer's payload is the harness pattern, fixed by sequence number, so the
 * application must read exactly peer_payload(1001, n) whatever order the
 * bytes travelled in.
 */
#include <stdlib.h>

#include "scenario.h"

/* Reads everything available and checks it is the peer's stream from
 * sequence number `from`, n bytes, and nothing more. */
static void expect_app_reads_(struct scenario *s, uint32_t from, uint32_t n, const char *file, int line)
{
    char *got = calloc(1, n + 64), *want = calloc(1, n + 1);
    long r = app_recv(s, got, n + 64);
    if (r != (long)n)
        test_fail(file, line, "the application read %ld bytes, expected %u", r, n);
    peer_payload(from, n, want);
    if (r == (long)n && memcmp(got, want, n) != 0)
        test_fail(file, line, "the %u bytes read are not the peer's stream from seq %u", n, from);
    free(got);
    free(want);
}
#define expect_app_reads(s, from, n) expect_app_reads_(s, from, n, __FILE__, __LINE__)

/*  peer                                           stack :80, RCV.NXT=1001
 *  ACK seq=1101 len=100  (segment 2)      -->     held out of order
 *                                         <--     ACK seq=8001 ack=1001 win=65535   at once: duplicate ACK
 *  ACK seq=1001 len=100  (segment 1)      -->     the hole fills: RCV.NXT=1201
 *                                         <--     ACK seq=8001 ack=1201 win=65335   at once
 *  the application reads 200 bytes, in order
 */
TEST(out_of_order_segment_is_acked_at_once_and_delivered_when_the_hole_fills)
{
    struct scenario s;
    char buf[16];
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); peer_sends(&s, SEG(ACK, .seq = 1101, .ack = 8001, .len = 100));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .win = 65535));
                CHECK_EQ(app_info(&s).ooo_bytes, 100);
                CHECK_EQ(app_recv(&s, buf, sizeof buf), -SYNACK_EAGAIN);   /* nothing in order yet */
    at(&s, 20); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .len = 100));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1201, .win = 65335));
                CHECK_EQ(app_info(&s).ooo_bytes, 0);
                expect_app_reads(&s, 1001, 200);
    at(&s, 1000); expect_nothing_sent(&s);
    CHECK_EQ(synack_stack_stats(s.st)->tcp_ooo_queued, 1);
    scenario_end(&s);
}

/*  Six segments of 100 bytes, 1..6 = seq 1001, 1101, ... 1501, arriving
 *  in the order 6 3 5 2 1 4.
 *  seg 6  seq=1501                        -->     <--  ACK ack=1001   ranges [1501,1601)
 *  seg 3  seq=1201                        -->     <--  ACK ack=1001   [1201,1301) [1501,1601)
 *  seg 5  seq=1401                        -->     <--  ACK ack=1001   [1201,1301) [1401,1601)
 *  seg 2  seq=1101                        -->     <--  ACK ack=1001   [1101,1301) [1401,1601)
 *  seg 1  seq=1001                        -->     <--  ACK ack=1301   (1 2 3 in order, at once)
 *  seg 4  seq=1301                        -->     <--  ACK ack=1601   (4 5 6, at once)
 */
TEST(several_holes_filled_in_any_order_deliver_the_stream_in_order)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); peer_sends(&s, SEG(ACK, .seq = 1501, .ack = 8001, .len = 100));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001));
    at(&s, 11); peer_sends(&s, SEG(ACK, .seq = 1201, .ack = 8001, .len = 100));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001));
    at(&s, 12); peer_sends(&s, SEG(ACK, .seq = 1401, .ack = 8001, .len = 100));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001));
    at(&s, 13); peer_sends(&s, SEG(ACK, .seq = 1101, .ack = 8001, .len = 100));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001));
                CHECK_EQ(app_info(&s).ooo_bytes, 400);
    at(&s, 14); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .len = 100));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1301, .win = 65535 - 300));
                CHECK_EQ(app_info(&s).ooo_bytes, 200);
    at(&s, 15); peer_sends(&s, SEG(ACK, .seq = 1301, .ack = 8001, .len = 100));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1601, .win = 65535 - 600));
                CHECK_EQ(app_info(&s).ooo_bytes, 0);
                expect_app_reads(&s, 1001, 600);
    at(&s, 1000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  RFC 5681 §4.2: a segment that fills only part of a gap is ACKed at
 *  once too, so the sender learns quickly what is still missing.
 *  seg 3  seq=1201 len=100                -->     <--  ACK ack=1001   (duplicate ACK)
 *  seg 1  seq=1001 len=100                -->     <--  ACK ack=1101   (part of the gap: at once)
 *  seg 2  seq=1101 len=100                -->     <--  ACK ack=1301   (the rest: at once)
 */
TEST(segment_filling_part_of_a_gap_is_acked_at_once)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); peer_sends(&s, SEG(ACK, .seq = 1201, .ack = 8001, .len = 100));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001));
    at(&s, 20); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .len = 100));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1101));
    at(&s, 30); peer_sends(&s, SEG(ACK, .seq = 1101, .ack = 8001, .len = 100));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1301));
                expect_app_reads(&s, 1001, 300);
    at(&s, 1000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  A FIN that arrives beyond a hole waits for the data before it.
 *  FIN|ACK seq=1101 len=100  (segment 2)  -->     held; still ESTABLISHED
 *                                         <--     ACK seq=8001 ack=1001
 *  ACK seq=1001 len=100  (segment 1)      -->     data, then the FIN: CLOSE_WAIT
 *                                         <--     ACK seq=8001 ack=1202     at once
 *  the application reads 200 bytes, then end of stream
 */
TEST(early_fin_beyond_a_hole_is_processed_when_the_hole_fills)
{
    struct scenario s;
    char buf[16];
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); peer_sends(&s, SEG(FIN | ACK, .seq = 1101, .ack = 8001, .len = 100));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001));
                expect_state(&s, ESTABLISHED);
                CHECK_EQ(app_recv(&s, buf, sizeof buf), -SYNACK_EAGAIN);
                CHECK(!(app_ready(&s) & SYNACK_HUP));
    at(&s, 20); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .len = 100));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1202));
                expect_state(&s, CLOSE_WAIT);
                expect_app_reads(&s, 1001, 200);
                CHECK_EQ(app_recv(&s, buf, sizeof buf), 0);            /* end of stream */
                CHECK(app_ready(&s) & SYNACK_HUP);
    at(&s, 30); CHECK_EQ(app_close(&s), 0);
                expect_sent(&s, SEG(FIN | ACK, .seq = 8001, .ack = 1202));
                expect_state(&s, LAST_ACK);
    at(&s, 40); peer_sends(&s, SEG(ACK, .seq = 1202, .ack = 8002));
                expect_state(&s, CLOSED);
    scenario_end(&s);
}

/*  The same with a FIN that carries no data.
 *  ACK seq=1001 len=100                   -->     (lost on the way)
 *  FIN|ACK seq=1101                       -->     held
 *                                         <--     ACK seq=8001 ack=1001   at once
 *  ACK seq=1001 len=100  (again)          -->     CLOSE_WAIT
 *                                         <--     ACK seq=8001 ack=1102   at once
 */
TEST(early_bare_fin_beyond_a_hole_is_processed_when_the_hole_fills)
{
    struct scenario s;
    char buf[16];
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); peer_sends(&s, SEG(FIN | ACK, .seq = 1101, .ack = 8001));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001));
                expect_state(&s, ESTABLISHED);
    at(&s, 20); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .len = 100));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1102));
                expect_state(&s, CLOSE_WAIT);
                expect_app_reads(&s, 1001, 100);
                CHECK_EQ(app_recv(&s, buf, sizeof buf), 0);
    at(&s, 1000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  A retransmission of a segment already received: the peer evidently
 *  missed our ACK, so it gets one at once; the data is not delivered twice.
 *  ACK seq=1001 len=100                   -->     (ACK delayed)
 *  ACK seq=1001 len=100  (again)          -->
 *                                         <--     ACK seq=8001 ack=1101   at once
 *  the application reads 100 bytes, not 200; no delayed ACK follows
 */
TEST(duplicate_segment_is_acked_at_once_and_not_delivered_twice)
{
    struct scenario s;
    char buf[16];
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);   handshake_passive(&s, 1000);
    at(&s, 10);  peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .len = 100));
                 expect_nothing_sent(&s);
    at(&s, 100); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .len = 100));
                 expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1101));
                 expect_app_reads(&s, 1001, 100);
                 CHECK_EQ(app_recv(&s, buf, sizeof buf), -SYNACK_EAGAIN);
    at(&s, 1000); expect_nothing_sent(&s);                      /* the delayed ACK went with it */
    CHECK_EQ(synack_stack_stats(s.st)->tcp_dup_segs, 1);
    /* Later, after the application read it, the same again.  The window
     * is 65435, not 65535: a read of 100 bytes does not move the right
     * edge (receiver SWS avoidance, RFC 9293 §3.8.6.2.2). */
    at(&s, 2000); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .len = 100));
                  expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1101, .win = 65435));
                  CHECK_EQ(app_recv(&s, buf, sizeof buf), -SYNACK_EAGAIN);
    CHECK_EQ(synack_stack_stats(s.st)->tcp_dup_segs, 2);
    scenario_end(&s);
}

/*  A duplicate of a segment held out of order changes nothing either.
 *  ACK seq=1101 len=100                   -->     <--  ACK ack=1001
 *  ACK seq=1101 len=100  (again)          -->     <--  ACK ack=1001
 *  ACK seq=1001 len=100                   -->     <--  ACK ack=1201
 */
TEST(duplicate_of_an_out_of_order_segment_is_held_once)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); peer_sends(&s, SEG(ACK, .seq = 1101, .ack = 8001, .len = 100));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001));
    at(&s, 20); peer_sends(&s, SEG(ACK, .seq = 1101, .ack = 8001, .len = 100));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001));
                CHECK_EQ(app_info(&s).ooo_bytes, 100);
    at(&s, 30); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .len = 100));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1201));
                expect_app_reads(&s, 1001, 200);
    scenario_end(&s);
}

/*  RFC 9293 §3.10.7.4: a segment that straddles old and new data is
 *  trimmed to its new part.
 *  ACK seq=1001 len=100                   -->     (ACK delayed)
 *  ACK seq=1051 len=100  (50 old, 50 new) -->     second segment: ACK at once
 *                                         <--     ACK seq=8001 ack=1151
 *  the application reads 150 bytes: 1001..1150, each once
 */
TEST(segment_overlapping_old_and_new_data_delivers_only_the_new_part)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .len = 100));
                expect_nothing_sent(&s);
    at(&s, 20); peer_sends(&s, SEG(ACK, .seq = 1051, .ack = 8001, .len = 100));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1151));
                expect_app_reads(&s, 1001, 150);
    CHECK_EQ(synack_stack_stats(s.st)->tcp_dup_segs, 1);
    CHECK_EQ(app_info(&s).bytes_received, 150);
    at(&s, 1000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  An in-order segment that also covers part of what is held out of order.
 *  ACK seq=1201 len=100                   -->     <--  ACK ack=1001   [1201,1301) held
 *  ACK seq=1001 len=250                   -->     1001..1250 in order, 1201..1250 twice
 *                                         <--     ACK ack=1301        at once
 *  the application reads 300 bytes: 1001..1300, each once
 */
TEST(segment_overlapping_out_of_order_data_joins_it)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 10); peer_sends(&s, SEG(ACK, .seq = 1201, .ack = 8001, .len = 100));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001));
    at(&s, 20); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .len = 250));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1301, .win = 65535 - 300));
                expect_app_reads(&s, 1001, 300);
    CHECK_EQ(app_info(&s).bytes_received, 300);
    scenario_end(&s);
}

/*  After shutdown(SHUT_RD) nobody reads: data that still arrives (in order,
 *  or filling a hole) is acknowledged and discarded, the window stays
 *  open, and recv() keeps saying end of stream (found by fuzz/fuzz_conn.c:
 *  the bytes were queued and recv returned them).
 *  the application shuts its reading side at 5
 *  ACK seq=1101 len=100                   -->     10  held out of order
 *                                         <--     ACK ack=1001 win=65535   at once
 *  ACK seq=1001 len=100                   -->     20  the hole fills: 200 bytes, discarded
 *                                         <--     ACK ack=1201 win=65335   at once (the right edge waits
 *                                                 for an MSS of room, as after any read: SWS avoidance)
 */
TEST(data_after_shutdown_of_the_reading_side_is_acknowledged_and_discarded)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  handshake_passive(&s, 1000);
    at(&s, 5);  CHECK_EQ(synack_shutdown(s.st, s.sock, SYNACK_SHUT_RD), 0);
    at(&s, 10); peer_sends(&s, SEG(ACK, .seq = 1101, .ack = 8001, .len = 100));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .win = 65535));
    at(&s, 20); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .len = 100));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1201, .win = 65335));
    char buf[64];
    CHECK_EQ(app_recv(&s, buf, sizeof buf), 0);
    CHECK_EQ(app_info(&s).recv_queue_bytes, 0);
    CHECK_EQ(app_info(&s).bytes_received, 200);
    expect_state(&s, ESTABLISHED);
    scenario_end(&s);
}
