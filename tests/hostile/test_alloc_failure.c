/*
 * test_alloc_failure.c — any allocation the stack makes may fail, and the
 * stack stays consistent when one does (synack_config.alloc, mem.h).
 *
 * Each scenario runs two stacks on the simulator, a client 198.18.0.1 and
 * a server 198.18.0.2, whose allocator hook is this file's: it counts the
 * calls that allocate or grow a block (both stacks share the count), fails
 * the ones it is told to, and keeps its own record of every live block and
 * its size.  A scenario is run
 *
 *   1. once cleanly, which counts its allocations: T;
 *   2. T times more with allocation N failing once, for every N in 1..T;
 *   3. T times more with every allocation from N on failing (memory gone
 *      for good), for every N in 1..T.
 *
 * Scenarios: a handshake, a little data each way and a close; a transfer
 * both ways over a link that loses, reorders and duplicates; a listener
 * with several connections, a small backlog and one client that aborts;
 * 70 connections at once (every table grows); 30 at once under a memory
 * cap they do not fit in (mem_max_bytes 512 KiB: the pressure line
 * refuses sends, connections and out-of-order data as they go); UDP
 * datagrams echoed; UDP datagrams in IP fragments, out of order, one
 * duplicated and one never completed.
 *
 * The applications are what a careful program would be: a call that
 * returns ENOBUFS is tried again 10 ms later (at most RETRY_MAX times, then
 * the socket is aborted), every other error ends the socket.  Every socket
 * keeps alive (1 s), so that no end waits forever for a peer that is gone.
 *
 * Checks, after every run:
 *   - no crash, and (under ASan or valgrind) no error; independently of
 *     them, the hook sees every block freed once the simulation (and so
 *     each stack) is freed, and every free and resize names the size the
 *     block was allocated with;
 *   - the stack's own count of its memory (stats MemBytes) equals the
 *     bytes the hook has handed out, at every application callback;
 *   - the stack's gauges agree with its tables at every callback: tcpCurrEstab,
 *     SynQueueLen and TCPOFOSpanBytes against a walk of the connection
 *     table, every armed timer queued, room in the timer heap;
 *   - every byte either application reads is the byte its peer sent;
 *   - with one failure, every TCP connection completes both ways (the
 *     deliberate abort gives its peer ECONNRESET), and at most one UDP
 *     datagram (or reassembled datagram) is lost;
 *   - with memory gone for good, every socket has completed or ended with
 *     a clean error (ECONNRESET, ETIMEDOUT, ECONNABORTED, ECONNREFUSED,
 *     EPIPE, or ENOBUFS given up); none is left waiting;
 *   - at the end, once everything is closed and the simulation has run
 *     dry, neither stack holds a connection and the gauges are zero.
 *
 * `test_alloc_failure STRIDE` tries every STRIDE-th N only (valgrind runs
 * it with a stride; ctest with 1).  The figures are the last lines.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "byteorder.h"
#include "checksum.h"
#include "hostile.h"
#include "ipv4.h"
#include "stack_internal.h"
#include "tcp_conn.h"

#define CLIENT 0
#define SERVER 1
#define MAX_CONNS 80
#define MAX_DGRAMS 32
#define CLIENT_PORT_BASE 50000
#define TCP_PORT 80
#define UDP_ECHO_PORT 7
#define UDP_CLIENT_PORT 5000
#define UDP_FRAG_PORT 9
#define RETRY_US (10 * MS)
#define RETRY_MAX 40
#define RUN_LIMIT_US (300 * SEC)      /* applications done by then */
#define DRAIN_LIMIT_US (900 * SEC)    /* orphans and TIME_WAIT gone by then */
#define FRAG_PAYLOAD 2400             /* UDP payload of a fragmented datagram */
#define FRAG_CUT1 1000                /* fragment boundaries in the UDP datagram */
#define FRAG_CUT2 2000
#define MAX_REPORTS 3                 /* failing runs printed per scenario and mode */

/* ---- The allocator hook ------------------------------------------------------- */

struct fail_plan {
    uint64_t calls;                  /* allocating calls so far, both stacks */
    uint64_t fail_at;                /* 0: never */
    bool for_good;                   /* fail every call from fail_at on */
    uint64_t failed;
};

struct hook {
    struct fail_plan *plan;
    uint64_t live_bytes, live_blocks;
    bool bad_size;                   /* a free or resize named the wrong size */
};

/* Each block carries its size in front, to check what the stack says. */
#define HDR 16

static void *hook_alloc(void *ctx, void *old, size_t old_size, size_t new_size)
{
    struct hook *h = ctx;
    uint8_t *blk = old ? (uint8_t *)old - HDR : NULL;
    if (blk) {
        size_t recorded;
        memcpy(&recorded, blk, sizeof recorded);
        if (recorded != old_size)
            h->bad_size = true;
    } else if (old_size) {
        h->bad_size = true;
    }
    if (new_size == 0) {
        if (blk) {
            h->live_bytes -= old_size;
            h->live_blocks--;
            free(blk);
        }
        return NULL;
    }
    struct fail_plan *p = h->plan;
    p->calls++;
    if (p->fail_at && (p->calls == p->fail_at || (p->for_good && p->calls > p->fail_at))) {
        p->failed++;
        return NULL;
    }
    uint8_t *n = realloc(blk, HDR + new_size);
    if (!n)
        return NULL;
    memcpy(n, &new_size, sizeof new_size);
    if (!blk)
        h->live_blocks++;
    h->live_bytes = h->live_bytes - (blk ? old_size : 0) + new_size;
    return n + HDR;
}

/* ---- Scenarios ------------------------------------------------------------------ */

struct scenario {
    const char *name;
    int conns;                       /* TCP connections */
    uint32_t up_bytes, down_bytes;   /* client -> server, server -> client */
    int abort_conn;                  /* this client aborts after half its bytes; -1: none */
    synack_time_us stagger_us;       /* between connection starts */
    int backlog;
    struct synack_link_params link;
    uint32_t bufs;                   /* SNDBUF and RCVBUF; 0: defaults */
    uint64_t mem_max;                /* mem_max_bytes of both stacks; 0: the default */
    int udp_dgrams;                  /* UDP datagrams echoed */
    int frag_dgrams;                 /* fragmented datagrams; the last never completes */
};

static const struct scenario scenarios[] = {
    { .name = "handshake_close", .conns = 1, .up_bytes = 2000, .down_bytes = 1000, .abort_conn = -1,
      .link = { .delay_us = 5 * MS } },
    { .name = "lossy_transfer", .conns = 1, .up_bytes = 600000, .down_bytes = 300000, .abort_conn = -1,
      .link = { .delay_us = 2 * MS, .loss = 0.03, .reorder = 0.08, .dup = 0.02, .jitter_us = 500 },
      .bufs = 256 * 1024 },
    { .name = "listener_many", .conns = 5, .up_bytes = 8000, .down_bytes = 6000, .abort_conn = 3,
      .stagger_us = 3 * MS, .backlog = 2, .link = { .delay_us = 1 * MS } },
    /* Enough sockets and connections at once to grow every table: socket
     * slots, the timer heap (past 64), the scoreboards. */
    { .name = "many_conns", .conns = 70, .up_bytes = 3000, .down_bytes = 40000, .abort_conn = -1,
      .stagger_us = 200, .backlog = 80, .link = { .delay_us = 3 * MS, .loss = 0.01 } },
    /* The same under a memory cap the connections cannot all fit in at
     * once: the pressure line refuses connections, sends and out-of-order
     * data, and they must still all complete. */
    { .name = "many_conns_capped", .conns = 30, .up_bytes = 3000, .down_bytes = 40000, .abort_conn = -1,
      .stagger_us = 200, .backlog = 80, .link = { .delay_us = 3 * MS, .loss = 0.01 }, .mem_max = 512u << 10 },
    { .name = "udp_echo", .udp_dgrams = 24, .abort_conn = -1, .link = { .delay_us = 1 * MS } },
    { .name = "fragments", .frag_dgrams = 5, .abort_conn = -1, .link = { .delay_us = 1 * MS } },
};
#define SCENARIOS (sizeof scenarios / sizeof scenarios[0])

/* ---- One run ---------------------------------------------------------------------- */

struct end {                         /* one side of a TCP connection */
    int sock;                        /* -1: none (yet, or any more) */
    bool bound, connecting, connected, shut, eof;
    bool done, failed, aborted, accepted;
    int error;                       /* what ended it, when failed */
    uint64_t sent, recvd, to_send, to_recv;
    unsigned retries;
};

struct run {
    const struct scenario *sc;
    struct fail_plan plan;
    struct hook hook[2];
    struct synack_sim *sim;
    int host[2];
    struct synack_stack *st[2];
    bool setup_failed;
    int listener;                    /* on the server; -1 */
    struct { struct end e[2]; bool started; } tc[MAX_CONNS];
    int udp[2];                      /* client's and server's UDP sockets; -1 */
    bool echoed[MAX_DGRAMS];         /* the client got datagram i back */
    bool udp_sent[MAX_DGRAMS];
    unsigned udp_retries;
    int pending_echo[MAX_DGRAMS];    /* datagrams the server still owes (index), -1 */
    bool frag_got[MAX_DGRAMS];
    bool retry_armed[2];
    bool closing;                    /* finish() has begun: the applications are gone */
    bool mismatch;
    unsigned bad;                    /* failed checks in this run */
    char first_bad[512];
};

static struct run *cur;              /* the run in progress, for bad() */

static void bad(struct run *r, const char *fmt, ...)
{
    va_list ap;
    if (!r->bad) {
        va_start(ap, fmt);
        vsnprintf(r->first_bad, sizeof r->first_bad, fmt, ap);
        va_end(ap);
    }
    r->bad++;
}

static uint64_t stream_of(int conn, int from_side) { return (uint64_t)conn * 2 + (uint64_t)from_side + 1; }
static struct synack_addr addr_of(int side) { return synack_addr_v4(198, 18, 0, (uint8_t)(side + 1)); }
static synack_time_us now_of(struct run *r) { return synack_sim_now(r->sim); }

static void step(struct run *r, int side);

static void retry_cb(struct synack_sim *sim, void *ctx)
{
    (void)sim;
    int *side = ctx;
    cur->retry_armed[*side] = false;
    step(cur, *side);
}

static int side_ids[2] = { CLIENT, SERVER };

/* ENOBUFS: try again soon (the stack refused for want of memory). */
static void want_retry(struct run *r, int side)
{
    if (r->retry_armed[side])
        return;
    r->retry_armed[side] = true;
    if (synack_sim_at(r->sim, now_of(r) + RETRY_US, r->host[side], retry_cb, &side_ids[side]) != 0)
        bad(r, "could not schedule a retry");
}

static bool clean_error(int e)
{
    return e == -SYNACK_ECONNRESET || e == -SYNACK_ETIMEDOUT || e == -SYNACK_ECONNABORTED ||
           e == -SYNACK_ECONNREFUSED || e == -SYNACK_EPIPE || e == -SYNACK_ENOBUFS;
}

static void end_fail(struct run *r, int side, struct end *e, int err)
{
    if (!clean_error(err))
        bad(r, "%s end ended with %s", side == CLIENT ? "client" : "server", synack_strerror(err));
    e->failed = true;
    e->error = err;
    if (e->sock >= 0)
        synack_close(r->st[side], e->sock);
    e->sock = -1;
}

/* ENOBUFS again: retry, or give up after RETRY_MAX tries (abort). */
static void end_enobufs(struct run *r, int side, struct end *e)
{
    if (++e->retries <= RETRY_MAX) {
        want_retry(r, side);
        return;
    }
    if (e->sock >= 0)
        synack_abort(r->st[side], e->sock);
    e->sock = -1;
    e->failed = true;
    e->error = -SYNACK_ENOBUFS;
}

static void keepalive(struct synack_stack *st, int sock)
{
    synack_setsockopt(st, sock, SYNACK_OPT_KEEPALIVE, 1);
    synack_setsockopt(st, sock, SYNACK_OPT_KEEPIDLE, 1);
    synack_setsockopt(st, sock, SYNACK_OPT_KEEPINTVL, 1);
    synack_setsockopt(st, sock, SYNACK_OPT_KEEPCNT, 3);
}

/* Reads and writes what it can on an open end. */
static void end_io(struct run *r, int side, int k, struct end *e)
{
    struct synack_stack *st = r->st[side];
    static uint8_t buf[16384];
    if (synack_socket_ready(st, e->sock) & SYNACK_CONNECTED)
        e->connected = true;
    for (;;) {
        ssize_t n = synack_recv(st, e->sock, buf, sizeof buf);
        if (n > 0) {
            if (pattern_check(stream_of(k, !side), e->recvd, buf, (size_t)n) != (size_t)n) {
                r->mismatch = true;
                bad(r, "conn %d: %s read bytes its peer never sent", k, side == CLIENT ? "client" : "server");
            }
            e->recvd += (uint64_t)n;
            continue;
        }
        if (n == 0)
            e->eof = true;
        else if (n != -SYNACK_EAGAIN) {
            end_fail(r, side, e, (int)n);
            return;
        }
        break;
    }
    bool aborts = side == CLIENT && k == r->sc->abort_conn;
    while (e->connected && !e->shut && e->sent < e->to_send) {
        uint64_t limit = aborts ? e->to_send / 2 : e->to_send;
        if (e->sent >= limit) {
            synack_abort(st, e->sock);         /* the deliberate abort */
            e->sock = -1;
            e->aborted = e->done = true;
            return;
        }
        size_t most = 4096;                    /* what an application might write at once */
        size_t chunk = (size_t)(limit - e->sent) < most ? (size_t)(limit - e->sent) : most;
        pattern_fill(stream_of(k, side), e->sent, buf, chunk);
        ssize_t n = synack_send(st, e->sock, buf, chunk);
        if (n > 0) {
            e->sent += (uint64_t)n;
            e->retries = 0;                    /* RETRY_MAX counts ENOBUFS in a row */
            continue;
        }
        if (n == -SYNACK_ENOBUFS)
            end_enobufs(r, side, e);
        else if (n != -SYNACK_EAGAIN)
            end_fail(r, side, e, (int)n);
        if (e->sock < 0)
            return;
        break;
    }
    if (e->connected && !e->shut && e->sent == e->to_send) {
        int rc = synack_shutdown(st, e->sock, SYNACK_SHUT_WR);
        if (rc != 0) {
            end_fail(r, side, e, rc);
            return;
        }
        e->shut = true;
    }
    if (e->shut && e->eof) {
        synack_close(st, e->sock);
        e->sock = -1;
        e->done = true;
    }
}

static void client_conn(struct run *r, int k)
{
    struct end *e = &r->tc[k].e[CLIENT];
    struct synack_stack *st = r->st[CLIENT];
    if (!r->tc[k].started || e->done || e->failed)
        return;
    if (e->sock < 0) {
        int s = synack_socket(st);
        if (s < 0) {
            if (s == -SYNACK_ENOBUFS)
                end_enobufs(r, CLIENT, e);
            else
                end_fail(r, CLIENT, e, s);
            return;
        }
        e->sock = s;
        keepalive(st, s);
        struct synack_endpoint local = synack_endpoint_make(addr_of(CLIENT), (uint16_t)(CLIENT_PORT_BASE + k));
        if (synack_bind(st, s, &local) != 0)
            bad(r, "bind failed");
    }
    if (!e->connecting) {
        struct synack_endpoint server = synack_endpoint_make(addr_of(SERVER), TCP_PORT);
        int rc = synack_connect(st, e->sock, &server);
        if (rc == -SYNACK_ENOBUFS) {
            end_enobufs(r, CLIENT, e);
            return;
        }
        if (rc != -SYNACK_EINPROGRESS) {
            end_fail(r, CLIENT, e, rc);
            return;
        }
        e->connecting = true;
    }
    end_io(r, CLIENT, k, e);
}

static void server_accept(struct run *r)
{
    struct synack_stack *st = r->st[SERVER];
    for (;;) {
        struct synack_endpoint peer;
        int s = synack_accept(st, r->listener, &peer);
        if (s == -SYNACK_EAGAIN)
            return;
        if (s == -SYNACK_ENOBUFS) {
            want_retry(r, SERVER);            /* the connection stays queued */
            return;
        }
        if (s < 0) {
            bad(r, "accept: %s", synack_strerror(s));
            return;
        }
        int k = peer.port - CLIENT_PORT_BASE;
        if (k < 0 || k >= r->sc->conns || r->tc[k].e[SERVER].accepted) {
            bad(r, "accepted an unexpected connection from port %u", peer.port);
            synack_abort(st, s);
            continue;
        }
        struct end *e = &r->tc[k].e[SERVER];
        e->accepted = true;
        e->sock = s;
        keepalive(st, s);
    }
}

static void udp_client(struct run *r)
{
    struct synack_stack *st = r->st[CLIENT];
    static uint8_t buf[2048];
    if (r->udp[CLIENT] < 0)
        return;
    for (int i = 0; i < r->sc->udp_dgrams; i++) {
        if (r->udp_sent[i])
            continue;
        size_t len = 4 + (size_t)(i * 137) % 1300;
        put_be32(buf, (uint32_t)i);
        pattern_fill(1000 + (uint64_t)i, 4, buf + 4, len - 4);
        struct synack_endpoint to = synack_endpoint_make(addr_of(SERVER), UDP_ECHO_PORT);
        ssize_t n = synack_sendto(st, r->udp[CLIENT], buf, len, &to);
        if (n == -SYNACK_ENOBUFS) {
            if (++r->udp_retries <= RETRY_MAX)
                want_retry(r, CLIENT);
            else
                r->udp_sent[i] = true;          /* given up */
            break;
        }
        if (n != (ssize_t)len)
            bad(r, "udp sendto: %zd", n);
        r->udp_sent[i] = true;
    }
    for (;;) {
        struct synack_endpoint from;
        ssize_t n = synack_recvfrom(st, r->udp[CLIENT], buf, sizeof buf, &from);
        if (n == -SYNACK_EAGAIN)
            break;
        if (n < 4) {
            bad(r, "udp client recvfrom: %zd", n);
            break;
        }
        uint32_t i = get_be32(buf);
        if (i >= (uint32_t)r->sc->udp_dgrams || (size_t)n != 4 + (size_t)(i * 137) % 1300 ||
            pattern_check(1000 + (uint64_t)i, 4, buf + 4, (size_t)n - 4) != (size_t)n - 4) {
            r->mismatch = true;
            bad(r, "udp echo %u is not what was sent", i);
            continue;
        }
        r->echoed[i] = true;
    }
}

static void udp_server(struct run *r)
{
    struct synack_stack *st = r->st[SERVER];
    static uint8_t buf[4096];
    if (r->udp[SERVER] < 0)
        return;
    struct synack_endpoint to = synack_endpoint_make(addr_of(CLIENT), UDP_CLIENT_PORT);
    /* Echoes owed first (refused earlier for want of memory). */
    for (int j = 0; j < MAX_DGRAMS; j++) {
        int i = r->pending_echo[j];
        if (i < 0)
            continue;
        size_t len = 4 + (size_t)(i * 137) % 1300;
        put_be32(buf, (uint32_t)i);
        pattern_fill(1000 + (uint64_t)i, 4, buf + 4, len - 4);
        ssize_t n = synack_sendto(st, r->udp[SERVER], buf, len, &to);
        if (n == -SYNACK_ENOBUFS) {
            if (++r->udp_retries <= RETRY_MAX)
                want_retry(r, SERVER);
            else
                r->pending_echo[j] = -1;
            return;
        }
        r->pending_echo[j] = -1;
    }
    for (;;) {
        struct synack_endpoint from;
        ssize_t n = synack_recvfrom(st, r->udp[SERVER], buf, sizeof buf, &from);
        if (n == -SYNACK_EAGAIN)
            break;
        if (n < 4) {
            bad(r, "udp server recvfrom: %zd", n);
            break;
        }
        uint32_t i = get_be32(buf);
        if (i >= (uint32_t)r->sc->udp_dgrams || (size_t)n != 4 + (size_t)(i * 137) % 1300 ||
            pattern_check(1000 + (uint64_t)i, 4, buf + 4, (size_t)n - 4) != (size_t)n - 4) {
            r->mismatch = true;
            bad(r, "udp datagram %u arrived damaged", i);
            continue;
        }
        ssize_t m = synack_sendto(st, r->udp[SERVER], buf, (size_t)n, &from);
        if (m == -SYNACK_ENOBUFS) {
            r->pending_echo[i] = (int)i;
            want_retry(r, SERVER);
        } else if (m != n) {
            bad(r, "udp echo sendto: %zd", m);
        }
    }
}

/* The fragmented datagrams' receiver, on the server. */
static void frag_server(struct run *r)
{
    struct synack_stack *st = r->st[SERVER];
    static uint8_t buf[4096];
    if (!r->sc->frag_dgrams || r->udp[SERVER] < 0)
        return;
    for (;;) {
        struct synack_endpoint from;
        ssize_t n = synack_recvfrom(st, r->udp[SERVER], buf, sizeof buf, &from);
        if (n == -SYNACK_EAGAIN)
            break;
        uint32_t j = n >= 4 ? get_be32(buf) : UINT32_MAX;
        if (n != FRAG_PAYLOAD || j >= (uint32_t)r->sc->frag_dgrams ||
            pattern_check(2000 + (uint64_t)j, 4, buf + 4, FRAG_PAYLOAD - 4) != FRAG_PAYLOAD - 4) {
            r->mismatch = true;
            bad(r, "reassembled datagram %u (%zd bytes) is not what was sent", j, n);
            continue;
        }
        r->frag_got[j] = true;
    }
}

/* Everything a side's application does, at every callback and retry. */
static void step(struct run *r, int side)
{
    if (r->closing)
        return;
    if (side == CLIENT) {
        for (int k = 0; k < r->sc->conns; k++) {
            if (!r->tc[k].started && now_of(r) >= (synack_time_us)k * r->sc->stagger_us)
                r->tc[k].started = true;
            client_conn(r, k);
        }
        udp_client(r);
        return;
    }
    if (r->listener >= 0)
        server_accept(r);
    for (int k = 0; k < r->sc->conns; k++) {
        struct end *e = &r->tc[k].e[SERVER];
        if (e->sock >= 0 && !e->done && !e->failed)
            end_io(r, SERVER, k, e);
    }
    if (r->sc->udp_dgrams)
        udp_server(r);
    frag_server(r);
}

/* The stack's own figures against its tables and the hook's record. */
static void check_stack(struct run *r, int side)
{
    struct synack_stack *st = r->st[side];
    const struct synack_stats *ss = synack_stack_stats(st);
    if (ss->mem_bytes != r->hook[side].live_bytes)
        bad(r, "%s: MemBytes %llu, allocator %llu", st->name, (unsigned long long)ss->mem_bytes,
            (unsigned long long)r->hook[side].live_bytes);
    if (ss->mem_peak_bytes < ss->mem_bytes)
        bad(r, "%s: peak below use", st->name);
    uint64_t estab = 0, embryos = 0, span = 0, n = 0;
    for (uint32_t b = 0; b < st->tcp.nbuckets; b++) {
        for (struct tcp_conn *c = st->tcp.buckets[b]; c; c = c->hash_next) {
            n++;
            estab += c->state == SYNACK_TCP_ESTABLISHED || c->state == SYNACK_TCP_CLOSE_WAIT;
            embryos += c->passive && c->state == SYNACK_TCP_SYN_RECEIVED;
            uint32_t want = c->ooo.count ? c->ooo.r[c->ooo.count - 1].end - c->rcv_nxt : 0;
            if (c->ooo_span != want)
                bad(r, "%s: conn %llu spans %u out of order, counted %u", st->name, (unsigned long long)c->id,
                    want, c->ooo_span);
            span += c->ooo_span;
            bool armed = false;
            for (int t = 0; t < TCP_TIMER_COUNT; t++)
                armed |= c->timer[t] != SYNACK_TIME_NEVER;
            if (armed && c->sched.index == TIMER_NOT_QUEUED)
                bad(r, "%s: conn %llu has a timer that is not scheduled", st->name, (unsigned long long)c->id);
        }
    }
    if (n != st->tcp.count || estab != ss->tcp_curr_estab || embryos != ss->tcp_syn_queue_len ||
        span != ss->tcp_ooo_span_bytes)
        bad(r, "%s: table holds %llu (count %u), estab %llu (gauge %llu), embryos %llu (gauge %llu), "
               "span %llu (gauge %llu)", st->name, (unsigned long long)n, st->tcp.count,
            (unsigned long long)estab, (unsigned long long)ss->tcp_curr_estab, (unsigned long long)embryos,
            (unsigned long long)ss->tcp_syn_queue_len, (unsigned long long)span,
            (unsigned long long)ss->tcp_ooo_span_bytes);
    if (st->timers.cap < st->tcp.count + 1)
        bad(r, "%s: timer heap room %u for %u connections", st->name, st->timers.cap, st->tcp.count);
}

static void app(struct synack_sim *sim, int host, void *ctx)
{
    struct run *r = ctx;
    int side = host == r->host[CLIENT] ? CLIENT : SERVER;
    struct synack_event ev;
    while (synack_next_event(synack_sim_stack(sim, host), &ev)) {
    }
    step(r, side);
    check_stack(r, side);
}

/* Raw fragments of UDP datagrams from the client host to the server's
 * port 9: three fragments each, in a different order each time; datagram 1
 * has a fragment twice; the last one never gets its middle fragment. */
static size_t fragment(const struct run *r, int j, uint32_t from, uint32_t to, uint8_t *pkt)
{
    static uint8_t dgram[8 + FRAG_PAYLOAD];
    struct synack_addr src = addr_of(CLIENT), dst = addr_of(SERVER);
    put_be16(dgram, UDP_CLIENT_PORT);
    put_be16(dgram + 2, UDP_FRAG_PORT);
    put_be16(dgram + 4, sizeof dgram);
    put_be16(dgram + 6, 0);
    put_be32(dgram + 8, (uint32_t)j);
    pattern_fill(2000 + (uint64_t)j, 4, dgram + 12, FRAG_PAYLOAD - 4);
    put_be16(dgram + 6, csum_finish(csum_add(csum_pseudo(&src, &dst, IP_PROTO_UDP, sizeof dgram), dgram,
                                             sizeof dgram)));
    (void)r;
    uint32_t len = to - from;
    memset(pkt, 0, IPV4_HEADER_LEN);
    pkt[0] = 0x45;
    put_be16(pkt + 2, (uint16_t)(IPV4_HEADER_LEN + len));
    put_be16(pkt + 4, (uint16_t)(0x4000 + j));
    put_be16(pkt + 6, (uint16_t)((to < sizeof dgram ? 0x2000 : 0) | from / 8));
    pkt[8] = 64;
    pkt[9] = IP_PROTO_UDP;
    memcpy(pkt + 12, src.bytes, 4);
    memcpy(pkt + 16, dst.bytes, 4);
    put_be16(pkt + 10, csum_finish(csum_add(0, pkt, IPV4_HEADER_LEN)));
    memcpy(pkt + IPV4_HEADER_LEN, dgram + from, len);
    return IPV4_HEADER_LEN + len;
}

static void send_fragments(struct synack_sim *sim, void *ctx)
{
    struct run *r = ctx;
    static uint8_t pkt[IPV4_HEADER_LEN + 8 + FRAG_PAYLOAD];
    const uint32_t cut[4] = { 0, FRAG_CUT1, FRAG_CUT2, 8 + FRAG_PAYLOAD };
    for (int j = 0; j < r->sc->frag_dgrams; j++) {
        int order[4] = { j % 3, (j + 1) % 3, (j + 2) % 3, -1 };
        if (j == 1)
            order[3] = order[0];              /* one fragment twice */
        for (int f = 0; f < 4; f++) {
            int piece = order[f];
            if (piece < 0 || (j == r->sc->frag_dgrams - 1 && piece == 1))
                continue;                     /* the last datagram misses its middle */
            size_t len = fragment(r, j, cut[piece], cut[piece + 1], pkt);
            synack_sim_send_raw(sim, r->host[CLIENT], pkt, len);
        }
    }
}

static bool keep_going(void *ctx)
{
    struct run *r = ctx;
    if (r->bad > 20)
        return false;
    for (int k = 0; k < r->sc->conns; k++)
        for (int s = 0; s < 2; s++) {
            const struct end *e = &r->tc[k].e[s];
            if (e->done || e->failed)
                continue;
            /* A server end never accepted is finished when its client is. */
            const struct end *c = &r->tc[k].e[CLIENT];
            if (s == SERVER && !e->accepted && (c->done || c->failed))
                continue;
            return true;
        }
    for (int i = 0; i < r->sc->udp_dgrams; i++)
        if (!r->echoed[i])
            return true;                      /* stops when the simulation runs dry */
    for (int j = 0; j + 1 < r->sc->frag_dgrams; j++)
        if (!r->frag_got[j])
            return true;
    return false;
}

/* Makes a stack; once more if the first try fails (one failure never
 * stops a run), unless memory is gone for good. */
static int add_host(struct run *r, int side)
{
    struct synack_config cfg;
    synack_config_default(&cfg);
    cfg.alloc = hook_alloc;
    cfg.alloc_ctx = &r->hook[side];
    cfg.msl_us = 2 * SEC;
    cfg.rto_max_us = 8 * SEC;
    cfg.data_retries = 6;
    cfg.syn_retries = 4;
    cfg.ipfrag_timeout_us = 2 * SEC;
    if (r->sc->bufs)
        cfg.sndbuf_bytes = cfg.rcvbuf_bytes = r->sc->bufs;
    if (r->sc->mem_max)
        cfg.mem_max_bytes = r->sc->mem_max;
    const char *name = side == CLIENT ? "client" : "server";
    for (int tries = 0; tries < 2; tries++) {
        int h = synack_sim_add_host(r->sim, name, &cfg, addr_of(side), 1500);
        if (h >= 0)
            return h;
    }
    return -1;
}

/* Server sockets made at the start (tried twice, like add_host). */
static bool setup_sockets(struct run *r)
{
    struct synack_stack *srv = r->st[SERVER], *cli = r->st[CLIENT];
    for (int tries = 0; r->sc->conns && r->listener < 0 && tries < 2; tries++) {
        int s = synack_socket(srv);
        if (s < 0)
            continue;
        struct synack_endpoint ep = synack_endpoint_make(addr_of(SERVER), TCP_PORT);
        if (synack_bind(srv, s, &ep) != 0 || synack_listen(srv, s, r->sc->backlog ? r->sc->backlog : 8) != 0) {
            synack_close(srv, s);
            continue;
        }
        r->listener = s;
    }
    if (r->sc->conns && r->listener < 0)
        return false;
    bool udp = r->sc->udp_dgrams || r->sc->frag_dgrams;
    const uint16_t ports[2] = { UDP_CLIENT_PORT, r->sc->frag_dgrams ? UDP_FRAG_PORT : UDP_ECHO_PORT };
    for (int side = 0; udp && side < 2; side++) {
        struct synack_stack *st = side == CLIENT ? cli : srv;
        for (int tries = 0; r->udp[side] < 0 && tries < 2; tries++) {
            int s = synack_udp_socket(st);
            if (s < 0)
                continue;
            struct synack_endpoint ep = synack_endpoint_make(addr_of(side), ports[side]);
            if (synack_bind(st, s, &ep) != 0) {
                bad(r, "udp bind");
                synack_close(st, s);
                continue;
            }
            r->udp[side] = s;
        }
        if (r->udp[side] < 0)
            return false;
    }
    return true;
}

static bool build(struct run *r)
{
    r->sim = synack_sim_new(0x616c6c6f63ull);   /* "alloc" */
    if (!r->sim)
        return false;
    r->listener = r->udp[0] = r->udp[1] = -1;
    for (int j = 0; j < MAX_DGRAMS; j++)
        r->pending_echo[j] = -1;
    for (int side = 0; side < 2; side++) {
        r->hook[side].plan = &r->plan;
        r->host[side] = add_host(r, side);
        if (r->host[side] < 0)
            return false;
        r->st[side] = synack_sim_stack(r->sim, r->host[side]);
    }
    if (synack_sim_link(r->sim, r->host[CLIENT], r->host[SERVER], &r->sc->link, &r->sc->link) < 0)
        return false;
    for (int k = 0; k < r->sc->conns; k++)
        for (int s = 0; s < 2; s++) {
            struct end *e = &r->tc[k].e[s];
            e->sock = -1;
            e->to_send = s == CLIENT ? r->sc->up_bytes : r->sc->down_bytes;
            e->to_recv = s == CLIENT ? r->sc->down_bytes : r->sc->up_bytes;
        }
    if (!setup_sockets(r))
        return false;
    synack_sim_set_app(r->sim, r->host[CLIENT], app, r);
    synack_sim_set_app(r->sim, r->host[SERVER], app, r);
    for (int k = 0; k < r->sc->conns; k++)
        synack_sim_at(r->sim, (synack_time_us)k * r->sc->stagger_us, r->host[CLIENT], retry_cb, &side_ids[CLIENT]);
    if (!r->sc->conns)
        synack_sim_at(r->sim, 0, r->host[CLIENT], retry_cb, &side_ids[CLIENT]);
    if (r->sc->frag_dgrams)
        synack_sim_at(r->sim, 1 * MS, -1, send_fragments, r);
    return true;
}

/* The verdict on a finished run (see the top for what each mode owes). */
static void judge(struct run *r, bool one_failure)
{
    const struct scenario *sc = r->sc;
    for (int k = 0; k < sc->conns; k++) {
        struct end *c = &r->tc[k].e[CLIENT], *s = &r->tc[k].e[SERVER];
        if (one_failure && k == sc->abort_conn) {
            if (!c->aborted)
                bad(r, "conn %d: the client did not abort (%s)", k, synack_strerror(c->error));
            if (s->accepted && !(s->failed && s->error == -SYNACK_ECONNRESET))
                bad(r, "conn %d: the aborted connection's server end did not see ECONNRESET", k);
            continue;
        }
        if (one_failure) {
            if (!c->done || c->failed || c->recvd != sc->down_bytes || c->sent != sc->up_bytes)
                bad(r, "conn %d: client %s, sent %llu, read %llu (%s)", k, c->done ? "done" : "not done",
                    (unsigned long long)c->sent, (unsigned long long)c->recvd, synack_strerror(c->error));
            if (!s->done || s->failed || s->recvd != sc->up_bytes || s->sent != sc->down_bytes)
                bad(r, "conn %d: server %s, sent %llu, read %llu (%s)", k, s->done ? "done" : "not done",
                    (unsigned long long)s->sent, (unsigned long long)s->recvd, synack_strerror(s->error));
            continue;
        }
        for (int side = 0; side < 2; side++) {
            struct end *e = &r->tc[k].e[side];
            bool finished = e->done || e->failed || (side == SERVER && !e->accepted && (c->done || c->failed));
            if (!finished)
                bad(r, "conn %d: %s end left waiting (sent %llu, read %llu)", k, side ? "server" : "client",
                    (unsigned long long)e->sent, (unsigned long long)e->recvd);
        }
    }
    if (one_failure) {
        int lost = 0;
        for (int i = 0; i < sc->udp_dgrams; i++)
            lost += !r->echoed[i];
        for (int j = 0; j + 1 < sc->frag_dgrams; j++)
            lost += !r->frag_got[j];
        if (lost > 1)
            bad(r, "%d datagrams lost to one allocation failure", lost);
    }
    if (sc->frag_dgrams && r->frag_got[sc->frag_dgrams - 1])
        bad(r, "the datagram missing a fragment was delivered");
}

/* Closes what is still open, runs the simulation dry, checks that both
 * stacks are empty, frees everything and checks the hook's record. */
static void finish(struct run *r)
{
    r->closing = true;
    for (int side = 0; side < 2; side++) {
        if (!r->st[side])
            continue;
        for (int k = 0; k < r->sc->conns; k++) {
            struct end *e = &r->tc[k].e[side];
            if (e->sock >= 0)
                synack_abort(r->st[side], e->sock);
            e->sock = -1;
        }
        if (r->udp[side] >= 0)
            synack_close(r->st[side], r->udp[side]);
        r->udp[side] = -1;
    }
    if (r->listener >= 0)
        synack_close(r->st[SERVER], r->listener);
    r->listener = -1;
    if (r->sim && r->st[CLIENT] && r->st[SERVER]) {
        synack_sim_set_app(r->sim, r->host[CLIENT], NULL, NULL);
        synack_sim_set_app(r->sim, r->host[SERVER], NULL, NULL);
        if (!synack_sim_run_until_idle(r->sim, now_of(r) + DRAIN_LIMIT_US))
            bad(r, "the simulation did not run dry");
        for (int side = 0; side < 2; side++) {
            struct synack_stack *st = r->st[side];
            const struct synack_stats *ss = synack_stack_stats(st);
            check_stack(r, side);
            if (synack_stack_connections(st, true) || ss->tcp_curr_estab || ss->tcp_syn_queue_len ||
                ss->tcp_ooo_span_bytes || st->frag.count)
                bad(r, "%s: after the end: %u connections, estab %llu, embryos %llu, span %llu, %u fragments",
                    st->name, synack_stack_connections(st, true), (unsigned long long)ss->tcp_curr_estab,
                    (unsigned long long)ss->tcp_syn_queue_len, (unsigned long long)ss->tcp_ooo_span_bytes,
                    st->frag.count);
        }
    }
    synack_sim_free(r->sim);
    r->sim = NULL;
    for (int side = 0; side < 2; side++) {
        if (r->hook[side].live_bytes || r->hook[side].live_blocks)
            bad(r, "%s stack leaked %llu bytes in %llu blocks", side ? "server" : "client",
                (unsigned long long)r->hook[side].live_bytes, (unsigned long long)r->hook[side].live_blocks);
        if (r->hook[side].bad_size)
            bad(r, "%s stack named a wrong size when freeing or resizing", side ? "server" : "client");
    }
}

/* With SYNACK_ALLOC_DEBUG set: what each stack holds before the end. */
static void dump(struct run *r)
{
    for (int side = 0; side < 2 && r->sim; side++) {
        struct synack_stack *st = r->st[side];
        if (!st)
            continue;
        const struct synack_stats *ss = synack_stack_stats(st);
        printf("      %s: mem %llu (peak %llu), alloc failures %llu, no-memory drops %llu, pressures %llu, "
               "refused opens %llu, sends %llu, out-of-order drops %llu, windows clamped %llu\n", st->name,
               (unsigned long long)ss->mem_bytes, (unsigned long long)ss->mem_peak_bytes,
               (unsigned long long)ss->mem_alloc_failures, (unsigned long long)ss->drops[SYNACK_DROP_TCP_NO_MEMORY],
               (unsigned long long)ss->mem_pressures, (unsigned long long)ss->mem_refused_opens,
               (unsigned long long)ss->mem_refused_sends, (unsigned long long)ss->tcp_ooo_drops,
               (unsigned long long)ss->mem_window_clamped);
        for (uint32_t b = 0; b < st->tcp.nbuckets; b++)
            for (struct tcp_conn *c = st->tcp.buckets[b]; c; c = c->hash_next) {
                printf("      conn %llu %s sock %d snd_una %u snd_max %u sndbuf %u/%u rcvbuf %u/%u txq %u/%u "
                       "timers:", (unsigned long long)c->id, synack_tcp_state_name(c->state), c->sock, c->snd_una,
                       c->snd_max, c->sndbuf.len, c->sndbuf.size, c->rcvbuf.len, c->rcvbuf.size, c->txq.count,
                       c->txq.cap);
                for (int t = 0; t < TCP_TIMER_COUNT; t++)
                    if (c->timer[t] != SYNACK_TIME_NEVER)
                        printf(" %d@%.3f", t, (double)c->timer[t] / 1e6);
                printf("\n");
            }
    }
    for (int k = 0; k < r->sc->conns; k++)
        for (int side = 0; side < 2; side++) {
            struct end *e = &r->tc[k].e[side];
            printf("      end %d/%s sock %d conn'd %d shut %d eof %d done %d failed %d (%s) sent %llu read %llu "
                   "retries %u\n", k, side ? "server" : "client", e->sock, e->connected, e->shut, e->eof, e->done,
                   e->failed, synack_strerror(e->error), (unsigned long long)e->sent, (unsigned long long)e->recvd,
                   e->retries);
        }
    printf("      now %.3f s\n", r->sim ? (double)now_of(r) / 1e6 : 0.0);
}

/* One run of scenario sc: fail_at 0 never fails.  Returns the allocations
 * it made. */
static uint64_t run_once(const struct scenario *sc, uint64_t fail_at, bool for_good, struct run *r)
{
    memset(r, 0, sizeof *r);
    cur = r;
    r->sc = sc;
    r->plan.fail_at = fail_at;
    r->plan.for_good = for_good;
    if (build(r)) {
        synack_sim_run_while(r->sim, RUN_LIMIT_US, keep_going, r);
        judge(r, !for_good);
        if (getenv("SYNACK_ALLOC_DEBUG"))
            dump(r);
    } else {
        r->setup_failed = true;
        if (!for_good)
            bad(r, "setup failed with one allocation failure");
    }
    finish(r);
    cur = NULL;
    return r->plan.calls;
}

struct tally {
    uint64_t allocs, runs, bad_runs, setup_refused, clean_errors, completed;
};

static void report(const struct scenario *sc, const char *mode, uint64_t n, const struct run *r)
{
    printf("    %s, %s, allocation %llu: %u failed checks; first: %s\n", sc->name, mode, (unsigned long long)n,
           r->bad, r->first_bad);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    uint64_t stride = argc > 1 ? strtoull(argv[1], NULL, 10) : 1;
    if (argc > 4) {
        /* test_alloc_failure 1 SCENARIO once|good N: that run alone, with its state. */
        static struct run one;
        for (size_t i = 0; i < SCENARIOS; i++)
            if (strcmp(scenarios[i].name, argv[2]) == 0) {
                setenv("SYNACK_ALLOC_DEBUG", "1", 1);
                uint64_t calls = run_once(&scenarios[i], strtoull(argv[4], NULL, 10), strcmp(argv[3], "good") == 0, &one);
                printf("%llu allocations, %u failed checks: %s\n", (unsigned long long)calls, one.bad, one.first_bad);
                return one.bad != 0;
            }
        return 2;
    }
    if (stride < 1)
        stride = 1;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    static struct run run;
    struct tally tally[SCENARIOS][2];
    memset(tally, 0, sizeof tally);
    for (size_t i = 0; i < SCENARIOS; i++) {
        const struct scenario *sc = &scenarios[i];
        uint64_t total = run_once(sc, 0, false, &run);
        if (run.bad) {
            report(sc, "no failure", 0, &run);
            test_fail(__FILE__, __LINE__, "%s fails without any allocation failure", sc->name);
            continue;
        }
        for (int mode = 0; mode < 2; mode++) {
            struct tally *t = &tally[i][mode];
            t->allocs = total;
            unsigned reported = 0;
            for (uint64_t n = 1; n <= total; n += stride) {
                run_once(sc, n, mode == 1, &run);
                t->runs++;
                t->setup_refused += run.setup_failed;
                bool all_done = !run.setup_failed;
                for (int k = 0; k < sc->conns; k++)
                    for (int s = 0; s < 2; s++) {
                        t->clean_errors += run.tc[k].e[s].failed;
                        all_done &= run.tc[k].e[s].done || k == sc->abort_conn;
                    }
                t->completed += all_done;
                if (run.bad) {
                    t->bad_runs++;
                    test_failed_checks++;
                    if (reported++ < MAX_REPORTS)
                        report(sc, mode ? "failing for good from" : "failing once at", n, &run);
                }
            }
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int rc = hostile_verdict("test_alloc_failure");
    uint64_t runs = 0;
    printf("scenario          allocs  | one failure: runs  bad  all-done | for good: runs  bad  setup-refused  "
           "clean-errors\n");
    for (size_t i = 0; i < SCENARIOS; i++) {
        const struct tally *a = &tally[i][0], *b = &tally[i][1];
        runs += a->runs + b->runs;
        printf("%-17s %6llu  | %17llu %4llu %9llu | %14llu %4llu %14llu %13llu\n", scenarios[i].name,
               (unsigned long long)a->allocs, (unsigned long long)a->runs, (unsigned long long)a->bad_runs,
               (unsigned long long)a->completed, (unsigned long long)b->runs, (unsigned long long)b->bad_runs,
               (unsigned long long)b->setup_refused, (unsigned long long)b->clean_errors);
    }
    printf("%llu runs (stride %llu) in %.1f s\n", (unsigned long long)runs, (unsigned long long)stride,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    return rc;
}
