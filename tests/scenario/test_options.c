/*
 * test_options.c — options negotiated in the handshake (RFC 7323, RFC
 * 2018): each is used only when both SYNs carry it.
 */
#include "scenario.h"

/*  Both sides offer everything: the stack (64 KiB buffer: shift 0; here
 *  a 1 MiB buffer: shift 5) answers in kind, and windows are scaled from
 *  then on.
 *  peer                                           stack :80 (rcvbuf 1 MiB)
 *  SYN seq=1000 mss=1460 sackOK TS wscale=7  -->
 *                                         <--     SYN|ACK mss=1460 sackOK TS(ecr=55) wscale=5 win=65535
 *  ACK seq=1001 ack=8001 TS win=100       -->     peer's window = 100 << 7 = 12800
 */
TEST(window_scale_timestamps_and_sack_negotiated)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .rcvbuf = 1 << 20);
    at(&s, 0);  peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1460, .sack_ok = true, .ts = true, .tsval = 55,
                                   .has_ws = true, .ws = 7));
                expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460, .sack_ok = true, .ts = true,
                                    .tsecr = 55, .ts_ecr_check = true, .has_ws = true, .ws = 5, .win = 65535));
    at(&s, 10); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .win = 100, .ts = true, .tsval = 65));
                CHECK(app_accept(&s) >= 0);
    struct synack_tcp_info i = app_info(&s);
    CHECK(i.wscale_ok);
    CHECK(i.timestamps_ok);
    CHECK(i.sack_ok);
    CHECK_EQ(i.snd_wscale, 7);
    CHECK_EQ(i.rcv_wscale, 5);
    CHECK_EQ(i.snd_wnd, 100 << 7);
    /* Every segment now carries a timestamp echoing the peer's latest. */
    CHECK_EQ(app_send(&s, "hello"), 5);
    expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .data = "hello", .ts = true, .tsecr = 65,
                        .ts_ecr_check = true));
    /* The MSS bounds payload plus options: 1460 - 12 for the timestamp. */
    CHECK_EQ(i.snd_mss, 1448);
    scenario_end(&s);
}

/*  The peer offers none of them: neither does the stack's SYN|ACK, and
 *  the window stays unscaled (and at most 65535 bytes).
 */
TEST(options_absent_when_the_peer_does_not_offer_them)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .rcvbuf = 1 << 20);
    at(&s, 0);  peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1460));
                expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460, .no_ts = true, .no_sack = true,
                                    .win = 65535));
    struct tcp_segment seg;
    s.sent_taken--;                               /* look at the SYN|ACK again */
    REQUIRE(take_sent(&s, &seg));
    CHECK(!seg.opt.has_wscale);
    CHECK(!seg.opt.sack_permitted);
    at(&s, 10); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001, .win = 100));
                CHECK(app_accept(&s) >= 0);
    struct synack_tcp_info i = app_info(&s);
    CHECK(!i.wscale_ok);
    CHECK(!i.timestamps_ok);
    CHECK(!i.sack_ok);
    CHECK_EQ(i.snd_wnd, 100);                     /* not scaled */
    CHECK_EQ(i.snd_mss, 1460);
    CHECK_EQ(app_send(&s, "hello"), 5);
    expect_sent(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1001, .data = "hello", .no_ts = true, .win = 65535));
    scenario_end(&s);
}

/*  Our SYN offers everything; a SYN|ACK with window scaling only leaves
 *  SACK and timestamps off (RFC 7323 §2.2: both must send the option).
 */
TEST(active_open_keeps_only_what_the_syn_ack_carries)
{
    struct scenario s;
    scenario_client(&s, .iss = 1000, .rcvbuf = 1 << 20);
    at(&s, 0);  CHECK_EQ(app_connect(&s), -SYNACK_EINPROGRESS);
                expect_sent(&s, SEG(SYN, .seq = 1000, .mss = 1460, .sack_ok = true, .ts = true, .has_ws = true,
                                    .ws = 5));
    at(&s, 10); peer_sends(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1400, .has_ws = true, .ws = 2,
                                   .win = 1000));
                expect_sent(&s, SEG(ACK, .seq = 1001, .ack = 8001, .no_ts = true, .win = (1u << 20) >> 5));
    struct synack_tcp_info i = app_info(&s);
    CHECK(i.wscale_ok);
    CHECK(!i.timestamps_ok);
    CHECK(!i.sack_ok);
    CHECK_EQ(i.snd_wnd, 1000);                    /* a SYN's window is never scaled */
    CHECK_EQ(i.snd_mss, 1400);
    scenario_end(&s);
}
