/*
 * test_wscale.c — window scaling in use on data (RFC 7323 §2.3): once
 * negotiated, every window field the stack sends is its free receive
 * space shifted right by Rcv.Wind.Shift, every window field the peer
 * sends counts SEG.WND << Snd.Wind.Shift bytes, and both sides keep to
 * those windows.  (The negotiation itself is in test_options.c.)
 *
 * The stack listens on :80 with ISS 8000 and a 1 MiB receive buffer, so
 * it announces shift 5; the peer (ISS 1000, MSS 1460) announces shift 2.
 */
#include <stdlib.h>

#include "scenario.h"

/*  peer                                           stack :80 (rcvbuf 1 MiB)
 *  SYN seq=1000 mss=1460 wscale=2 win=730 -->
 *                                         <--     SYN|ACK seq=8000 ack=1001 wscale=5 win=65535 (a SYN's window is unscaled)
 *  ACK seq=1001 ack=8001 win=730          -->     SND.WND = 730 << 2 = 2920
 *  seq=1001 len=1000                      -->     10
 *                                         <--     ACK ack=2001 win=32736      210: (1048576 - 1000) >> 5
 *  seq=101001 len=100                     -->     300: 100000 bytes ahead, beyond 65535 but inside
 *                                                 the scaled window: held out of order
 *                                         <--     ACK ack=2001 win=32736      at once (out of order)
 *                      the application reads the 1000 bytes: the window grows by less than
 *                      two segments, no update
 */
TEST(wscale_advertised_window_is_receive_space_shifted)
{
    struct scenario s;
    char buf[1000], want[1000];
    scenario_listen(&s, .iss = 8000, .rcvbuf = 1 << 20);
    at(&s, 0);   peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1460, .has_ws = true, .ws = 2, .win = 730));
                 expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460, .has_ws = true, .ws = 5,
                                     .win = 65535));
                 peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .win = 730));
                 REQUIRE(app_accept(&s) >= 0);
    struct synack_tcp_info i = app_info(&s);
    CHECK_EQ(i.snd_wscale, 2);
    CHECK_EQ(i.rcv_wscale, 5);
    CHECK_EQ(i.snd_wnd, 2920);
    at(&s, 10);  peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .win = 730, .len = 1000));
                 expect_nothing_sent(&s);
    at(&s, 210); expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 2001, .win = ((1u << 20) - 1000) >> 5));
                 CHECK_EQ(app_info(&s).rcv_wnd, (1u << 20) - 1000);
    at(&s, 300); peer_sends(&s, SEG(ACK, .seq = 101001, .ack = 8001, .win = 730, .len = 100));
                 expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 2001, .win = ((1u << 20) - 1000) >> 5));
                 CHECK_EQ(app_info(&s).ooo_bytes, 100);
                 CHECK_EQ(synack_stack_stats(s.st)->drops[SYNACK_DROP_TCP_OUT_OF_WINDOW], 0);
    at(&s, 400); CHECK_EQ(app_recv(&s, buf, sizeof buf), 1000);
                 peer_payload(1001, 1000, want);
                 CHECK(memcmp(buf, want, sizeof buf) == 0);
                 expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  The peer's window field of 730 means 2920 bytes: two full segments,
 *  not half of one.
 *                      the application writes 10000 bytes at 10
 *                                         <--     ACK seq=8001 len=1460
 *                                         <--     ACK seq=9461 len=1460      the window (2920) is full
 *  ACK ack=9461 win=730                   -->     20: right edge 9461 + 2920 = 12381
 *                                         <--     ACK seq=10921 len=1460
 *  ACK ack=12381 win=2000                 -->     30: 8000 bytes, right edge 20381
 *                                         <--     ACK seq=12381 len=1460
 *                                         <--     ACK seq=13841 len=1460
 *                                         <--     ACK seq=15301 len=1460
 *                                                 (the last 1240 bytes wait for the ACK: Nagle)
 *  ACK ack=16761 win=2000                 -->     40
 *                                         <--     ACK|PSH seq=16761 len=1240
 *  ACK ack=18001 win=2000                 -->     50
 */
TEST(wscale_peer_window_is_shifted_and_limits_sending)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .rcvbuf = 1 << 20);
    at(&s, 0);  peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1460, .has_ws = true, .ws = 2, .win = 730));
                expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .has_ws = true, .ws = 5));
                peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .win = 730));
                REQUIRE(app_accept(&s) >= 0);
    at(&s, 10); CHECK_EQ(app_send_bytes(&s, 10000), 10000);
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001, .len = 1460, .win = (1u << 20) >> 5));
                expect_sent(&s, SEG(ACK, .seq = 9461, .ack = 1001, .len = 1460));
                expect_nothing_sent(&s);
    at(&s, 20); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 9461, .win = 730));
                expect_sent(&s, SEG(ACK, .seq = 10921, .ack = 1001, .len = 1460));
                expect_nothing_sent(&s);
    at(&s, 30); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 12381, .win = 2000));
                CHECK_EQ(app_info(&s).snd_wnd, 8000);
                expect_sent(&s, SEG(ACK, .seq = 12381, .ack = 1001, .len = 1460));
                expect_sent(&s, SEG(ACK, .seq = 13841, .ack = 1001, .len = 1460));
                expect_sent(&s, SEG(ACK, .seq = 15301, .ack = 1001, .len = 1460));
                expect_nothing_sent(&s);
    at(&s, 40); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 16761, .win = 2000));
                expect_sent(&s, SEG(ACK | PSH, .seq = 16761, .ack = 1001, .len = 1240));
    at(&s, 50); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 18001, .win = 2000));
                expect_nothing_sent(&s);
                CHECK_EQ(app_info(&s).send_queue_bytes, 0);
    at(&s, 10000); expect_nothing_sent(&s);
    scenario_end(&s);
}
