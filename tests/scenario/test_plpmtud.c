/*
 * test_plpmtud.c — whole transfers over a simulated path narrower than
 * the hosts' interfaces: the path says so by ICMP (RFC 1191), or it drops
 * large packets silently (a black hole: RFC 4821 §7.7 and packetization-
 * layer probing, §7.3-§7.6).
 *
 *   client 198.18.0.1 (MTU 1500) ===== link (MTU 1280 or 1500) ===== server 198.18.0.2 (MTU 1500)
 *
 * The client writes `total` bytes of a pattern and shuts its side down;
 * the server reads and compares every byte and sees end of stream.  The
 * link has a 5 ms one-way delay and carries 20 Mbit/s; the receive
 * window (64 KiB) keeps its queue short, and it never overflows: every
 * loss here is for size.  PLPMTUD's searches end closer than 8
 * bytes to the largest size that passes (PLPMTUD_PRECISION in tcp_pmtu.c):
 * the checks below hold it to that.
 */
#include <stdlib.h>
#include <string.h>

#include "byteorder.h"
#include "checksum.h"
#include "ipv4.h"
#include "synack/sim.h"
#include "synack/socket.h"
#include "test.h"

#define PRECISION 8
#define PLPMTUD_MAX_PROBES_SEEN 3  /* at least one size is given up on after RFC 8899's MAX_PROBES */
#define PORT 5001

struct xfer {
    struct synack_sim *sim;
    int client, server;
    int lsock, csock, ssock;
    uint64_t total, sent, received;
    bool shut, eof, bad;
    int client_error;
    /* The ICMP-reporting router (tap + injection between steps). */
    uint32_t router_mtu;               /* 0: no router: the link drops silently */
    uint8_t pending[16][576];
    size_t pending_len[16];
    unsigned npending;
    uint64_t icmp_sent;
};

static uint8_t pattern(uint64_t off) { return (uint8_t)((off * 2654435761u) >> 13); }

static void client_app(struct synack_sim *sim, int host, void *ctx)
{
    struct xfer *x = ctx;
    struct synack_stack *st = synack_sim_stack(sim, host);
    struct synack_event ev;
    while (synack_next_event(st, &ev))
        if ((ev.ready & SYNACK_ERROR) && !x->client_error)
            x->client_error = synack_socket_error(st, ev.sock);
    if (!(synack_socket_ready(st, x->csock) & SYNACK_CONNECTED))
        return;
    uint8_t buf[16384];
    while (x->sent < x->total) {
        size_t n = x->total - x->sent < sizeof buf ? (size_t)(x->total - x->sent) : sizeof buf;
        for (size_t i = 0; i < n; i++)
            buf[i] = pattern(x->sent + i);
        ssize_t w = synack_send(st, x->csock, buf, n);
        if (w <= 0)
            return;
        x->sent += (uint64_t)w;
    }
    if (!x->shut) {
        x->shut = true;
        CHECK_EQ(synack_shutdown(st, x->csock, SYNACK_SHUT_WR), 0);
    }
}

static void server_app(struct synack_sim *sim, int host, void *ctx)
{
    struct xfer *x = ctx;
    struct synack_stack *st = synack_sim_stack(sim, host);
    struct synack_event ev;
    while (synack_next_event(st, &ev)) {
    }
    if (x->ssock < 0)
        x->ssock = synack_accept(st, x->lsock, NULL);
    if (x->ssock < 0)
        return;
    uint8_t buf[16384];
    for (;;) {
        ssize_t n = synack_recv(st, x->ssock, buf, sizeof buf);
        if (n == 0 && !x->eof) {
            x->eof = true;
            synack_close(st, x->ssock);
        }
        if (n <= 0)
            return;
        for (ssize_t i = 0; i < n; i++)
            if (buf[i] != pattern(x->received + (uint64_t)i))
                x->bad = true;
        x->received += (uint64_t)n;
    }
}

/* A router in front of the link: every packet the client sends larger
 * than router_mtu with DF set is answered with fragmentation needed
 * (RFC 1191 §4) quoting its first 548 bytes.  The tap only records
 * (sim.h: it must only observe); run() injects between steps. */
static void router_tap(void *ctx, int from_host, synack_time_us now, const uint8_t *pkt, size_t len)
{
    struct xfer *x = ctx;
    (void)now;
    if (!x->router_mtu || from_host != x->client || len <= x->router_mtu || !(pkt[6] & 0x40) ||
        x->npending == sizeof x->pending / sizeof x->pending[0])
        return;
    size_t q = len < 548 ? len : 548;
    uint8_t *icmp = x->pending[x->npending] + IPV4_HEADER_LEN;
    memset(icmp, 0, 8);
    icmp[0] = 3;
    icmp[1] = 4;
    put_be16(icmp + 6, (uint16_t)x->router_mtu);
    memcpy(icmp + 8, pkt, q);
    put_be16(icmp + 2, csum_finish(csum_add(0, icmp, 8 + q)));
    struct synack_addr router = synack_addr_v4(198, 18, 0, 254), client = synack_addr_v4(198, 18, 0, 1);
    ipv4_write_header(x->pending[x->npending], &router, &client, IP_PROTO_ICMP, (uint16_t)(8 + q), 64, 7, false);
    x->pending_len[x->npending++] = IPV4_HEADER_LEN + 8 + q;
}

static void setup_sack(struct xfer *x, uint8_t mode, uint32_t link_mtu, uint32_t router_mtu, uint64_t total,
                       bool sack)
{
    memset(x, 0, sizeof *x);
    x->total = total;
    x->ssock = -1;
    x->router_mtu = router_mtu;
    x->sim = synack_sim_new(7);
    struct synack_config cfg;
    synack_config_default(&cfg);
    cfg.plpmtud = mode;
    cfg.rto_min_us = 200000;
    cfg.rcvbuf_bytes = 64 * 1024;            /* the window, not a queue, bounds the flight */
    cfg.sack = sack;
    cfg.name = "client";
    x->client = synack_sim_add_host(x->sim, "client", &cfg, synack_addr_v4(198, 18, 0, 1), 1500);
    cfg.name = "server";
    x->server = synack_sim_add_host(x->sim, "server", &cfg, synack_addr_v4(198, 18, 0, 2), 1500);
    /* The router's messages come back over the link from the server's side. */
    struct synack_link_params p = { .delay_us = 5000, .rate_bps = 20000000, .mtu = link_mtu };
    CHECK(synack_sim_link(x->sim, x->client, x->server, &p, &p) >= 0);
    synack_sim_set_tap(x->sim, router_tap, x);
    struct synack_stack *cs = synack_sim_stack(x->sim, x->client), *ss = synack_sim_stack(x->sim, x->server);
    struct synack_endpoint srv = synack_endpoint_make(synack_addr_v4(198, 18, 0, 2), PORT);
    x->lsock = synack_socket(ss);
    CHECK_EQ(synack_bind(ss, x->lsock, &srv), 0);
    CHECK_EQ(synack_listen(ss, x->lsock, 4), 0);
    x->csock = synack_socket(cs);
    CHECK_EQ(synack_connect(cs, x->csock, &srv), -SYNACK_EINPROGRESS);
    synack_sim_set_app(x->sim, x->client, client_app, x);
    synack_sim_set_app(x->sim, x->server, server_app, x);
}

static void setup(struct xfer *x, uint8_t mode, uint32_t link_mtu, uint32_t router_mtu, uint64_t total)
{
    setup_sack(x, mode, link_mtu, router_mtu, total, true);
}

/* Runs until the server has read everything and end of stream, the
 * client sees an error, or `limit_s` virtual seconds, in 1 ms steps with
 * the router's messages injected between them; true when it completed. */
static bool run(struct xfer *x, double limit_s)
{
    synack_time_us limit = (synack_time_us)(limit_s * 1e6);
    while (synack_sim_now(x->sim) < limit && !x->eof && !x->client_error) {
        synack_sim_run_until(x->sim, synack_sim_now(x->sim) + 1000);
        for (unsigned i = 0; i < x->npending; i++)
            if (synack_sim_send_raw(x->sim, x->server, x->pending[i], x->pending_len[i]) == 0)
                x->icmp_sent++;
        x->npending = 0;
    }
    return x->eof && !x->bad && x->received == x->total;
}

static struct synack_tcp_info client_info(struct xfer *x)
{
    struct synack_tcp_info info;
    memset(&info, 0, sizeof info);
    CHECK_EQ(synack_getinfo(synack_sim_stack(x->sim, x->client), x->csock, &info), 0);
    return info;
}

static const struct synack_stats *client_stats(struct xfer *x)
{
    return synack_stack_stats(synack_sim_stack(x->sim, x->client));
}

static void finish(struct xfer *x, const char *what)
{
    struct synack_tcp_info i = client_info(x);
    printf("    %s: %.3f s, %llu of %llu bytes, pmtu %u (searched %u..%u), probes %u (ok %u, failed %u), "
           "black holes %u, %llu ICMP, retransmitted %llu segments\n",
           what, (double)synack_sim_now(x->sim) / 1e6, (unsigned long long)x->received,
           (unsigned long long)x->total, i.pmtu, i.pmtu_search_low, i.pmtu_search_high, i.pmtu_probes,
           i.pmtu_probes_ok, i.pmtu_probes_failed, i.pmtu_black_holes, (unsigned long long)x->icmp_sent,
           (unsigned long long)i.retrans_segs);
    synack_sim_free(x->sim);
}

/*  A black hole: the link drops every packet over 1280 bytes and sends no
 *  ICMP; the hosts' interfaces say 1500.  PLPMTUD in its default mode:
 *  full-sized segments time out three times in a row, the MTU falls to
 *  1024 (RFC 4821 §7.7), the transfer goes on, and probes find the path's
 *  1280 to within the precision.  4 MiB, and 800 KB, which the send
 *  buffer (1 MiB) takes at once: the client has closed before the first
 *  byte is through, and the search runs in FIN-WAIT-1.
 */
TEST(blackhole_mode_gets_through_a_black_hole_and_finds_its_mtu)
{
    static const uint64_t sizes[] = { 4u << 20, 800000 };
    for (unsigned k = 0; k < 2; k++) {
        struct xfer x;
        setup(&x, SYNACK_PLPMTUD_BLACKHOLE, 1280, 0, sizes[k]);
        CHECK(run(&x, 120));
        CHECK(!x.bad);
        CHECK_EQ(x.received, x.total);
        struct synack_tcp_info i = client_info(&x);
        CHECK(i.pmtu <= 1280 && i.pmtu > 1280 - PRECISION);
        CHECK_EQ(i.pmtu_searching, 2);                      /* converged */
        CHECK_EQ(i.pmtu_black_holes, 1);
        CHECK(i.pmtu_probes_ok >= 1);
        CHECK_EQ(client_stats(&x)->tcp_mtup_black_holes, 1);
        CHECK_EQ(i.snd_mss, i.pmtu - 40 - 12);              /* timestamps on every segment */
        finish(&x, k == 0 ? "blackhole mode, 1280-byte black hole, 4 MiB" : "blackhole mode, the same, 800 KB");
    }
}

/*  The same path with PLPMTUD off: nothing but the handshake gets through;
 *  after two virtual minutes not a byte has arrived (the proof that the
 *  test above can fail).
 */
TEST(without_plpmtud_a_black_hole_stalls_the_transfer)
{
    struct xfer x;
    setup(&x, SYNACK_PLPMTUD_OFF, 1280, 0, 4u << 20);
    CHECK(!run(&x, 120));
    CHECK(!x.eof);
    CHECK_EQ(x.received, 0);
    struct synack_tcp_info i = client_info(&x);
    CHECK_EQ(i.pmtu, 1500);
    CHECK_EQ(i.pmtu_black_holes, 0);
    CHECK(i.rto_expiries >= 5);
    finish(&x, "PLPMTUD off, 1280-byte black hole");
}

/*  PLPMTUD "always": the connection starts at 1024 and probes upward;
 *  over the 1280-byte path and over a clean 1500-byte one it ends within
 *  the precision of the largest size that passes, with no black hole.
 */
TEST(always_mode_searches_up_from_the_base)
{
    static const uint32_t paths[] = { 1280, 1500 };
    for (unsigned k = 0; k < 2; k++) {
        struct xfer x;
        setup(&x, SYNACK_PLPMTUD_ALWAYS, paths[k], 0, 4u << 20);
        CHECK(run(&x, 60));
        struct synack_tcp_info i = client_info(&x);
        CHECK(i.pmtu <= paths[k] && i.pmtu > paths[k] - PRECISION);
        CHECK_EQ(i.pmtu_searching, 2);
        CHECK_EQ(i.pmtu_black_holes, 0);
        CHECK(i.pmtu_probes_ok >= 1);
        CHECK(i.pmtu_search_low > paths[k] - PRECISION);
        CHECK_EQ(client_stats(&x)->tcp_sack_recoveries, 0); /* lost probes were not congestion */
        finish(&x, paths[k] == 1280 ? "always mode, 1280-byte path" : "always mode, 1500-byte path");
    }
}

/*  The same search with SACK off on both hosts: a probe's loss shows as
 *  three duplicate ACKs (RFC 5681 §3.2), and is still not congestion.
 */
TEST(always_mode_without_sack)
{
    struct xfer x;
    setup_sack(&x, SYNACK_PLPMTUD_ALWAYS, 1280, 0, 4u << 20, false);
    CHECK(run(&x, 60));
    struct synack_tcp_info i = client_info(&x);
    CHECK(i.pmtu <= 1280 && i.pmtu > 1280 - PRECISION);
    CHECK_EQ(i.pmtu_searching, 2);
    CHECK_EQ(i.sack_ok, 0);
    CHECK(i.pmtu_probes_failed >= PLPMTUD_MAX_PROBES_SEEN);
    CHECK_EQ(i.rto_expiries, 0);
    CHECK_EQ(client_stats(&x)->tcp_fast_retrans, 0);
    finish(&x, "always mode without SACK, 1280-byte path");
}

/*  A router that says so: every oversized packet draws fragmentation
 *  needed, MTU 1280 (a whole window of them).  The first lowers the path
 *  MTU to exactly 1280, the rest are not news; the transfer completes
 *  byte for byte without a timeout or a black hole.
 */
TEST(icmp_from_a_router_sets_the_path_mtu_during_a_transfer)
{
    struct xfer x;
    setup(&x, SYNACK_PLPMTUD_BLACKHOLE, 1280, 1280, 4u << 20);
    CHECK(run(&x, 60));
    struct synack_tcp_info i = client_info(&x);
    CHECK_EQ(i.pmtu, 1280);
    CHECK_EQ(i.rto_expiries, 0);
    CHECK_EQ(i.pmtu_black_holes, 0);
    CHECK(x.icmp_sent >= 2);
    CHECK_EQ(client_stats(&x)->tcp_pmtu_updates, 1);
    CHECK_EQ(client_stats(&x)->tcp_pmtu_ignored, x.icmp_sent - 1);
    CHECK_EQ(client_stats(&x)->tcp_sack_recoveries, 0);
    finish(&x, "ICMP from a 1280-byte router");
}
