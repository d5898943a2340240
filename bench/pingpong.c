/*
 * pingpong.c — 1-byte requests and 1-byte responses on one connection,
 * Nagle's algorithm off at both ends (SYNACK_OPT_NODELAY), two stacks in
 * one process over the link of link.h.  One round:
 *
 *     client: send 1 byte, poll     -->  server: recv it, send it back, poll
 *     client: recv, check            <--
 *
 * The byte counts the rounds, so a lost, repeated or stale byte is caught.
 * Rounds per second of wall clock.
 */
#include "bench.h"
#include "pair.h"

#define PP_PORT 5301
#define HANDSHAKE_TURNS 1000
#define STALL_SECONDS 10.0       /* no answer for this long: an error */

static int connect_pair(struct bench_pair *p, struct bench_clock *clk, int *cs, int *ss, char *err, size_t errlen)
{
    struct synack_endpoint srv = synack_endpoint_make(bench_pair_server_addr(0), PP_PORT);
    int ls = synack_socket(p->server);
    int rc = ls < 0 ? ls : synack_bind(p->server, ls, &srv);
    if (rc >= 0)
        rc = synack_setsockopt(p->server, ls, SYNACK_OPT_NODELAY, 1);   /* inherited by accept */
    if (rc >= 0)
        rc = synack_listen(p->server, ls, 1);
    if (rc < 0)
        return bench_errorf(err, errlen, "pingpong: listen: %s", synack_strerror(rc));
    *cs = synack_socket(p->client);
    rc = *cs < 0 ? *cs : synack_setsockopt(p->client, *cs, SYNACK_OPT_NODELAY, 1);
    if (rc >= 0)
        rc = synack_connect(p->client, *cs, &srv);
    if (rc != -SYNACK_EINPROGRESS)
        return bench_errorf(err, errlen, "pingpong: connect: %s", synack_strerror(rc));
    *ss = -1;
    for (int i = 0; i < HANDSHAKE_TURNS; i++) {
        bench_pair_turn(p, bench_clock_now(clk));
        if (*ss < 0)
            *ss = synack_accept(p->server, ls, NULL);
        if (*ss >= 0 && (synack_socket_ready(p->client, *cs) & SYNACK_CONNECTED)) {
            int64_t nd = 0;
            synack_getsockopt(p->server, *ss, SYNACK_OPT_NODELAY, &nd);
            if (nd != 1)
                return bench_errorf(err, errlen, "pingpong: NODELAY not inherited by the accepted socket");
            synack_close(p->server, ls);
            return 0;
        }
    }
    return bench_errorf(err, errlen, "pingpong: no connection after %d turns", HANDSHAKE_TURNS);
}

int bench_pingpong(const struct bench_pingpong_params *prm, struct bench_clock *clk,
                   struct bench_pingpong_result *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    struct bench_pair p;
    struct bench_pair_config pc;
    bench_pair_defaults(&pc);
    pc.link_bytes = 65536;
    int cs = -1, ss = -1, rc = -1;
    if (bench_pair_open(&p, &pc, err, errlen) < 0)
        return -1;
    if (connect_pair(&p, clk, &cs, &ss, err, errlen) < 0)
        goto out;
    uint64_t rounds = 0, idle_turns = 0;
    bool waiting = false;               /* a request is out */
    double t0 = bench_wall_seconds(), idle_since = t0;
    while (rounds < prm->rounds) {
        synack_time_us now = bench_clock_now(clk);
        uint8_t req = (uint8_t)rounds, b;
        if (!waiting) {
            ssize_t n = synack_send(p.client, cs, &req, 1);
            if (n != 1) {
                bench_errorf(err, errlen, "pingpong: client send: %s", synack_strerror((int)n));
                goto out;
            }
            waiting = true;
        }
        synack_poll(p.client, now);
        bench_link_deliver(&p.c2s, p.server, now);
        ssize_t n = synack_recv(p.server, ss, &b, 1);
        if (n == 1) {
            ssize_t m = synack_send(p.server, ss, &b, 1);
            if (m != 1) {
                bench_errorf(err, errlen, "pingpong: server send: %s", synack_strerror((int)m));
                goto out;
            }
        } else if (n != -SYNACK_EAGAIN) {
            bench_errorf(err, errlen, "pingpong: server recv: %s", n == 0 ? "end of stream" : synack_strerror((int)n));
            goto out;
        }
        synack_poll(p.server, now);
        bench_link_deliver(&p.s2c, p.client, now);
        n = synack_recv(p.client, cs, &b, 1);
        if (n == 1) {
            if (b != req) {
                bench_errorf(err, errlen, "pingpong: round %llu: answer %u, expected %u", (unsigned long long)rounds,
                             b, req);
                goto out;
            }
            rounds++;
            waiting = false;
            idle_turns = 0;
        } else if (n != -SYNACK_EAGAIN) {
            bench_errorf(err, errlen, "pingpong: client recv: %s", n == 0 ? "end of stream" : synack_strerror((int)n));
            goto out;
        } else if ((++idle_turns & 4095) == 0) {
            double w = bench_wall_seconds();
            if (idle_turns == 4096)
                idle_since = w;
            else if (w - idle_since > STALL_SECONDS) {
                bench_errorf(err, errlen, "pingpong: no answer to round %llu", (unsigned long long)rounds);
                goto out;
            }
        }
    }
    r->seconds = bench_wall_seconds() - t0;
    r->rounds = rounds;
    r->rtps = r->seconds > 0 ? (double)rounds / r->seconds : 0;
    rc = 0;
out:
    bench_pair_close(&p);
    return rc;
}
