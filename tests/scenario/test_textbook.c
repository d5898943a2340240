/*
 * test_textbook.c — the exchange of the source texts (ISN 1000 / 8000,
 * server MSS 1024), seen from each end in turn: the stack plays the server
 * while the test plays the client, and then the other way round.
 */
#include "scenario.h"

/*  client (peer)                                  server (stack, :80)
 *  1  SYN seq=1000 mss=1460                -->    LISTEN -> SYN_RECEIVED
 *  2                                       <--    SYN|ACK seq=8000 ack=1001 mss=1024
 *  3  ACK seq=1001 ack=8001                -->    ESTABLISHED
 *  4  ACK|PSH seq=1001 ack=8001 len=20     -->
 *  5                                       <--    ACK|PSH seq=8001 ack=1021 len=10
 *  6  ACK seq=1021 ack=8011                -->
 *  7  FIN|ACK seq=1021 ack=8011            -->    CLOSE_WAIT
 *  8                                       <--    ACK seq=8011 ack=1022 (delayed ACK fires)
 *  9                                       <--    FIN|ACK seq=8011 ack=1022   LAST_ACK
 * 10  ACK seq=1022 ack=8012                -->    CLOSED
 */
TEST(textbook_exchange_server_side_four_way_close)
{
    struct scenario s;
    char buf[64];
    scenario_listen(&s, .iss = 8000, .mss = 1024);
    at(&s, 0);    peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1460));
                  expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1024));
                  expect_state(&s, SYN_RECEIVED);
    at(&s, 20);   peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001));
                  expect_nothing_sent(&s);
                  expect_state(&s, ESTABLISHED);
                  CHECK(app_accept(&s) >= 0);
                  peer_sends(&s, SEG(ACK | PSH, .seq = 1001, .ack = 8001, .data = "0123456789abcdefghij"));
                  expect_nothing_sent(&s);                 /* the ACK is delayed, hoping for data */
                  CHECK_EQ(app_recv(&s, buf, sizeof buf), 20);
                  CHECK_EQ(app_send(&s, "ten bytes!"), 10);
                  expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1021, .data = "ten bytes!"));
    at(&s, 40);   peer_sends(&s, SEG(ACK, .seq = 1021, .ack = 8011));
    at(&s, 1040); peer_sends(&s, SEG(FIN | ACK, .seq = 1021, .ack = 8011));
                  expect_state(&s, CLOSE_WAIT);
                  CHECK_EQ(app_recv(&s, buf, sizeof buf), 0);  /* end of stream */
                  expect_nothing_sent(&s);
    at(&s, 1239); expect_nothing_sent(&s);
    at(&s, 1240); expect_sent(&s, SEG(ACK, .seq = 8011, .ack = 1022));   /* 200 ms later */
    at(&s, 2040); CHECK_EQ(app_close(&s), 0);
                  expect_sent(&s, SEG(FIN | ACK, .seq = 8011, .ack = 1022));
                  expect_state(&s, LAST_ACK);
    at(&s, 2060); peer_sends(&s, SEG(ACK, .seq = 1022, .ack = 8012));
                  expect_nothing_sent(&s);
                  expect_state(&s, CLOSED);
    scenario_end(&s);
}

/*  The passive closer reads the end of stream and closes at once: its
 *  delayed ACK rides on its FIN, and segments 8 and 9 become one.
 *  7  FIN|ACK seq=1021 ack=8011            -->    CLOSE_WAIT
 *  8                                       <--    FIN|ACK seq=8011 ack=1022   LAST_ACK
 *  9  ACK seq=1022 ack=8012                -->    CLOSED
 */
TEST(textbook_exchange_server_side_three_way_close)
{
    struct scenario s;
    char buf[64];
    scenario_listen(&s, .iss = 8000, .mss = 1024);
    at(&s, 0);    peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1460));
                  expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1024));
    at(&s, 20);   peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 8001));
                  CHECK(app_accept(&s) >= 0);
                  peer_sends(&s, SEG(ACK | PSH, .seq = 1001, .ack = 8001, .data = "0123456789abcdefghij"));
                  CHECK_EQ(app_recv(&s, buf, sizeof buf), 20);
                  CHECK_EQ(app_send(&s, "ten bytes!"), 10);
                  expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1021, .len = 10));
    at(&s, 40);   peer_sends(&s, SEG(ACK, .seq = 1021, .ack = 8011));
    at(&s, 1040); peer_sends(&s, SEG(FIN | ACK, .seq = 1021, .ack = 8011));
                  CHECK_EQ(app_recv(&s, buf, sizeof buf), 0);
                  CHECK_EQ(app_close(&s), 0);
                  expect_sent(&s, SEG(FIN | ACK, .seq = 8011, .ack = 1022));
                  expect_state(&s, LAST_ACK);
    at(&s, 1060); peer_sends(&s, SEG(ACK, .seq = 1022, .ack = 8012));
                  expect_state(&s, CLOSED);
    at(&s, 5000); expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  client (stack, :49152)                          server (peer, :40000)
 *  1  SYN seq=1000 mss=1460                -->    SYN_SENT
 *  2                                       <--    SYN|ACK seq=8000 ack=1001 mss=1024
 *  3  ACK seq=1001 ack=8001                -->    ESTABLISHED
 *  4  ACK|PSH seq=1001 ack=8001 len=20     -->
 *  5                                       <--    ACK|PSH seq=8001 ack=1021 len=10
 *  6  ACK seq=1021 ack=8011                -->    (delayed ACK fires)
 *  7  FIN|ACK seq=1021 ack=8011            -->    FIN_WAIT_1
 *  8                                       <--    ACK seq=8011 ack=1022       FIN_WAIT_2
 *  9                                       <--    FIN|ACK seq=8011 ack=1022
 * 10  ACK seq=1022 ack=8012                -->    TIME_WAIT, CLOSED after 2*MSL
 */
TEST(textbook_exchange_client_side_with_time_wait)
{
    struct scenario s;
    char buf[64];
    scenario_client(&s, .iss = 1000, .msl_us = 30000000);
    at(&s, 0);     CHECK_EQ(app_connect(&s), -SYNACK_EINPROGRESS);
                   expect_sent(&s, SEG(SYN, .seq = 1000, .mss = 1460));
                   expect_state(&s, SYN_SENT);
    at(&s, 20);    peer_sends(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1024));
                   expect_sent(&s, SEG(ACK, .seq = 1001, .ack = 8001));
                   expect_state(&s, ESTABLISHED);
                   CHECK(app_ready(&s) & SYNACK_CONNECTED);
                   CHECK_EQ(app_send(&s, "0123456789abcdefghij"), 20);
                   expect_sent(&s, SEG(ACK | PSH, .seq = 1001, .ack = 8001, .len = 20));
    at(&s, 40);    peer_sends(&s, SEG(ACK | PSH, .seq = 8001, .ack = 1021, .data = "ten bytes!"));
                   expect_nothing_sent(&s);
                   CHECK_EQ(app_recv(&s, buf, sizeof buf), 10);
    at(&s, 240);   expect_sent(&s, SEG(ACK, .seq = 1021, .ack = 8011));
    at(&s, 1040);  CHECK_EQ(app_close(&s), 0);
                   expect_sent(&s, SEG(FIN | ACK, .seq = 1021, .ack = 8011));
                   expect_state(&s, FIN_WAIT_1);
    at(&s, 1060);  peer_sends(&s, SEG(ACK, .seq = 8011, .ack = 1022));
                   expect_state(&s, FIN_WAIT_2);
    at(&s, 2060);  peer_sends(&s, SEG(FIN | ACK, .seq = 8011, .ack = 1022));
                   expect_sent(&s, SEG(ACK, .seq = 1022, .ack = 8012));
                   expect_state(&s, TIME_WAIT);
    at(&s, 62059); expect_state(&s, TIME_WAIT);
    at(&s, 62060); expect_state(&s, CLOSED);
    scenario_end(&s);
}
