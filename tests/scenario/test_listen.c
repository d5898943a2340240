/*
 * test_listen.c — the listener and its embryos: RFC 9293 §3.10.7.2
 * (LISTEN), the SYN-RECEIVED parts of §3.10.7.4 (RST returns a passive
 * embryo to LISTEN; an unacceptable ACK draws <SEQ=SEG.ACK><CTL=RST>), the
 * SYN queue and the accept queue (with SYN cookies off; cookies are in
 * test_syncookies.c), and data that arrives before accept().
 *
 * The stack listens on :80 with ISS 8000 (every connection gets the same
 * forced ISS); peers are 198.18.0.1 on :40000 (ISS 1000) and, when a
 * second peer is needed, :40001 (ISS 3000).
 */
#include "scenario.h"

/*  RFC 9293 §3.10.7.4, second step, SYN-RECEIVED: "If this connection was
 *  initiated with a passive OPEN (i.e., came from the LISTEN state), then
 *  return this connection to LISTEN state and return."  With a SYN queue
 *  of one and no cookies, the new SYN below is answered only if the embryo
 *  was really forgotten.
 *  1                                       <--    SYN seq=1000
 *  2  SYN|ACK seq=8000 ack=1001            -->    SYN_RECEIVED
 *  3                                       <--    RST seq=1001
 *                                                 the embryo is deleted; still LISTEN
 *  4                                       <--    SYN seq=5000
 *  5  SYN|ACK seq=8000 ack=5001            -->    SYN_RECEIVED
 *  6                                       <--    ACK seq=5001 ack=8001
 *                                                 ESTABLISHED, accepted once
 */
TEST(syn_received_rst_returns_to_listen)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000, .backlog = 1, .syn_queue_len = 1, .no_syncookies = true);
    at(&s, 0);     peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1460));
                   expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460));
                   expect_state(&s, SYN_RECEIVED);
    at(&s, 10);    peer_sends(&s, SEG(RST, .seq = 1001));
                   expect_nothing_sent(&s);
                   expect_state(&s, CLOSED);            /* the embryo's end */
                   CHECK_EQ(app_accept(&s), -SYNACK_EAGAIN);
                   CHECK_EQ(synack_stack_stats(s.st)->tcp_attempt_fails, 0);
    at(&s, 3000);  expect_nothing_sent(&s);             /* no SYN|ACK retransmission */
    at(&s, 3010);  peer_sends(&s, SEG(SYN, .seq = 5000, .mss = 1460));
                   expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 5001, .mss = 1460));
                   expect_state(&s, SYN_RECEIVED);
    at(&s, 3020);  peer_sends(&s, SEG(ACK, .seq = 5001, .ack = 8001));
                   expect_nothing_sent(&s);
                   expect_state(&s, ESTABLISHED);
                   CHECK(app_accept(&s) >= 0);
                   CHECK_EQ(synack_accept(s.st, s.listener, NULL), -SYNACK_EAGAIN);
    CHECK_EQ(synack_stack_stats(s.st)->tcp_listen_drops, 0);
    scenario_end(&s);
}

/*  A RST in the window but not at RCV.NXT does not kill the embryo: it
 *  draws a challenge ACK (RFC 5961 §3.2), and the handshake completes.
 *  1                                       <--    SYN seq=1000
 *  2  SYN|ACK seq=8000 ack=1001            -->    SYN_RECEIVED
 *  3                                       <--    RST seq=1100
 *  4  ACK seq=8001 ack=1001                -->    challenge ACK
 *  5                                       <--    ACK seq=1001 ack=8001
 *                                                 ESTABLISHED
 */
TEST(syn_received_inexact_rst_draws_challenge_ack)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1460));
                expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460));
    at(&s, 10); peer_sends(&s, SEG(RST, .seq = 1100));
                expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1001));
                expect_state(&s, SYN_RECEIVED);
    at(&s, 20); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001));
                expect_state(&s, ESTABLISHED);
                CHECK(app_accept(&s) >= 0);
    scenario_end(&s);
}

/*  RFC 9293 §3.10.7.4, fifth step, SYN-RECEIVED: "If the segment
 *  acknowledgment is not acceptable, form a reset segment
 *  <SEQ=SEG.ACK><CTL=RST> and send it."  The embryo stays, and the right
 *  ACK still completes the handshake.
 *  1                                       <--    SYN seq=1000
 *  2  SYN|ACK seq=8000 ack=1001            -->    SYN_RECEIVED
 *  3                                       <--    ACK seq=1001 ack=9999 (beyond SND.NXT)
 *  4  RST seq=9999                         -->
 *  5                                       <--    ACK seq=1001 ack=8000 (=ISS, our SYN not covered)
 *  6  RST seq=8000                         -->
 *  7                                       <--    ACK seq=1001 ack=8001
 *                                                 ESTABLISHED
 */
TEST(syn_received_unacceptable_ack_is_answered_rst_seq_seg_ack)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1460));
                expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460));
    at(&s, 10); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 9999));
                expect_sent(&s, SEG(RST, .seq = 9999));
                expect_state(&s, SYN_RECEIVED);
    at(&s, 20); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8000));
                expect_sent(&s, SEG(RST, .seq = 8000));
                expect_state(&s, SYN_RECEIVED);
                CHECK_EQ(app_accept(&s), -SYNACK_EAGAIN);
    at(&s, 30); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001));
                expect_nothing_sent(&s);
                expect_state(&s, ESTABLISHED);
                CHECK(app_accept(&s) >= 0);
    scenario_end(&s);
}

/*  The SYN queue (synack_config.syn_queue_len, here 1) bounds embryos;
 *  the backlog (here 1) bounds connections waiting for accept().  With SYN
 *  cookies off, a SYN that finds either full is dropped silently (the
 *  client's retransmission may find room) and counted as a listen drop;
 *  the accept queue's overflows are counted apart (ListenOverflows).
 *  :40000  SYN seq=1000                    -->    SYN_RECEIVED
 *                                          <--    SYN|ACK seq=8000 ack=1001
 *  :40001  SYN seq=3000                    -->    dropped (SYN queue full), ListenDrops 1
 *  :40000  ACK seq=1001 ack=8001           -->    ESTABLISHED, waits in the accept queue
 *  :40001  SYN seq=3000 (retransmitted)    -->    dropped (accept queue full), ListenDrops 2
 *     accept()
 *  :40001  SYN seq=3000 (retransmitted)    -->
 *                                          <--    SYN|ACK seq=8000 ack=3001
 */
TEST(full_queues_drop_syn_silently_without_cookies)
{
    struct scenario s;
    const struct synack_stats *stats;
    scenario_listen(&s, .iss = 8000, .backlog = 1, .syn_queue_len = 1, .no_syncookies = true);
    stats = synack_stack_stats(s.st);
    at(&s, 0);    peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1460));
                  expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460));
                  expect_state(&s, SYN_RECEIVED);
                  CHECK_EQ(stats->tcp_syn_queue_len, 1);
    at(&s, 10);   peer_sends(&s, SEG(SYN, .seq = 3000, .mss = 1460, .sport = 40001));
                  expect_nothing_sent(&s);
                  CHECK_EQ(stats->tcp_listen_drops, 1);
                  CHECK_EQ(stats->drops[SYNACK_DROP_TCP_SYN_QUEUE_FULL], 1);
                  CHECK_EQ(stats->tcp_passive_opens, 1);
                  CHECK_EQ(stats->tcp_syncookies_sent, 0);
    at(&s, 20);   peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001));
                  expect_nothing_sent(&s);
                  expect_state(&s, ESTABLISHED);
                  CHECK_EQ(stats->tcp_syn_queue_len, 0);
    at(&s, 1010); peer_sends(&s, SEG(SYN, .seq = 3000, .mss = 1460, .sport = 40001));
                  expect_nothing_sent(&s);
                  CHECK_EQ(stats->tcp_listen_drops, 2);
                  CHECK_EQ(stats->tcp_listen_overflows, 1);
                  CHECK_EQ(stats->drops[SYNACK_DROP_TCP_BACKLOG_FULL], 1);
    at(&s, 1500); CHECK(app_accept(&s) >= 0);
    at(&s, 3010); peer_sends(&s, SEG(SYN, .seq = 3000, .mss = 1460, .sport = 40001));
                  expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 3001, .mss = 1460));
                  expect_state(&s, SYN_RECEIVED);
                  CHECK_EQ(stats->tcp_listen_drops, 2);
                  CHECK_EQ(stats->tcp_passive_opens, 2);
    scenario_end(&s);
}

/*  The SYN queue is separate from the accept queue: with a backlog of 1,
 *  two embryos may wait at once.  When both complete, only one fits the
 *  accept queue; the other's ACK is dropped (ListenOverflows) and the
 *  embryo stays in SYN_RECEIVED until its SYN|ACK is retransmitted and
 *  the peer's ACK comes again, after accept() made room.
 *  :40000  SYN seq=1000                    -->    SYN_RECEIVED
 *                                          <--    SYN|ACK seq=8000 ack=1001
 *  :40001  SYN seq=3000                    -->    SYN_RECEIVED
 *                                          <--    SYN|ACK seq=8000 ack=3001
 *  :40000  ACK seq=1001 ack=8001           -->    ESTABLISHED (accept queue: 1 of 1)
 *  :40001  ACK seq=3001 ack=8001           -->    dropped: accept queue full
 *     accept()
 *                                          <--    SYN|ACK seq=8000 ack=3001 (RTO, 1 s)
 *  :40001  ACK seq=3001 ack=8001           -->    ESTABLISHED
 */
TEST(handshake_ack_waits_for_room_in_the_accept_queue)
{
    struct scenario s;
    const struct synack_stats *stats;
    scenario_listen(&s, .iss = 8000, .backlog = 1);
    stats = synack_stack_stats(s.st);
    at(&s, 0);    peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1460));
                  expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460));
                  peer_sends(&s, SEG(SYN, .seq = 3000, .mss = 1460, .sport = 40001));
                  expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 3001, .mss = 1460));
                  CHECK_EQ(stats->tcp_syn_queue_len, 2);
    at(&s, 10);   peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001));
                  expect_state(&s, ESTABLISHED);
                  peer_sends(&s, SEG(ACK, .seq = 3001, .ack = 8001, .sport = 40001));
                  expect_nothing_sent(&s);
                  CHECK_EQ(stats->tcp_listen_overflows, 1);
                  CHECK_EQ(stats->tcp_syn_queue_len, 1);
    at(&s, 20);   CHECK(app_accept(&s) >= 0);
                  CHECK_EQ(synack_accept(s.st, s.listener, NULL), -SYNACK_EAGAIN);
    at(&s, 1000); expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 3001, .mss = 1460));
                  peer_sends(&s, SEG(ACK, .seq = 3001, .ack = 8001, .sport = 40001));
                  expect_state(&s, ESTABLISHED);
                  CHECK_EQ(stats->tcp_syn_queue_len, 0);
                  CHECK(app_accept(&s) >= 0);
    CHECK_EQ(stats->tcp_listen_overflows, 1);
    scenario_end(&s);
}

/*  Data (and even the FIN) that arrive after the handshake but before
 *  accept() are queued, acknowledged, and readable once accepted.
 *  1                                       <--    SYN seq=1000
 *  2  SYN|ACK seq=8000 ack=1001            -->
 *  3                                       <--    ACK seq=1001 ack=8001
 *                                                 ESTABLISHED (not accepted)
 *  4                                       <--    ACK|PSH seq=1001 ack=8001 "hello"
 *  5  ACK seq=8001 ack=1006                -->    (delayed ACK, 200 ms)
 *  6                                       <--    FIN|ACK seq=1006 ack=8001
 *  7  ACK seq=8001 ack=1007                -->    (delayed) CLOSE_WAIT
 *     accept(), recv() -> "hello", recv() -> 0
 */
TEST(data_before_accept_is_queued)
{
    struct scenario s;
    char buf[16];
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);   peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1460));
                 expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460));
    at(&s, 10);  peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001));
                 expect_state(&s, ESTABLISHED);
    at(&s, 20);  peer_sends(&s, SEG(ACK | PSH, .seq = 1001, .ack = 8001, .data = "hello"));
                 expect_nothing_sent(&s);
    at(&s, 220); expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1006));
    at(&s, 300); peer_sends(&s, SEG(FIN | ACK, .seq = 1006, .ack = 8001));
                 expect_state(&s, CLOSE_WAIT);
    at(&s, 500); expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1007));
                 CHECK(synack_socket_ready(s.st, s.listener) & SYNACK_READABLE);
                 CHECK(app_accept(&s) >= 0);
                 CHECK(app_ready(&s) & SYNACK_READABLE);
                 CHECK_EQ(app_recv(&s, buf, sizeof buf), 5);
                 CHECK(memcmp(buf, "hello", 5) == 0);
                 CHECK_EQ(app_recv(&s, buf, sizeof buf), 0);
                 CHECK_EQ(app_close(&s), 0);
                 expect_sent(&s, SEG(FIN | ACK, .seq = 8001, .ack = 1007));
                 expect_state(&s, LAST_ACK);
    at(&s, 510); peer_sends(&s, SEG(ACK, .seq = 1007, .ack = 8002));
                 expect_state(&s, CLOSED);
    scenario_end(&s);
}

/*  Data riding on the ACK that completes the handshake is kept too.
 *  1                                       <--    SYN seq=1000
 *  2  SYN|ACK seq=8000 ack=1001            -->    SYN_RECEIVED
 *  3                                       <--    ACK|PSH seq=1001 ack=8001 "GET /"
 *                                                 ESTABLISHED
 *  4  ACK seq=8001 ack=1006                -->    (delayed ACK)
 */
TEST(data_on_handshake_ack_is_queued)
{
    struct scenario s;
    char buf[16];
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);   peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1460));
                 expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460));
    at(&s, 10);  peer_sends(&s, SEG(ACK | PSH, .seq = 1001, .ack = 8001, .data = "GET /"));
                 expect_nothing_sent(&s);
                 expect_state(&s, ESTABLISHED);
    at(&s, 210); expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1006));
                 CHECK(app_accept(&s) >= 0);
                 CHECK_EQ(app_recv(&s, buf, sizeof buf), 5);
                 CHECK(memcmp(buf, "GET /", 5) == 0);
    scenario_end(&s);
}

/*  RFC 9293 §3.10.7.2, LISTEN: a RST is ignored; any ACK draws
 *  <SEQ=SEG.ACK><CTL=RST>; a segment with neither SYN, RST nor ACK is
 *  dropped.  None of them creates a connection.
 *  1                                       <--    RST seq=1000
 *  2                                       <--    ACK seq=1000 ack=4242
 *  3  RST seq=4242                         -->
 *  4                                       <--    FIN seq=1000
 *  5                                       <--    SYN|ACK seq=1000 ack=777
 *  6  RST seq=777                          -->
 */
TEST(listen_answers_only_syn)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0); peer_sends(&s, SEG(RST, .seq = 1000));
               expect_nothing_sent(&s);
               peer_sends(&s, SEG(ACK, .seq = 1000, .ack = 4242));
               expect_sent(&s, SEG(RST, .seq = 4242));
               peer_sends(&s, SEG(FIN, .seq = 1000));
               expect_nothing_sent(&s);
               peer_sends(&s, SEG(SYN | ACK, .seq = 1000, .ack = 777, .mss = 1460));
               expect_sent(&s, SEG(RST, .seq = 777));
               expect_state(&s, LISTEN);
               CHECK_EQ(app_accept(&s), -SYNACK_EAGAIN);
    CHECK_EQ(synack_stack_stats(s.st)->tcp_passive_opens, 0);
    scenario_end(&s);
}

/*  CLOSE of a listener (RFC 9293 §3.10.4, LISTEN: "delete TCB"): embryos
 *  still in SYN_RECEIVED and connections never accepted are reset, since
 *  no one will ever read them.
 *  :40000  SYN seq=1000                    -->
 *                                          <--    SYN|ACK seq=8000 ack=1001    SYN_RECEIVED
 *  :40001  SYN seq=3000                    -->
 *                                          <--    SYN|ACK seq=8000 ack=3001
 *  :40001  ACK seq=3001 ack=8001           -->    ESTABLISHED, not accepted
 *     close(listener)
 *                                          <--    RST|ACK seq=8001 ack=1001 (to :40000)
 *                                          <--    RST|ACK seq=8001 ack=3001 (to :40001)
 *  :40000  ACK seq=1001 ack=8001           -->    no listener now
 *                                          <--    RST seq=8001
 */
TEST(closing_listener_resets_embryos_and_unaccepted)
{
    struct scenario s;
    struct tcp_segment a, b;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);  peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1460));
                expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460));
                peer_sends(&s, SEG(SYN, .seq = 3000, .mss = 1460, .sport = 40001));
                expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 3001, .mss = 1460));
    at(&s, 10); peer_sends(&s, SEG(ACK, .seq = 3001, .ack = 8001, .sport = 40001));
                expect_state(&s, ESTABLISHED);
    at(&s, 20); CHECK_EQ(synack_close(s.st, s.listener), 0);
                s.listener = -1;
                synack_poll(s.st, s.now);
                /* The two resets leave in an order of the stack's choosing. */
                REQUIRE(take_sent(&s, &a));
                REQUIRE(take_sent(&s, &b));
                if (a.dst_port != 40000) {
                    struct tcp_segment t = a;
                    a = b;
                    b = t;
                }
                CHECK_EQ(a.dst_port, 40000);
                CHECK_EQ(a.flags, RST | ACK);
                CHECK_EQ(a.seq, 8001);
                CHECK_EQ(a.ack, 1001);
                CHECK_EQ(b.dst_port, 40001);
                CHECK_EQ(b.flags, RST | ACK);
                CHECK_EQ(b.seq, 8001);
                CHECK_EQ(b.ack, 3001);
                expect_state(&s, CLOSED);
    at(&s, 30); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001));
                expect_sent(&s, SEG(RST, .seq = 8001));
    at(&s, 10000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  RFC 9293 §3.10.7.4, fourth step, SYN-RECEIVED: "If the connection was
 *  initiated with a passive OPEN, then return this connection to the
 *  LISTEN state and return."  A new SYN in the window (the peer restarted
 *  with another ISS) deletes the embryo; the peer's retransmission of that
 *  SYN then finds the listener.
 *  1                                       <--    SYN seq=1000
 *  2  SYN|ACK seq=8000 ack=1001            -->    SYN_RECEIVED
 *  3                                       <--    SYN seq=1500
 *                                                 embryo deleted, nothing sent
 *  4                                       <--    SYN seq=1500 (retransmitted)
 *  5  SYN|ACK seq=8000 ack=1501            -->    SYN_RECEIVED
 */
TEST(syn_received_new_syn_returns_to_listen)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);    peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1460));
                  expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460));
    at(&s, 10);   peer_sends(&s, SEG(SYN, .seq = 1500, .mss = 1460));
                  expect_nothing_sent(&s);
                  expect_state(&s, CLOSED);
    at(&s, 1010); peer_sends(&s, SEG(SYN, .seq = 1500, .mss = 1460));
                  expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1501, .mss = 1460));
                  expect_state(&s, SYN_RECEIVED);
    at(&s, 1020); peer_sends(&s, SEG(ACK, .seq = 1501, .ack = 8001));
                  expect_state(&s, ESTABLISHED);
                  CHECK(app_accept(&s) >= 0);
    scenario_end(&s);
}

/*  The arrow LISTEN --SEND--> SYN_SENT of RFC 9293 Figure 5 (turning a
 *  passive OPEN into an active one) is not offered by the socket API:
 *  connect() on a listening socket is refused and nothing is sent.
 */
TEST(connect_on_listener_is_refused)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0); CHECK_EQ(synack_connect(s.st, s.listener, &s.peer_ep), -SYNACK_EINVAL);
               synack_poll(s.st, s.now);
               expect_nothing_sent(&s);
               expect_state(&s, LISTEN);
    scenario_end(&s);
}

/*  The SYN|ACK is lost; the peer retransmits its SYN before our timer
 *  fires.  The stack answers with the SYN|ACK again at once (not a bare
 *  ACK, which the peer in SYN_SENT would ignore).
 *  peer                                           stack (:80)
 *  SYN seq=1000                            -->    SYN_RECEIVED
 *                                          <--    SYN|ACK seq=8000 ack=1001   (lost)
 *  SYN seq=1000                            -->
 *                                          <--    SYN|ACK seq=8000 ack=1001
 *  ACK seq=1001 ack=8001                   -->    ESTABLISHED
 */
TEST(syn_received_retransmitted_syn_repeats_syn_ack)
{
    struct scenario s;
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);   peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1460));
                 expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460));
    at(&s, 500); peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1460));
                 expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460));
                 expect_state(&s, SYN_RECEIVED);
    at(&s, 520); peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001));
                 expect_state(&s, ESTABLISHED);
                 CHECK(app_accept(&s) >= 0);
    scenario_end(&s);
}
