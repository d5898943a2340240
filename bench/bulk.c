/*
 * bulk.c — one connection, N bytes of application data one way, between
 * two stacks in one process joined by the DMA-like link of link.h.
 *
 * The application copies the data in with synack_send (64 KiB calls, from
 * the stream of pattern.h, so producing it costs nothing) and out with
 * synack_recv into its own 64 KiB buffer, checking a sample of every chunk.
 * One turn of the driver loop:
 *
 *     now = clock
 *     client app: synack_send until EAGAIN (or all queued)
 *     synack_poll(client, now)       segments out, copied into the link
 *     deliver link -> server         synack_input for each packet
 *     server app: synack_recv until EAGAIN, check the sample
 *     synack_poll(server, now)       window updates, delayed ACKs
 *     deliver link -> client         the ACKs
 *
 * Nothing is allocated and nothing printed inside the loop.  The time is
 * the wall clock from the first send to the last byte read.
 */
#include <stdlib.h>

#include "bench.h"
#include "pair.h"
#include "pattern.h"

#define BULK_PORT 5201
#define BULK_CHUNK BENCH_PATTERN_SPAN      /* the applications' send and recv size */
#define STALL_SECONDS 10.0                 /* no byte read for this long: an error */
#define HANDSHAKE_TURNS 1000

struct bench_bulk_run {
    struct bench_pair pair;
    int cs, ss;                           /* client socket, accepted server socket */
    struct bench_pattern pat;
    uint8_t *rbuf;
    uint64_t total, sent, rcvd, samples;
    bool full_verify;
    struct bench_clock *clk;
    char *err;
    size_t errlen;
};

static int handshake(struct bench_bulk_run *b)
{
    struct bench_pair *p = &b->pair;
    struct synack_endpoint srv = synack_endpoint_make(bench_pair_server_addr(0), BULK_PORT);
    int ls = bench_listen(p->server, &srv, 1);
    if (ls < 0)
        return bench_errorf(b->err, b->errlen, "bulk: listen: %s", synack_strerror(ls));
    b->cs = synack_socket(p->client);
    int rc = b->cs < 0 ? b->cs : synack_connect(p->client, b->cs, &srv);
    if (rc != -SYNACK_EINPROGRESS)
        return bench_errorf(b->err, b->errlen, "bulk: connect: %s", synack_strerror(rc));
    b->ss = -1;
    for (int i = 0; i < HANDSHAKE_TURNS; i++) {
        bench_pair_turn(p, bench_clock_now(b->clk));
        if (b->ss < 0)
            b->ss = synack_accept(p->server, ls, NULL);
        if (b->ss >= 0 && (synack_socket_ready(p->client, b->cs) & SYNACK_CONNECTED)) {
            int closed = synack_close(p->server, ls);
            return closed < 0 ? bench_errorf(b->err, b->errlen, "bulk: close listener: %s", synack_strerror(closed)) : 0;
        }
    }
    return bench_errorf(b->err, b->errlen, "bulk: no connection after %d turns", HANDSHAKE_TURNS);
}

/* The measured loop (the callgrind check counts this function and what it
 * calls). */
__attribute__((noinline)) int bench_bulk_transfer(struct bench_bulk_run *b)
{
    struct synack_stack *cl = b->pair.client, *sv = b->pair.server;
    double last_progress = bench_wall_seconds();
    uint64_t last_rcvd = 0;
    for (uint64_t turn = 1; b->rcvd < b->total; turn++) {
        synack_time_us now = bench_clock_now(b->clk);
        while (b->sent < b->total) {
            uint64_t left = b->total - b->sent;
            ssize_t n = synack_send(cl, b->cs, bench_pattern_at(&b->pat, b->sent),
                                    left < BULK_CHUNK ? (size_t)left : BULK_CHUNK);
            if (n == -SYNACK_EAGAIN)
                break;
            if (n <= 0)
                return bench_errorf(b->err, b->errlen, "bulk: send: %s", synack_strerror((int)n));
            b->sent += (uint64_t)n;
        }
        synack_poll(cl, now);
        bench_link_deliver(&b->pair.c2s, sv, now);
        for (;;) {
            ssize_t n = synack_recv(sv, b->ss, b->rbuf, BULK_CHUNK);
            if (n == -SYNACK_EAGAIN)
                break;
            if (n <= 0)
                return bench_errorf(b->err, b->errlen, "bulk: recv after %llu bytes: %s",
                                    (unsigned long long)b->rcvd, n == 0 ? "end of stream" : synack_strerror((int)n));
            bool ok = b->full_verify ? bench_pattern_check_full(&b->pat, b->rcvd, b->rbuf, (size_t)n)
                                     : bench_pattern_check(&b->pat, b->rcvd, b->rbuf, (size_t)n, &b->samples);
            if (!ok)
                return bench_errorf(b->err, b->errlen, "bulk: wrong data in bytes %llu..%llu",
                                    (unsigned long long)b->rcvd, (unsigned long long)(b->rcvd + (uint64_t)n));
            b->rcvd += (uint64_t)n;
        }
        synack_poll(sv, now);
        bench_link_deliver(&b->pair.s2c, cl, now);
        if ((turn & 1023) == 0) {
            double w = bench_wall_seconds();
            if (b->rcvd != last_rcvd) {
                last_rcvd = b->rcvd;
                last_progress = w;
            } else if (w - last_progress > STALL_SECONDS) {
                return bench_errorf(b->err, b->errlen, "bulk: stalled at %llu of %llu bytes",
                                    (unsigned long long)b->rcvd, (unsigned long long)b->total);
            }
        }
    }
    return 0;
}

int bench_bulk(const struct bench_bulk_params *prm, struct bench_clock *clk, struct bench_bulk_result *r,
               char *err, size_t errlen)
{
    struct bench_bulk_run *b = calloc(1, sizeof *b);
    if (!b)
        return bench_errorf(err, errlen, "bulk: out of memory");
    memset(r, 0, sizeof *r);
    b->total = prm->bytes;
    b->full_verify = prm->full_verify;
    b->clk = clk;
    b->err = err;
    b->errlen = errlen;
    b->cs = b->ss = -1;
    struct bench_pair_config pc;
    bench_pair_defaults(&pc);
    if (prm->window64k) {
        /* As lwIP's Debian build: a 64 KiB window, no window scaling. */
        for (int i = 0; i < 2; i++) {
            struct synack_config *c = i ? &pc.server : &pc.client;
            c->window_scaling = false;
            c->sndbuf_bytes = 65535;
            c->rcvbuf_bytes = 65535;
        }
    }
    pc.csum_offload = prm->csum_offload;
    int rc = -1;
    b->rbuf = malloc(BULK_CHUNK);
    if (!b->rbuf || bench_pattern_init(&b->pat) < 0) {
        bench_errorf(err, errlen, "bulk: out of memory");
        goto out;
    }
    if (bench_pair_open(&b->pair, &pc, err, errlen) < 0 || handshake(b) < 0)
        goto out;
    b->pair.c2s.corrupt_at = prm->corrupt_packet;
    double t0 = bench_wall_seconds();
    if (bench_bulk_transfer(b) < 0)
        goto out;
    double t1 = bench_wall_seconds();
    struct synack_tcp_info info;
    if (synack_getinfo(b->pair.client, b->cs, &info) == 0)
        r->retrans_segs = info.retrans_segs;
    r->bytes = b->rcvd;
    r->seconds = t1 - t0;
    r->gbps = r->seconds > 0 ? (double)b->rcvd * 8 / r->seconds / 1e9 : 0;
    r->packets = b->pair.c2s.packets + b->pair.s2c.packets;
    r->samples = b->samples;
    rc = 0;
out:
    bench_pair_close(&b->pair);
    bench_pattern_free(&b->pat);
    free(b->rbuf);
    free(b);
    return rc;
}
