/*
 * test_arp.c — Ethernet framing, ARP and the neighbour cache, frame by
 * frame, on an Ethernet interface.
 *
 * Reading list: RFC 826 (requests, replies, the merge rule); RFC 1122
 * §2.3.2.1 (at most a request a second per destination), §2.3.2.2 (keep
 * the latest packet while resolving); RFC 4861 §7.2.2 (queue, retries,
 * failure), §7.3.2-§7.3.3 (REACHABLE, STALE, DELAY, PROBE: ARP entries go
 * through the same states); RFC 5227 §2.4, §3 (conflicts, announcement);
 * RFC 894 and IEEE 802.3 (padding to 60 bytes).
 *
 * The stack is 198.18.0.2 at 02:00:00:00:00:02, the peer 198.18.0.1 at
 * 02:00:00:00:00:01.  "-->" is a frame arriving at the stack, "<--" one
 * it sends; "bcast" is ff:ff:ff:ff:ff:ff.  Every Ethernet scenario begins
 * with the stack's gratuitous ARP (RFC 5227 §3) at its first poll.
 */
#include <stdlib.h>

#include "byteorder.h"
#include "ipv4.h"
#include "neigh.h"
#include "scenario.h"

#define STACK_IP synack_addr_v4(198, 18, 0, 2)
#define PEER_IP synack_addr_v4(198, 18, 0, 1)

static const uint8_t zero_mac[6];

/* The announcement every Ethernet scenario starts with. */
#define expect_sent_announcement(s) expect_sent_arp(s, ARP_REQUEST, scenario_broadcast, STACK_IP, NULL, STACK_IP)
#define expect_sent_who_has_peer(s, to) expect_sent_arp(s, ARP_REQUEST, to, STACK_IP, NULL, PEER_IP)
#define peer_says_is_at(s) peer_sends_arp(s, ARP_REPLY, scenario_peer_mac, PEER_IP, STACK_IP, scenario_stack_mac)

/* An ICMP echo request from `src` (the peer unless given) carrying text. */
static void echo_request_from(struct scenario *s, struct synack_addr src, const char *text)
{
    uint8_t pkt[256];
    size_t len = peer_icmp_error(s, 8, 0, (const uint8_t *)text, strlen(text), pkt, sizeof pkt);
    REQUIRE(len);
    memcpy(pkt + 12, src.bytes, 4);
    ipv4_fill_checksum(pkt, IPV4_HEADER_LEN);
    peer_sends_raw(s, pkt, len);
}

/*  at 0: the announcement, then connect():
 *                                          <--  ARP who-has 198.18.0.1 (bcast)
 *  ARP 198.18.0.1 is-at 02:..:01      -->
 *                                          <--  SYN seq=1000
 *  SYN|ACK seq=5000 ack=1001          -->
 *                                          <--  ACK                      ESTABLISHED */
static void connect_over_ethernet(struct scenario *s)
{
    at(s, 0);
    expect_sent_announcement(s);
    app_connect(s);
    expect_sent_who_has_peer(s, scenario_broadcast);
    peer_says_is_at(s);
    expect_sent(s, SEG(SYN, .seq = 1000));
    peer_sends(s, SEG(SYN | ACK, .seq = 5000, .ack = 1001, .mss = 1460));
    expect_sent(s, SEG(ACK, .seq = 1001, .ack = 5001));
}

/*  stack starts on the link
 *                                          <--  ARP who-has 198.18.0.2 tell 198.18.0.2 (bcast), 60 bytes
 */
TEST(gratuitous_arp_on_start)
{
    struct scenario s;
    scenario_listen(&s, .family = 4, .ethernet = true);
    expect_sent_announcement(&s);
    CHECK_EQ(stats(&s)->arp_out_requests, 1);
    after_ms(&s, 10000);
    expect_nothing_sent(&s);                   /* one announcement, as Linux sends */
    scenario_end(&s);
}

/*  connect()
 *                                          <--  ARP who-has 198.18.0.1 tell 198.18.0.2 (bcast)
 *  (the SYN waits in the neighbour queue)
 *  ARP 198.18.0.1 is-at 02:..:01      -->
 *                                          <--  SYN seq=1000 (to 02:..:01)
 *  SYN|ACK seq=5000 ack=1001          -->
 *                                          <--  ACK                          ESTABLISHED
 */
TEST(arp_resolves_the_peer_before_the_syn_leaves)
{
    struct scenario s;
    scenario_client(&s, .family = 4, .ethernet = true, .iss = 1000);
    at(&s, 0);
    expect_sent_announcement(&s);
    CHECK_EQ(app_connect(&s), -SYNACK_EINPROGRESS);
    expect_sent_who_has_peer(&s, scenario_broadcast);
    expect_nothing_sent(&s);
    CHECK_EQ(neigh_of(&s, PEER_IP), NEIGH_INCOMPLETE);
    at(&s, 5);
    peer_says_is_at(&s);
    expect_sent(&s, SEG(SYN, .seq = 1000, .mss = 1460));
    CHECK_EQ(neigh_of(&s, PEER_IP), NEIGH_REACHABLE);
    peer_sends(&s, SEG(SYN | ACK, .seq = 5000, .ack = 1001, .mss = 1460));
    expect_sent(&s, SEG(ACK, .seq = 1001, .ack = 5001));
    expect_state(&s, ESTABLISHED);
    CHECK_EQ(stats(&s)->arp_in_replies, 1);
    CHECK_EQ(stats(&s)->neigh_entries, 1);
    scenario_end(&s);
}

/*  connect() at 0
 *                                          <--  ARP who-has 198.18.0.1 (bcast)        0 s
 *                                          <--  ARP who-has 198.18.0.1 (bcast)        1 s  (the SYN's
 *                                          <--  ARP who-has 198.18.0.1 (bcast)        2 s   retransmission queued too)
 *  (no answer)                                  3 s: resolution failed: the two SYNs
 *                                               dropped, connect() fails EHOSTUNREACH
 */
TEST(unanswered_arp_fails_the_connect_with_ehostunreach_after_the_retries)
{
    struct scenario s;
    scenario_client(&s, .family = 4, .ethernet = true, .iss = 1000);
    at(&s, 0);
    expect_sent_announcement(&s);
    app_connect(&s);
    expect_sent_who_has_peer(&s, scenario_broadcast);
    at(&s, 1000);
    expect_sent_who_has_peer(&s, scenario_broadcast);
    at(&s, 2000);
    expect_sent_who_has_peer(&s, scenario_broadcast);
    at(&s, 2999);
    expect_nothing_sent(&s);
    expect_state(&s, SYN_SENT);
    CHECK_EQ(app_error(&s), 0);
    at(&s, 3000);
    expect_state(&s, CLOSED);
    CHECK_EQ(app_error(&s), -SYNACK_EHOSTUNREACH);
    CHECK_EQ(drops(&s, SYNACK_DROP_NEIGH_UNREACHABLE), 2);
    CHECK_EQ(stats(&s)->neigh_unresolved_discards, 2);
    CHECK_EQ(stats(&s)->neigh_res_failed, 1);
    CHECK_EQ(stats(&s)->tcp_attempt_fails, 1);
    CHECK_EQ(stats(&s)->neigh_entries, 0);
    CHECK_EQ(neigh_of(&s, PEER_IP), -1);
    at(&s, 60000);
    expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  echo request "one" .. "four"       -->   four replies wait for the peer's MAC;
 *                                           the queue holds 3: "one" is dropped
 *                                      <--  ARP who-has 198.18.0.1 (once)
 *  ARP 198.18.0.1 is-at 02:..:01      -->
 *                                      <--  echo replies "two", "three", "four", in order
 */
TEST(neighbour_queue_keeps_the_newest_three_packets)
{
    struct scenario s;
    scenario_listen(&s, .family = 4, .ethernet = true);
    expect_sent_announcement(&s);
    at(&s, 10);
    echo_request_from(&s, PEER_IP, "one");
    expect_sent_who_has_peer(&s, scenario_broadcast);
    echo_request_from(&s, PEER_IP, "two");
    echo_request_from(&s, PEER_IP, "three");
    echo_request_from(&s, PEER_IP, "four");
    expect_nothing_sent(&s);
    CHECK_EQ(drops(&s, SYNACK_DROP_NEIGH_QUEUE_FULL), 1);
    peer_says_is_at(&s);
    expect_sent_icmp_error(&s, 0, 0, (const uint8_t *)"two", 3);
    expect_sent_icmp_error(&s, 0, 0, (const uint8_t *)"three", 5);
    expect_sent_icmp_error(&s, 0, 0, (const uint8_t *)"four", 4);
    CHECK_EQ(stats(&s)->neigh_unresolved_discards, 1);
    scenario_end(&s);
}

static void queue_100_bytes(struct synack_config *c) { c->neigh_queue_bytes = 100; }

/*  neigh_queue_bytes 100: echo replies of 88 bytes fit one at a time
 *  echo request A, B (60 bytes each)  -->   B pushes A out
 *  echo request of 200 bytes          -->   larger than the queue: dropped, B stays
 *  ARP is-at                          -->
 *                                      <--  echo reply B
 */
TEST(neighbour_queue_is_bounded_in_bytes)
{
    struct scenario s;
    char a[61], b[61], big[201];
    memset(a, 'a', 60), a[60] = 0;
    memset(b, 'b', 60), b[60] = 0;
    memset(big, 'z', 200), big[200] = 0;
    scenario_listen(&s, .family = 4, .ethernet = true, .tune = queue_100_bytes);
    expect_sent_announcement(&s);
    echo_request_from(&s, PEER_IP, a);
    expect_sent_who_has_peer(&s, scenario_broadcast);
    echo_request_from(&s, PEER_IP, b);
    echo_request_from(&s, PEER_IP, big);
    CHECK_EQ(drops(&s, SYNACK_DROP_NEIGH_QUEUE_FULL), 2);
    peer_says_is_at(&s);
    expect_sent_icmp_error(&s, 0, 0, (const uint8_t *)b, 60);
    scenario_end(&s);
}

static void short_times(struct synack_config *c)
{
    c->neigh_reachable_us = 10000000;      /* REACHABLE for 5..15 s */
    c->neigh_gc_us = 20000000;
}

/*  resolved at 0 (connect, ARP, is-at, handshake)                REACHABLE
 *  ... 16 s                                                      STALE
 *  send "x"                                <--  x (to 02:..:01 at once)   DELAY
 *  ACK                                -->
 *  21 s                                    <--  ARP who-has 198.18.0.1 (to 02:..:01)  PROBE
 *  ARP is-at (unicast)                -->                                  REACHABLE
 *  abort (the RST on the REACHABLE entry), then quiet: STALE by 36 s,
 *  freed 20 s later (neigh_gc_us)
 */
TEST(cache_entry_goes_stale_is_probed_and_expires)
{
    struct scenario s;
    scenario_client(&s, .family = 4, .ethernet = true, .iss = 1000, .tune = short_times);
    connect_over_ethernet(&s);
    CHECK_EQ(neigh_of(&s, PEER_IP), NEIGH_REACHABLE);
    at(&s, 16000);
    expect_nothing_sent(&s);
    CHECK_EQ(neigh_of(&s, PEER_IP), NEIGH_STALE);
    app_send(&s, "x");
    expect_sent(&s, SEG(ACK | PSH, .seq = 1001, .ack = 5001, .data = "x"));
    CHECK_EQ(neigh_of(&s, PEER_IP), NEIGH_DELAY);
    peer_sends(&s, SEG(ACK, .seq = 5001, .ack = 1002));
    at(&s, 20999);
    expect_nothing_sent(&s);
    at(&s, 21000);
    expect_sent_who_has_peer(&s, scenario_peer_mac);
    CHECK_EQ(neigh_of(&s, PEER_IP), NEIGH_PROBE);
    at(&s, 21010);
    peer_says_is_at(&s);
    CHECK_EQ(neigh_of(&s, PEER_IP), NEIGH_REACHABLE);
    app_abort(&s);                             /* the RST leaves on the REACHABLE entry */
    expect_sent(&s, SEG(RST | ACK, .seq = 1002, .ack = 5001));
    at(&s, 36010);
    expect_nothing_sent(&s);                   /* no more probes once confirmed */
    CHECK_EQ(neigh_of(&s, PEER_IP), NEIGH_STALE);
    CHECK_EQ(stats(&s)->neigh_entries, 1);
    at(&s, 80000);
    CHECK_EQ(stats(&s)->neigh_entries, 0);
    CHECK_EQ(stats(&s)->neigh_destroys, 1);
    expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  a STALE entry is used: DELAY 5 s, then three unicast probes 1 s apart,
 *  unanswered: the entry goes (RFC 4861 §7.3.3), and the next packet
 *  resolves afresh by broadcast.
 */
TEST(unanswered_probes_free_the_entry_and_the_next_packet_resolves_again)
{
    struct scenario s;
    scenario_listen(&s, .family = 4, .ethernet = true, .tune = short_times);
    expect_sent_announcement(&s);
    /* Learnt from the peer's request for us: STALE. */
    peer_sends_arp(&s, ARP_REQUEST, scenario_peer_mac, PEER_IP, STACK_IP, scenario_broadcast);
    expect_sent_arp(&s, ARP_REPLY, scenario_peer_mac, STACK_IP, scenario_peer_mac, PEER_IP);
    CHECK_EQ(neigh_of(&s, PEER_IP), NEIGH_STALE);
    at(&s, 100);
    echo_request_from(&s, PEER_IP, "ping");
    expect_sent_icmp_error(&s, 0, 0, (const uint8_t *)"ping", 4);
    at(&s, 5100);
    expect_sent_who_has_peer(&s, scenario_peer_mac);
    at(&s, 6100);
    expect_sent_who_has_peer(&s, scenario_peer_mac);
    at(&s, 7100);
    expect_sent_who_has_peer(&s, scenario_peer_mac);
    at(&s, 8099);
    CHECK_EQ(neigh_of(&s, PEER_IP), NEIGH_PROBE);
    at(&s, 8100);
    expect_nothing_sent(&s);
    CHECK_EQ(neigh_of(&s, PEER_IP), -1);
    CHECK_EQ(stats(&s)->neigh_res_failed, 1);
    echo_request_from(&s, PEER_IP, "again");
    expect_sent_who_has_peer(&s, scenario_broadcast);
    peer_says_is_at(&s);
    expect_sent_icmp_error(&s, 0, 0, (const uint8_t *)"again", 5);
    scenario_end(&s);
}

static void cache_of_16(struct synack_config *c) { c->neigh_max_entries = 16; }

/*  connect(): who-has 198.18.0.1 (INCOMPLETE, the SYN waiting)
 *  1000 ARP requests for 198.18.0.2 from 1000 senders  -->  each answered; the
 *       cache holds 16 entries at most, the oldest evicted, the
 *       INCOMPLETE one never
 *  ARP 198.18.0.1 is-at               -->
 *                                      <--  SYN
 */
TEST(cache_stays_bounded_under_a_flood_of_arp_requests)
{
    struct scenario s;
    scenario_client(&s, .family = 4, .ethernet = true, .iss = 1000, .tune = cache_of_16);
    at(&s, 0);
    expect_sent_announcement(&s);
    app_connect(&s);
    expect_sent_who_has_peer(&s, scenario_broadcast);
    struct synack_mem_info before, after;
    synack_stack_mem(s.st, &before);
    for (unsigned i = 0; i < 1000; i++) {
        uint8_t mac[6] = { 0x02, 0x10, 0, 0, (uint8_t)(i >> 8), (uint8_t)i };
        struct synack_addr ip = synack_addr_v4(198, 18, (uint8_t)(1 + i / 250), (uint8_t)(1 + i % 250));
        peer_sends_arp(&s, ARP_REQUEST, mac, ip, STACK_IP, scenario_broadcast);
        expect_sent_arp(&s, ARP_REPLY, mac, STACK_IP, mac, ip);
        REQUIRE(stats(&s)->neigh_entries <= 16);
    }
    synack_stack_mem(s.st, &after);
    CHECK_EQ(stats(&s)->neigh_entries, 16);
    CHECK_EQ(stats(&s)->neigh_allocs, 1001);
    CHECK_EQ(stats(&s)->neigh_evictions, 1000 - 15);
    CHECK(after.used - before.used < 16 * 256);
    CHECK_EQ(neigh_of(&s, PEER_IP), NEIGH_INCOMPLETE);
    peer_says_is_at(&s);
    expect_sent(&s, SEG(SYN, .seq = 1000));
    scenario_end(&s);
}

static void cache_of_2(struct synack_config *c) { c->neigh_max_entries = 2; }

/*  cache of 2 entries
 *  echo request from .5, .6           -->   two entries being resolved
 *                                      <--  who-has .5, who-has .6
 *  echo request from .7               -->   no room (INCOMPLETE entries are not
 *                                           evicted): the reply is dropped, counted
 */
TEST(cache_full_of_entries_being_resolved_refuses_new_ones)
{
    struct scenario s;
    scenario_listen(&s, .family = 4, .ethernet = true, .tune = cache_of_2);
    expect_sent_announcement(&s);
    echo_request_from(&s, synack_addr_v4(198, 18, 0, 5), "five");
    expect_sent_arp(&s, ARP_REQUEST, scenario_broadcast, STACK_IP, NULL, synack_addr_v4(198, 18, 0, 5));
    echo_request_from(&s, synack_addr_v4(198, 18, 0, 6), "six");
    expect_sent_arp(&s, ARP_REQUEST, scenario_broadcast, STACK_IP, NULL, synack_addr_v4(198, 18, 0, 6));
    echo_request_from(&s, synack_addr_v4(198, 18, 0, 7), "seven");
    expect_nothing_sent(&s);
    CHECK_EQ(stats(&s)->neigh_table_fulls, 1);
    CHECK_EQ(drops(&s, SYNACK_DROP_NEIGH_TABLE_FULL), 1);
    CHECK_EQ(stats(&s)->neigh_entries, 2);
    scenario_end(&s);
}

/*  ARP who-has 198.18.0.2 tell .1 (bcast)  -->
 *                                      <--  ARP 198.18.0.2 is-at 02:..:02 (to 02:..:01)
 *  ARP who-has 198.18.0.9 tell .1 (bcast)  -->   not ours: no answer
 *  connect()                               <--   SYN at once: the request taught us the peer
 */
TEST(arp_requests_for_our_address_are_answered_and_teach_us_the_sender)
{
    struct scenario s;
    scenario_client(&s, .family = 4, .ethernet = true, .iss = 1000);
    at(&s, 0);
    expect_sent_announcement(&s);
    peer_sends_arp(&s, ARP_REQUEST, scenario_peer_mac, PEER_IP, STACK_IP, scenario_broadcast);
    expect_sent_arp(&s, ARP_REPLY, scenario_peer_mac, STACK_IP, scenario_peer_mac, PEER_IP);
    peer_sends_arp(&s, ARP_REQUEST, scenario_peer_mac, PEER_IP, synack_addr_v4(198, 18, 0, 9), scenario_broadcast);
    expect_nothing_sent(&s);
    CHECK_EQ(drops(&s, SYNACK_DROP_ARP_NOT_FOR_US), 1);
    CHECK_EQ(stats(&s)->arp_in_requests, 2);
    CHECK_EQ(stats(&s)->arp_out_replies, 1);
    app_connect(&s);
    expect_sent(&s, SEG(SYN, .seq = 1000));
    scenario_end(&s);
}

/*  a request for another host from an unknown sender creates nothing;
 *  a gratuitous ARP from an unknown host creates nothing either (RFC 826:
 *  only a request for us adds an entry).
 */
TEST(arp_for_other_hosts_creates_no_entries)
{
    struct scenario s;
    scenario_listen(&s, .family = 4, .ethernet = true);
    expect_sent_announcement(&s);
    peer_sends_arp(&s, ARP_REQUEST, scenario_other_mac, synack_addr_v4(198, 18, 0, 9), PEER_IP, scenario_broadcast);
    peer_sends_arp(&s, ARP_REQUEST, scenario_other_mac, synack_addr_v4(198, 18, 0, 9), synack_addr_v4(198, 18, 0, 9),
                   scenario_broadcast);
    peer_sends_arp(&s, ARP_REPLY, scenario_other_mac, synack_addr_v4(198, 18, 0, 9), STACK_IP, scenario_stack_mac);
    expect_nothing_sent(&s);
    CHECK_EQ(stats(&s)->neigh_entries, 0);
    scenario_end(&s);
}

/*  the peer is resolved; then it moves to 02:..:09 and says so
 *  ARP who-has .1 tell .1 from 02:..:09 (bcast, gratuitous)  -->
 *  send "x"                                <--  x, framed to 02:..:09
 */
TEST(gratuitous_arp_from_a_neighbour_updates_its_entry)
{
    struct scenario s;
    scenario_client(&s, .family = 4, .ethernet = true, .iss = 1000);
    connect_over_ethernet(&s);
    peer_sends_arp(&s, ARP_REQUEST, scenario_other_mac, PEER_IP, PEER_IP, scenario_broadcast);
    expect_nothing_sent(&s);
    CHECK_EQ(neigh_of(&s, PEER_IP), NEIGH_STALE);
    app_send(&s, "x");
    uint8_t f[200];
    size_t n = take_sent_frame(&s, f, sizeof f);
    CHECK(n >= 14 + 40);
    CHECK(memcmp(f, scenario_other_mac, 6) == 0);
    CHECK_EQ(get_be16(f + 12), 0x0800);
    scenario_end(&s);
}

/*  ARP claiming 198.18.0.2 from 02:..:09  -->  a conflict: counted, no answer,
 *                                              nothing learnt (RFC 5227 §2.4)
 */
TEST(arp_claiming_our_address_is_a_conflict)
{
    struct scenario s;
    scenario_listen(&s, .family = 4, .ethernet = true);
    expect_sent_announcement(&s);
    peer_sends_arp(&s, ARP_REQUEST, scenario_other_mac, STACK_IP, PEER_IP, scenario_broadcast);
    peer_sends_arp(&s, ARP_REPLY, scenario_other_mac, STACK_IP, STACK_IP, scenario_stack_mac);
    expect_nothing_sent(&s);
    CHECK_EQ(stats(&s)->arp_conflicts, 2);
    CHECK_EQ(drops(&s, SYNACK_DROP_ARP_CONFLICT), 2);
    CHECK_EQ(stats(&s)->neigh_entries, 0);
    scenario_end(&s);
}

/* Sends the peer's ARP request for us with one byte changed. */
static void damaged_request(struct scenario *s, size_t at_byte, uint8_t value, size_t len)
{
    uint8_t arp[28], frame[60];
    arp_packet(arp, ARP_REQUEST, scenario_peer_mac, PEER_IP, zero_mac, STACK_IP);
    arp[at_byte] = value;
    size_t n = eth_frame(frame, sizeof frame, scenario_broadcast, scenario_peer_mac, 0x0806, arp, sizeof arp);
    peer_sends_frame(s, frame, len ? len : n);
}

/*  ARP requests for us, each broken one way         -->  dropped (ARP_MALFORMED),
 *  (short, htype, ptype, hlen, plen, opcode,             no answer, nothing learnt
 *  group / zero sender MAC, multicast or loopback
 *  sender address)
 */
TEST(malformed_arp_is_dropped_and_counted)
{
    struct scenario s;
    scenario_listen(&s, .family = 4, .ethernet = true);
    expect_sent_announcement(&s);
    damaged_request(&s, 27, 2, 14 + 27);              /* 27 bytes of ARP */
    damaged_request(&s, 1, 6, 0);                     /* htype 6 (IEEE 802) */
    damaged_request(&s, 2, 0x86, 0);                  /* ptype 0x86dd */
    damaged_request(&s, 4, 8, 0);                     /* hlen 8 */
    damaged_request(&s, 5, 16, 0);                    /* plen 16 */
    damaged_request(&s, 7, 3, 0);                     /* opcode 3 (RARP) */
    damaged_request(&s, 8, 0x03, 0);                  /* sender MAC a group address */
    damaged_request(&s, 14, 224, 0);                  /* sender 224.18.0.1 */
    damaged_request(&s, 14, 127, 0);                  /* sender 127.18.0.1 */
    expect_nothing_sent(&s);
    CHECK_EQ(drops(&s, SYNACK_DROP_ARP_MALFORMED), 9);
    CHECK_EQ(stats(&s)->arp_in_requests, 0);
    CHECK_EQ(stats(&s)->neigh_entries, 0);
    damaged_request(&s, 0, 0, 0);                     /* sound again */
    expect_sent_arp(&s, ARP_REPLY, scenario_peer_mac, STACK_IP, scenario_peer_mac, PEER_IP);
    scenario_end(&s);
}

/*  IP frame to 02:..:77                     -->  LINK_NOT_FOR_US
 *  IP frame to 01:00:5e:00:00:fb (a group not joined)  -->  LINK_NOT_FOR_US
 *  frame from our own MAC (a loop)          -->  LINK_BAD_SOURCE
 *  VLAN-tagged frame (0x8100)               -->  LINK_ETHERTYPE
 *  10 bytes                                 -->  LINK_TRUNCATED
 *  SYN (40 bytes) in a 60-byte frame with junk padding  -->  taken
 *                                      <--  SYN|ACK
 *  (later) RST: 54 bytes, padded with zeros to 60
 */
TEST(frames_not_for_us_are_dropped_and_padding_is_ignored)
{
    struct scenario s;
    scenario_listen(&s, .family = 4, .ethernet = true, .iss = 8000);
    expect_sent_announcement(&s);
    uint8_t ip[100], frame[120];
    size_t len = peer_packet(&s, SEG(SYN, .seq = 1000), ip, sizeof ip);
    static const uint8_t stranger[6] = { 0x02, 0, 0, 0, 0, 0x77 };
    static const uint8_t group[6] = { 0x01, 0x00, 0x5e, 0, 0, 0xfb };
    peer_sends_frame(&s, frame, eth_frame(frame, sizeof frame, stranger, scenario_peer_mac, 0x0800, ip, len));
    peer_sends_frame(&s, frame, eth_frame(frame, sizeof frame, group, scenario_peer_mac, 0x0800, ip, len));
    CHECK_EQ(drops(&s, SYNACK_DROP_LINK_NOT_FOR_US), 2);
    peer_sends_frame(&s, frame, eth_frame(frame, sizeof frame, scenario_stack_mac, scenario_stack_mac, 0x0800, ip, len));
    CHECK_EQ(drops(&s, SYNACK_DROP_LINK_BAD_SOURCE), 1);
    peer_sends_frame(&s, frame, eth_frame(frame, sizeof frame, scenario_stack_mac, scenario_peer_mac, 0x8100, ip, len));
    CHECK_EQ(drops(&s, SYNACK_DROP_LINK_ETHERTYPE), 1);
    peer_sends_frame(&s, frame, 10);
    CHECK_EQ(drops(&s, SYNACK_DROP_LINK_TRUNCATED), 1);
    CHECK_EQ(stats(&s)->ip_in_receives, 0);
    expect_nothing_sent(&s);
    /* The SYN has no options: 40 bytes, 54 with the header, 6 of padding. */
    peer_sends_arp(&s, ARP_REQUEST, scenario_peer_mac, PEER_IP, STACK_IP, scenario_broadcast);
    expect_sent_arp(&s, ARP_REPLY, scenario_peer_mac, STACK_IP, scenario_peer_mac, PEER_IP);
    size_t n = eth_frame(frame, sizeof frame, scenario_stack_mac, scenario_peer_mac, 0x0800, ip, len);
    CHECK_EQ(n, 60);
    memset(frame + 14 + len, 0xee, n - 14 - len);
    peer_sends_frame(&s, frame, n);
    expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001));
    /* A segment for no connection: RST of 40 bytes, which leaves padded. */
    peer_sends(&s, SEG(ACK, .seq = 7, .ack = 99, .dport = 81));
    uint8_t f[100];
    n = take_sent_frame(&s, f, sizeof f);
    CHECK_EQ(n, 60);
    CHECK_EQ(get_be16(f + 14 + 2), 40);
    for (size_t i = 54; i < 60; i++)
        CHECK_EQ(f[i], 0);
    scenario_end(&s);
}

/*  established; the entry STALE at 16 s
 *  send "x"                                <--  x                        16 s  DELAY
 *  (the peer has gone quiet)               <--  x (retransmission)       17 s, 19 s
 *                                          <--  ARP who-has .1 (unicast) 21, 22, 23 s  PROBE
 *                                          <--  x (retransmission)       23 s
 *  24 s: the probes failed, the entry goes
 *                                          <--  ARP who-has .1 (bcast)   31, 32, 33 s: the
 *                                               retransmission at 31 s resolves afresh
 *  34 s: resolution failed; the connection lives on, with EHOSTUNREACH as
 *  its soft error (tcp_icmp.c: reported if it times out)
 */
TEST(failed_resolution_gives_an_established_connection_a_soft_error)
{
    struct scenario s;
    scenario_client(&s, .family = 4, .ethernet = true, .iss = 1000, .tune = short_times);
    connect_over_ethernet(&s);
    at(&s, 16000);
    app_send(&s, "x");
    struct seg_spec x = SEG(ACK | PSH, .seq = 1001, .ack = 5001, .data = "x");
    expect_sent(&s, x);
    at(&s, 17000);
    expect_sent(&s, x);
    at(&s, 19000);
    expect_sent(&s, x);
    at(&s, 21000);
    expect_sent_who_has_peer(&s, scenario_peer_mac);
    at(&s, 22000);
    expect_sent_who_has_peer(&s, scenario_peer_mac);
    at(&s, 23000);
    expect_sent_who_has_peer(&s, scenario_peer_mac);
    expect_sent(&s, x);
    at(&s, 24000);
    CHECK_EQ(neigh_of(&s, PEER_IP), -1);
    at(&s, 31000);
    expect_sent_who_has_peer(&s, scenario_broadcast);
    at(&s, 32000);
    expect_sent_who_has_peer(&s, scenario_broadcast);
    at(&s, 33000);
    expect_sent_who_has_peer(&s, scenario_broadcast);
    CHECK_EQ(app_info(&s).soft_error, 0);
    at(&s, 34000);
    expect_nothing_sent(&s);
    CHECK_EQ(stats(&s)->neigh_res_failed, 2);
    CHECK_EQ(drops(&s, SYNACK_DROP_NEIGH_UNREACHABLE), 1);
    expect_state(&s, ESTABLISHED);
    CHECK_EQ(app_info(&s).soft_error, -SYNACK_EHOSTUNREACH);
    app_abort(&s);
    expect_sent_who_has_peer(&s, scenario_broadcast);   /* the RST resolves afresh */
    scenario_end(&s);
}

/* ---- allocation failure ---- */

/* An allocator that fails the n-th allocation once armed (and, for good,
 * every one after it), and counts what it holds. */
static struct {
    bool armed, for_good;
    uint64_t count, fail_at, live;
} fa;

static void *failing_alloc(void *ctx, void *old, size_t old_size, size_t new_size)
{
    (void)ctx;
    if (new_size == 0) {
        free(old);
        fa.live -= old_size;
        return NULL;
    }
    if (fa.armed && new_size > old_size) {
        fa.count++;
        if (fa.count == fa.fail_at || (fa.for_good && fa.count > fa.fail_at))
            return NULL;
    }
    void *p = realloc(old, new_size);
    if (p)
        fa.live += new_size - old_size;
    return p;
}

static void failing(struct synack_config *c)
{
    c->alloc = failing_alloc;
    c->neigh_max_entries = 4;
}

/* The work: a connect whose SYN waits, requests from six hosts (entries
 * made and evicted), echo requests from three more (entries resolving,
 * replies queued), the peer's answer, and the failures of the rest. */
static void cache_workout(struct scenario *s)
{
    at(s, 0);
    app_connect(s);
    for (uint8_t i = 0; i < 6; i++) {
        uint8_t mac[6] = { 0x02, 0x20, 0, 0, 0, i };
        peer_sends_arp(s, ARP_REQUEST, mac, synack_addr_v4(198, 18, 0, (uint8_t)(20 + i)), STACK_IP,
                       scenario_broadcast);
    }
    for (uint8_t i = 0; i < 3; i++)
        echo_request_from(s, synack_addr_v4(198, 18, 0, (uint8_t)(40 + i)), "ping");
    peer_says_is_at(s);
    CHECK_EQ(stats(s)->mem_bytes, fa.live);
    CHECK(stats(s)->neigh_entries <= 4);
    at(s, 5000);
    CHECK_EQ(stats(s)->mem_bytes, fa.live);
    while (take_sent_frame(s, NULL, 0))
        ;
}

/*  the workout above with allocation n failing (once, then for good), for
 *  every n it makes: the stack stays consistent (its byte count is the
 *  allocator's, the cache within its bound), and nothing is left once it
 *  is freed
 */
TEST(neighbour_cache_survives_each_allocation_failing)
{
    struct scenario s;
    memset(&fa, 0, sizeof fa);
    scenario_client(&s, .family = 4, .ethernet = true, .iss = 1000, .tune = failing);
    fa.armed = true;
    cache_workout(&s);
    scenario_end(&s);
    uint64_t total = fa.count;
    CHECK(total >= 8);
    CHECK_EQ(fa.live, 0);
    for (int mode = 0; mode < 2; mode++)
        for (uint64_t n = 1; n <= total; n++) {
            memset(&fa, 0, sizeof fa);
            scenario_client(&s, .family = 4, .ethernet = true, .iss = 1000, .tune = failing);
            fa.armed = true;
            fa.fail_at = n;
            fa.for_good = mode == 1;
            cache_workout(&s);
            scenario_end(&s);
            if (fa.live != 0)
                test_fail(__FILE__, __LINE__, "allocation %llu failing (%s): %llu bytes left", (unsigned long long)n,
                          mode ? "for good" : "once", (unsigned long long)fa.live);
        }
}
