/*
 * test_sim_net.c — the simulator's network itself, with hand-built
 * packets and frames put on the wire by synack_sim_send_raw: routing by
 * IPv4 and IPv6 destination over point-to-point links, hosts with two
 * addresses, and the Ethernet switch (learning, forwarding, filtering,
 * flooding, ageing, the table's bound, port MTU), the three taps, and
 * determinism.  The stacks behind the hosts receive these packets and
 * drop them; what is checked is where the simulator carried them.
 */
#include "test.h"

#include <stdlib.h>

#include "synack/sim.h"
#include "synack/stack.h"

#define SEC 1000000ull
#define MAX_SEEN 64

static const uint8_t BROADCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t ALL_NODES[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };

/* What the taps saw, in order. */
struct seen {
    int host;
    size_t len;
    uint8_t first;               /* the first byte (an IP version nibble, or a MAC's) */
    uint8_t tag;                 /* the packet's last byte: which packet it was */
};

struct watch {
    struct seen arrived[MAX_SEEN], sent[MAX_SEEN], wire[MAX_SEEN];
    int arrived_count, sent_count, wire_count;
};

static void record(struct seen *list, int *count, int host, const uint8_t *p, size_t len)
{
    if (*count >= MAX_SEEN || len == 0)
        return;
    list[*count] = (struct seen){ host, len, p[0], p[len - 1] };
    (*count)++;
}

static void on_arrival(void *ctx, int host, synack_time_us now, const uint8_t *p, size_t len)
{
    struct watch *w = ctx;
    (void)now;
    record(w->arrived, &w->arrived_count, host, p, len);
}

static void on_sent(void *ctx, int host, synack_time_us now, const uint8_t *p, size_t len)
{
    struct watch *w = ctx;
    (void)now;
    record(w->sent, &w->sent_count, host, p, len);
}

static void on_wire(void *ctx, int host, synack_time_us now, const uint8_t *p, size_t len)
{
    struct watch *w = ctx;
    (void)now;
    record(w->wire, &w->wire_count, host, p, len);
}

static void watch_all(struct synack_sim *sim, struct watch *w)
{
    memset(w, 0, sizeof *w);
    synack_sim_set_arrival_tap(sim, on_arrival, w);
    synack_sim_set_tap(sim, on_sent, w);
    synack_sim_set_wire_tap(sim, on_wire, w);
}

/* How many arrivals at host carried tag. */
static int arrivals(const struct watch *w, int host, uint8_t tag)
{
    int n = 0;
    for (int i = 0; i < w->arrived_count; i++)
        n += w->arrived[i].host == host && w->arrived[i].tag == tag;
    return n;
}

static struct synack_addr v6(uint16_t last)
{
    uint8_t b[16] = { 0xfd, 0x00, 0x05, 0xac };
    b[14] = (uint8_t)(last >> 8);
    b[15] = (uint8_t)last;
    return synack_addr_v6(b);
}

/* An IPv4 packet of len bytes (a UDP header's worth of protocol 17 with
 * nothing valid in it) from src to dst, its last byte `tag`. */
static size_t ipv4_packet(uint8_t *p, size_t len, struct synack_addr src, struct synack_addr dst, uint8_t tag)
{
    memset(p, 0, len);
    p[0] = 0x45;
    p[2] = (uint8_t)(len >> 8);
    p[3] = (uint8_t)len;
    p[8] = 64;
    p[9] = 17;
    memcpy(p + 12, src.bytes, 4);
    memcpy(p + 16, dst.bytes, 4);
    p[len - 1] = tag;
    return len;
}

/* An IPv6 packet of len bytes (no next header, 59), its last byte `tag`. */
static size_t ipv6_packet(uint8_t *p, size_t len, struct synack_addr src, struct synack_addr dst, uint8_t tag)
{
    memset(p, 0, len);
    p[0] = 0x60;
    p[4] = (uint8_t)((len - 40) >> 8);
    p[5] = (uint8_t)(len - 40);
    p[6] = 59;
    p[7] = 64;
    memcpy(p + 8, src.bytes, 16);
    memcpy(p + 24, dst.bytes, 16);
    if (len > 40)
        p[len - 1] = tag;
    return len;
}

/* An Ethernet frame from src to dst carrying an IPv4 packet of ip_len
 * bytes tagged `tag`, padded with `pad` zero bytes after it. */
static size_t ipv4_frame(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], size_t ip_len, size_t pad,
                         uint8_t tag)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    f[12] = 0x08;
    f[13] = 0x00;
    ipv4_packet(f + 14, ip_len, synack_addr_v4(198, 18, 0, 9), synack_addr_v4(198, 18, 0, 8), tag);
    memset(f + 14 + ip_len, 0, pad);
    return 14 + ip_len + pad;
}

/* ---- Point-to-point links ----------------------------------------------- */

/*  a (fd00:5ac::1) ---- b (fd00:5ac::2)        c (fd00:5ac::3), no link
 *  a sends to ::2 (reaches b), to ::3 (unroutable), to ::9 (unroutable) */
TEST(ipv6_packets_are_routed_by_destination)
{
    struct synack_sim *sim = synack_sim_new(1);
    int a = synack_sim_add_host(sim, "a", NULL, v6(1), 1500);
    int b = synack_sim_add_host(sim, "b", NULL, v6(2), 1500);
    int c = synack_sim_add_host(sim, "c", NULL, v6(3), 1500);
    REQUIRE(a >= 0 && b >= 0 && c >= 0);
    int link = synack_sim_link(sim, a, b, NULL, NULL);
    REQUIRE(link >= 0);
    struct watch w;
    watch_all(sim, &w);
    uint8_t pkt[100];
    CHECK_EQ(synack_sim_send_raw(sim, a, pkt, ipv6_packet(pkt, 100, v6(1), v6(2), 0x11)), 0);
    CHECK_EQ(synack_sim_send_raw(sim, a, pkt, ipv6_packet(pkt, 100, v6(1), v6(3), 0x12)), 0);
    CHECK_EQ(synack_sim_send_raw(sim, a, pkt, ipv6_packet(pkt, 100, v6(1), v6(9), 0x13)), 0);
    synack_sim_run_until_idle(sim, 10 * SEC);
    CHECK_EQ(arrivals(&w, b, 0x11), 1);
    CHECK_EQ(w.arrived_count, 1);
    CHECK_EQ(synack_sim_unroutable(sim), 2);
    CHECK_EQ(w.sent_count, 3);       /* the tap sees every packet sent, routed or not */
    CHECK_EQ(synack_sim_link_stats(sim, link, a)->packets_delivered, 1);
    CHECK_EQ(synack_sim_host_link(sim, a), SYNACK_LINK_IP);
    synack_sim_free(sim);
}

/*  a: 198.18.0.1 and fd00:5ac::1 ---- b: 198.18.0.2 and fd00:5ac::2
 *  both families reach b over the one link; a third host may not take
 *  either of b's addresses. */
TEST(dual_stack_hosts_are_reached_at_both_addresses)
{
    struct synack_sim *sim = synack_sim_new(1);
    int a = synack_sim_add_host(sim, "a", NULL, synack_addr_v4(198, 18, 0, 1), 1500);
    int b = synack_sim_add_host(sim, "b", NULL, synack_addr_v4(198, 18, 0, 2), 1500);
    REQUIRE(a >= 0 && b >= 0);
    CHECK_EQ(synack_sim_add_host_addr(sim, a, v6(1), 0), 0);
    CHECK_EQ(synack_sim_add_host_addr(sim, b, v6(2), 64), 0);
    CHECK_EQ(synack_sim_add_host_addr(sim, a, v6(2), 0), -SYNACK_EADDRINUSE);
    CHECK_EQ(synack_sim_add_host(sim, "c", NULL, v6(2), 1500), -SYNACK_EADDRINUSE);
    CHECK_EQ(synack_sim_add_host(sim, "c", NULL, synack_addr_v4(198, 18, 0, 2), 1500), -SYNACK_EADDRINUSE);
    CHECK_EQ(synack_sim_add_host_addr(sim, 7, v6(7), 0), -SYNACK_EINVAL);
    /* IPv6 needs an MTU of 1280 (RFC 8200 §5): the stack refuses less. */
    CHECK(synack_sim_add_host(sim, "small", NULL, v6(5), 1000) < 0);
    REQUIRE(synack_sim_link(sim, a, b, NULL, NULL) >= 0);
    struct watch w;
    watch_all(sim, &w);
    uint8_t pkt[60];
    CHECK_EQ(synack_sim_send_raw(sim, a, pkt, ipv4_packet(pkt, 60, synack_addr_v4(198, 18, 0, 1),
                                                           synack_addr_v4(198, 18, 0, 2), 0x21)), 0);
    CHECK_EQ(synack_sim_send_raw(sim, a, pkt, ipv6_packet(pkt, 60, v6(1), v6(2), 0x22)), 0);
    synack_sim_run_until_idle(sim, 10 * SEC);
    CHECK_EQ(arrivals(&w, b, 0x21), 1);
    CHECK_EQ(arrivals(&w, b, 0x22), 1);
    CHECK_EQ(synack_sim_unroutable(sim), 0);
    synack_sim_free(sim);
}

/* send_raw wants at least the fixed header of the packet's version. */
TEST(raw_packets_need_their_versions_header)
{
    struct synack_sim *sim = synack_sim_new(1);
    int a = synack_sim_add_host(sim, "a", NULL, v6(1), 1500);
    REQUIRE(a >= 0);
    uint8_t pkt[64];
    ipv6_packet(pkt, 40, v6(1), v6(2), 0);
    CHECK_EQ(synack_sim_send_raw(sim, a, pkt, 40), 0);
    CHECK_EQ(synack_sim_send_raw(sim, a, pkt, 39), -SYNACK_EINVAL);
    ipv4_packet(pkt, 20, v6(1), v6(2), 0);
    CHECK_EQ(synack_sim_send_raw(sim, a, pkt, 20), 0);
    CHECK_EQ(synack_sim_send_raw(sim, a, pkt, 19), -SYNACK_EINVAL);
    synack_sim_free(sim);
}

/* ---- The switch ------------------------------------------------------------ */

/* The frames below come from made-up MAC addresses, one per port
 * (02:aa:00:00:00:0N), so that whatever the stacks themselves send (a
 * gratuitous ARP at start, from their own addresses 02:00:00:00:00:0N)
 * teaches the switch nothing about them; the stacks' start-up traffic is
 * over before the watch and the baseline of the switch's figures are
 * taken. */
struct lan {
    struct synack_sim *sim;
    int sw;
    int host[3];
    int port[3];
    uint8_t mac[3][6];           /* what the test's frames from each port carry */
    struct watch w;
    struct synack_sim_switch_stats base;
};

/* Three Ethernet hosts, 198.18.0.1..3, on one switch with ideal ports
 * (port parameters p, when given, on every port in both directions). */
static bool lan_build(struct lan *l, uint64_t seed, const struct synack_link_params *p)
{
    memset(l, 0, sizeof *l);
    l->sim = synack_sim_new(seed);
    l->sw = synack_sim_switch_new(l->sim);
    if (l->sw < 0)
        return false;
    for (int i = 0; i < 3; i++) {
        struct synack_sim_host_params hp = {
            .addr = synack_addr_v4(198, 18, 0, (uint8_t)(i + 1)),
            .link = SYNACK_LINK_ETHERNET,
        };
        l->host[i] = synack_sim_add_host_params(l->sim, &hp);
        if (l->host[i] < 0)
            return false;
        l->port[i] = synack_sim_switch_attach(l->sim, l->sw, l->host[i], p, p);
        if (l->port[i] < 0)
            return false;
        const uint8_t mac[6] = { 0x02, 0xaa, 0, 0, 0, (uint8_t)(i + 1) };
        memcpy(l->mac[i], mac, 6);
    }
    synack_sim_run_until_idle(l->sim, 100 * SEC);
    watch_all(l->sim, &l->w);
    l->base = *synack_sim_switch_stats(l->sim, l->sw);
    return true;
}

/* A switch figure since lan_build. */
#define SW_DELTA(l, field) (synack_sim_switch_stats((l)->sim, (l)->sw)->field - (l)->base.field)

static void lan_send(struct lan *l, int from, const uint8_t dst[6], uint8_t tag)
{
    uint8_t f[128];
    size_t len = ipv4_frame(f, dst, l->mac[from], 60, 0, tag);
    CHECK_EQ(synack_sim_send_raw(l->sim, l->host[from], f, len), 0);
    synack_sim_run_until_idle(l->sim, synack_sim_now(l->sim) + 10 * SEC);
}

TEST(hosts_get_macs_from_their_numbers)
{
    struct lan l;
    REQUIRE(lan_build(&l, 1, NULL));
    static const uint8_t first[6] = { 0x02, 0, 0, 0, 0, 0x01 }, third[6] = { 0x02, 0, 0, 0, 0, 0x03 };
    uint8_t mac[6];
    CHECK_EQ(synack_sim_host_mac(l.sim, l.host[0], mac), 0);
    CHECK(memcmp(mac, first, 6) == 0);
    CHECK_EQ(synack_sim_host_mac(l.sim, l.host[2], mac), 0);
    CHECK(memcmp(mac, third, 6) == 0);
    CHECK_EQ(synack_sim_host_link(l.sim, l.host[0]), SYNACK_LINK_ETHERNET);
    /* One port per host; Ethernet hosts take no point-to-point link, IP
     * hosts no port; a MAC is one host's. */
    CHECK_EQ(synack_sim_switch_attach(l.sim, l.sw, l.host[0], NULL, NULL), -SYNACK_EINVAL);
    CHECK_EQ(synack_sim_link(l.sim, l.host[0], l.host[1], NULL, NULL), -SYNACK_EINVAL);
    int ip_host = synack_sim_add_host(l.sim, "ip", NULL, synack_addr_v4(198, 18, 1, 1), 1500);
    REQUIRE(ip_host >= 0);
    CHECK_EQ(synack_sim_switch_attach(l.sim, l.sw, ip_host, NULL, NULL), -SYNACK_EINVAL);
    CHECK_EQ(synack_sim_host_mac(l.sim, ip_host, mac), -SYNACK_EINVAL);
    struct synack_sim_host_params dup = { .addr = synack_addr_v4(198, 18, 0, 4), .link = SYNACK_LINK_ETHERNET };
    memcpy(dup.mac, third, 6);
    CHECK_EQ(synack_sim_add_host_params(l.sim, &dup), -SYNACK_EADDRINUSE);
    dup.mac[0] = 0x03;   /* a group address */
    CHECK_EQ(synack_sim_add_host_params(l.sim, &dup), -SYNACK_EINVAL);
    dup.mac[0] = 0x0a;
    int chosen = synack_sim_add_host_params(l.sim, &dup);
    REQUIRE(chosen >= 0);
    uint8_t got[6];
    CHECK_EQ(synack_sim_host_mac(l.sim, chosen, got), 0);
    CHECK(memcmp(got, dup.mac, 6) == 0);
    synack_sim_free(l.sim);
}

/*  h0 -> h1's MAC, unknown yet          flooded: h1 and h2 get it
 *  h1 -> h0 (h0 learned from the first)  forwarded: only h0
 *  h0 -> h1 (h1 learned now)             forwarded: only h1
 *  h0 -> h0's own MAC                    filtered: nobody
 *  h2 -> broadcast, h2 -> 33:33:0:0:0:1  flooded: h0 and h1 each */
TEST(switch_learns_forwards_filters_and_floods)
{
    struct lan l;
    REQUIRE(lan_build(&l, 1, NULL));
    lan_send(&l, 0, l.mac[1], 0x31);
    CHECK_EQ(arrivals(&l.w, l.host[1], 0x31), 1);
    CHECK_EQ(arrivals(&l.w, l.host[2], 0x31), 1);
    CHECK_EQ(arrivals(&l.w, l.host[0], 0x31), 0);
    lan_send(&l, 1, l.mac[0], 0x32);
    CHECK_EQ(arrivals(&l.w, l.host[0], 0x32), 1);
    CHECK_EQ(arrivals(&l.w, l.host[2], 0x32), 0);
    lan_send(&l, 0, l.mac[1], 0x33);
    CHECK_EQ(arrivals(&l.w, l.host[1], 0x33), 1);
    CHECK_EQ(arrivals(&l.w, l.host[2], 0x33), 0);
    lan_send(&l, 0, l.mac[0], 0x34);
    CHECK_EQ(arrivals(&l.w, l.host[0], 0x34) + arrivals(&l.w, l.host[1], 0x34) + arrivals(&l.w, l.host[2], 0x34), 0);
    lan_send(&l, 2, BROADCAST, 0x35);
    lan_send(&l, 2, ALL_NODES, 0x36);
    for (int t = 0x35; t <= 0x36; t++) {
        CHECK_EQ(arrivals(&l.w, l.host[0], (uint8_t)t), 1);
        CHECK_EQ(arrivals(&l.w, l.host[1], (uint8_t)t), 1);
        CHECK_EQ(arrivals(&l.w, l.host[2], (uint8_t)t), 0);
    }
    CHECK_EQ(SW_DELTA(&l, frames_in), 6);
    CHECK_EQ(SW_DELTA(&l, flooded), 3);
    CHECK_EQ(SW_DELTA(&l, forwarded), 2);
    CHECK_EQ(SW_DELTA(&l, filtered), 1);
    CHECK_EQ(SW_DELTA(&l, learned), 3);
    /* The ports' own statistics: into the switch from h0 (the test's three
     * frames, after whatever the stack sent at start), out towards h2. */
    const struct synack_link_stats *in0 = synack_sim_link_stats(l.sim, l.port[0], l.host[0]);
    const struct synack_link_stats *out2 = synack_sim_link_stats(l.sim, l.port[2], SYNACK_SIM_SWITCH);
    REQUIRE(in0 != NULL && out2 != NULL);
    CHECK(in0->packets_delivered >= 3);
    CHECK(out2->packets_delivered >= 1);
    CHECK(synack_sim_link_stats(l.sim, l.port[2], l.host[0]) == NULL);
    CHECK(synack_sim_switch_stats(l.sim, l.sw + 1) == NULL);
    synack_sim_free(l.sim);
}

/* An entry not refreshed for 300 s is forgotten: frames to it flood. */
TEST(switch_forgets_addresses_after_the_ageing_time)
{
    struct lan l;
    REQUIRE(lan_build(&l, 1, NULL));
    lan_send(&l, 1, BROADCAST, 0x41);            /* learns h1 */
    lan_send(&l, 0, l.mac[1], 0x42);             /* forwarded */
    CHECK_EQ(arrivals(&l.w, l.host[2], 0x42), 0);
    synack_sim_run_until(l.sim, synack_sim_now(l.sim) + 299 * SEC);
    lan_send(&l, 0, l.mac[1], 0x43);             /* 299 s on: still known */
    CHECK_EQ(arrivals(&l.w, l.host[2], 0x43), 0);
    synack_sim_run_until(l.sim, synack_sim_now(l.sim) + 301 * SEC);
    lan_send(&l, 0, l.mac[1], 0x44);             /* forgotten: flooded */
    CHECK_EQ(arrivals(&l.w, l.host[1], 0x44), 1);
    CHECK_EQ(arrivals(&l.w, l.host[2], 0x44), 1);
    synack_sim_free(l.sim);
}

/* 5000 made-up source addresses from h2's port do not grow the table past
 * its bound, and real hosts are still learned and forwarded to after. */
TEST(switch_table_is_bounded)
{
    struct lan l;
    REQUIRE(lan_build(&l, 1, NULL));
    uint8_t f[128];
    for (uint32_t i = 0; i < 5000; i++) {
        uint8_t src[6] = { 0x02, 0x55, 0, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i };
        size_t len = ipv4_frame(f, BROADCAST, src, 20, 26, 0x51);
        CHECK_EQ(synack_sim_send_raw(l.sim, l.host[2], f, len), 0);
    }
    synack_sim_run_until_idle(l.sim, 10 * SEC);
    CHECK_EQ(SW_DELTA(&l, learned), 5000);
    watch_all(l.sim, &l.w);
    lan_send(&l, 1, BROADCAST, 0x52);
    lan_send(&l, 0, l.mac[1], 0x53);
    CHECK_EQ(arrivals(&l.w, l.host[1], 0x53), 1);
    CHECK_EQ(arrivals(&l.w, l.host[2], 0x53), 0);
    synack_sim_free(l.sim);
}

/* A port's MTU counts the frame's payload, not its 14-byte header. */
TEST(switch_port_mtu_counts_the_payload)
{
    struct synack_link_params p = { .mtu = 1500 };
    struct lan l;
    REQUIRE(lan_build(&l, 1, &p));
    uint8_t f[1600];
    size_t len = ipv4_frame(f, BROADCAST, l.mac[0], 1500, 0, 0x61);
    CHECK_EQ(len, 1514);
    CHECK_EQ(synack_sim_send_raw(l.sim, l.host[0], f, len), 0);
    len = ipv4_frame(f, BROADCAST, l.mac[0], 1501, 0, 0x62);
    CHECK_EQ(synack_sim_send_raw(l.sim, l.host[0], f, len), 0);
    synack_sim_run_until_idle(l.sim, 10 * SEC);
    CHECK_EQ(arrivals(&l.w, l.host[1], 0x61), 1);
    CHECK_EQ(arrivals(&l.w, l.host[1], 0x62), 0);
    CHECK_EQ(synack_sim_link_stats(l.sim, l.port[0], l.host[0])->mtu_drops, 1);   /* the stacks' frames are small */
    synack_sim_free(l.sim);
}

/* The IP taps see the IP packet in a frame, without the frame's padding;
 * the wire tap sees the frame; a frame without IP (ARP) only the wire tap. */
TEST(taps_show_ip_packets_and_the_wire_tap_frames)
{
    struct lan l;
    REQUIRE(lan_build(&l, 1, NULL));
    uint8_t f[128];
    size_t len = ipv4_frame(f, BROADCAST, l.mac[0], 40, 6, 0x71);   /* 54 bytes padded to 60 */
    CHECK_EQ(synack_sim_send_raw(l.sim, l.host[0], f, len), 0);
    uint8_t arp[60] = { 0 };
    memcpy(arp, BROADCAST, 6);
    memcpy(arp + 6, l.mac[0], 6);
    arp[12] = 0x08;
    arp[13] = 0x06;
    CHECK_EQ(synack_sim_send_raw(l.sim, l.host[0], arp, sizeof arp), 0);
    CHECK_EQ(synack_sim_send_raw(l.sim, l.host[0], arp, 13), -SYNACK_EINVAL);
    synack_sim_run_until_idle(l.sim, 10 * SEC);
    REQUIRE(l.w.sent_count == 1);
    CHECK_EQ(l.w.sent[0].len, 40);
    CHECK_EQ(l.w.sent[0].first, 0x45);
    CHECK_EQ(l.w.sent[0].tag, 0x71);
    REQUIRE(l.w.wire_count == 2);
    CHECK_EQ(l.w.wire[0].len, 60);
    CHECK_EQ(l.w.wire[0].first, 0xff);
    CHECK_EQ(l.w.wire[1].len, 60);
    CHECK_EQ(l.w.arrived_count, 2);              /* the IPv4 packet at h1 and h2 */
    CHECK_EQ(arrivals(&l.w, l.host[1], 0x71), 1);
    CHECK_EQ(l.w.arrived[0].len, 40);
    synack_sim_free(l.sim);
}

/* An Ethernet host on no switch: its frames vanish, counted. */
TEST(frames_from_an_unattached_host_are_unroutable)
{
    struct synack_sim *sim = synack_sim_new(1);
    struct synack_sim_host_params hp = { .addr = v6(1), .link = SYNACK_LINK_ETHERNET };
    int h = synack_sim_add_host_params(sim, &hp);
    REQUIRE(h >= 0);
    uint8_t f[128], mac[6];
    CHECK_EQ(synack_sim_host_mac(sim, h, mac), 0);
    CHECK_EQ(synack_sim_send_raw(sim, h, f, ipv4_frame(f, BROADCAST, mac, 40, 6, 0)), 0);
    CHECK_EQ(synack_sim_unroutable(sim), 1);
    synack_sim_free(sim);
}

/* Impaired ports: the same seed gives the same frames at the same times;
 * another seed, others. */
struct digest {
    uint64_t h;
    int n;
};

static void on_digest(void *ctx, int host, synack_time_us now, const uint8_t *p, size_t len)
{
    struct digest *d = ctx;
    d->h = (d->h ^ (uint64_t)host ^ now * 31u) * 0x100000001b3u;
    for (size_t i = 0; i < len; i++)
        d->h = (d->h ^ p[i]) * 0x100000001b3u;
    d->n++;
}

static struct digest lossy_lan_digest(uint64_t seed)
{
    struct synack_link_params p = { .delay_us = 1000, .jitter_us = 500, .rate_bps = 10000000, .queue_packets = 20,
                                    .loss = 0.1, .dup = 0.05, .reorder = 0.1, .corrupt = 0.05 };
    struct lan l;
    struct digest d = { 0xcbf29ce484222325u, 0 };
    if (!lan_build(&l, seed, &p))
        return d;
    synack_sim_set_arrival_tap(l.sim, on_digest, &d);
    uint8_t f[1600];
    for (int i = 0; i < 300; i++) {
        size_t len = ipv4_frame(f, l.mac[(i + 1) % 3], l.mac[i % 3], 40 + (size_t)(i % 7) * 200, 0, (uint8_t)i);
        synack_sim_send_raw(l.sim, l.host[i % 3], f, len);
        synack_sim_run_until(l.sim, synack_sim_now(l.sim) + 3000);   /* the queues drain */
    }
    synack_sim_run_until_idle(l.sim, 100 * SEC);
    synack_sim_free(l.sim);
    return d;
}

TEST(switched_runs_are_deterministic)
{
    struct digest a = lossy_lan_digest(5), b = lossy_lan_digest(5), c = lossy_lan_digest(6);
    CHECK(a.n > 200);
    CHECK_EQ(a.n, b.n);
    CHECK(a.h == b.h);
    CHECK(a.h != c.h);
}
