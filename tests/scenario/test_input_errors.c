/*
 * test_input_errors.c — what arrives broken is counted and dropped, and
 * nothing answers it; what arrives well-formed for ICMP is answered.
 *
 * Reading list: RFC 1122 §3.2.1 (IP receive checks: version §3.2.1.1,
 * checksum §3.2.1.2, addresses §3.2.1.3), §3.2.2.6 (every host answers
 * echo requests), RFC 792 (echo); RFC 9293 §3.1 (checksum, data offset),
 * §3.2 and MUST-7 (an option with an illegal length must not crash the
 * receiver: the segment is dropped).
 *
 * The packets are built with the harness (peer_packet) and then damaged
 * by hand, one defect each, with every other checksum made right again,
 * so that each drop is for exactly the reason the test names.  Most are
 * SYNs to the listening port, which would be answered with SYN|ACK if
 * they were taken: "nothing sent" then really means "dropped".
 */
#include "byteorder.h"
#include "checksum.h"
#include "ipv4.h"
#include "scenario.h"

static void fix_ip_checksum(uint8_t *pkt)
{
    size_t hlen = (size_t)(pkt[0] & 0x0f) * 4;
    ipv4_fill_checksum(pkt, hlen < IPV4_HEADER_LEN ? IPV4_HEADER_LEN : hlen);
}

static void fix_tcp_checksum(struct scenario *s, uint8_t *pkt, size_t len)
{
    tcp_fill_checksum(pkt + IPV4_HEADER_LEN, len - IPV4_HEADER_LEN, &s->peer_ep.addr, &s->stack_ep.addr);
}

/* An ICMP message of `type` (8 echo request, 0 echo reply) from the peer. */
static size_t icmp_echo(struct scenario *s, uint8_t type, uint16_t id, uint16_t seq, const char *data,
                        uint8_t *buf)
{
    uint8_t *icmp = buf + IPV4_HEADER_LEN;
    size_t n = 8 + strlen(data);
    icmp[0] = type;
    icmp[1] = 0;
    put_be16(icmp + 2, 0);
    put_be16(icmp + 4, id);
    put_be16(icmp + 6, seq);
    memcpy(icmp + 8, data, strlen(data));
    put_be16(icmp + 2, csum_finish(csum_add(0, icmp, n)));
    ipv4_write_header(buf, &s->peer_ep.addr, &s->stack_ep.addr, IP_PROTO_ICMP, (uint16_t)n, 64, 7, false);
    return IPV4_HEADER_LEN + n;
}

/*  peer 198.18.0.1                                stack 198.18.0.2
 *  ICMP echo request id=0x1234 seq=7 "synack ping"  -->
 *                                         <--     ICMP echo reply id=0x1234 seq=7 "synack ping"
 */
TEST(icmp_echo_request_gets_an_echo_reply)
{
    struct scenario s;
    uint8_t pkt[128], reply[128];
    scenario_listen(&s, .iss = 8000);
    at(&s, 10);
    size_t len = icmp_echo(&s, 8, 0x1234, 7, "synack ping", pkt);
    peer_sends_raw(&s, pkt, len);
    size_t rlen = take_sent_raw(&s, reply, sizeof reply);
    REQUIRE(rlen == len);
    struct ipv4_packet ip;
    enum synack_drop_reason why;
    REQUIRE(ipv4_parse(reply, rlen, &ip, &why));                 /* well-formed, IP checksum right */
    CHECK(synack_addr_equal(&ip.src, &s.stack_ep.addr));
    CHECK(synack_addr_equal(&ip.dst, &s.peer_ep.addr));
    CHECK_EQ(ip.proto, IP_PROTO_ICMP);
    CHECK_EQ(ip.payload_len, 8 + 11);
    CHECK_EQ(ip.payload[0], 0);                                  /* echo reply */
    CHECK_EQ(ip.payload[1], 0);
    CHECK_EQ(csum_finish(csum_add(0, ip.payload, ip.payload_len)), 0);
    CHECK_EQ(get_be16(ip.payload + 4), 0x1234);
    CHECK_EQ(get_be16(ip.payload + 6), 7);
    CHECK(memcmp(ip.payload + 8, "synack ping", 11) == 0);
    const struct synack_stats *st = synack_stack_stats(s.st);
    CHECK_EQ(st->icmp_in_msgs, 1);
    CHECK_EQ(st->icmp_in_echos, 1);
    CHECK_EQ(st->icmp_out_echo_reps, 1);
    scenario_end(&s);
}

/*  ICMP echo request with a wrong checksum   -->   dropped (ICMP_CHECKSUM), no reply
 *  ICMP echo reply (nobody asked)            -->   ignored (ICMP_IGNORED)
 *  ICMP of 4 bytes                           -->   dropped (ICMP_TRUNCATED)
 */
TEST(bad_or_unexpected_icmp_gets_no_reply)
{
    struct scenario s;
    uint8_t pkt[128];
    scenario_listen(&s, .iss = 8000);
    at(&s, 10);
    size_t len = icmp_echo(&s, 8, 1, 1, "data", pkt);
    pkt[IPV4_HEADER_LEN + 9] ^= 0x01;                            /* a bit flipped in the data */
    expect_dropped(&s, pkt, len, ICMP_CHECKSUM);
    len = icmp_echo(&s, 0, 1, 1, "data", pkt);
    expect_dropped(&s, pkt, len, ICMP_IGNORED);
    len = icmp_echo(&s, 8, 1, 1, "", pkt);
    ipv4_write_header(pkt, &s.peer_ep.addr, &s.stack_ep.addr, IP_PROTO_ICMP, 4, 64, 7, false);
    expect_dropped(&s, pkt, IPV4_HEADER_LEN + 4, ICMP_TRUNCATED);
    CHECK_EQ(synack_stack_stats(s.st)->icmp_in_errors, 2);
    CHECK_EQ(synack_stack_stats(s.st)->icmp_out_echo_reps, 0);
    scenario_end(&s);
}

/*  SYNs to the listener, each with one defect in its IP header:
 *  bad IP checksum, version 5, header length 16, total length past the
 *  end, total length below the header, fewer than 20 bytes, a fragment
 *  reaching past 65535 bytes, to another address, from our own address,
 *  from a broadcast address                       -->  dropped, nothing sent
 *  protocol 99                                    -->  dropped
 *                                         <--     ICMP protocol unreachable (test_icmp_errors.c)
 *  the good SYN, with link padding after it   -->
 *                                         <--     SYN|ACK seq=8000 ack=1001
 */
TEST(malformed_ip_packets_are_dropped_and_counted)
{
    struct scenario s;
    uint8_t good[128], pkt[128];
    scenario_listen(&s, .iss = 8000);
    at(&s, 10);
    size_t len = peer_packet(&s, SEG(SYN, .seq = 1000, .mss = 1460), good, sizeof good);
    REQUIRE(len == IPV4_HEADER_LEN + 24);

    memcpy(pkt, good, len); pkt[10] ^= 0xff;                              /* header checksum */
    expect_dropped(&s, pkt, len, IP_CHECKSUM);
    memcpy(pkt, good, len); pkt[0] = 0x55; fix_ip_checksum(pkt);          /* version 5 (6 is IPv6) */
    expect_dropped(&s, pkt, len, IP_VERSION);
    memcpy(pkt, good, len); pkt[0] = 0x44;                                /* IHL 4: 16 bytes */
    expect_dropped(&s, pkt, len, IP_HEADER_LENGTH);
    memcpy(pkt, good, len); put_be16(pkt + 2, (uint16_t)(len + 10)); fix_ip_checksum(pkt);
    expect_dropped(&s, pkt, len, IP_TRUNCATED);                           /* total length past the end */
    memcpy(pkt, good, len); put_be16(pkt + 2, 16); fix_ip_checksum(pkt);
    expect_dropped(&s, pkt, len, IP_HEADER_LENGTH);                       /* total length < header */
    expect_dropped(&s, good, 19, IP_TRUNCATED);                           /* not even a header */
    memcpy(pkt, good, len); put_be16(pkt + 6, 0x2000 | 0x1fff); fix_ip_checksum(pkt);
    expect_dropped(&s, pkt, len, IP_FRAG_TOO_LARGE);                      /* offset 65528 + 24 bytes */
    memcpy(pkt, good, len); pkt[19] = 99; fix_ip_checksum(pkt);           /* to 198.18.0.99 */
    expect_dropped(&s, pkt, len, IP_NOT_FOR_US);
    memcpy(pkt, good, len); pkt[15] = 2; fix_ip_checksum(pkt);            /* from 198.18.0.2: ourselves */
    expect_dropped(&s, pkt, len, IP_BAD_SOURCE);
    memcpy(pkt, good, len); memset(pkt + 12, 0xff, 4); fix_ip_checksum(pkt);
    expect_dropped(&s, pkt, len, IP_BAD_SOURCE);                          /* from 255.255.255.255 */
    memcpy(pkt, good, len); pkt[9] = 99; fix_ip_checksum(pkt);            /* protocol 99 */
    uint64_t unknown_before = synack_stack_stats(s.st)->drops[SYNACK_DROP_IP_UNKNOWN_PROTOCOL];
    peer_sends_raw(&s, pkt, len);
    CHECK_EQ(synack_stack_stats(s.st)->drops[SYNACK_DROP_IP_UNKNOWN_PROTOCOL], unknown_before + 1);
    uint8_t icmp[128];
    REQUIRE(take_sent_raw(&s, icmp, sizeof icmp) == IPV4_HEADER_LEN + 8 + len);
    CHECK_EQ(icmp[9], IP_PROTO_ICMP);
    CHECK_EQ(icmp[IPV4_HEADER_LEN], 3);                                   /* destination unreachable */
    CHECK_EQ(icmp[IPV4_HEADER_LEN + 1], 2);                               /* protocol */

    const struct synack_stats *st = synack_stack_stats(s.st);
    CHECK_EQ(st->ip_in_receives, 11);
    CHECK_EQ(st->ip_in_hdr_errors, 7);
    CHECK_EQ(st->ip_in_addr_errors, 3);
    CHECK_EQ(st->ip_in_unknown_protos, 1);
    CHECK_EQ(st->tcp_in_segs, 0);

    /* Bytes after the IP total length (Ethernet pads short frames) are not
     * part of the packet; the SYN itself is good. */
    memcpy(pkt, good, len);
    memset(pkt + len, 0, 6);
    peer_sends_raw(&s, pkt, len + 6);
    expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460));
    expect_state(&s, SYN_RECEIVED);
    scenario_end(&s);
}

/*  SYNs to the listener, each with one defect in its TCP header:
 *  bad checksum, data offset 4 (16 bytes), data offset 15 (60 bytes, more
 *  than there is), 12 bytes of TCP in all, an MSS option whose length runs
 *  past the header, an option kind with no length byte, an MSS option of
 *  length 3, source port 0                        -->  dropped, nothing sent
 *  the good SYN                           -->
 *                                         <--     SYN|ACK seq=8000 ack=1001
 */
TEST(malformed_tcp_segments_are_dropped_and_counted)
{
    struct scenario s;
    uint8_t good[128], pkt[128];
    uint8_t *tcp = pkt + IPV4_HEADER_LEN;
    scenario_listen(&s, .iss = 8000);
    at(&s, 10);
    size_t len = peer_packet(&s, SEG(SYN, .seq = 1000, .mss = 1460), good, sizeof good);
    REQUIRE(len == IPV4_HEADER_LEN + 24);                                 /* 20 + MSS option 2 4 hi lo */

    peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1460, .bad_checksum = true));
    expect_nothing_sent(&s);
    CHECK_EQ(synack_stack_stats(s.st)->drops[SYNACK_DROP_TCP_CHECKSUM], 1);
    memcpy(pkt, good, len); tcp[12] = 4 << 4; fix_tcp_checksum(&s, pkt, len);
    expect_dropped(&s, pkt, len, TCP_DATA_OFFSET);
    memcpy(pkt, good, len); tcp[12] = 15 << 4; fix_tcp_checksum(&s, pkt, len);
    expect_dropped(&s, pkt, len, TCP_DATA_OFFSET);
    memcpy(pkt, good, len);
    ipv4_write_header(pkt, &s.peer_ep.addr, &s.stack_ep.addr, IP_PROTO_TCP, 12, 64, 1, true);
    expect_dropped(&s, pkt, IPV4_HEADER_LEN + 12, TCP_TRUNCATED);
    memcpy(pkt, good, len); tcp[21] = 8; fix_tcp_checksum(&s, pkt, len);  /* MSS length 8 > 4 left */
    expect_dropped(&s, pkt, len, TCP_OPTIONS);
    memcpy(pkt, good, len); memcpy(tcp + 20, "\x01\x01\x01\x02", 4); fix_tcp_checksum(&s, pkt, len);
    expect_dropped(&s, pkt, len, TCP_OPTIONS);                            /* NOP NOP NOP, then kind 2 alone */
    memcpy(pkt, good, len); memcpy(tcp + 20, "\x02\x03\x05\x01", 4); fix_tcp_checksum(&s, pkt, len);
    expect_dropped(&s, pkt, len, TCP_OPTIONS);                            /* MSS of length 3 */
    memcpy(pkt, good, len); put_be16(tcp, 0); fix_tcp_checksum(&s, pkt, len);
    expect_dropped(&s, pkt, len, TCP_BAD_PORT);

    const struct synack_stats *st = synack_stack_stats(s.st);
    CHECK_EQ(st->tcp_in_segs, 8);
    CHECK_EQ(st->tcp_in_errs, 8);
    CHECK_EQ(st->tcp_passive_opens, 0);
    CHECK_EQ(st->tcp_out_rsts, 0);

    peer_sends_raw(&s, good, len);
    expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1460));
    scenario_end(&s);
}

/*  On a connection, a data segment damaged in transit is neither ACKed nor
 *  delivered; its retransmission is.
 *  ACK|PSH seq=1001 "hello" (bad checksum) -->    10: dropped, nothing sent
 *                                                 (no delayed ACK at 210 either)
 *  ACK|PSH seq=1001 "hello"               -->     1000
 *                                         <--     ACK seq=8001 ack=1006   1200 (delayed)
 */
TEST(corrupted_data_segment_is_neither_acked_nor_delivered)
{
    struct scenario s;
    char buf[16];
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);    handshake_passive(&s, 1000);
    at(&s, 10);   peer_sends(&s, SEG(ACK | PSH, .seq = 1001, .ack = 8001, .data = "hello", .bad_checksum = true));
                  expect_nothing_sent(&s);
                  CHECK_EQ(app_recv(&s, buf, sizeof buf), -SYNACK_EAGAIN);
                  CHECK_EQ(synack_stack_stats(s.st)->drops[SYNACK_DROP_TCP_CHECKSUM], 1);
    at(&s, 1000); expect_nothing_sent(&s);
                  peer_sends(&s, SEG(ACK | PSH, .seq = 1001, .ack = 8001, .data = "hello"));
                  CHECK_EQ(app_recv(&s, buf, sizeof buf), 5);
                  CHECK(memcmp(buf, "hello", 5) == 0);
    at(&s, 1200); expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1006));
    scenario_end(&s);
}

/*  Once the receive ring has storage, an in-order segment is copied into it
 *  while its checksum is summed (tcp_input's place_payload).  A corrupted
 *  one must leave nothing readable behind, even where a later, shorter
 *  segment covers only part of the bytes it wrote.
 *
 *  ACK|PSH seq=1001 "first"                        -->  delivered
 *  ACK|PSH seq=1006 "CORRUPTED-LONG" (bad checksum) -->  dropped, counted
 *  ACK|PSH seq=1006 "ok"                           -->  delivered: "ok", nothing more
 *                                                  <--  ACK ack=1008
 *  ACK|PSH seq=1008 "!" (bad checksum), seq=1008 "?" -->  "?" only
 *                                                  <--  ACK ack=1009 (delayed, 240)
 */
TEST(corrupted_segment_copied_in_place_leaves_nothing_readable)
{
    struct scenario s;
    char buf[64];
    scenario_listen(&s, .iss = 8000);
    at(&s, 0);    handshake_passive(&s, 1000);
    at(&s, 10);   peer_sends(&s, SEG(ACK | PSH, .seq = 1001, .ack = 8001, .data = "first"));
                  CHECK_EQ(app_recv(&s, buf, sizeof buf), 5);
                  CHECK(memcmp(buf, "first", 5) == 0);
    at(&s, 20);   peer_sends(&s, SEG(ACK | PSH, .seq = 1006, .ack = 8001, .data = "CORRUPTED-LONG", .bad_checksum = true));
                  CHECK_EQ(app_recv(&s, buf, sizeof buf), -SYNACK_EAGAIN);
                  CHECK_EQ(synack_stack_stats(s.st)->drops[SYNACK_DROP_TCP_CHECKSUM], 1);
    at(&s, 30);   peer_sends(&s, SEG(ACK | PSH, .seq = 1006, .ack = 8001, .data = "ok"));
                  CHECK_EQ(app_recv(&s, buf, sizeof buf), 2);
                  CHECK(memcmp(buf, "ok", 2) == 0);
                  CHECK_EQ(app_recv(&s, buf, sizeof buf), -SYNACK_EAGAIN);
                  expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1008));   /* second segment: at once */
    at(&s, 40);   peer_sends(&s, SEG(ACK | PSH, .seq = 1008, .ack = 8001, .data = "!", .bad_checksum = true));
                  peer_sends(&s, SEG(ACK | PSH, .seq = 1008, .ack = 8001, .data = "?"));
                  CHECK_EQ(app_recv(&s, buf, sizeof buf), 1);
                  CHECK_EQ(buf[0], '?');
                  CHECK_EQ(synack_stack_stats(s.st)->drops[SYNACK_DROP_TCP_CHECKSUM], 2);
    at(&s, 240);  expect_sent(&s, SEG(ACK, .seq = 8001, .ack = 1009));   /* delayed */
    scenario_end(&s);
}
