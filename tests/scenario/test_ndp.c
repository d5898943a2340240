/*
 * test_ndp.c — IPv6 neighbour discovery (RFC 4861) and duplicate address
 * detection (RFC 4862 §5.4) on an Ethernet interface, frame by frame.
 *
 * Reading list: RFC 4861 §4.3, §4.4 (solicitation, advertisement),
 * §7.1.1, §7.1.2 (validation), §7.2.2 (resolution: solicited-node group,
 * retries, failure), §7.2.3-§7.2.5 (answering, learning), §7.3.3 (probes);
 * RFC 4862 §5.4.2-§5.4.5 (DAD); RFC 2464 §7 (33:33 group MACs).
 *
 * The stack is fd00:5ac::2/64 and fe80::ff:fe00:2 (its EUI-64 link-local
 * address) at 02:00:00:00:00:02; the peer fd00:5ac::1 at
 * 02:00:00:00:00:01.  Both of the stack's addresses end in 00:0002, so
 * they share the solicited-node group ff02::1:ff00:2.  "-->" is a frame
 * arriving at the stack, "<--" one it sends.
 */
#include "byteorder.h"
#include "checksum.h"
#include "neigh.h"
#include "scenario.h"

#define NS 135
#define NA 136
#define RS 133
#define RA 134
#define FLAG_S 0x40
#define FLAG_O 0x20
#define SLLA 1
#define TLLA 2

#define eth6(...) .family = 6, .ethernet = true, .mtu = 1500, __VA_ARGS__

#define STACK6 parse_addr("fd00:5ac::2")
#define PEER6 parse_addr("fd00:5ac::1")
#define STACK_LL parse_addr("fe80::ff:fe00:2")
#define ANY6 parse_addr("::")
#define ALL_NODES parse_addr("ff02::1")
#define SOLICITED_STACK parse_addr("ff02::1:ff00:2")
#define SOLICITED_PEER parse_addr("ff02::1:ff00:1")

/* The peer (or whoever `mac` is) sends a neighbour discovery message in
 * a frame to `to`. */
static void peer_sends_ndp(struct scenario *s, const uint8_t *mac, const uint8_t to[6], struct synack_addr src,
                           struct synack_addr dst, uint8_t hop_limit, uint8_t type, uint8_t flags,
                           struct synack_addr target, uint8_t opt_type)
{
    uint8_t pkt[128], frame[160];
    size_t n = peer_ndp_packet(pkt, sizeof pkt, src, dst, hop_limit, type, flags, target, opt_type, mac);
    REQUIRE(n);
    peer_sends_frame(s, frame, eth_frame(frame, sizeof frame, to, mac, 0x86dd, pkt, n));
}

/* The start of every scenario here: DAD for both addresses at the first
 * poll, one solicitation each from ::, to their (shared) solicited-node
 * group, without a link-layer option. */
static void dad_starts(struct scenario *s)
{
    at(s, 0);
    expect_sent_ndp(s, NS, 0, ANY6, SOLICITED_STACK, STACK_LL, 0);
    expect_sent_ndp(s, NS, 0, ANY6, SOLICITED_STACK, STACK6, 0);
}

/* ... and both usable a second later. */
static void dad_passes(struct scenario *s)
{
    dad_starts(s);
    at(s, 1000);
    expect_nothing_sent(s);
    CHECK_EQ(stats(s)->ndp_dad_ok, 2);
}

/* The peer says where it is, answering the stack's solicitation. */
static void peer_advertises(struct scenario *s)
{
    peer_sends_ndp(s, scenario_peer_mac, scenario_stack_mac, PEER6, STACK6, 255, NA, FLAG_S | FLAG_O, PEER6, TLLA);
}

/*  after DAD, connect():
 *                                      <--  NS fd00:5ac::2 > ff02::1:ff00:1 who has fd00:5ac::1
 *  NA [S O] tgt lladdr 02:..:01       -->
 *                                      <--  SYN seq=1000; SYN|ACK in, ACK out: ESTABLISHED */
static void connect_resolved(struct scenario *s)
{
    dad_passes(s);
    app_connect(s);
    expect_sent_ndp(s, NS, 0, STACK6, SOLICITED_PEER, PEER6, SLLA);
    peer_advertises(s);
    expect_sent(s, SEG(SYN, .seq = 1000));
    peer_sends(s, SEG(SYN | ACK, .seq = 5000, .ack = 1001, .mss = 1440));
    expect_sent(s, SEG(ACK, .seq = 1001, .ack = 5001));
}

/*  listening on :80; addresses added: both tentative
 *                                      <--  NS :: > ff02::1:ff00:2 who has fe80::ff:fe00:2 (no option)
 *                                      <--  NS :: > ff02::1:ff00:2 who has fd00:5ac::2
 *  500 ms: SYN to fd00:5ac::2         -->   not ours yet: dropped, no answer
 *  1000 ms: no objection: both addresses ours
 *  SYN to fd00:5ac::2                 -->
 *                                      <--  NS fd00:5ac::2 > ff02::1:ff00:1 who has fd00:5ac::1, src lladdr
 *  NA S|O tgt lladdr 02:..:01         -->
 *                                      <--  SYN|ACK (framed to 02:..:01)
 */
TEST(dad_makes_the_address_usable_after_a_second_not_before)
{
    struct scenario s;
    scenario_listen(&s, eth6(.iss = 8000));
    dad_starts(&s);
    at(&s, 500);
    peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1440));
    expect_nothing_sent(&s);
    CHECK_EQ(drops(&s, SYNACK_DROP_IP_NOT_FOR_US), 1);
    CHECK_EQ(stats(&s)->ndp_dad_ok, 0);
    at(&s, 1000);
    CHECK_EQ(stats(&s)->ndp_dad_ok, 2);
    peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1440));
    expect_sent_ndp(&s, NS, 0, STACK6, SOLICITED_PEER, PEER6, SLLA);
    peer_advertises(&s);
    expect_sent(&s, SEG(SYN | ACK, .seq = 8000, .ack = 1001, .mss = 1440));
    CHECK_EQ(neigh_of(&s, PEER6), NEIGH_REACHABLE);
    scenario_end(&s);
}

/*  DAD running for both addresses
 *  NA for fd00:5ac::2 from 02:..:09 (to all nodes, O)       -->  the address is taken
 *  NS from :: for fe80::ff:fe00:2 (another node's DAD)      -->  so is this one
 *  both DUPLICATE, never used: a SYN to fd00:5ac::2 gets nothing, an NS
 *  for it gets no answer (the stack has left the solicited-node group:
 *  neither address in it is its own), and DAD sends nothing more
 */
TEST(dad_failure_marks_the_address_duplicate_and_it_is_never_used)
{
    struct scenario s;
    scenario_listen(&s, eth6(.iss = 8000));
    dad_starts(&s);
    at(&s, 300);
    uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 }, sn_mac[6];
    group_mac(SOLICITED_STACK, sn_mac);
    peer_sends_ndp(&s, scenario_other_mac, all_nodes_mac, parse_addr("fd00:5ac::9"), ALL_NODES, 255, NA, FLAG_O, STACK6, TLLA);
    peer_sends_ndp(&s, scenario_other_mac, sn_mac, ANY6, SOLICITED_STACK, 255, NS, 0, STACK_LL, 0);
    expect_nothing_sent(&s);
    CHECK_EQ(stats(&s)->ndp_dad_duplicates, 2);
    at(&s, 5000);
    expect_nothing_sent(&s);
    CHECK_EQ(stats(&s)->ndp_dad_ok, 0);
    peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1440));
    peer_sends_ndp(&s, scenario_peer_mac, sn_mac, PEER6, SOLICITED_STACK, 255, NS, 0, STACK6, SLLA);
    expect_nothing_sent(&s);
    CHECK_EQ(drops(&s, SYNACK_DROP_IP_NOT_FOR_US), 1);
    CHECK_EQ(drops(&s, SYNACK_DROP_LINK_NOT_FOR_US), 1);     /* no address left in ff02::1:ff00:2 */
    scenario_end(&s);
}

/*  after DAD
 *  NS fd00:5ac::1 > ff02::1:ff00:2 who has fd00:5ac::2, src lladdr 02:..:01  -->
 *                                      <--  NA fd00:5ac::2 > fd00:5ac::1 tgt fd00:5ac::2 [S O], tgt lladdr
 *  NS :: > ff02::1:ff00:2 who has fd00:5ac::2 (a late DAD elsewhere)         -->
 *                                      <--  NA fd00:5ac::2 > ff02::1 [O] (to all nodes, not solicited)
 *  NS for fd00:5ac::7 (not ours)      -->   no answer
 */
TEST(solicitation_is_answered_with_a_solicited_advertisement)
{
    struct scenario s;
    scenario_listen(&s, eth6());
    dad_passes(&s);
    uint8_t sn_mac[6];
    group_mac(SOLICITED_STACK, sn_mac);
    peer_sends_ndp(&s, scenario_peer_mac, sn_mac, PEER6, SOLICITED_STACK, 255, NS, 0, STACK6, SLLA);
    expect_sent_ndp(&s, NA, FLAG_S | FLAG_O, STACK6, PEER6, STACK6, TLLA);
    CHECK_EQ(neigh_of(&s, PEER6), NEIGH_DELAY);           /* learnt STALE, then used for the answer */
    peer_sends_ndp(&s, scenario_peer_mac, sn_mac, ANY6, SOLICITED_STACK, 255, NS, 0, STACK6, 0);
    expect_sent_ndp(&s, NA, FLAG_O, STACK6, ALL_NODES, STACK6, TLLA);
    peer_sends_ndp(&s, scenario_peer_mac, scenario_stack_mac, PEER6, STACK6, 255, NS, 0, parse_addr("fd00:5ac::7"), SLLA);
    expect_nothing_sent(&s);
    CHECK_EQ(drops(&s, SYNACK_DROP_NDP_NOT_FOR_US), 1);
    CHECK_EQ(stats(&s)->ndp_in_solicits, 3);
    CHECK_EQ(stats(&s)->ndp_out_adverts, 2);
    /* The link-local address answers too. */
    peer_sends_ndp(&s, scenario_peer_mac, sn_mac, parse_addr("fe80::ff:fe00:1"), SOLICITED_STACK, 255, NS, 0, STACK_LL,
                   SLLA);
    expect_sent_ndp(&s, NA, FLAG_S | FLAG_O, STACK_LL, parse_addr("fe80::ff:fe00:1"), STACK_LL, TLLA);
    scenario_end(&s);
}

/*  after DAD, connect() to [fd00:5ac::1]:40000
 *                                      <--  NS fd00:5ac::2 > ff02::1:ff00:1 who has fd00:5ac::1, src lladdr
 *  NA fd00:5ac::1 [S O], tgt lladdr 02:..:01  -->
 *                                      <--  SYN (framed to 02:..:01)
 *  SYN|ACK                            -->
 *                                      <--  ACK                          ESTABLISHED
 */
TEST(ipv6_connect_resolves_the_peer_by_solicitation_and_advertisement)
{
    struct scenario s;
    scenario_client(&s, eth6(.iss = 1000));
    dad_passes(&s);
    CHECK_EQ(app_connect(&s), -SYNACK_EINPROGRESS);
    expect_sent_ndp(&s, NS, 0, STACK6, SOLICITED_PEER, PEER6, SLLA);
    expect_nothing_sent(&s);
    CHECK_EQ(neigh_of(&s, PEER6), NEIGH_INCOMPLETE);
    peer_advertises(&s);
    expect_sent(&s, SEG(SYN, .seq = 1000, .mss = 1440));
    peer_sends(&s, SEG(SYN | ACK, .seq = 5000, .ack = 1001, .mss = 1440));
    expect_sent(&s, SEG(ACK, .seq = 1001, .ack = 5001));
    expect_state(&s, ESTABLISHED);
    CHECK_EQ(neigh_of(&s, PEER6), NEIGH_REACHABLE);
    CHECK_EQ(stats(&s)->ndp_out_solicits, 3);              /* two for DAD, one to resolve */
    scenario_end(&s);
}

/*  connect() at 1 s: NS at 1, 2, 3 s unanswered; at 4 s the SYNs waiting
 *  are dropped and connect() fails with EHOSTUNREACH
 */
TEST(unanswered_solicitations_fail_the_connect_with_ehostunreach)
{
    struct scenario s;
    scenario_client(&s, eth6(.iss = 1000));
    dad_passes(&s);
    app_connect(&s);
    expect_sent_ndp(&s, NS, 0, STACK6, SOLICITED_PEER, PEER6, SLLA);
    at(&s, 2000);
    expect_sent_ndp(&s, NS, 0, STACK6, SOLICITED_PEER, PEER6, SLLA);
    at(&s, 3000);
    expect_sent_ndp(&s, NS, 0, STACK6, SOLICITED_PEER, PEER6, SLLA);
    at(&s, 3999);
    expect_state(&s, SYN_SENT);
    at(&s, 4000);
    expect_state(&s, CLOSED);
    CHECK_EQ(app_error(&s), -SYNACK_EHOSTUNREACH);
    CHECK_EQ(drops(&s, SYNACK_DROP_NEIGH_UNREACHABLE), 2);
    CHECK_EQ(stats(&s)->neigh_res_failed, 1);
    expect_nothing_sent(&s);
    scenario_end(&s);
}

static void short_reachable(struct synack_config *c) { c->neigh_reachable_us = 10000000; }

/*  resolved and ESTABLISHED at 1 s; STALE by 16 s
 *  send "x" at 17 s                    <--  x at once                    DELAY
 *  ACK                                -->
 *  22 s                                <--  NS fd00:5ac::2 > fd00:5ac::1 (unicast, to 02:..:01)  PROBE
 *  NA [S] without an option           -->                                REACHABLE
 */
TEST(stale_entry_is_probed_with_a_unicast_solicitation)
{
    struct scenario s;
    scenario_client(&s, eth6(.iss = 1000, .tune = short_reachable));
    connect_resolved(&s);
    at(&s, 17000);
    CHECK_EQ(neigh_of(&s, PEER6), NEIGH_STALE);
    app_send(&s, "x");
    expect_sent(&s, SEG(ACK | PSH, .seq = 1001, .ack = 5001, .data = "x"));
    peer_sends(&s, SEG(ACK, .seq = 5001, .ack = 1002));
    at(&s, 22000);
    expect_sent_ndp(&s, NS, 0, STACK6, PEER6, PEER6, SLLA);
    CHECK_EQ(neigh_of(&s, PEER6), NEIGH_PROBE);
    peer_sends_ndp(&s, scenario_peer_mac, scenario_stack_mac, PEER6, STACK6, 255, NA, FLAG_S, PEER6, 0);
    CHECK_EQ(neigh_of(&s, PEER6), NEIGH_REACHABLE);
    at(&s, 26000);
    expect_nothing_sent(&s);
    scenario_end(&s);
}

/*  RFC 4861 §7.2.5, with the peer's entry REACHABLE:
 *  NA [S] from 02:..:09 without O     -->   a different MAC is not taken; the
 *                                           entry is no longer sure: STALE
 *  NA [O] (unsolicited) from 02:..:09 -->   the MAC is replaced, STALE
 *  send "x"                            <--  framed to 02:..:09
 *  NA for fd00:5ac::8 (no entry)      -->   ignored, no entry made
 */
TEST(advertisements_follow_the_override_rules)
{
    struct scenario s;
    scenario_client(&s, eth6(.iss = 1000));
    connect_resolved(&s);
    peer_sends_ndp(&s, scenario_other_mac, scenario_stack_mac, PEER6, STACK6, 255, NA, FLAG_S, PEER6, TLLA);
    CHECK_EQ(neigh_of(&s, PEER6), NEIGH_STALE);
    app_send(&s, "x");
    uint8_t f[200];
    CHECK(take_sent_frame(&s, f, sizeof f) > 14);
    CHECK(memcmp(f, scenario_peer_mac, 6) == 0);
    peer_sends(&s, SEG(ACK, .seq = 5001, .ack = 1002));
    peer_sends_ndp(&s, scenario_other_mac, scenario_stack_mac, PEER6, STACK6, 255, NA, FLAG_O, PEER6, TLLA);
    CHECK_EQ(neigh_of(&s, PEER6), NEIGH_STALE);
    app_send(&s, "y");
    CHECK(take_sent_frame(&s, f, sizeof f) > 14);
    CHECK(memcmp(f, scenario_other_mac, 6) == 0);
    uint64_t entries = stats(&s)->neigh_entries;
    peer_sends_ndp(&s, scenario_other_mac, scenario_stack_mac, parse_addr("fd00:5ac::8"), STACK6, 255, NA, FLAG_O,
                   parse_addr("fd00:5ac::8"), TLLA);
    CHECK_EQ(stats(&s)->neigh_entries, entries);
    CHECK_EQ(drops(&s, SYNACK_DROP_NDP_NOT_FOR_US), 1);
    scenario_end(&s);
}

/* A sound solicitation from the peer for fd00:5ac::2, then damaged at
 * byte `at` of the ICMPv6 message (set to value), or cut to len bytes,
 * checksum made right again. */
static void damaged_ns(struct scenario *s, struct synack_addr src, struct synack_addr dst, uint8_t hop_limit,
                       size_t at_byte, uint8_t value, size_t icmp_len, uint8_t opt_type)
{
    uint8_t pkt[128], frame[160];
    size_t n = peer_ndp_packet(pkt, sizeof pkt, src, dst, hop_limit, NS, 0, STACK6, opt_type, scenario_peer_mac);
    REQUIRE(n);
    uint8_t *icmp = pkt + 40;
    if (at_byte)
        icmp[at_byte] = value;
    if (icmp_len) {
        n = 40 + icmp_len;
        put_be16(pkt + 4, (uint16_t)icmp_len);
    }
    put_be16(icmp + 2, 0);
    put_be16(icmp + 2, csum_finish(csum_add(csum_pseudo(&src, &dst, 58, (uint32_t)(n - 40)), icmp, n - 40)));
    uint8_t to[6];
    if (dst.bytes[0] == 0xff)
        group_mac(dst, to);
    else
        memcpy(to, scenario_stack_mac, 6);
    peer_sends_frame(s, frame, eth_frame(frame, sizeof frame, to, scenario_peer_mac, 0x86dd, pkt, n));
}

/*  solicitations for fd00:5ac::2, each broken one way (RFC 4861 §7.1.1)  -->
 *  dropped and counted (NDP_MALFORMED), none answered:
 *  hop limit 254; code 1; 20 bytes; a multicast target; an option of
 *  length 0; a source link-layer option of length 2; from :: to a unicast
 *  address; from :: with a source link-layer option.  An advertisement
 *  to a group with S set (§7.1.2) likewise.  Then a sound one is answered.
 */
TEST(malformed_neighbour_discovery_is_dropped_and_counted)
{
    struct scenario s;
    scenario_listen(&s, eth6());
    dad_passes(&s);
    damaged_ns(&s, PEER6, SOLICITED_STACK, 254, 0, 0, 0, SLLA);
    damaged_ns(&s, PEER6, SOLICITED_STACK, 255, 1, 1, 0, SLLA);
    damaged_ns(&s, PEER6, SOLICITED_STACK, 255, 0, 0, 20, 0);
    damaged_ns(&s, PEER6, SOLICITED_STACK, 255, 8, 0xff, 0, SLLA);
    damaged_ns(&s, PEER6, SOLICITED_STACK, 255, 25, 0, 0, SLLA);
    damaged_ns(&s, PEER6, SOLICITED_STACK, 255, 25, 2, 0, SLLA);
    damaged_ns(&s, ANY6, STACK6, 255, 0, 0, 0, 0);
    damaged_ns(&s, ANY6, SOLICITED_STACK, 255, 0, 0, 0, SLLA);
    uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
    peer_sends_ndp(&s, scenario_peer_mac, all_nodes_mac, PEER6, ALL_NODES, 255, NA, FLAG_S | FLAG_O, PEER6, TLLA);
    expect_nothing_sent(&s);
    CHECK_EQ(drops(&s, SYNACK_DROP_NDP_MALFORMED), 9);
    CHECK_EQ(stats(&s)->neigh_entries, 0);
    damaged_ns(&s, PEER6, SOLICITED_STACK, 255, 0, 0, 0, SLLA);
    expect_sent_ndp(&s, NA, FLAG_S | FLAG_O, STACK6, PEER6, STACK6, TLLA);
    scenario_end(&s);
}

/*  router solicitation and advertisement from the peer  -->  counted, ignored
 *  (synack does no router discovery)
 */
TEST(router_discovery_messages_are_ignored)
{
    struct scenario s;
    scenario_listen(&s, eth6());
    dad_passes(&s);
    uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
    peer_sends_ndp(&s, scenario_peer_mac, all_nodes_mac, parse_addr("fe80::ff:fe00:1"), ALL_NODES, 255, RS, 0,
                   ANY6, 0);
    peer_sends_ndp(&s, scenario_peer_mac, all_nodes_mac, parse_addr("fe80::ff:fe00:1"), ALL_NODES, 255, RA, 0,
                   ANY6, 0);
    expect_nothing_sent(&s);
    CHECK_EQ(drops(&s, SYNACK_DROP_NDP_ROUTER), 2);
    CHECK_EQ(stats(&s)->neigh_entries, 0);
    scenario_end(&s);
}

/*  on an IP link (TUN: no link-layer addresses)
 *  NS fd00:5ac::1 > ff02::1:ff00:2 who has fd00:5ac::2  -->  dropped, no answer;
 *  the address was never tentative (no DAD without a link layer)
 */
TEST(neighbour_discovery_has_no_place_on_an_ip_link)
{
    struct scenario s;
    scenario_listen(&s, .family = 6, .mtu = 1500);
    uint8_t pkt[128];
    size_t n = peer_ndp_packet(pkt, sizeof pkt, PEER6, SOLICITED_STACK, 255, NS, 0, STACK6, SLLA, scenario_peer_mac);
    peer_sends_raw(&s, pkt, n);
    expect_nothing_sent(&s);
    CHECK_EQ(drops(&s, SYNACK_DROP_NDP_NOT_FOR_US), 1);
    CHECK_EQ(stats(&s)->ndp_out_solicits, 0);
    peer_sends(&s, SEG(SYN, .seq = 1000, .mss = 1440));
    expect_sent(&s, SEG(SYN | ACK, .seq = 0, .ack = 1001));
    scenario_end(&s);
}
