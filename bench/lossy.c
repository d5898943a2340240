/*
 * lossy.c — one bulk flow over the simulator (synack/sim.h): a 1 Gbit/s
 * path with 5 ms one-way delay each way (10 ms RTT), a drop-tail queue of
 * about one bandwidth-delay product (834 packets of 1500 bytes = 1.25 MB)
 * in front of each direction's rate limiter, and random loss (seeded) on
 * the data direction only.  synack's defaults throughout: CUBIC, SACK,
 * RACK, timestamps, 1 MiB buffers.  The client sends the stream of
 * pattern.h for `seconds` of virtual time from its connect; the server
 * reads and checks it.  Goodput = application bytes read * 8 / seconds.
 *
 * The default 1 MiB receive buffer bounds the window below the path's
 * 1.25 MB BDP, so without loss the flow is window-bound near
 * 1 MiB / 10 ms = 839 Mbit/s (bench/README.md).
 */
#include <stdlib.h>

#include "bench.h"
#include "pair.h"
#include "pattern.h"
#include "synack/synack.h"

#define LOSSY_PORT 5401
#define LOSSY_CHUNK BENCH_PATTERN_SPAN

struct lossy_run {
    struct synack_sim *sim;
    int chost, shost, link;
    struct synack_stack *cl, *sv;
    int cs, ls, ss;
    struct bench_pattern pat;
    uint8_t *rbuf;
    uint64_t sent, rcvd, samples;
    bool full_verify, failed;
    char *err;
    size_t errlen;
};

static void fail(struct lossy_run *l, const char *what, int code)
{
    if (!l->failed)
        bench_errorf(l->err, l->errlen, "lossy: %s: %s", what, synack_strerror(code));
    l->failed = true;
}

static void client_app(struct synack_sim *sim, int host, void *ctx)
{
    (void)sim, (void)host;
    struct lossy_run *l = ctx;
    struct synack_event ev;
    while (synack_next_event(l->cl, &ev)) {
    }
    for (;;) {
        ssize_t n = synack_send(l->cl, l->cs, bench_pattern_at(&l->pat, l->sent), LOSSY_CHUNK);
        if (n == -SYNACK_EAGAIN)
            break;
        if (n <= 0) {
            fail(l, "send", (int)n);
            break;
        }
        l->sent += (uint64_t)n;
    }
}

static void server_app(struct synack_sim *sim, int host, void *ctx)
{
    (void)sim, (void)host;
    struct lossy_run *l = ctx;
    struct synack_event ev;
    while (synack_next_event(l->sv, &ev)) {
    }
    if (l->ss < 0) {
        l->ss = synack_accept(l->sv, l->ls, NULL);
        if (l->ss < 0)
            return;
    }
    for (;;) {
        ssize_t n = synack_recv(l->sv, l->ss, l->rbuf, LOSSY_CHUNK);
        if (n == -SYNACK_EAGAIN)
            break;
        if (n <= 0) {
            fail(l, "recv", n == 0 ? -SYNACK_ECONNRESET : (int)n);
            break;
        }
        bool ok = l->full_verify ? bench_pattern_check_full(&l->pat, l->rcvd, l->rbuf, (size_t)n)
                                 : bench_pattern_check(&l->pat, l->rcvd, l->rbuf, (size_t)n, &l->samples);
        if (!ok && !l->failed) {
            bench_errorf(l->err, l->errlen, "lossy: wrong data in bytes %llu..%llu", (unsigned long long)l->rcvd,
                         (unsigned long long)(l->rcvd + (uint64_t)n));
            l->failed = true;
        }
        l->rcvd += (uint64_t)n;
    }
}

static void start(struct synack_sim *sim, void *ctx)
{
    (void)sim;
    struct lossy_run *l = ctx;
    struct synack_endpoint srv = synack_endpoint_make(synack_addr_v4(198, 18, 0, 2), LOSSY_PORT);
    l->cs = synack_socket(l->cl);
    int rc = l->cs < 0 ? l->cs : synack_connect(l->cl, l->cs, &srv);
    if (rc != -SYNACK_EINPROGRESS)
        fail(l, "connect", rc);
}

int bench_lossy(const struct bench_lossy_params *prm, struct bench_lossy_result *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    struct lossy_run l;
    memset(&l, 0, sizeof l);
    l.err = err;
    l.errlen = errlen;
    l.full_verify = prm->full_verify;
    l.cs = l.ls = l.ss = -1;
    int rc = -1;
    double w0 = bench_wall_seconds();
    l.rbuf = malloc(LOSSY_CHUNK);
    l.sim = synack_sim_new(prm->seed);
    if (!l.rbuf || !l.sim || bench_pattern_init(&l.pat) < 0) {
        bench_errorf(err, errlen, "lossy: out of memory");
        goto out;
    }
    l.chost = synack_sim_add_host(l.sim, "client", NULL, synack_addr_v4(198, 18, 0, 1), 1500);
    l.shost = synack_sim_add_host(l.sim, "server", NULL, synack_addr_v4(198, 18, 0, 2), 1500);
    struct synack_link_params data = {
        .delay_us = BENCH_LOSSY_DELAY_US, .rate_bps = BENCH_LOSSY_RATE_BPS,
        .queue_packets = BENCH_LOSSY_QUEUE_PACKETS, .mtu = 1500, .loss = prm->loss,
    };
    struct synack_link_params acks = data;
    acks.loss = 0;
    l.link = l.chost < 0 || l.shost < 0 ? -1 : synack_sim_link(l.sim, l.chost, l.shost, &data, &acks);
    if (l.link < 0) {
        bench_errorf(err, errlen, "lossy: could not build the simulated path");
        goto out;
    }
    l.cl = synack_sim_stack(l.sim, l.chost);
    l.sv = synack_sim_stack(l.sim, l.shost);
    struct synack_endpoint srv = synack_endpoint_make(synack_addr_v4(198, 18, 0, 2), LOSSY_PORT);
    l.ls = bench_listen(l.sv, &srv, 1);
    if (l.ls < 0) {
        bench_errorf(err, errlen, "lossy: listen: %s", synack_strerror(l.ls));
        goto out;
    }
    synack_sim_set_app(l.sim, l.chost, client_app, &l);
    synack_sim_set_app(l.sim, l.shost, server_app, &l);
    if (synack_sim_at(l.sim, 0, l.chost, start, &l) < 0) {
        bench_errorf(err, errlen, "lossy: out of memory");
        goto out;
    }
    synack_time_us end = (synack_time_us)(prm->seconds * 1e6);
    synack_sim_run_until(l.sim, end);
    if (l.failed)
        goto out;
    if (l.rcvd == 0) {
        bench_errorf(err, errlen, "lossy: nothing received in %.1f virtual seconds", prm->seconds);
        goto out;
    }
    const struct synack_link_stats *ls = synack_sim_link_stats(l.sim, l.link, l.chost);
    r->lost = ls->lost;
    r->queue_drops = ls->queue_drops;
    struct synack_tcp_info info;
    if (synack_getinfo(l.cl, l.cs, &info) == 0)
        r->retrans_segs = info.retrans_segs;
    r->bytes = l.rcvd;
    r->mbps = (double)l.rcvd * 8 / prm->seconds / 1e6;
    r->wall_seconds = bench_wall_seconds() - w0;
    rc = 0;
out:
    if (l.sim)
        synack_sim_free(l.sim);
    bench_pattern_free(&l.pat);
    free(l.rbuf);
    return rc;
}
