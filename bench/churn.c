/*
 * churn.c — connections opened, one byte sent each way, closed gracefully,
 * `count` in a row with at most `concurrency` open at once.
 *
 *     client                                   server (listening)
 *     socket, connect, send "q"   SYN -->
 *                                 <-- SYN|ACK
 *                                 ACK "q" -->  accept, recv "q", send "r"
 *                                 <-- "r"
 *     recv "r", close             FIN -->      recv: end of stream, close
 *                                 <-- FIN      (connection complete)
 *     TIME_WAIT for 2*MSL         ACK -->      CLOSED
 *
 * The client closes first, so TIME_WAIT piles up at the client, kept for
 * its full 2*MSL (60 s with the default MSL; msl_us is not touched).  The
 * client never reuses a 4-tuple in TIME_WAIT (the engine does not, RFC
 * 6191 would allow it with timestamps), so the run needs a fresh 4-tuple
 * for every connection: the client connects to 8 server addresses
 * 198.18.k.2 (k = 0..7, each reached by its own client interface with
 * address 198.18.k.1) on 4 ports 5000..5003, from ephemeral ports
 * 1024..65535: 8 * 4 * 64512 = 2,064,384 4-tuples, more than twice
 * 1,000,000, which keeps the engine's search for a free port short.
 *
 * A connection is complete when the server, having read the client's FIN,
 * closes; the run ends when every connection has finished closing (no
 * client connection but TIME_WAIT ones, none at the server).  The rate is
 * count / (first connect .. that end); also kept are the rate over the
 * first 1000 completions (from the first connect) and over the last 10%
 * (from the completion that starts them to the end).
 */
#include <stdlib.h>

#include "bench.h"
#include "pair.h"

#define CHURN_PORT0 5000
#define CHURN_DESTS (BENCH_CHURN_ADDRS * BENCH_CHURN_PORTS)
#define STALL_SECONDS 10.0

struct bench_churn_run {
    struct bench_pair pair;
    int listeners[BENCH_CHURN_PORTS];
    struct synack_endpoint dest[CHURN_DESTS];
    uint64_t count, started, completed;
    uint32_t concurrency, open;          /* client sockets open now */
    double t0, t_first, t_k90;           /* wall seconds: start, 1000th and 90% completion */
    uint64_t k_first, k90;
    struct bench_clock *clk;
    char *err;
    size_t errlen;
};

static int start_one(struct bench_churn_run *c)
{
    struct synack_stack *cl = c->pair.client;
    int s = synack_socket(cl);
    if (s < 0)
        return bench_errorf(c->err, c->errlen, "churn: socket #%llu: %s", (unsigned long long)c->started,
                            synack_strerror(s));
    int rc = synack_connect(cl, s, &c->dest[c->started % CHURN_DESTS]);
    if (rc != -SYNACK_EINPROGRESS)
        return bench_errorf(c->err, c->errlen, "churn: connect #%llu: %s", (unsigned long long)c->started,
                            synack_strerror(rc));
    /* Queued in SYN-SENT, sent once established (RFC 9293 §3.10.2). */
    ssize_t n = synack_send(cl, s, "q", 1);
    if (n != 1)
        return bench_errorf(c->err, c->errlen, "churn: send #%llu: %s", (unsigned long long)c->started,
                            synack_strerror((int)n));
    c->started++;
    c->open++;
    return 0;
}

static bool is_listener(const struct bench_churn_run *c, int sock)
{
    for (int i = 0; i < BENCH_CHURN_PORTS; i++)
        if (c->listeners[i] == sock)
            return true;
    return false;
}

/* The milestones read the clock themselves: completions come in waves,
 * many in one turn of the loop. */
static void completed_one(struct bench_churn_run *c)
{
    c->completed++;
    if (c->completed == c->k_first)
        c->t_first = bench_wall_seconds();
    if (c->completed == c->k90)
        c->t_k90 = bench_wall_seconds();
}

/* The server application: accept everything waiting, answer each request
 * byte, close at end of stream. */
static int serve(struct bench_churn_run *c)
{
    struct synack_stack *sv = c->pair.server;
    for (int i = 0; i < BENCH_CHURN_PORTS; i++) {
        int a;
        while ((a = synack_accept(sv, c->listeners[i], NULL)) >= 0) {
        }
        if (a != -SYNACK_EAGAIN)
            return bench_errorf(c->err, c->errlen, "churn: accept: %s", synack_strerror(a));
    }
    struct synack_event ev;
    while (synack_next_event(sv, &ev)) {
        if (is_listener(c, ev.sock) || !(ev.ready & (SYNACK_READABLE | SYNACK_ERROR | SYNACK_HUP)))
            continue;
        for (;;) {
            char b;
            ssize_t n = synack_recv(sv, ev.sock, &b, 1);
            if (n == -SYNACK_EAGAIN)
                break;
            if (n == 1 && b == 'q') {
                ssize_t m = synack_send(sv, ev.sock, "r", 1);
                if (m != 1)
                    return bench_errorf(c->err, c->errlen, "churn: server send: %s", synack_strerror((int)m));
                continue;
            }
            if (n == 0) {
                synack_close(sv, ev.sock);
                completed_one(c);
                break;
            }
            return bench_errorf(c->err, c->errlen, "churn: server recv: %s",
                                n == 1 ? "wrong byte" : synack_strerror((int)n));
        }
    }
    return 0;
}

/* The client application: read each answer, check it, close. */
static int client(struct bench_churn_run *c)
{
    struct synack_stack *cl = c->pair.client;
    struct synack_event ev;
    while (synack_next_event(cl, &ev)) {
        if (!(ev.ready & (SYNACK_READABLE | SYNACK_ERROR | SYNACK_HUP)))
            continue;
        char b;
        ssize_t n = synack_recv(cl, ev.sock, &b, 1);
        if (n == -SYNACK_EAGAIN)
            continue;
        if (n != 1 || b != 'r')
            return bench_errorf(c->err, c->errlen, "churn: client recv: %s",
                                n == 1 ? "wrong byte" : n == 0 ? "end of stream before the answer"
                                                              : synack_strerror((int)n));
        synack_close(cl, ev.sock);
        c->open--;
    }
    return 0;
}

/* The measured loop (the callgrind check counts this function and what it
 * calls).  Ends when every connection is complete and the links are
 * quiet; the caller then checks that nothing but TIME_WAIT is left. */
__attribute__((noinline)) int bench_churn_loop(struct bench_churn_run *c)
{
    struct bench_pair *p = &c->pair;
    double last_progress = bench_wall_seconds();
    uint64_t last_completed = 0;
    for (uint64_t turn = 1;; turn++) {
        synack_time_us now = bench_clock_now(c->clk);
        while (c->open < c->concurrency && c->started < c->count)
            if (start_one(c) < 0)
                return -1;
        synack_poll(p->client, now);
        bench_link_deliver(&p->c2s, p->server, now);
        if (serve(c) < 0)
            return -1;
        synack_poll(p->server, now);
        bench_link_deliver(&p->s2c, p->client, now);
        if (client(c) < 0)
            return -1;
        if (c->completed == c->count && bench_pair_links_empty(p))
            return 0;
        if ((turn & 1023) == 0) {
            double w = bench_wall_seconds();
            if (c->completed != last_completed) {
                last_completed = c->completed;
                last_progress = w;
            } else if (w - last_progress > STALL_SECONDS) {
                return bench_errorf(c->err, c->errlen, "churn: stalled at %llu of %llu connections (%u open)",
                                    (unsigned long long)c->completed, (unsigned long long)c->count, c->open);
            }
        }
    }
}

static int setup(struct bench_churn_run *c, const struct bench_churn_params *prm, struct bench_churn_result *r)
{
    struct bench_pair_config pc;
    bench_pair_defaults(&pc);
    pc.ifaces = BENCH_CHURN_ADDRS;
    pc.link_bytes = (size_t)prm->concurrency * 256;
    /* Client: every connection stays in TIME_WAIT for the whole run, so
     * the table must hold all of them; the ephemeral range is widened. */
    uint64_t cmax = prm->count + prm->concurrency + 64;
    pc.client.max_connections = cmax < 65536 ? 65536 : cmax > UINT32_MAX ? UINT32_MAX : (uint32_t)cmax;
    pc.client.max_sockets = prm->concurrency + 64 < 65536 ? 65536 : prm->concurrency + 64;
    pc.client.ephemeral_lo = BENCH_EPHEMERAL_LO;
    pc.client.ephemeral_hi = BENCH_EPHEMERAL_HI;
    pc.client.mem_max_bytes = 16ull << 30;
    /* Server: a burst of `concurrency` SYNs is answered from the SYN queue,
     * not with cookies. */
    uint64_t smax = 4ull * prm->concurrency + 1024;
    pc.server.max_connections = smax < 65536 ? 65536 : (uint32_t)smax;
    pc.server.max_sockets = pc.server.max_connections;
    pc.server.syn_queue_len = prm->concurrency < 256 ? 256 : prm->concurrency;
    pc.server.syn_queue_total = pc.server.syn_queue_len * BENCH_CHURN_PORTS;
    pc.server.mem_max_bytes = 16ull << 30;
    r->client_max_connections = pc.client.max_connections;
    r->server_max_connections = pc.server.max_connections;
    r->mem_max_bytes = pc.client.mem_max_bytes;
    r->tuples = (uint64_t)BENCH_CHURN_ADDRS * BENCH_CHURN_PORTS * (BENCH_EPHEMERAL_HI - BENCH_EPHEMERAL_LO + 1);
    if (bench_pair_open(&c->pair, &pc, c->err, c->errlen) < 0)
        return -1;
    for (int i = 0; i < BENCH_CHURN_PORTS; i++) {
        struct synack_endpoint any = synack_endpoint_make(synack_addr_v4(0, 0, 0, 0), (uint16_t)(CHURN_PORT0 + i));
        int ls = bench_listen(c->pair.server, &any, 65535);
        if (ls < 0)
            return bench_errorf(c->err, c->errlen, "churn: listen: %s", synack_strerror(ls));
        c->listeners[i] = ls;
    }
    for (int k = 0; k < BENCH_CHURN_ADDRS; k++)
        for (int i = 0; i < BENCH_CHURN_PORTS; i++)
            c->dest[k * BENCH_CHURN_PORTS + i] =
                synack_endpoint_make(bench_pair_server_addr(k), (uint16_t)(CHURN_PORT0 + i));
    return 0;
}

int bench_churn(const struct bench_churn_params *prm, struct bench_clock *clk, struct bench_churn_result *r,
                char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    if (prm->count == 0 || prm->concurrency == 0)
        return bench_errorf(err, errlen, "churn: count and concurrency must be positive");
    struct bench_churn_run *c = calloc(1, sizeof *c);
    if (!c)
        return bench_errorf(err, errlen, "churn: out of memory");
    c->count = prm->count;
    c->concurrency = prm->concurrency;
    c->k_first = prm->count < 1000 ? prm->count : 1000;
    c->k90 = prm->count - prm->count / 10;
    c->clk = clk;
    c->err = err;
    c->errlen = errlen;
    int rc = -1;
    if (setup(c, prm, r) < 0)
        goto out;
    c->t0 = bench_wall_seconds();
    if (bench_churn_loop(c) < 0)
        goto out;
    double t_end = bench_wall_seconds();
    /* Every connection must have closed both ways: only TIME_WAIT left at
     * the client (fewer, if a run outlasted 2*MSL), nothing at the server. */
    uint32_t c_live = synack_stack_connections(c->pair.client, false);
    uint32_t s_all = synack_stack_connections(c->pair.server, true);
    if (c_live || s_all) {
        bench_errorf(err, errlen, "churn: %u client and %u server connections still open at the end", c_live, s_all);
        goto out;
    }
    struct synack_mem_info mi;
    synack_stack_mem(c->pair.client, &mi);
    r->client_mem_peak = mi.peak;
    synack_stack_mem(c->pair.server, &mi);
    r->server_mem_peak = mi.peak;
    r->time_wait = synack_stack_connections(c->pair.client, true);
    r->count = c->completed;
    r->seconds = t_end - c->t0;
    r->cps = r->seconds > 0 ? (double)c->count / r->seconds : 0;
    r->first1000_cps = c->t_first > c->t0 ? (double)c->k_first / (c->t_first - c->t0) : 0;
    if (c->count > c->k90 && t_end > c->t_k90)
        r->last10_cps = (double)(c->count - c->k90) / (t_end - c->t_k90);
    rc = 0;
out:
    bench_pair_close(&c->pair);
    free(c);
    return rc;
}
