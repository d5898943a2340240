/*
 * test_syncookies.c — SYN cookies (RFC 4987 §3.6; the layout is in
 * src/core/syncookie.h): a full SYN queue answers with a SYN|ACK whose
 * sequence number is a cookie and keeps nothing; the handshake's ACK
 * brings the cookie back and the connection is made from it.  A cookie
 * that is too old, forged, or replayed from another 4-tuple is a bad ACK
 * to a listener: <SEQ=SEG.ACK><CTL=RST> (RFC 9293 §3.10.7.2).
 *
 * The stack listens on :80 (ISS 8000 for connections it does keep; a
 * cookie is whatever the MAC makes it).  Peers are 198.18.0.1 on :40000,
 * :40001, ... with ISS 1000, 3000, 5000.  Unless a test says otherwise the
 * SYN queue holds one embryo (syn_queue_len 1) or none (every SYN gets a
 * cookie).
 */
#include "scenario.h"

/* Takes the stack's next segment, which must be a SYN|ACK acknowledging
 * peer_iss + 1 that is not a kept embryo's (seq != 8000); returns it. */
static struct tcp_segment take_cookie_synack(struct scenario *s, uint32_t peer_iss)
{
    struct tcp_segment seg;
    memset(&seg, 0, sizeof seg);
    CHECK(take_sent(s, &seg));
    CHECK_EQ(seg.flags, TCP_SYN | TCP_ACK);
    CHECK_EQ(seg.ack, peer_iss + 1);
    CHECK(seg.seq != 8000);
    return seg;
}

/*  The SYN queue's one place is taken; the next SYN gets a cookie and the
 *  stack keeps nothing for it.  The ACK that brings the cookie back makes
 *  the connection, which goes LISTEN -> SYN_RECEIVED -> ESTABLISHED like
 *  any other and is accepted; its MSS is the table's largest value not
 *  above the 1400 announced.  Without timestamps the SYN|ACK offers only
 *  the MSS.
 *  :40000  SYN seq=1000 mss=1460           -->    SYN_RECEIVED (the queue is full)
 *                                          <--    SYN|ACK seq=8000 ack=1001
 *  :40001  SYN seq=3000 mss=1400 wscale=7 sackOK   -->   cookie C
 *                                          <--    SYN|ACK seq=C ack=3001 mss=1460, nothing else
 *  :40001  ACK seq=3001 ack=C+1            -->    ESTABLISHED, accept()
 *     send("hi")
 *                                          <--    ACK|PSH seq=C+1 ack=3001 "hi"
 */
TEST(full_syn_queue_answers_with_a_cookie_and_its_ack_makes_the_connection)
{
    struct scenario s;
    const struct synack_stats *st;
    scenario_listen(&s, .iss = 8000, .syn_queue_len = 1);
    st = synack_stack_stats(s.st);
    at(&s, 0);  peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1460));
                expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460));
                CHECK_EQ(st->tcp_syn_queue_len, 1);
    at(&s, 10); peer_sends(&s, SEG(SYN, .seq = 3000, .mss = 1400, .has_ws = true, .ws = 7, .sack_ok = true,
                                   .sport = 40001));
                struct tcp_segment sa = take_cookie_synack(&s, 3000);
                CHECK(sa.opt.has_mss && sa.opt.mss == 1460);
                CHECK(!sa.opt.has_wscale && !sa.opt.sack_permitted && !sa.opt.has_timestamp);
                CHECK_EQ(sa.window, 65535);
                CHECK_EQ(st->tcp_syncookies_sent, 1);
                CHECK_EQ(st->tcp_syn_queue_len, 1);
                CHECK_EQ(synack_stack_connections(s.st, true), 1);   /* nothing kept for :40001 */
    uint32_t c = sa.seq;
    at(&s, 20); peer_sends(&s, SEG(ACK, .seq = 3001, .ack = c + 1, .sport = 40001));
                expect_nothing_sent(&s);
                expect_state(&s, ESTABLISHED);
                CHECK(saw_change(&s, 0, SYNACK_TCP_LISTEN, SYNACK_TCP_SYN_RECEIVED));
                CHECK(saw_change(&s, 0, SYNACK_TCP_SYN_RECEIVED, SYNACK_TCP_ESTABLISHED));
                CHECK_EQ(st->tcp_syncookies_recv, 1);
                CHECK_EQ(st->tcp_syncookies_failed, 0);
                CHECK_EQ(st->tcp_passive_opens, 2);
                CHECK_EQ(st->tcp_syn_queue_len, 1);               /* :40000's embryo only */
                CHECK(app_accept(&s) >= 0);
    struct synack_tcp_info info = app_info(&s);
    CHECK_EQ(info.remote.port, 40001);
    CHECK_EQ(info.iss, c);
    CHECK_EQ(info.snd_mss, 1400);
    CHECK(!info.wscale_ok && !info.sack_ok && !info.timestamps_ok);
    at(&s, 30); CHECK_EQ(app_send(&s, "hi"), 2);
                expect_sent(&s, SEG(ACK | PSH, .seq = c + 1, .ack = 3001, .data = "hi"));
    scenario_end(&s);
}

/*  The MSS a cookie can carry is the largest of 88, 536, 1220, 1360, 1400,
 *  1440, 1460, 8960 not above the one announced (never above it), and
 *  without an MSS option RFC 9293 §3.7.1's 536.
 */
TEST(cookie_mss_is_the_largest_table_value_not_above_the_announced_one)
{
    static const struct { uint16_t announced, used; } cases[] = {
        { 1460, 1460 }, { 1459, 1440 }, { 1452, 1440 }, { 1360, 1360 }, { 1300, 1220 },
        { 600, 536 }, { 535, 88 }, { 0, 536 }, { 9000, 1460 },   /* 9000: capped by the interface */
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct scenario s;
        scenario_listen(&s, .iss = 8000, .syncookies_always = true);
        at(&s, 0); peer_sends(&s, SEG(SYN, .seq = 3000, .mss = cases[i].announced));
                   struct tcp_segment sa = take_cookie_synack(&s, 3000);
                   peer_sends(&s, SEG(ACK, .seq = 3001, .ack = sa.seq + 1));
                   expect_state(&s, ESTABLISHED);
                   CHECK(app_accept(&s) >= 0);
                   CHECK_EQ(app_info(&s).snd_mss, cases[i].used);
        scenario_end(&s);
    }
}

/*  Data on the ACK that brings the cookie back is taken: the connection
 *  is made, then handed the very segment.
 *  :40001  SYN seq=3000                    -->
 *                                          <--    SYN|ACK seq=C ack=3001
 *  :40001  ACK|PSH seq=3001 ack=C+1 "hello"  -->  ESTABLISHED, "hello" queued
 *                                          <--    ACK seq=C+1 ack=3006 (delayed, 200 ms)
 */
TEST(data_on_the_cookie_ack_is_delivered)
{
    struct scenario s;
    char buf[16];
    scenario_listen(&s, .iss = 8000, .syncookies_always = true);
    at(&s, 0);   peer_sends(&s, SEG(SYN, .seq = 3000, .mss = 1460, .sport = 40001));
    uint32_t c = take_cookie_synack(&s, 3000).seq;
    at(&s, 10);  peer_sends(&s, SEG(ACK | PSH, .seq = 3001, .ack = c + 1, .data = "hello", .sport = 40001));
                 expect_state(&s, ESTABLISHED);
                 expect_nothing_sent(&s);
                 CHECK(app_accept(&s) >= 0);
                 CHECK_EQ(app_recv(&s, buf, sizeof buf), 5);
                 CHECK_EQ(memcmp(buf, "hello", 5), 0);
    at(&s, 210); expect_sent(&s, SEG(ACK, .seq = c + 1, .ack = 3006));
    scenario_end(&s);
}

/*  With timestamps, window scaling and SACK-permitted survive the cookie:
 *  they ride in the low 6 bits of the SYN|ACK's TSval (the peer's shift,
 *  16 for SACK) and come back in the ACK's TSecr.  Our own later TSvals
 *  never fall below the cookie's.
 *  :40001  SYN seq=3000 mss=1460 sackOK wscale=7 TS(val=111)   -->
 *                                          <--    SYN|ACK seq=C ack=3001 mss=1460 sackOK wscale=0 TS(val=V ecr=111)
 *                                                 V & 63 == 7 | 16
 *  :40001  ACK seq=3001 ack=C+1 win=100 TS(val=112 ecr=V)      -->    ESTABLISHED
 *                                                 SND.WND = 100 << 7, SACK and timestamps on
 *     send("x")
 *                                          <--    ACK|PSH seq=C+1 ack=3001 TS(val>=V ecr=112) "x"
 */
TEST(cookie_carries_window_scale_and_sack_in_the_timestamp)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .syncookies_always = true);
    at(&s, 5);  peer_sends(&s, SEG(SYN, .seq = 3000, .mss = 1460, .sack_ok = true, .has_ws = true, .ws = 7,
                                   .ts = true, .tsval = 111, .sport = 40001));
    struct tcp_segment sa = take_cookie_synack(&s, 3000);
    CHECK(sa.opt.has_timestamp && sa.opt.ts_ecr == 111);
    CHECK_EQ(sa.opt.ts_val & 63, 7u | 16u);
    CHECK(sa.opt.has_wscale && sa.opt.wscale == 0);   /* our shift for a 64 KiB buffer */
    CHECK(sa.opt.sack_permitted);
    at(&s, 10); peer_sends(&s, SEG(ACK, .seq = 3001, .ack = sa.seq + 1, .win = 100, .ts = true, .tsval = 112,
                                   .tsecr = sa.opt.ts_val, .sport = 40001));
                expect_state(&s, ESTABLISHED);
                CHECK(app_accept(&s) >= 0);
    struct synack_tcp_info info = app_info(&s);
    CHECK(info.wscale_ok && info.sack_ok && info.timestamps_ok);
    CHECK_EQ(info.snd_wscale, 7);
    CHECK_EQ(info.snd_wnd, 100u << 7);
    CHECK_EQ(info.snd_mss, 1460 - 12);                   /* the timestamp option comes out of each segment */
    at(&s, 20); CHECK_EQ(app_send(&s, "x"), 1);
    struct tcp_segment d;
    CHECK(take_sent(&s, &d));
    CHECK_EQ(d.seq, sa.seq + 1);
    CHECK(d.payload_len == 1 && d.opt.has_timestamp && d.opt.ts_ecr == 112);
    CHECK((int32_t)(d.opt.ts_val - sa.opt.ts_val) >= 0);
    scenario_end(&s);
}

/*  Without timestamps there is nowhere to keep window scaling and SACK:
 *  the cookie's SYN|ACK offers neither, and the connection goes without.
 *  An ACK whose TSecr looks like option bits cannot bring them back.
 *  :40001  SYN seq=3000 mss=1460 sackOK wscale=7   -->
 *                                          <--    SYN|ACK seq=C ack=3001 mss=1460 (no other option)
 *  :40001  ACK seq=3001 ack=C+1            -->    ESTABLISHED, no wscale, no SACK
 */
TEST(cookie_without_timestamps_offers_neither_window_scale_nor_sack)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .syncookies_always = true);
    at(&s, 0);  peer_sends(&s, SEG(SYN, .seq = 3000, .mss = 1460, .sack_ok = true, .has_ws = true, .ws = 7,
                                   .sport = 40001));
    struct tcp_segment sa = take_cookie_synack(&s, 3000);
    CHECK(!sa.opt.has_wscale && !sa.opt.sack_permitted && !sa.opt.has_timestamp);
    at(&s, 10); peer_sends(&s, SEG(ACK, .seq = 3001, .ack = sa.seq + 1, .win = 100, .sport = 40001));
                expect_state(&s, ESTABLISHED);
                CHECK(app_accept(&s) >= 0);
    struct synack_tcp_info info = app_info(&s);
    CHECK(!info.wscale_ok && !info.sack_ok && !info.timestamps_ok);
    CHECK_EQ(info.snd_wnd, 100);
    scenario_end(&s);
}

/*  A cookie lives while the 64-second counter it was made with, or the
 *  next, is current: made at t=0 it is still good at 100 s, and two ticks
 *  later (150 s) it is too late: RST, counted as a failed cookie.
 *  :40001  SYN seq=3000                    -->    (t=0)
 *                                          <--    SYN|ACK seq=C1 ack=3001
 *  :40002  SYN seq=5000                    -->
 *                                          <--    SYN|ACK seq=C2 ack=5001
 *  :40001  ACK seq=3001 ack=C1+1           -->    (t=100 s) ESTABLISHED
 *  :40002  ACK seq=5001 ack=C2+1           -->    (t=150 s) too late
 *                                          <--    RST seq=C2+1
 */
TEST(cookie_ack_too_late_is_answered_with_rst)
{
    struct scenario s;
    const struct synack_stats *st;
    scenario_listen(&s, .iss = 8000, .syncookies_always = true);
    st = synack_stack_stats(s.st);
    at(&s, 0);      peer_sends(&s, SEG(SYN, .seq = 3000, .mss = 1460, .sport = 40001));
    uint32_t c1 = take_cookie_synack(&s, 3000).seq;
                    peer_sends(&s, SEG(SYN, .seq = 5000, .mss = 1460, .sport = 40002));
    uint32_t c2 = take_cookie_synack(&s, 5000).seq;
    at(&s, 100000); peer_sends(&s, SEG(ACK, .seq = 3001, .ack = c1 + 1, .sport = 40001));
                    expect_nothing_sent(&s);
                    expect_state(&s, ESTABLISHED);
    at(&s, 150000); peer_sends(&s, SEG(ACK, .seq = 5001, .ack = c2 + 1, .sport = 40002));
                    expect_sent(&s, SEG(RST, .seq = c2 + 1));
                    CHECK_EQ(st->tcp_syncookies_recv, 1);
                    CHECK_EQ(st->tcp_syncookies_failed, 1);
                    CHECK_EQ(st->drops[SYNACK_DROP_TCP_COOKIE_EXPIRED], 1);
                    CHECK_EQ(synack_stack_connections(s.st, true), 1);
    scenario_end(&s);
}

/*  A forged cookie — one bit off, a random number, or the right cookie
 *  with the wrong SEG.SEQ (the MAC covers the peer's ISN) — is a bad ACK:
 *  <SEQ=SEG.ACK><CTL=RST>, and nothing is made.  The genuine ACK still
 *  works afterwards.
 *  :40001  SYN seq=3000                    -->
 *                                          <--    SYN|ACK seq=C ack=3001
 *  :40001  ACK seq=3001 ack=(C+1)^0x100    -->
 *                                          <--    RST seq=(C+1)^0x100
 *  :40001  ACK seq=3001 ack=0x12345678     -->
 *                                          <--    RST seq=0x12345678
 *  :40001  ACK seq=3002 ack=C+1            -->
 *                                          <--    RST seq=C+1
 *  :40001  ACK seq=3001 ack=C+1            -->    ESTABLISHED
 */
TEST(forged_cookie_is_answered_with_rst)
{
    struct scenario s;
    const struct synack_stats *st;
    scenario_listen(&s, .iss = 8000, .syncookies_always = true);
    st = synack_stack_stats(s.st);
    at(&s, 0);  peer_sends(&s, SEG(SYN, .seq = 3000, .mss = 1460, .sport = 40001));
    uint32_t c = take_cookie_synack(&s, 3000).seq;
    at(&s, 10); peer_sends(&s, SEG(ACK, .seq = 3001, .ack = (c + 1) ^ 0x100, .sport = 40001));
                expect_sent(&s, SEG(RST, .seq = (c + 1) ^ 0x100));
                peer_sends(&s, SEG(ACK, .seq = 3001, .ack = 0x12345678, .sport = 40001));
                expect_sent(&s, SEG(RST, .seq = 0x12345678));
                peer_sends(&s, SEG(ACK, .seq = 3002, .ack = c + 1, .sport = 40001));
                expect_sent(&s, SEG(RST, .seq = c + 1));
                CHECK_EQ(st->tcp_syncookies_failed, 3);
                CHECK_EQ(st->drops[SYNACK_DROP_TCP_COOKIE_INVALID], 3);
                CHECK_EQ(synack_stack_connections(s.st, true), 0);
    at(&s, 20); peer_sends(&s, SEG(ACK, .seq = 3001, .ack = c + 1, .sport = 40001));
                expect_nothing_sent(&s);
                expect_state(&s, ESTABLISHED);
                CHECK_EQ(st->tcp_syncookies_recv, 1);
    scenario_end(&s);
}

/*  The MAC covers the 4-tuple: the cookie made for :40001 is worthless
 *  from :40002, even with the same sequence numbers.
 *  :40001  SYN seq=3000                    -->
 *                                          <--    SYN|ACK seq=C ack=3001
 *  :40002  ACK seq=3001 ack=C+1            -->
 *                                          <--    RST seq=C+1
 */
TEST(cookie_replayed_from_another_4tuple_fails)
{
    struct scenario s;
    const struct synack_stats *st;
    scenario_listen(&s, .iss = 8000, .syncookies_always = true);
    st = synack_stack_stats(s.st);
    at(&s, 0);  peer_sends(&s, SEG(SYN, .seq = 3000, .mss = 1460, .sport = 40001));
    uint32_t c = take_cookie_synack(&s, 3000).seq;
    at(&s, 10); peer_sends(&s, SEG(ACK, .seq = 3001, .ack = c + 1, .sport = 40002));
                expect_sent(&s, SEG(RST, .seq = c + 1));
                CHECK_EQ(st->tcp_syncookies_failed, 1);
                CHECK_EQ(st->drops[SYNACK_DROP_TCP_COOKIE_INVALID], 1);
                CHECK_EQ(app_accept(&s), -SYNACK_EAGAIN);
    scenario_end(&s);
}

/*  A listener that has sent no cookie lately checks none: an ACK to it is
 *  simply bad (RFC 9293 §3.10.7.2) and no cookie counter moves.
 */
TEST(listener_without_recent_cookies_checks_none)
{
    struct scenario s;
    const struct synack_stats *st;
    scenario_listen(&s, .iss = 8000);
    st = synack_stack_stats(s.st);
    at(&s, 0); peer_sends(&s, SEG(ACK, .seq = 3001, .ack = 77777, .sport = 40001));
               expect_sent(&s, SEG(RST, .seq = 77777));
               CHECK_EQ(st->drops[SYNACK_DROP_TCP_LISTEN_BAD_FLAGS], 1);
               CHECK_EQ(st->tcp_syncookies_failed, 0);
    scenario_end(&s);
}

/*  A cookie's ACK that finds the accept queue full (backlog 1) is dropped
 *  silently, like a SYN would be (ListenOverflows); the cookie stays good,
 *  so the peer's next segment — here its data — makes the connection once
 *  accept() has made room.
 *  :40001  SYN seq=3000  -> SYN|ACK C1 ;  :40002  SYN seq=5000  -> SYN|ACK C2
 *  :40001  ACK seq=3001 ack=C1+1           -->    ESTABLISHED (accept queue 1 of 1)
 *  :40002  ACK seq=5001 ack=C2+1           -->    dropped: accept queue full
 *  :40003  SYN seq=7000                    -->    dropped: accept queue full
 *     accept()
 *  :40002  ACK|PSH seq=5001 ack=C2+1 "late" -->   ESTABLISHED, "late" delivered
 */
TEST(cookie_ack_waits_for_room_in_the_accept_queue)
{
    struct scenario s;
    const struct synack_stats *st;
    char buf[16];
    scenario_listen(&s, .iss = 8000, .backlog = 1, .syncookies_always = true);
    st = synack_stack_stats(s.st);
    at(&s, 0);  peer_sends(&s, SEG(SYN, .seq = 3000, .mss = 1460, .sport = 40001));
    uint32_t c1 = take_cookie_synack(&s, 3000).seq;
                peer_sends(&s, SEG(SYN, .seq = 5000, .mss = 1460, .sport = 40002));
    uint32_t c2 = take_cookie_synack(&s, 5000).seq;
    at(&s, 10); peer_sends(&s, SEG(ACK, .seq = 3001, .ack = c1 + 1, .sport = 40001));
                expect_state(&s, ESTABLISHED);
                peer_sends(&s, SEG(ACK, .seq = 5001, .ack = c2 + 1, .sport = 40002));
                peer_sends(&s, SEG(SYN, .seq = 7000, .mss = 1460, .sport = 40003));
                expect_nothing_sent(&s);
                CHECK_EQ(st->tcp_listen_overflows, 2);
                CHECK_EQ(st->drops[SYNACK_DROP_TCP_BACKLOG_FULL], 2);
                CHECK_EQ(st->tcp_syncookies_recv, 1);
                CHECK_EQ(synack_stack_connections(s.st, true), 1);
    at(&s, 20); CHECK(app_accept(&s) >= 0);
    at(&s, 30); peer_sends(&s, SEG(ACK | PSH, .seq = 5001, .ack = c2 + 1, .data = "late", .sport = 40002));
                expect_state(&s, ESTABLISHED);
                CHECK_EQ(st->tcp_syncookies_recv, 2);
                CHECK(app_accept(&s) >= 0);
                CHECK_EQ(app_info(&s).remote.port, 40002);
                CHECK_EQ(app_recv(&s, buf, sizeof buf), 4);
                CHECK_EQ(memcmp(buf, "late", 4), 0);
    at(&s, 230); expect_sent(&s, SEG(ACK, .seq = c2 + 1, .ack = 5005));
    scenario_end(&s);
}

/*  The stack-wide bound (syn_queue_total) counts every listener's
 *  embryos: with 2 allowed in all, the second listener's second SYN gets a
 *  cookie although its own queue (2) has room.  When an embryo goes, the
 *  room comes back.
 *  :40000 -> :80  SYN seq=1000             -->    embryo 1
 *  :40001 -> :81  SYN seq=3000             -->    embryo 2 (the stack is full)
 *  :40002 -> :81  SYN seq=5000             -->    cookie
 *  :40000 -> :80  RST seq=1001             -->    embryo 1 gone
 *  :40003 -> :81  SYN seq=7000             -->    embryo again
 */
TEST(stack_wide_syn_queue_bound_counts_every_listener)
{
    struct scenario s;
    const struct synack_stats *st;
    scenario_listen(&s, .iss = 8000, .syn_queue_len = 2, .syn_queue_total = 2);
    st = synack_stack_stats(s.st);
    int l81 = synack_socket(s.st);
    struct synack_endpoint ep81 = s.stack_ep;
    ep81.port = 81;
    CHECK_EQ(synack_bind(s.st, l81, &ep81), 0);
    CHECK_EQ(synack_listen(s.st, l81, 8), 0);
    at(&s, 0);  peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1460));
                expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001));
                peer_sends(&s, SEG(SYN, .seq = 3000, .mss = 1460, .sport = 40001, .dport = 81));
                expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 3001));
                CHECK_EQ(st->tcp_syn_queue_len, 2);
                peer_sends(&s, SEG(SYN, .seq = 5000, .mss = 1460, .sport = 40002, .dport = 81));
                take_cookie_synack(&s, 5000);
                CHECK_EQ(st->tcp_syncookies_sent, 1);
    at(&s, 10); peer_sends(&s, SEG(RST, .seq = 1001));
                CHECK_EQ(st->tcp_syn_queue_len, 1);
                peer_sends(&s, SEG(SYN, .seq = 7000, .mss = 1460, .sport = 40003, .dport = 81));
                expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 7001));
                CHECK_EQ(st->tcp_syn_queue_len, 2);
                CHECK_EQ(st->tcp_syncookies_sent, 1);
    scenario_end(&s);
}
