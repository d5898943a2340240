/*
 * test_sack_blocks.c — the SACK blocks the stack sends as a receiver
 * (RFC 2018 §4) and its D-SACKs (RFC 2883 §4).
 *
 * RFC 2018 §4: every ACK sent while out-of-order data is held carries
 * SACK blocks; the first block is the one containing the segment that
 * triggered the ACK (unless that segment advanced RCV.NXT); the others
 * repeat the most recently reported blocks, most recent first; as many
 * as fit — 4 without timestamps, 3 with them (40 bytes of options).
 * RFC 2883 §4: a duplicate segment is reported in the first block (a
 * D-SACK), once; if the duplicate lies inside an out-of-order block, the
 * second block is that block.
 *
 * The stack listens on :80 with ISS 8000; the peer (ISS 1000, MSS 1460)
 * offers SACK (and, where said, timestamps).  The peer sends 100-byte
 * segments; "[1101,1201)" is the one at seq 1101.
 */
#include "scenario.h"

static void sack_handshake_(struct scenario *s, bool ts, const char *file, int line)
{
    peer_sends_(s, SEG(SYN, .seq = 1000, .mss = 1460, .sack_ok = true, .ts = ts, .tsval = 1), file, line);
    expect_sent_(s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .sack_ok = true, .ts = ts, .no_ts = !ts), file, line);
    peer_sends_(s, SEG(ACK, .seq = 1001, .ack = 8001, .ts = ts, .tsval = 1), file, line);
    if (app_accept(s) < 0)
        test_fail(file, line, "accept() found no connection after the handshake");
    struct synack_tcp_info i = app_info(s);
    if (!i.sack_ok || i.timestamps_ok != ts)
        test_fail(file, line, "options not negotiated as expected");
}
#define sack_handshake(s, ts) sack_handshake_(s, ts, __FILE__, __LINE__)

/* A 100-byte segment from the peer at seq (with a timestamp when ts). */
#define DATA(sq) SEG(ACK, .seq = (sq), .ack = 8001, .len = 100)
#define DATA_TS(sq, tv) SEG(ACK, .seq = (sq), .ack = 8001, .len = 100, .ts = true, .tsval = (tv))

/*  peer                                           stack :80, RCV.NXT = 1001
 *  [1101,1201)                            -->     one hole
 *                                         <--     ACK ack=1001 sack{1101:1201}
 *  [1301,1401)                            -->     two holes: the newest block first
 *                                         <--     ACK ack=1001 sack{1301:1401}{1101:1201}
 *  [1501,1601)                            -->     three holes
 *                                         <--     ACK ack=1001 sack{1501:1601}{1301:1401}{1101:1201}
 *  [1201,1301)                            -->     joins the first two blocks
 *                                         <--     ACK ack=1001 sack{1101:1401}{1501:1601}
 *  [1001,1101)                            -->     fills the first hole
 *                                         <--     ACK ack=1401 sack{1501:1601}
 *  [1401,1501)                            -->     fills the last hole
 *                                         <--     ACK ack=1601 (no SACK option)
 */
TEST(sack_blocks_for_holes_that_open_join_and_fill)
{
    struct scenario s;
    char buf[1000], want[600];
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  sack_handshake(&s, false);
    at(&s, 10); peer_sends(&s, DATA(1101));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .nsack = 1, .sack = { { 1101, 1201 } }));
    at(&s, 20); peer_sends(&s, DATA(1301));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .nsack = 2,
                                    .sack = { { 1301, 1401 }, { 1101, 1201 } }));
    at(&s, 30); peer_sends(&s, DATA(1501));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .nsack = 3,
                                    .sack = { { 1501, 1601 }, { 1301, 1401 }, { 1101, 1201 } }));
    at(&s, 40); peer_sends(&s, DATA(1201));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .nsack = 2,
                                    .sack = { { 1101, 1401 }, { 1501, 1601 } }));
                CHECK_EQ(app_info(&s).ooo_bytes, 400);
    at(&s, 50); peer_sends(&s, DATA(1001));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1401, .nsack = 1, .sack = { { 1501, 1601 } }));
    at(&s, 60); peer_sends(&s, DATA(1401));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1601, .no_sack = true));
    struct synack_tcp_info i = app_info(&s);
    CHECK_EQ(i.ooo_bytes, 0);
    CHECK_EQ(i.sack_blocks_out, 1 + 2 + 3 + 2 + 1);
    CHECK_EQ(i.dsack_out, 0);
    CHECK_EQ(app_recv(&s, buf, sizeof buf), 600);
    peer_payload(1001, 600, want);
    CHECK(memcmp(buf, want, 600) == 0);
    at(&s, 1000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  The order follows what arrived most recently, not sequence order.
 *  [1301,1401)                            -->
 *                                         <--     ACK ack=1001 sack{1301:1401}
 *  [1101,1201)                            -->
 *                                         <--     ACK ack=1001 sack{1101:1201}{1301:1401}
 *  [1701,1801)                            -->
 *                                         <--     ACK ack=1001 sack{1701:1801}{1101:1201}{1301:1401}
 *  [1401,1501)                            -->     grows the oldest block: it goes first
 *                                         <--     ACK ack=1001 sack{1301:1501}{1701:1801}{1101:1201}
 */
TEST(sack_blocks_most_recent_first)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  sack_handshake(&s, false);
    at(&s, 10); peer_sends(&s, DATA(1301));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .nsack = 1, .sack = { { 1301, 1401 } }));
    at(&s, 20); peer_sends(&s, DATA(1101));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .nsack = 2,
                                    .sack = { { 1101, 1201 }, { 1301, 1401 } }));
    at(&s, 30); peer_sends(&s, DATA(1701));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .nsack = 3,
                                    .sack = { { 1701, 1801 }, { 1101, 1201 }, { 1301, 1401 } }));
    at(&s, 40); peer_sends(&s, DATA(1401));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .nsack = 3,
                                    .sack = { { 1301, 1501 }, { 1701, 1801 }, { 1101, 1201 } }));
    scenario_end(&s);
}

/*  Without timestamps four blocks fit; a fifth hole leaves out the block
 *  reported least recently.
 *  [1101,1201) [1301,1401) [1501,1601) [1701,1801)   -->  1, 2, 3, 4 blocks
 *  [1901,2001)                            -->
 *                                         <--     ACK ack=1001 sack{1901:2001}{1701:1801}{1501:1601}{1301:1401}
 */
TEST(sack_at_most_four_blocks_without_timestamps)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  sack_handshake(&s, false);
    at(&s, 10); peer_sends(&s, DATA(1101));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .nsack = 1, .sack = { { 1101, 1201 } }));
                peer_sends(&s, DATA(1301));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .nsack = 2,
                                    .sack = { { 1301, 1401 }, { 1101, 1201 } }));
                peer_sends(&s, DATA(1501));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .nsack = 3,
                                    .sack = { { 1501, 1601 }, { 1301, 1401 }, { 1101, 1201 } }));
                peer_sends(&s, DATA(1701));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .nsack = 4,
                                    .sack = { { 1701, 1801 }, { 1501, 1601 }, { 1301, 1401 }, { 1101, 1201 } }));
                peer_sends(&s, DATA(1901));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .nsack = 4,
                                    .sack = { { 1901, 2001 }, { 1701, 1801 }, { 1501, 1601 }, { 1301, 1401 } }));
                CHECK_EQ(app_info(&s).sack_blocks_out, 1 + 2 + 3 + 4 + 4);
                CHECK_EQ(app_info(&s).ooo_bytes, 500);
    scenario_end(&s);
}

/*  With timestamps (12 bytes of the 40) three blocks fit.
 *  [1101,1201) [1301,1401) [1501,1601)    -->     1, 2, 3 blocks
 *  [1701,1801)                            -->
 *                                         <--     ACK ack=1001 TS sack{1701:1801}{1501:1601}{1301:1401}
 */
TEST(sack_at_most_three_blocks_with_timestamps)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  sack_handshake(&s, true);
    at(&s, 10); peer_sends(&s, DATA_TS(1101, 10));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .ts = true, .nsack = 1, .sack = { { 1101, 1201 } }));
                peer_sends(&s, DATA_TS(1301, 11));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .ts = true, .nsack = 2,
                                    .sack = { { 1301, 1401 }, { 1101, 1201 } }));
                peer_sends(&s, DATA_TS(1501, 12));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .ts = true, .nsack = 3,
                                    .sack = { { 1501, 1601 }, { 1301, 1401 }, { 1101, 1201 } }));
                peer_sends(&s, DATA_TS(1701, 13));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .ts = true, .nsack = 3,
                                    .sack = { { 1701, 1801 }, { 1501, 1601 }, { 1301, 1401 } }));
                CHECK_EQ(app_info(&s).sack_blocks_out, 1 + 2 + 3 + 3);
    scenario_end(&s);
}

/*  D-SACK for data below RCV.NXT (RFC 2883 §4.1), reported once, ahead of
 *  the ordinary blocks.
 *  [1001,1101)                            -->     10: in order
 *                                         <--     ACK ack=1101                210 (delayed)
 *  [1001,1101) again                      -->     300: a duplicate
 *                                         <--     ACK ack=1101 sack{1001:1101}           at once
 *  [1201,1301)                            -->     310: out of order; the D-SACK is not repeated
 *                                         <--     ACK ack=1101 sack{1201:1301}
 *  [1001,1101) again                      -->     320
 *                                         <--     ACK ack=1101 sack{1001:1101}{1201:1301}
 *  [1051,1151)  (half old, half new)      -->     330: the old half is the D-SACK; the new half
 *                                                 is taken (RCV.NXT 1151)
 *                                         <--     ACK ack=1151 sack{1051:1101}{1201:1301}
 */
TEST(dsack_reports_a_duplicate_below_rcv_nxt)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);   sack_handshake(&s, false);
    at(&s, 10);  peer_sends(&s, DATA(1001));
                 expect_nothing_sent(&s);
    at(&s, 210); expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1101, .no_sack = true));
    at(&s, 300); peer_sends(&s, DATA(1001));
                 expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1101, .nsack = 1, .sack = { { 1001, 1101 } }));
                 CHECK_EQ(app_info(&s).dsack_out, 1);
    at(&s, 310); peer_sends(&s, DATA(1201));
                 expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1101, .nsack = 1, .sack = { { 1201, 1301 } }));
    at(&s, 320); peer_sends(&s, DATA(1001));
                 expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1101, .nsack = 2,
                                     .sack = { { 1001, 1101 }, { 1201, 1301 } }));
    at(&s, 330); peer_sends(&s, SEG(ACK, .seq = 1051, .ack = 8001, .len = 100));
                 expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1151, .nsack = 2,
                                     .sack = { { 1051, 1101 }, { 1201, 1301 } }));
    struct synack_tcp_info i = app_info(&s);
    CHECK_EQ(i.dsack_out, 3);
    CHECK_EQ(i.sack_blocks_out, 1 + 1 + 2 + 2);
    CHECK_EQ(i.bytes_received, 150);
    CHECK_EQ(synack_stack_stats(s.st)->tcp_dsack_sent, 3);
    at(&s, 1000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  D-SACK for a duplicate of out-of-order data (RFC 2883 §4.2): the
 *  duplicate first, then the block that holds it.
 *  [1101,1201)                            -->
 *                                         <--     ACK ack=1001 sack{1101:1201}
 *  [1201,1301)                            -->
 *                                         <--     ACK ack=1001 sack{1101:1301}
 *  [1101,1201) again                      -->
 *                                         <--     ACK ack=1001 sack{1101:1201}{1101:1301}
 *  [1401,1501)                            -->     the D-SACK is not repeated
 *                                         <--     ACK ack=1001 sack{1401:1501}{1101:1301}
 */
TEST(dsack_reports_a_duplicate_of_an_out_of_order_block)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  sack_handshake(&s, false);
    at(&s, 10); peer_sends(&s, DATA(1101));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .nsack = 1, .sack = { { 1101, 1201 } }));
    at(&s, 20); peer_sends(&s, DATA(1201));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .nsack = 1, .sack = { { 1101, 1301 } }));
    at(&s, 30); peer_sends(&s, DATA(1101));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .nsack = 2,
                                    .sack = { { 1101, 1201 }, { 1101, 1301 } }));
                CHECK_EQ(app_info(&s).dsack_out, 1);
    at(&s, 40); peer_sends(&s, DATA(1401));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .nsack = 2,
                                    .sack = { { 1401, 1501 }, { 1101, 1301 } }));
                CHECK_EQ(app_info(&s).dsack_out, 1);
                CHECK_EQ(app_info(&s).sack_blocks_out, 1 + 1 + 2 + 2);
                CHECK_EQ(app_info(&s).ooo_bytes, 300);
    scenario_end(&s);
}

/*  With timestamps, a D-SACK leaves room for two more blocks: the one
 *  holding the duplicate, then the most recent other.
 *  [1101,1201) [1301,1401) [1501,1601)    -->     three blocks held
 *  [1301,1401) again                      -->
 *                                         <--     ACK ack=1001 TS sack{1301:1401}{1301:1401}{1501:1601}
 */
TEST(dsack_with_timestamps_leaves_room_for_two_blocks)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  sack_handshake(&s, true);
    at(&s, 10); peer_sends(&s, DATA_TS(1101, 10));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .nsack = 1, .sack = { { 1101, 1201 } }));
                peer_sends(&s, DATA_TS(1301, 11));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .nsack = 2,
                                    .sack = { { 1301, 1401 }, { 1101, 1201 } }));
                peer_sends(&s, DATA_TS(1501, 12));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .nsack = 3,
                                    .sack = { { 1501, 1601 }, { 1301, 1401 }, { 1101, 1201 } }));
    at(&s, 20); peer_sends(&s, DATA_TS(1301, 20));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .ts = true, .nsack = 3,
                                    .sack = { { 1301, 1401 }, { 1301, 1401 }, { 1501, 1601 } }));
    struct synack_tcp_info i = app_info(&s);
    CHECK_EQ(i.dsack_out, 1);
    CHECK_EQ(i.sack_blocks_out, 1 + 2 + 3 + 3);
    scenario_end(&s);
}
