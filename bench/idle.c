/*
 * idle.c — memory per established idle connection.
 *
 * `count` connections are opened between the two stacks of pair.h, in
 * batches of IDLE_BATCH, and the server accepts each one (its application
 * holds the socket, as a real server would).  No data moves, so every
 * buffer is empty.  The figure is the stacks' own exact accounting
 * (synack_stack_mem: every byte allocated through the stack's allocator)
 * once all are established, minus the same before the first connect:
 * connection blocks, socket slots, hash tables and timer heaps, amortized.
 * Each connection has two endpoints, one per stack:
 *
 *     bytes per endpoint  = (client + server growth) / (2 * count)
 *     bytes per pair      = (client + server growth) / count
 *
 * The process's resident size (VmRSS) with all of them open is the figure
 * for the 1 GiB check; it also holds the harness's arrays of handles (8
 * bytes a connection) and the C library's own overhead per block.
 *
 * 4-tuples as in churn.c: 8 client addresses, 4 server ports, ephemeral
 * ports 1024..65535.
 */
#include <stdlib.h>

#include "bench.h"
#include "pair.h"

#define IDLE_PORT0 5000
#define IDLE_DESTS (BENCH_CHURN_ADDRS * BENCH_CHURN_PORTS)
#define IDLE_BATCH 10000u
#define STALL_SECONDS 10.0
#define SETTLE_TURNS 100

struct idle_run {
    struct bench_pair pair;
    int listeners[BENCH_CHURN_PORTS];
    int *cs, *ss;                    /* client and accepted server sockets */
    uint64_t count, opened, accepted;
};

static int setup(struct idle_run *d, uint64_t count, char *err, size_t errlen)
{
    struct bench_pair_config pc;
    bench_pair_defaults(&pc);
    pc.ifaces = BENCH_CHURN_ADDRS;
    pc.link_bytes = (size_t)IDLE_BATCH * 256;
    uint64_t max = count + 64 < 65536 ? 65536 : count + 64;
    if (max > (1u << 22))
        return bench_errorf(err, errlen, "idle: at most %u connections", (1u << 22) - 64);
    pc.client.max_sockets = pc.client.max_connections = (uint32_t)max;
    pc.server.max_sockets = pc.server.max_connections = (uint32_t)max;
    pc.client.ephemeral_lo = BENCH_EPHEMERAL_LO;
    pc.client.ephemeral_hi = BENCH_EPHEMERAL_HI;
    pc.server.syn_queue_len = IDLE_BATCH;
    pc.server.syn_queue_total = IDLE_BATCH * BENCH_CHURN_PORTS;
    pc.client.mem_max_bytes = pc.server.mem_max_bytes = 16ull << 30;
    if (bench_pair_open(&d->pair, &pc, err, errlen) < 0)
        return -1;
    for (int i = 0; i < BENCH_CHURN_PORTS; i++) {
        struct synack_endpoint any = synack_endpoint_make(synack_addr_v4(0, 0, 0, 0), (uint16_t)(IDLE_PORT0 + i));
        int ls = bench_listen(d->pair.server, &any, 65535);
        if (ls < 0)
            return bench_errorf(err, errlen, "idle: listen: %s", synack_strerror(ls));
        d->listeners[i] = ls;
    }
    return 0;
}

static int drain_events(struct synack_stack *st, const char *who, char *err, size_t errlen)
{
    struct synack_event ev;
    while (synack_next_event(st, &ev))
        if (ev.ready & SYNACK_ERROR)
            return bench_errorf(err, errlen, "idle: %s socket error: %s", who,
                                synack_strerror(synack_socket_error(st, ev.sock)));
    return 0;
}

static int open_all(struct idle_run *d, struct bench_clock *clk, char *err, size_t errlen)
{
    struct bench_pair *p = &d->pair;
    double last_progress = bench_wall_seconds();
    uint64_t last_accepted = 0;
    while (d->accepted < d->count) {
        while (d->opened < d->count && d->opened - d->accepted < IDLE_BATCH) {
            int k = (int)(d->opened % IDLE_DESTS);
            struct synack_endpoint dst = synack_endpoint_make(bench_pair_server_addr(k / BENCH_CHURN_PORTS),
                                                              (uint16_t)(IDLE_PORT0 + k % BENCH_CHURN_PORTS));
            int s = synack_socket(p->client);
            int rc = s < 0 ? s : synack_connect(p->client, s, &dst);
            if (rc != -SYNACK_EINPROGRESS)
                return bench_errorf(err, errlen, "idle: connection #%llu: %s", (unsigned long long)d->opened,
                                    synack_strerror(rc));
            d->cs[d->opened++] = s;
        }
        bench_pair_turn(p, bench_clock_now(clk));
        for (int i = 0; i < BENCH_CHURN_PORTS; i++) {
            int a;
            while ((a = synack_accept(p->server, d->listeners[i], NULL)) >= 0)
                d->ss[d->accepted++] = a;
            if (a != -SYNACK_EAGAIN)
                return bench_errorf(err, errlen, "idle: accept: %s", synack_strerror(a));
        }
        if (drain_events(p->client, "client", err, errlen) < 0 || drain_events(p->server, "server", err, errlen) < 0)
            return -1;
        double w = bench_wall_seconds();
        if (d->accepted != last_accepted) {
            last_accepted = d->accepted;
            last_progress = w;
        } else if (w - last_progress > STALL_SECONDS) {
            return bench_errorf(err, errlen, "idle: stalled at %llu of %llu connections",
                                (unsigned long long)d->accepted, (unsigned long long)d->count);
        }
    }
    /* The last handshake ACKs are in; let anything still moving settle. */
    for (int i = 0; i < SETTLE_TURNS && !bench_pair_links_empty(p); i++)
        bench_pair_turn(p, bench_clock_now(clk));
    if (drain_events(p->client, "client", err, errlen) < 0 || drain_events(p->server, "server", err, errlen) < 0)
        return -1;
    for (uint64_t i = 0; i < d->count; i++)
        if (!(synack_socket_ready(p->client, d->cs[i]) & SYNACK_CONNECTED))
            return bench_errorf(err, errlen, "idle: client connection #%llu not established", (unsigned long long)i);
    uint32_t nc = synack_stack_connections(p->client, true), ns = synack_stack_connections(p->server, true);
    if (nc != d->count || ns != d->count)
        return bench_errorf(err, errlen, "idle: %u client and %u server connections, expected %llu each", nc, ns,
                            (unsigned long long)d->count);
    return 0;
}

int bench_idle(const struct bench_idle_params *prm, struct bench_clock *clk, struct bench_idle_result *r,
               char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    if (prm->count == 0)
        return bench_errorf(err, errlen, "idle: count must be positive");
    struct idle_run d;
    memset(&d, 0, sizeof d);
    d.count = prm->count;
    int rc = -1;
    d.cs = malloc(prm->count * sizeof *d.cs);
    d.ss = malloc(prm->count * sizeof *d.ss);
    if (!d.cs || !d.ss) {
        bench_errorf(err, errlen, "idle: out of memory for %llu handles", (unsigned long long)prm->count);
        goto out;
    }
    if (setup(&d, prm->count, err, errlen) < 0)
        goto out;
    struct synack_mem_info c0, s0, c1, s1;
    synack_stack_mem(d.pair.client, &c0);
    synack_stack_mem(d.pair.server, &s0);
    uint64_t rss0 = bench_rss_bytes();
    double t0 = bench_wall_seconds();
    if (open_all(&d, clk, err, errlen) < 0)
        goto out;
    r->setup_seconds = bench_wall_seconds() - t0;
    synack_stack_mem(d.pair.client, &c1);
    synack_stack_mem(d.pair.server, &s1);
    r->rss_bytes = bench_rss_bytes();
    r->rss_growth_bytes = r->rss_bytes > rss0 ? r->rss_bytes - rss0 : 0;
    double n = (double)prm->count;
    r->count = prm->count;
    r->client_bytes_per_conn = (double)(c1.used - c0.used) / n;
    r->server_bytes_per_conn = (double)(s1.used - s0.used) / n;
    r->bytes_per_conn_pair = r->client_bytes_per_conn + r->server_bytes_per_conn;
    r->bytes_per_endpoint = r->bytes_per_conn_pair / 2;
    rc = 0;
out:
    bench_pair_close(&d.pair);
    free(d.cs);
    free(d.ss);
    return rc;
}
