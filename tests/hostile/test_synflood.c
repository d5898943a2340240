/*
 * test_synflood.c — a SYN flood on the simulator (RFC 4987): one attacker
 * host sends 200,000 spoofed SYNs per virtual second for 10 virtual
 * seconds at a server, while 1,000 legitimate clients connect, spread over
 * the flood, and each receive 100 KiB.
 *
 *   attacker 198.18.0.3 ──┐  SYNs from random 198.19.x.y:port (the sim
 *                         │  routes 198.19/16 nowhere: the SYN|ACKs vanish)
 *   clients  198.18.1.N ──┼── server 198.18.0.1:80
 *   (100 hosts, 10 connections each, 5 ms each way, 100 Mbit/s)
 *
 * With SYNACK_HOSTILE_FAMILY=6 the same over IPv6 (hostile_addr: server
 * fd00:5ac::12:0:1, clients fd00:5ac::12:1:N, spoofed fd00:5ac::13:x:y).
 *
 * The server keeps its defaults: a SYN queue of 256 per listener, SYN
 * cookies on.  The flood fills the queue within the first two
 * milliseconds with embryos that never complete (their SYN|ACKs are
 * retransmitted into the void for 127 s); from then on every SYN —
 * attacker's or client's — is answered with a cookie, and only a client's
 * ACK brings one back.
 *
 * Checks: at least 99 % of the legitimate connections deliver their 100
 * KiB byte-exact and end cleanly; the server's embryos never exceed the
 * SYN queue; its memory stays under the cap throughout (sampled every
 * 10 ms); every SYN is accounted for (an embryo or a cookie); and the
 * server keeps serving after the flood: a client 2 s after it (cookies
 * still), and one after the embryos have timed out (no cookie needed).
 *
 * Memory: the server's own accounting (synack_stack_mem: every byte it
 * allocated), with its hard cap (mem_max_bytes) at SERVER_MEM_CAP.  Its
 * peak must stay below the pressure line (nothing was refused for want of
 * memory) and no allocation may fail.
 *
 * The figures are the last lines of the output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hostile.h"
#include "stack_internal.h"
#include "tcp_conn.h"

#define SERVER_PORT 80
#define CLIENT_HOSTS 100
#define CONNS_PER_HOST 10
#define FLOOD_CONNS (CLIENT_HOSTS * CONNS_PER_HOST)
#define LATE_CONNS 2                         /* after the flood: at 12 s, and at 140 s */
#define TRANSFER_BYTES (100u * 1024)
#define FLOOD_RATE 200000u                   /* SYNs per virtual second */
#define FLOOD_US (10 * SEC)
#define FLOOD_TICK_US MS                     /* the attacker sends in 1 ms bursts */
#define SYNS_PER_TICK (FLOOD_RATE / (SEC / FLOOD_TICK_US))
#define CLIENTS_FROM_US (100 * MS)           /* legitimate connects over 0.1 .. 9.9 s */
#define CLIENTS_TO_US (9900 * MS)
#define LATE_AT_US (12 * SEC)
#define DRAINED_AT_US (140 * SEC)            /* embryos are gone 127 s after they came */
#define END_US (170 * SEC)
#define SAMPLE_US MS
#define MEM_SAMPLE_US (10 * MS)
#define SERVER_MEM_CAP (32u << 20)           /* 2M embryos at ~1.5 KB would need 3 GB */
#define SEED 0x666c6f6f64ull                 /* "flood" */

struct conn {
    int host;
    int sock;
    uint64_t stream;
    uint64_t received;
    synack_time_us start;
    bool started, done, ok, mismatch;
    int error;
};

struct flood {
    struct synack_sim *sim;
    int server, attacker;
    int clients[CLIENT_HOSTS + 1];            /* the last one serves the late connections */
    struct synack_stack *srv;
    int listener;
    struct conn conns[FLOOD_CONNS + LATE_CONNS];
    uint64_t rng;
    uint64_t syns_sent;
    uint64_t server_accepts, server_send_short;
    uint32_t peak_embryos;
    uint64_t peak_memory;
    uint32_t peak_conns;
    uint64_t cookies_recv_before_drained;
};

static struct synack_addr client_addr(int h) { return hostile_addr(18, 1, (uint8_t)(h + 1)); }

/* Both ends know a connection's stream by the client's address and port. */
static uint64_t stream_of(const struct synack_endpoint *client)
{
    return (uint64_t)hostile_addr_last(&client->addr) << 16 | client->port;
}

/* ---- Memory: the stack's own count ---- */

static uint64_t server_memory(struct synack_stack *st, uint32_t *conns)
{
    struct synack_mem_info m;
    synack_stack_mem(st, &m);
    *conns = synack_stack_connections(st, true);
    return m.used;
}

/* ---- The attacker ---------------------------------------------------------- */

static void attack_tick(struct synack_sim *sim, void *ctx)
{
    struct flood *f = ctx;
    uint8_t pkt[128];
    for (unsigned i = 0; i < SYNS_PER_TICK; i++) {
        uint64_t r = hostile_rand(&f->rng);
        struct tcp_options opt;
        memset(&opt, 0, sizeof opt);
        opt.has_mss = true;
        opt.mss = 1460;
        if (r & 1) {                          /* half look like Linux: SACK, timestamps, scaling */
            opt.sack_permitted = true;
            opt.has_timestamp = true;
            opt.ts_val = (uint32_t)(r >> 32);
            opt.has_wscale = true;
            opt.wscale = 7;
        }
        struct raw_segment seg = {
            .src = hostile_addr(19, (uint8_t)(r >> 8), (uint8_t)(r >> 16)),
            .dst = hostile_addr(18, 0, 1),
            .sport = (uint16_t)(1024 + (r >> 24) % 64000),
            .dport = SERVER_PORT,
            .seq = (uint32_t)hostile_rand(&f->rng),
            .flags = TCP_SYN,
            .window = 64240,
            .opt = &opt,
            .ip_id = (uint16_t)i,
        };
        size_t len = raw_segment_build(&seg, pkt, sizeof pkt);
        if (synack_sim_send_raw(sim, f->attacker, pkt, len) == 0)
            f->syns_sent++;
    }
    synack_time_us next = synack_sim_now(sim) + FLOOD_TICK_US;
    if (next < FLOOD_US)
        synack_sim_at(sim, next, -1, attack_tick, f);
}

/* ---- Sampling ---------------------------------------------------------------- */

static void sample(struct synack_sim *sim, void *ctx)
{
    struct flood *f = ctx;
    synack_time_us now = synack_sim_now(sim);
    uint32_t embryos = (uint32_t)synack_stack_stats(f->srv)->tcp_syn_queue_len;
    if (embryos > f->peak_embryos)
        f->peak_embryos = embryos;
    if (now % MEM_SAMPLE_US == 0) {
        uint32_t conns;
        uint64_t mem = server_memory(f->srv, &conns);
        if (mem > f->peak_memory)
            f->peak_memory = mem;
        if (conns > f->peak_conns)
            f->peak_conns = conns;
    }
    if (now + SAMPLE_US < END_US)
        synack_sim_at(sim, now + SAMPLE_US, -1, sample, f);
}

/* ---- The server: accept, send 100 KiB of the client's stream, close ---------- */

static void server_app(struct synack_sim *sim, int host, void *ctx)
{
    struct flood *f = ctx;
    (void)sim, (void)host;
    static uint8_t buf[TRANSFER_BYTES];
    struct synack_event ev;
    while (synack_next_event(f->srv, &ev)) {
        if (ev.sock != f->listener)
            continue;                         /* accepted sockets are closed at once */
        struct synack_endpoint peer;
        int s;
        while ((s = synack_accept(f->srv, f->listener, &peer)) >= 0) {
            f->server_accepts++;
            pattern_fill(stream_of(&peer), 0, buf, TRANSFER_BYTES);
            ssize_t n = synack_send(f->srv, s, buf, TRANSFER_BYTES);
            if (n != (ssize_t)TRANSFER_BYTES)
                f->server_send_short++;
            synack_close(f->srv, s);          /* FIN after the data */
        }
    }
}

/* ---- Clients ----------------------------------------------------------------- */

/* Client host h (0..CLIENT_HOSTS) has connections h, h + CLIENT_HOSTS, ...
 * and the last host the late ones. */
static struct conn *conn_by_sock(struct flood *f, int host, int sock)
{
    int h = host - f->clients[0];
    size_t n = sizeof f->conns / sizeof f->conns[0];
    size_t first = h < CLIENT_HOSTS ? (size_t)h : FLOOD_CONNS;
    size_t step = h < CLIENT_HOSTS ? CLIENT_HOSTS : 1;
    for (size_t i = first; i < n; i += step)
        if (f->conns[i].started && !f->conns[i].done && f->conns[i].host == host && f->conns[i].sock == sock)
            return &f->conns[i];
    return NULL;
}

static void client_finish(struct synack_stack *st, struct conn *c, bool ok, int error)
{
    c->done = true;
    c->ok = ok;
    c->error = error;
    synack_close(st, c->sock);
}

static void client_app(struct synack_sim *sim, int host, void *ctx)
{
    struct flood *f = ctx;
    struct synack_stack *st = synack_sim_stack(sim, host);
    static uint8_t buf[65536];
    struct synack_event ev;
    while (synack_next_event(st, &ev)) {
        struct conn *c = conn_by_sock(f, host, ev.sock);
        if (!c)
            continue;
        for (;;) {
            ssize_t n = synack_recv(st, c->sock, buf, sizeof buf);
            if (n > 0) {
                if (pattern_check(c->stream, c->received, buf, (size_t)n) != (size_t)n)
                    c->mismatch = true;
                c->received += (uint64_t)n;
                continue;
            }
            if (n == 0)
                client_finish(st, c, c->received == TRANSFER_BYTES && !c->mismatch, 0);
            else if (n != -SYNACK_EAGAIN)
                client_finish(st, c, false, (int)n);
            break;
        }
    }
}

static void client_connect(struct synack_sim *sim, void *ctx)
{
    struct conn *c = ctx;
    struct synack_stack *st = synack_sim_stack(sim, c->host);
    struct synack_endpoint server = synack_endpoint_make(hostile_addr(18, 0, 1), SERVER_PORT);
    struct synack_endpoint local;
    c->sock = synack_socket(st);
    c->started = true;
    c->start = synack_sim_now(sim);
    if (c->sock < 0 || synack_connect(st, c->sock, &server) != -SYNACK_EINPROGRESS ||
        synack_local_endpoint(st, c->sock, &local) != 0) {
        c->done = true;
        c->error = c->sock < 0 ? c->sock : -SYNACK_EINVAL;
        return;
    }
    c->stream = stream_of(&local);
}

/* ---- The run --------------------------------------------------------------------- */

static int build(struct flood *f)
{
    memset(f, 0, sizeof *f);
    f->rng = SEED;
    f->sim = synack_sim_new(SEED);
    struct synack_config cfg;
    synack_config_default(&cfg);
    cfg.sndbuf_bytes = 256 * 1024;            /* each response fits at once */
    cfg.mem_max_bytes = SERVER_MEM_CAP;
    f->server = synack_sim_add_host(f->sim, "server", &cfg, hostile_addr(18, 0, 1), 1500);
    f->attacker = synack_sim_add_host(f->sim, "attacker", NULL, hostile_addr(18, 0, 3), 1500);
    if (f->server < 0 || f->attacker < 0)
        return -1;
    f->srv = synack_sim_stack(f->sim, f->server);
    struct synack_link_params attack_link = { .delay_us = 1 * MS };
    if (synack_sim_link(f->sim, f->attacker, f->server, &attack_link, &attack_link) < 0)
        return -1;
    struct synack_link_params client_link = { .delay_us = 5 * MS, .rate_bps = 100000000 };
    for (int h = 0; h <= CLIENT_HOSTS; h++) {
        char name[32];
        snprintf(name, sizeof name, "client%d", h);
        f->clients[h] = synack_sim_add_host(f->sim, name, NULL, client_addr(h), 1500);
        if (f->clients[h] < 0 || synack_sim_link(f->sim, f->clients[h], f->server, &client_link, &client_link) < 0)
            return -1;
        synack_sim_set_app(f->sim, f->clients[h], client_app, f);
    }
    f->listener = synack_socket(f->srv);
    struct synack_endpoint ep = synack_endpoint_make(hostile_addr(18, 0, 1), SERVER_PORT);
    if (synack_bind(f->srv, f->listener, &ep) != 0 || synack_listen(f->srv, f->listener, 1024) != 0)
        return -1;
    synack_sim_set_app(f->sim, f->server, server_app, f);
    /* Legitimate connections, evenly over the flood, the hosts in turn. */
    for (int i = 0; i < FLOOD_CONNS; i++) {
        struct conn *c = &f->conns[i];
        c->host = f->clients[i % CLIENT_HOSTS];
        synack_time_us at = CLIENTS_FROM_US + (CLIENTS_TO_US - CLIENTS_FROM_US) * (uint64_t)i / (FLOOD_CONNS - 1);
        if (synack_sim_at(f->sim, at, c->host, client_connect, c) != 0)
            return -1;
    }
    f->conns[FLOOD_CONNS].host = f->clients[CLIENT_HOSTS];
    f->conns[FLOOD_CONNS + 1].host = f->clients[CLIENT_HOSTS];
    if (synack_sim_at(f->sim, LATE_AT_US, f->conns[FLOOD_CONNS].host, client_connect, &f->conns[FLOOD_CONNS]) ||
        synack_sim_at(f->sim, 0, -1, attack_tick, f) || synack_sim_at(f->sim, 0, -1, sample, f))
        return -1;
    return 0;
}

static const char *pct(char *buf, size_t len, uint64_t part, uint64_t whole)
{
    snprintf(buf, len, "%.2f %%", whole ? 100.0 * (double)part / (double)whole : 0.0);
    return buf;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    static struct flood fl;
    struct flood *f = &fl;
    if (build(f) != 0) {
        printf("FAIL test_synflood: could not build the simulation\n");
        return 1;
    }
    const struct synack_stats *st = synack_stack_stats(f->srv);

    /* The flood, and the clients that connect during it. */
    synack_sim_run_until(f->sim, LATE_AT_US + 8 * SEC);
    uint64_t cookies_after_flood = st->tcp_syncookies_recv;
    uint64_t accepts_after_flood = f->server_accepts;
    /* The embryos time out; then one more client, which needs no cookie. */
    synack_sim_run_until(f->sim, DRAINED_AT_US - 1 * SEC);
    uint64_t embryos_drained = st->tcp_syn_queue_len;
    uint64_t cookies_before_last = st->tcp_syncookies_recv;
    synack_sim_at(f->sim, DRAINED_AT_US, f->conns[FLOOD_CONNS + 1].host, client_connect, &f->conns[FLOOD_CONNS + 1]);
    synack_sim_run_until(f->sim, END_US);

    unsigned ok = 0, late_ok = 0, mismatches = 0, errors = 0, unfinished = 0;
    for (int i = 0; i < FLOOD_CONNS + LATE_CONNS; i++) {
        struct conn *c = &f->conns[i];
        if (!c->done)
            unfinished++;
        if (c->mismatch)
            mismatches++;
        if (c->error)
            errors++;
        if (c->ok)
            *(i < FLOOD_CONNS ? &ok : &late_ok) += 1;
    }

    /* At least 99 % of the legitimate connections, byte-exact. */
    CHECK(ok * 100 >= FLOOD_CONNS * 99);
    CHECK_EQ(mismatches, 0);
    CHECK_EQ(late_ok, LATE_CONNS);
    CHECK_EQ(f->server_send_short, 0);
    CHECK_EQ(f->syns_sent, (uint64_t)FLOOD_RATE * (FLOOD_US / SEC));
    /* Bounded: never more embryos than the SYN queue, memory under the cap. */
    CHECK(f->peak_embryos <= 256);
    CHECK_EQ(f->peak_embryos, 256);                     /* the flood did fill it */
    struct synack_mem_info mem;
    synack_stack_mem(f->srv, &mem);
    CHECK(f->peak_memory <= mem.peak);
    CHECK(mem.peak < mem.pressure_at);
    CHECK_EQ(st->mem_alloc_failures, 0);
    CHECK_EQ(st->mem_refused_opens, 0);
    /* Every SYN that reached the listener made an embryo or drew a cookie. */
    uint64_t syns = f->syns_sent + FLOOD_CONNS + LATE_CONNS;
    uint64_t embryos_made = st->tcp_passive_opens - st->tcp_syncookies_recv;
    CHECK_EQ(st->tcp_syncookies_sent + embryos_made + st->tcp_listen_drops, syns);
    CHECK_EQ(st->tcp_listen_drops, 0);
    /* Only legitimate ACKs brought cookies back, and none failed. */
    CHECK_EQ(st->tcp_syncookies_failed, 0);
    CHECK_EQ(st->tcp_syncookies_recv, cookies_after_flood);
    CHECK_EQ(cookies_after_flood, accepts_after_flood);   /* every connection until then came from a cookie */
    /* After the embryos timed out the queue is empty and the last client
     * needed no cookie. */
    CHECK_EQ(embryos_drained, 0);
    CHECK_EQ(st->tcp_syncookies_recv, cookies_before_last);
    CHECK_EQ(st->tcp_syn_queue_len, 0);

    clock_gettime(CLOCK_MONOTONIC, &t1);
    double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    int rc = hostile_verdict("test_synflood");
    char p1[32];
    printf("synflood: attack: %llu spoofed SYNs (%u/s for %llu s) from %s; wall time %.1f s\n",
           (unsigned long long)f->syns_sent, FLOOD_RATE, (unsigned long long)(FLOOD_US / SEC),
           hostile_ipv6() ? "fd00:5ac::13:0:0/96, IPv6" : "198.19.0.0/16", wall);
    printf("synflood: success rate: %u/%u legitimate connections (%s), %u bytes each, byte-exact; "
           "after the flood %u/%u; errors %u, unfinished %u\n",
           ok, FLOOD_CONNS, pct(p1, sizeof p1, ok, FLOOD_CONNS), TRANSFER_BYTES, late_ok, LATE_CONNS, errors,
           unfinished);
    printf("synflood: peak embryonic connections %u (SYN queue 256), peak connections %u, "
           "peak memory %llu KiB (the stack's own count; cap %u KiB, pressure line %llu KiB)\n",
           f->peak_embryos, f->peak_conns, (unsigned long long)(mem.peak / 1024), SERVER_MEM_CAP / 1024,
           (unsigned long long)(mem.pressure_at / 1024));
    printf("synflood: cookies sent %llu, valid %llu, failed %llu; embryos made %llu; SYN|ACKs into the void %llu\n",
           (unsigned long long)st->tcp_syncookies_sent, (unsigned long long)st->tcp_syncookies_recv,
           (unsigned long long)st->tcp_syncookies_failed, (unsigned long long)embryos_made,
           (unsigned long long)synack_sim_unroutable(f->sim));
    printf("synflood: drops: ListenDrops %llu, ListenOverflows %llu, tcpAttemptFails %llu",
           (unsigned long long)st->tcp_listen_drops, (unsigned long long)st->tcp_listen_overflows,
           (unsigned long long)st->tcp_attempt_fails);
    for (int r = 0; r < SYNACK_DROP_COUNT; r++)
        if (st->drops[r])
            printf(", %s %llu", synack_drop_name(r), (unsigned long long)st->drops[r]);
    printf("\n");
    synack_sim_free(f->sim);
    return rc;
}
