/*
 * test_pmtu.c — path MTU discovery from ICMP (RFC 1191 §5, §6.3, §6.4;
 * RFC 8201 §4; RFC 5927 §4.1, §7), the stack's per-destination cache and
 * its aging, and path MTU probes lost alone (RFC 4821 §7.6, RFC 8899
 * §5.1.2 MAX_PROBES).
 *
 * The stack listens on :80 with ISS 8000; the peer 198.18.0.1 (ISS 1000)
 * announces MSS 1460 and no timestamps, so a full segment carries 1460
 * bytes in a 1500-byte packet.  The peer also plays the router that
 * reports a smaller MTU (nothing checks who sends an ICMP error, RFC 5927
 * §4).  The application's bytes are the pattern of app_send_bytes ('A' +
 * offset % 26), and every segment checked here is checked byte for byte.
 * Directions are from the stack's side.
 */
#include <stdlib.h>

#include "byteorder.h"
#include "checksum.h"
#include "icmp6.h"
#include "ipv4.h"
#include "ipv6.h"
#include "scenario.h"

#define ISS 8000

/* ICMP fragmentation needed (type 3 code 4) reporting next-hop MTU `mtu`
 * (RFC 1191 §4; 0: an old router's) and quoting qlen bytes of `sent`. */
static void frag_needed(struct scenario *s, const uint8_t *sent, size_t qlen, uint16_t mtu)
{
    uint8_t icmp[700];
    size_t len = peer_icmp_error(s, 3, 4, sent, qlen, icmp, sizeof icmp);
    REQUIRE(len);
    uint8_t *msg = icmp + IPV4_HEADER_LEN;
    put_be16(msg + 6, mtu);
    put_be16(msg + 2, 0);
    put_be16(msg + 2, csum_finish(csum_add(0, msg, len - IPV4_HEADER_LEN)));
    peer_sends_raw(s, icmp, len);
}

/* Takes the next segment the stack sent and checks that it carries len
 * bytes of the stream at seq, exactly as the application wrote them (the
 * stream's first byte is ISS + 1), in an IP packet of `ip_len` bytes (0:
 * not checked). */
static void expect_data_(struct scenario *s, uint32_t seq, uint32_t len, uint32_t ip_len, const char *file,
                         int line)
{
    uint8_t pkt[1600];
    size_t n = take_sent_raw(s, pkt, sizeof pkt);
    struct ipv4_packet ip;
    struct tcp_segment seg;
    enum synack_drop_reason why;
    if (!n || !ipv4_parse(pkt, n, &ip, &why) || !tcp_parse(ip.payload, ip.payload_len, &seg, &why)) {
        test_fail(file, line, "expected data seq=%u len=%u, got %s", seq, len, n ? "a malformed packet" : "nothing");
        return;
    }
    if (seg.seq != seq || seg.payload_len != len || (ip_len && n != ip_len)) {
        test_fail(file, line, "expected data seq=%u len=%u (%u-byte packet), got seq=%u len=%u (%zu bytes)", seq,
                  len, ip_len, seg.seq, seg.payload_len, n);
        return;
    }
    for (uint32_t i = 0; i < len; i++) {
        uint32_t off = seg.seq - (ISS + 1) + i;
        if (seg.payload[i] != (uint8_t)('A' + off % 26)) {
            test_fail(file, line, "seq=%u: byte %u is '%c', the stream has '%c'", seq, i, seg.payload[i],
                      'A' + off % 26);
            return;
        }
    }
}
#define expect_data(s, seq, len, ip_len) expect_data_(s, seq, len, ip_len, __FILE__, __LINE__)

/* Settings for scenario_opts.tune. */
static void expire_in_60s(struct synack_config *cfg) { cfg->pmtu_expires_us = 60000000; }
static void plpmtud_always(struct synack_config *cfg) { cfg->plpmtud = SYNACK_PLPMTUD_ALWAYS; }

/* The application writes the n bytes of the stream that start at seq. */
static long send_stream(struct scenario *s, uint32_t seq, uint32_t n)
{
    uint8_t *buf = malloc(n);
    for (uint32_t i = 0; i < n; i++)
        buf[i] = (uint8_t)('A' + (seq - (ISS + 1) + i) % 26);
    long rc = (long)synack_send(s->st, s->sock, buf, n);
    free(buf);
    synack_poll(s->st, s->now);
    return rc;
}

/*  ESTABLISHED; the application writes 4 x 1460 bytes
 *                                      <--  seq=8001  len=1460   (1500-byte packets,
 *                                      <--  seq=9461  len=1460    all within the
 *                                      <--  seq=10921 len=1460    initial window)
 *                                      <--  seq=12381 len=1460
 *  frag needed, MTU 1280, quoting 8001 -->  path MTU 1280, MSS 1240: all four were
 *                                           dropped for their size and go again at
 *                                      <--  once, each cut in two (1240 + 220), in
 *                                           1280-byte packets; cwnd as it was
 *  frag needed, MTU 1280, quoting 9461 -->  (the router's answer to the second
 *  ... 10921, 12381                         oversized segment): not news, ignored
 *  ACK 13841                           -->  resending done
 *  the application writes 2480 bytes   <--  two segments of 1240
 */
TEST(frag_needed_lowers_the_mss_and_resends_what_no_longer_fits_at_once)
{
    struct scenario s;
    uint8_t first[1600], second[1600];
    scenario_listen(&s, .iss = ISS);
    at(&s, 0);   handshake_passive(&s, 1000);
                 CHECK_EQ(app_info(&s).pmtu, 1500);
                 CHECK_EQ(app_info(&s).snd_mss, 1460);
    at(&s, 10);  CHECK_EQ(app_send_bytes(&s, 4 * 1460), 4 * 1460);
                 CHECK_EQ(take_sent_raw(&s, first, sizeof first), 1500);
                 CHECK_EQ(take_sent_raw(&s, second, sizeof second), 1500);
                 expect_data(&s, 10921, 1460, 1500);
                 expect_data(&s, 12381, 1460, 1500);
                 expect_nothing_sent(&s);
    uint32_t cwnd = app_info(&s).cwnd_bytes;
    at(&s, 20);  frag_needed(&s, first, IPV4_HEADER_LEN + 8, 1280);
                 for (uint32_t seq = 8001; seq < 13841; seq += 1460) {
                     expect_data(&s, seq, 1240, 1280);
                     expect_data(&s, seq + 1240, 220, 260);
                 }
                 expect_nothing_sent(&s);
    struct synack_tcp_info info = app_info(&s);
    CHECK_EQ(info.pmtu, 1280);
    CHECK_EQ(info.snd_mss, 1240);
    CHECK_EQ(info.cwnd_bytes, cwnd);                         /* RFC 1191 §6.4: not congestion */
    CHECK_EQ(info.retrans_segs, 8);
    CHECK_EQ(info.retrans_fast + info.retrans_rto + info.retrans_tlp, 0);
    CHECK_EQ(stats(&s)->tcp_pmtu_updates, 1);
    CHECK_EQ(stats(&s)->tcp_sack_recoveries, 0);
    CHECK_EQ(stats(&s)->tcp_fast_retrans, 0);
    /* RFC 1191 §6.4: one message per oversized segment must not each set
     * off a retransmission. */
    at(&s, 21);  frag_needed(&s, second, 200, 1280);
                 expect_nothing_sent(&s);
                 CHECK_EQ(stats(&s)->tcp_pmtu_ignored, 1);
    at(&s, 30);  peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 13841));
                 expect_nothing_sent(&s);
                 CHECK(app_info(&s).cwnd_bytes >= cwnd);
    at(&s, 40);  CHECK_EQ(send_stream(&s, 13841, 2480), 2480);
                 expect_data(&s, 13841, 1240, 1280);
                 expect_data(&s, 15081, 1240, 1280);
    at(&s, 50);  peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 16321));
    CHECK_EQ(app_info(&s).bytes_acked, 4 * 1460 + 2480);
    scenario_end(&s);
}

/*  ESTABLISHED; seq=8001 len=1460 in flight (SND.UNA 8001, SND.MAX 9461).
 *  Fragmentation needed that must change nothing, each counted:
 *    quoting seq 7000 (not in flight, RFC 5927 §4.1)           OutOfWindowIcmps
 *    MTU 1500, and 1600 (not below the path MTU, RFC 1191 §6.4) TCPPMTUIgnored
 *    MTU 1400 quoting a packet of 1400 bytes (it fitted)         TCPPMTUIgnored
 *    MTU 551, and 60 (below 552, RFC 5927 §7.1)                  TCPPMTUBelowMin
 *  then MTU 552 itself                 -->  taken: MSS 512, 1460 resent as 512+512+436
 */
TEST(frag_needed_that_is_not_news_is_ignored_and_counted)
{
    struct scenario s;
    uint8_t sent[1600], q[1600];
    scenario_listen(&s, .iss = ISS);
    at(&s, 0);   handshake_passive(&s, 1000);
    at(&s, 10);  CHECK_EQ(app_send_bytes(&s, 1460), 1460);
                 size_t slen = take_sent_raw(&s, sent, sizeof sent);
                 REQUIRE(slen == 1500);
    at(&s, 20);
    memcpy(q, sent, 64); put_be32(q + IPV4_HEADER_LEN + 4, 7000);
    frag_needed(&s, q, 64, 1280);
    frag_needed(&s, sent, 64, 1500);
    frag_needed(&s, sent, 64, 1600);
    memcpy(q, sent, 64); put_be16(q + 2, 1400); ipv4_fill_checksum(q, IPV4_HEADER_LEN);
    frag_needed(&s, q, 64, 1400);
    frag_needed(&s, sent, 64, 551);
    frag_needed(&s, sent, 64, 60);
    expect_nothing_sent(&s);
    CHECK_EQ(stats(&s)->tcp_out_of_window_icmps, 1);
    CHECK_EQ(stats(&s)->tcp_pmtu_ignored, 3);
    CHECK_EQ(stats(&s)->tcp_pmtu_below_min, 2);
    CHECK_EQ(stats(&s)->tcp_pmtu_updates, 0);
    CHECK_EQ(stats(&s)->icmp_in_frag_needed, 6);
    CHECK_EQ(app_info(&s).pmtu, 1500);
    CHECK_EQ(app_info(&s).snd_mss, 1460);
    CHECK_EQ(app_info(&s).soft_error, 0);                   /* news, not an error */
    at(&s, 30);  frag_needed(&s, sent, 64, 552);
                 expect_data(&s, 8001, 512, 552);
                 expect_data(&s, 8513, 512, 552);
                 expect_data(&s, 9025, 436, 476);
                 CHECK_EQ(app_info(&s).pmtu, 552);
                 CHECK_EQ(stats(&s)->tcp_pmtu_updates, 1);
    at(&s, 40);  peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 9461));
    scenario_end(&s);
}

/*  An old router leaves the Next-Hop MTU field zero (RFC 1191 §5): the
 *  estimate is the largest plateau (§7) below the quoted packet's Total
 *  Length.
 *                                      <--  seq=8001 len=1460 (1500 bytes)
 *  frag needed, MTU 0, quoting it      -->  plateau below 1500: 1492, MSS 1452
 *                                      <--  1452 + 8
 *  ... and again, quoting the 1452     -->  plateau below 1492: 1006, MSS 966
 */
TEST(frag_needed_without_an_mtu_takes_the_next_plateau)
{
    struct scenario s;
    uint8_t sent[1600];
    scenario_listen(&s, .iss = ISS);
    at(&s, 0);   handshake_passive(&s, 1000);
    at(&s, 10);  CHECK_EQ(app_send_bytes(&s, 1460), 1460);
                 REQUIRE(take_sent_raw(&s, sent, sizeof sent) == 1500);
    at(&s, 20);  frag_needed(&s, sent, IPV4_HEADER_LEN + 8, 0);
                 CHECK_EQ(app_info(&s).pmtu, 1492);
                 CHECK_EQ(app_info(&s).snd_mss, 1452);
                 REQUIRE(take_sent_raw(&s, sent, sizeof sent) == 1492);
                 expect_data(&s, 9453, 8, 48);
    at(&s, 30);  frag_needed(&s, sent, IPV4_HEADER_LEN + 8, 0);
                 CHECK_EQ(app_info(&s).pmtu, 1006);
                 expect_data(&s, 8001, 966, 1006);
                 expect_data(&s, 8967, 486, 526);
                 CHECK_EQ(stats(&s)->tcp_pmtu_updates, 2);
    at(&s, 40);  peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 9461));
    scenario_end(&s);
}

/* Takes the next segment the stack sent (either family) and checks its
 * sequence number and payload length. */
static void expect_seg_(struct scenario *s, uint32_t seq, uint32_t len, const char *file, int line)
{
    struct tcp_segment seg;
    if (!take_sent(s, &seg) || seg.seq != seq || seg.payload_len != len)
        test_fail(file, line, "expected a segment seq=%u len=%u", seq, len);
}
#define expect_seg(s, seq, len) expect_seg_(s, seq, len, __FILE__, __LINE__)

/*  IPv6 (RFC 8201): the interface's MTU is 1520, so a full segment is
 *  1460 bytes behind 40 of IPv6 header and 20 of TCP.
 *                                      <--  seq=8001 len=1460 (1520 bytes)
 *  packet too big, MTU 1000, quoting it  -->  below IPv6's minimum link MTU:
 *                                           ignored (RFC 8201 §4), counted
 *  packet too big, MTU 1280, quoting it  -->  path MTU 1280, MSS 1220 (the IPv6
 *                                      <--  header is 40 bytes): 1220 + 240 at once
 */
TEST(packet_too_big_lowers_the_ipv6_mss_but_never_below_1280)
{
    struct scenario s;
    uint8_t sent[1600];
    scenario_listen(&s, .family = 6, .iss = ISS);
    at(&s, 0);   handshake_passive(&s, 1000);
                 CHECK_EQ(app_info(&s).pmtu, 1520);
    at(&s, 10);  CHECK_EQ(app_send_bytes(&s, 1460), 1460);
                 size_t n = take_sent_raw(&s, sent, sizeof sent);
                 REQUIRE(n == 1520);
    at(&s, 20);  peer_sends_icmp6(&s, ICMPV6_PACKET_TOO_BIG, 0, 1000, sent, 1232);
                 expect_nothing_sent(&s);
                 CHECK_EQ(stats(&s)->tcp_pmtu_below_min, 1);
                 CHECK_EQ(app_info(&s).pmtu, 1520);
                 peer_sends_icmp6(&s, ICMPV6_PACKET_TOO_BIG, 0, 1280, sent, 1232);
                 expect_seg(&s, 8001, 1220);
                 expect_seg(&s, 9221, 240);
                 CHECK_EQ(app_info(&s).pmtu, 1280);
                 CHECK_EQ(app_info(&s).snd_mss, 1220);
                 CHECK_EQ(stats(&s)->tcp_pmtu_updates, 1);
    at(&s, 30);  peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 9461));
    scenario_end(&s);
}

/* A passive handshake of a second connection from peer port `port`, and
 * accept(); returns the socket. */
static int another_connection(struct scenario *s, uint16_t port, uint32_t peer_iss)
{
    struct tcp_segment seg;
    peer_sends(s, SEG(SYN, .seq = peer_iss, .mss = 1460, .sport = port));
    if (!take_sent(s, &seg) || seg.flags != (TCP_SYN | TCP_ACK) || seg.dst_port != port || seg.ack != peer_iss + 1) {
        test_fail(__FILE__, __LINE__, "no SYN|ACK to port %u", port);
        return -1;
    }
    CHECK_EQ(seg.opt.mss, 1460);                  /* RFC 1191 §6.4: the MSS we announce does not change */
    peer_sends(s, SEG(ACK, .seq = peer_iss + 1, .ack = seg.seq + 1, .sport = port));
    return app_accept(s);
}

/* Sends n bytes on socket sock and returns the sizes of the segments that
 * went out (up to 4) in sizes[]; the count is returned. */
static int send_on(struct scenario *s, int sock, uint32_t n, uint32_t sizes[4])
{
    s->sock = sock;
    CHECK_EQ(app_send_bytes(s, n), n);
    struct tcp_segment seg;
    int k = 0;
    while (k < 4 && take_sent(s, &seg))
        sizes[k++] = seg.payload_len;
    return k;
}

/*  Path MTU cache (RFC 1191 §6.2, §6.3; RFC 8201 §5.2), entries kept 60 s.
 *  t=0     connection A (peer port 40000); 1460 bytes go out whole
 *  t=10    frag needed, MTU 1280           -->  A: 1240 + 220; the cache learns 1280
 *  t=20    connection B, same peer, port 40001: starts at 1280 (2480 bytes: 2 x 1240)
 *  t=61 s  connection C, port 40002: the entry has lapsed, 1500 again (2920: 2 x 1460)
 *          A sends again: its 1280 has aged too (§6.3), 1460 goes out whole
 */
TEST(new_connections_start_from_the_cached_path_mtu_until_it_lapses)
{
    struct scenario s;
    uint8_t sent[1600];
    uint32_t sz[4];
    scenario_listen(&s, .iss = ISS, .tune = expire_in_60s);
    at(&s, 0);     handshake_passive(&s, 1000);
    int a = s.sock;
                   CHECK_EQ(app_send_bytes(&s, 1460), 1460);
                   REQUIRE(take_sent_raw(&s, sent, sizeof sent) == 1500);
    at(&s, 10);    frag_needed(&s, sent, IPV4_HEADER_LEN + 8, 1280);
                   expect_data(&s, 8001, 1240, 1280);
                   expect_data(&s, 9241, 220, 260);
                   peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 9461));
                   CHECK_EQ(stats(&s)->tcp_pmtu_cache_entries, 1);
    at(&s, 20);    int b = another_connection(&s, 40001, 5000);
                   REQUIRE(b >= 0);
                   CHECK_EQ(app_info(&s).pmtu, 1280);
                   CHECK_EQ(stats(&s)->tcp_pmtu_cache_hits, 1);
                   CHECK_EQ(send_on(&s, b, 2480, sz), 2);
                   CHECK_EQ(sz[0], 1240);
                   CHECK_EQ(sz[1], 1240);
                   peer_sends(&s, SEG(ACK, .seq = 5001, .ack = ISS + 2481, .sport = 40001));
    at(&s, 61000); int c = another_connection(&s, 40002, 7000);
                   REQUIRE(c >= 0);
                   CHECK_EQ(app_info(&s).pmtu, 1500);
                   CHECK_EQ(stats(&s)->tcp_pmtu_cache_hits, 1);
                   CHECK_EQ(stats(&s)->tcp_pmtu_cache_entries, 0);
                   CHECK_EQ(send_on(&s, c, 2920, sz), 2);
                   CHECK_EQ(sz[0], 1460);
                   CHECK_EQ(sz[1], 1460);
                   peer_sends(&s, SEG(ACK, .seq = 7001, .ack = ISS + 2921, .sport = 40002));
                   CHECK_EQ(send_on(&s, a, 1460, sz), 1);
                   CHECK_EQ(sz[0], 1460);
                   CHECK_EQ(app_info(&s).pmtu, 1500);
                   peer_sends(&s, SEG(ACK, .seq = 1001, .ack = 9461 + 1460));
    scenario_end(&s);
}

/* One round of ALWAYS-mode probing at base 1024 (MSS 984): the
 * application writes a probe's worth and three segments to follow it
 * (RFC 4821 §7.4); the stack sends the probe of probe_len bytes first and
 * the three 984-byte segments behind it.  Returns SND.MAX after them. */
static uint32_t probe_round(struct scenario *s, uint32_t seq, uint32_t probe_len)
{
    CHECK_EQ(send_stream(s, seq, probe_len + 3 * 984), probe_len + 3 * 984);
    expect_data(s, seq, probe_len, probe_len + 40);
    for (int k = 0; k < 3; k++)
        expect_data(s, seq + probe_len + (uint32_t)k * 984, 984, 1024);
    expect_nothing_sent(s);
    return seq + probe_len + 3 * 984;
}

/* The path MTU and the search range the connection reports; the MSS is
 * the path MTU less 40 bytes of headers (no timestamps). */
static void expect_search_(struct scenario *s, uint32_t pmtu, uint32_t low, uint32_t high, const char *file, int line)
{
    struct synack_tcp_info info = app_info(s);
    if (info.pmtu != pmtu || info.snd_mss != pmtu - 40 || info.pmtu_search_low != low ||
        info.pmtu_search_high != high || info.pmtu_searching != 1)
        test_fail(file, line, "expected path MTU %u (MSS %u), searching %u..%u; got %u (MSS %u), %s %u..%u", pmtu,
                  pmtu - 40, low, high, info.pmtu, info.snd_mss, info.pmtu_searching == 1 ? "searching" : "not searching",
                  info.pmtu_search_low, info.pmtu_search_high);
}
#define expect_search(s, pmtu, low, high) expect_search_(s, pmtu, low, high, __FILE__, __LINE__)

/*  PLPMTUD "always", a SACK peer.  Established: search from 1024 (MSS 984)
 *  up to 1500; the first probe is the middle, 1262 bytes (1222 of data).
 *  Three times:
 *                                      <--  probe 1222, then 3 x 984
 *  ACK SACK{the three 984s}            -->  the probe alone is lost (RACK): no
 *                                      <--  congestion response, resent as 984 + 238
 *  ACK all                             -->
 *  after the third loss at 1262 (RFC 8899 MAX_PROBES), search_high = 1261:
 *                                      <--  probe 1143 bytes (1103 of data), 3 x 984
 *  ACK all                             -->  delivered: path MTU 1143, MSS 1103
 */
TEST(a_probe_lost_alone_is_resent_without_a_congestion_response)
{
    struct scenario s;
    scenario_listen(&s, .iss = ISS, .tune = plpmtud_always);
    at(&s, 0);   peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1460, .sack_ok = true));
                 expect_sent(&s, SEG(SYN | ACK, .seq = ISS, .ack = 1001, .mss = 1460, .sack_ok = true));
                 peer_sends(&s, SEG(ACK, .seq = 1001, .ack = ISS + 1));
                 CHECK(app_accept(&s) >= 0);
    expect_search(&s, 1024, 1024, 1500);
    struct synack_tcp_info info;
    uint32_t seq = ISS + 1, cwnd = app_info(&s).cwnd_bytes;
    for (int round = 1; round <= 3; round++) {
        at(&s, 100 * round);
        uint32_t end = probe_round(&s, seq, 1222);
        after_ms(&s, 5);
        peer_sends(&s, SEG(ACK, .seq = 1001, .ack = seq, .nsack = 1, .sack = { { seq + 1222, end } }));
        expect_data(&s, seq, 984, 1024);
        expect_data(&s, seq + 984, 238, 278);
        expect_nothing_sent(&s);
        CHECK_EQ(app_info(&s).cwnd_bytes, cwnd);              /* RFC 4821 §7.6: not congestion */
        CHECK_EQ(app_info(&s).pmtu_probes_failed, round);
        expect_search(&s, 1024, 1024, round < 3 ? 1500 : 1261);
        after_ms(&s, 5);
        peer_sends(&s, SEG(ACK, .seq = 1001, .ack = end));
        cwnd = app_info(&s).cwnd_bytes;
        seq = end;
    }
    CHECK_EQ(stats(&s)->tcp_sack_recoveries, 0);
    CHECK_EQ(stats(&s)->tcp_mtup_fail, 3);
    at(&s, 400); uint32_t end = probe_round(&s, seq, 1103);
    after_ms(&s, 5);
    peer_sends(&s, SEG(ACK, .seq = 1001, .ack = end));
    expect_search(&s, 1143, 1143, 1261);
    info = app_info(&s);
    CHECK_EQ(info.pmtu_probes, 4);
    CHECK_EQ(info.pmtu_probes_ok, 1);
    CHECK_EQ(stats(&s)->tcp_mtup_success, 1);
    CHECK_EQ(info.bytes_acked, end - ISS - 1);
    scenario_end(&s);
}
