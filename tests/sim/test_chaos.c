/*
 * test_chaos.c — thousands of seeded connections over randomly drawn bad
 * networks, each checked byte for byte and followed to its end.
 *
 * The run is a sequence of simulations.  Each has one client host and one
 * server host joined by a link whose parameters are drawn at random: loss
 * 0..10 %, reordering, duplication, corruption (each direction on its
 * own), one-way delay 0..50 ms with some jitter, rate 1..1000 Mbit/s or
 * unlimited, a drop-tail queue of 2..200 packets or none, MTU 576..9000.
 * The server listens on four ports, each with its own drawn options
 * (buffers 1 KiB..4 MiB, small MSS, congestion control, Nagle, sometimes
 * a backlog of a few connections); accepted sockets inherit them.  A small share of connections go to a port nobody
 * listens on.
 *
 * Every connection has a plan drawn from the seed:
 *
 *   client   connects at a random time (bound to a port of its own), with
 *            its own buffers, MSS, congestion control and Nagle setting;
 *            sends U bytes (0..10 MB, log-uniform by class, so that the
 *            whole run stays at a few hundred MB), then, maybe after a
 *            pause:
 *              SHUT   shutdown(SHUT_WR) and read until end of stream;
 *              CLOSE  close() at once (the connection finishes orphaned);
 *              ABORT  abort() after a random number of bytes, or at a
 *                     random time after connecting;
 *   server   accepts; reads and verifies;
 *              AFTER  sends D bytes after the client's end of stream
 *                     (request, then response), then closes;
 *              BOTH   sends D bytes while reading, closes after both;
 *              ABORT  abort() after reading a random number of bytes;
 *              EARLY  close() after reading a random number of bytes
 *                     (RST if data is unread, RFC 2525 §2.17, else FIN).
 *   Either side may stop reading for up to 30 s at a random point (its
 *   window closes; the sender probes).
 *   Both sides sometimes keep the socket after they are done ("hold"),
 *   and close it only at the very end, after checking with
 *   synack_getinfo() that the connection reached CLOSED.
 *
 * Checks:
 *   - every byte read on either side matches its sender's stream (a
 *     correct prefix whatever happens); a connection with no deliberate
 *     abort delivers everything, then end of stream, on both sides, or
 *     ends with ETIMEDOUT reported;
 *   - every connection ends within a virtual-time bound: each application
 *     sees end of stream and closes, or sees an error (ECONNRESET,
 *     ETIMEDOUT, ECONNREFUSED for the unlistened port, ...); an error is
 *     only ever reported on a connection that is CLOSED;
 *   - the peer of a deliberate abort sees ECONNRESET (or finishes cleanly
 *     when it was done before the reset came).  A reset can be lost; the
 *     peer then learns nothing until it sends or probes, and when it is
 *     only waiting it relies on keepalive (which every socket here turns
 *     on).  An application-level timeout closes such a socket as a last
 *     resort and the summary counts it;
 *   - when the applications are done, the simulation runs until nothing is
 *     scheduled (TIME_WAIT and orphans included), and then neither stack
 *     has a connection ESTABLISHED or in CLOSE_WAIT;
 *   - the first simulations, run again from the same seed, give the same
 *     digest of every outcome and counter;
 *   - no leaks (under AddressSanitizer).
 *
 * The network is IPv4 (198.18.0.1 and .2) on one point-to-point link,
 * unless SYNACK_CHAOS_FAMILY=6 (fd00:5ac::1 and ::2; MTUs drawn below
 * 1280 are raised above it, RFC 8200 §5) or SYNACK_CHAOS_LINK=ethernet
 * (both hosts on Ethernet interfaces, each on a port of a simulated
 * switch whose side is ideal: the drawn impairments are on the ports
 * towards the switch, and the stacks resolve each other with ARP or
 * neighbour discovery first).  With the defaults a seed gives the same
 * runs as before either existed.
 *
 * SYNACK_CHAOS_CONNS (default 2000) and SYNACK_CHAOS_SEED (default fixed)
 * change the run; SYNACK_CHAOS_SIM=N runs only simulation N - 1 (failure
 * reports number simulations from 0); SYNACK_CHAOS_VERBOSE=1 prints every
 * simulation's link and outcomes.  The last lines give the totals, what
 * the connections went through, and the distribution of outcomes.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synack/synack.h"
#include "test.h"

#define CONNS_PER_SIM 50
#define DEFAULT_CONNS 2000
#define DEFAULT_SEED 0x6368616f73ull       /* "chaos" */
#define REPEAT_SIMS 2                       /* rerun for the determinism check */
#define LISTENERS 4
#define LISTEN_PORT 5000
#define REFUSED_PORT 4999                   /* nobody listens here */
#define CLIENT_PORT_BASE 20000              /* each connection binds its own port */
#define CHUNK 65536
#define SEC 1000000ull
#define START_WINDOW_US (20 * SEC)          /* connections open within this */
#define CONN_BOUND_US (3 * 3600 * SEC)      /* a connection ends within this of its start */
#define IDLE_LIMIT_US (3600 * SEC)          /* after the apps are done, idle within this */
#define FALLBACK_US (1200 * SEC)            /* app timeout after a peer's deliberate abort */
#define KEEP_IDLE_S 60
#define KEEP_INTVL_S 10
#define KEEP_CNT 4
#define MAX_REPORTS 30                      /* failure details printed at most */
#define IPV6_MIN_MTU 1280                   /* RFC 8200 §5 */

/* ---- Randomness -----------------------------------------------------------
 * splitmix64: the plan of every simulation comes from (seed, sim index). */

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

struct rng {
    uint64_t state;
};

static uint64_t rng_next(struct rng *r)
{
    r->state += 0x9e3779b97f4a7c15ull;
    return mix64(r->state);
}

static double rng_unit(struct rng *r) /* [0, 1) */
{
    return (double)(rng_next(r) >> 11) / 9007199254740992.0;
}

static bool rng_chance(struct rng *r, double p)
{
    return rng_unit(r) < p;
}

static uint64_t rng_range(struct rng *r, uint64_t lo, uint64_t hi) /* [lo, hi] */
{
    return lo + rng_next(r) % (hi - lo + 1);
}

static double rng_uniform(struct rng *r, double lo, double hi)
{
    return lo + (hi - lo) * rng_unit(r);
}

/* Log-uniform in [lo, hi], lo >= 1. */
static uint64_t rng_log(struct rng *r, double lo, double hi)
{
    return (uint64_t)exp(rng_uniform(r, log(lo), log(hi)));
}

/* ---- Data streams ---------------------------------------------------------
 * Byte i of a stream is byte i % 8 of word i / 8 = mix64(key + (i/8 + 1) * gamma). */

static void stream_fill(uint64_t key, uint64_t offset, uint8_t *buf, size_t len)
{
    uint64_t word_index = offset / 8;
    uint64_t word = mix64(key + (word_index + 1) * 0x9e3779b97f4a7c15ull);
    unsigned shift = (unsigned)(offset % 8) * 8;

    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)(word >> shift);
        shift += 8;
        if (shift == 64) {
            shift = 0;
            word_index++;
            word = mix64(key + (word_index + 1) * 0x9e3779b97f4a7c15ull);
        }
    }
}

/* ---- Plans and state ------------------------------------------------------ */

enum client_mode { C_SHUT, C_CLOSE, C_ABORT };
enum server_mode { S_AFTER, S_BOTH, S_ABORT, S_EARLY };
static const char *const client_mode_name[] = {"shut", "close", "abort"};
static const char *const server_mode_name[] = {"after", "both", "abort", "early"};

/* How a connection ended, for the distribution. */
enum outcome {
    OUT_COMPLETE,          /* everything both ways, end of stream, no error */
    OUT_REFUSED,           /* the probe of a closed port saw ECONNREFUSED */
    OUT_ABORT_RESET,       /* deliberate abort; the peer saw ECONNRESET */
    OUT_ABORT_EOF,         /* deliberate abort or early close; the peer ended without error */
    OUT_ABORT_FALLBACK,    /* deliberate abort; the peer learnt nothing, app timeout */
    OUT_TIMEDOUT,          /* ETIMEDOUT reported (either side) */
    OUT_FAILED,            /* something the checks reject */
    OUT_COUNT
};
static const char *const outcome_name[] = {
    "complete", "refused", "abort/reset", "abort/eof", "abort/app-timeout", "timed-out", "FAILED",
};

struct chaos_sim;
struct conn;

/* One application end of a connection. */
struct side {
    struct conn *conn;
    int sock;                    /* -1 when not held */
    uint64_t key_out, key_in;    /* stream keys of what it sends and receives */
    uint64_t out_total;          /* bytes it means to send */
    uint64_t sent, received;
    uint32_t sndbuf;             /* for the size of its writes */
    bool connected, eof, wr_shut, done, hold, mismatch, fallback;
    bool never_opened;           /* a server end that never got a socket */
    bool aborted;                /* it called abort() on purpose */
    bool expect_reset;           /* its peer aborted on purpose while it was still open */
    uint64_t pause_read_at;      /* stop reading after this many bytes ... */
    synack_time_us pause_read_us;/* ... for this long (0: never) */
    bool read_paused, pause_read_done;
    int err;                     /* first error reported, negative */
    synack_time_us end_at;
};

struct conn {
    struct chaos_sim *cs;
    int index;
    /* Plan. */
    enum client_mode cmode;
    enum server_mode smode;
    bool refused_probe;          /* connects to REFUSED_PORT */
    int listener;                /* 0..LISTENERS-1 */
    uint64_t up, down;           /* U and D */
    uint64_t client_abort_bytes; /* C_ABORT after this many bytes sent ... */
    synack_time_us client_abort_delay; /* ... or this long after connecting (when > 0) */
    uint64_t server_cut;         /* S_ABORT / S_EARLY after this many bytes read */
    synack_time_us pause_us;     /* client pause before SHUT / CLOSE */
    synack_time_us start_at;
    int cc, nodelay;
    uint32_t sndbuf, rcvbuf, maxseg; /* 0 = default */
    /* State. */
    struct side c, s;
    struct side_ref { struct conn *k; bool server; } c_ref, s_ref;   /* timer contexts */
    bool pause_scheduled, close_due;
    bool watchdog_armed;
    uint64_t watchdog_progress;  /* the waiting side's bytes when the watchdog was armed */
    bool done_counted;
    enum outcome outcome;
};

struct link_draw {
    struct synack_link_params dir[2];
    uint32_t mtu;
};

struct listener_opts {
    int sock;
    int backlog;                 /* small ones drop SYNs (ListenDrops); the client retries */
    uint32_t sndbuf, rcvbuf, maxseg;
    int cc, nodelay;
};

struct chaos_sim {
    int index;
    uint64_t seed;
    struct synack_sim *sim;
    int client_host, server_host, link;
    struct synack_stack *client, *server;
    struct link_draw net;
    struct listener_opts listeners[LISTENERS];
    struct conn *conns;
    int count, done;
    uint8_t buf[CHUNK], expect[CHUNK];
    /* Results. */
    int outcomes[OUT_COUNT];
    uint64_t bytes, retrans, resets;
    struct exercised {           /* what the connections went through (TCP_INFO at their end) */
        uint64_t zero_window_probes, keepalive_probes, tlp, sack_blocks, dsacks, spurious, wscaled;
    } ex;
    synack_time_us longest_us;   /* longest connection, start to last end */
    synack_time_us apps_end_us;  /* virtual time when the applications were done */
    synack_time_us end_us;       /* virtual time when idle */
    bool idle;
    uint64_t digest;
};

static int reports;              /* failure details printed so far */

/* The network every simulation of the run has (SYNACK_CHAOS_FAMILY,
 * SYNACK_CHAOS_LINK). */
static struct {
    bool ipv6, ethernet;
} net_kind;

/* The client's (1) or the server's (2) address. */
static struct synack_addr host_addr(uint8_t n)
{
    if (!net_kind.ipv6)
        return synack_addr_v4(198, 18, 0, n);
    uint8_t b[16] = {0xfd, 0x00, 0x05, 0xac};
    b[15] = n;
    return synack_addr_v6(b);
}

static void report(const struct conn *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void report(const struct conn *k, const char *fmt, ...)
{
    va_list ap;

    test_failed_checks++;
    if (reports++ >= MAX_REPORTS)
        return;
    printf("    sim %d conn %d (seed %" PRIu64 ", up %" PRIu64 " down %" PRIu64 ", client %s, server %s%s): ",
           k->cs->index, k->index, k->cs->seed, k->up, k->down, client_mode_name[k->cmode],
           server_mode_name[k->smode], k->refused_probe ? ", refused probe" : "");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

/* ---- Drawing a network and the plans -------------------------------------- */

static void draw_direction(struct rng *r, struct synack_link_params *p, synack_time_us delay,
                           synack_time_us jitter, uint64_t rate, uint32_t queue, uint32_t mtu)
{
    memset(p, 0, sizeof *p);
    p->delay_us = delay;
    p->jitter_us = jitter;
    p->rate_bps = rate;
    p->queue_packets = queue;
    p->mtu = mtu;
    p->loss = rng_chance(r, 0.25) ? 0 : fmin(0.10, rng_uniform(r, 0, 0.10) * rng_uniform(r, 0.3, 1.5));
    p->reorder = rng_chance(r, 0.5) ? 0 : rng_uniform(r, 0, 0.05);
    p->dup = rng_chance(r, 0.5) ? 0 : rng_uniform(r, 0, 0.03);
    p->corrupt = rng_chance(r, 0.6) ? 0 : rng_uniform(r, 0, 0.02);
}

static void draw_network(struct rng *r, struct link_draw *n)
{
    static const uint32_t mtus[] = {576, 1006, 1280, 1500, 1500, 1500, 4352, 9000};
    synack_time_us delay = rng_chance(r, 0.15) ? 0 : rng_range(r, 0, 50000);
    synack_time_us jitter = rng_chance(r, 0.7) ? 0 : rng_range(r, 0, 5000);
    uint64_t rate = rng_chance(r, 0.3) ? 0 : (uint64_t)rng_log(r, 1e6, 1e9);
    uint32_t queue = rng_chance(r, 0.5) ? 0 : (uint32_t)rng_range(r, 2, 200);

    n->mtu = rng_chance(r, 0.5) ? mtus[rng_range(r, 0, 7)] : (uint32_t)rng_range(r, 576, 9000);
    if (net_kind.ipv6 && n->mtu < IPV6_MIN_MTU)
        n->mtu += IPV6_MIN_MTU - 576;    /* 576..1279 become 1280..1983; the draws stay the same */
    draw_direction(r, &n->dir[0], delay, jitter, rate, queue, n->mtu);
    draw_direction(r, &n->dir[1], delay, jitter, rate, queue, n->mtu);
}

/* 1 KiB .. 4 MiB, or 0 for the default. */
static uint32_t draw_buffer(struct rng *r)
{
    return rng_chance(r, 0.35) ? 0 : (uint32_t)rng_log(r, 1024, 4 * 1048576.0);
}

static uint32_t draw_maxseg(struct rng *r)
{
    return rng_chance(r, 0.85) ? 0 : (uint32_t)rng_range(r, 88, 536);
}

/* Sizes by class: most are small, some medium, about one in fifty large,
 * so that the run moves a few hundred MB in all.  Tiny buffers and tiny
 * segments get smaller transfers (they cost a packet per few bytes). */
static uint64_t draw_size(struct rng *r, bool slow)
{
    double u = rng_unit(r);
    uint64_t n;

    if (u < 0.10)
        n = 0;
    else if (u < 0.88)
        n = rng_log(r, 1, 256 * 1024);
    else if (u < 0.98)
        n = rng_log(r, 256 * 1024, 2 * 1048576.0);
    else
        n = rng_log(r, 2 * 1048576.0, 10 * 1048576.0);
    if (slow && n > 256 * 1024)
        n = 256 * 1024 + n % 1024;
    return n;
}

static void draw_conn(struct rng *r, struct chaos_sim *cs, struct conn *k)
{
    const struct listener_opts *l;
    bool slow;
    double u;

    k->cs = cs;
    k->refused_probe = rng_chance(r, 0.02);
    k->listener = (int)rng_range(r, 0, LISTENERS - 1);
    l = &cs->listeners[k->listener];
    k->cc = (int)rng_range(r, 0, SYNACK_CC_COUNT - 1);
    k->nodelay = rng_chance(r, 0.3);
    k->sndbuf = draw_buffer(r);
    k->rcvbuf = draw_buffer(r);
    k->maxseg = draw_maxseg(r);
    k->start_at = rng_range(r, 0, START_WINDOW_US);
    slow = (k->sndbuf && k->sndbuf < 8192) || (k->rcvbuf && k->rcvbuf < 8192) || k->maxseg ||
           (l->sndbuf && l->sndbuf < 8192) || (l->rcvbuf && l->rcvbuf < 8192) || l->maxseg;
    k->up = draw_size(r, slow);
    k->down = rng_chance(r, 0.4) ? draw_size(r, slow) : 0;
    k->pause_us = rng_chance(r, 0.7) ? 0 : rng_range(r, 1, 2 * SEC);

    u = rng_unit(r);
    k->cmode = u < 0.70 ? C_SHUT : u < 0.88 ? C_CLOSE : C_ABORT;
    if (k->cmode == C_CLOSE && k->down > 0 && rng_chance(r, 0.7))
        k->down = 0;             /* mostly the clean orphan close; else the peer's data meets RST */
    if (k->cmode == C_ABORT) {
        if (rng_chance(r, 0.5) || k->up == 0)
            k->client_abort_delay = rng_range(r, 1, 5 * SEC);
        k->client_abort_bytes = k->up ? rng_range(r, 0, k->up) : 0;
    }
    u = rng_unit(r);
    k->smode = u < 0.55 ? S_AFTER : u < 0.85 ? S_BOTH : u < 0.93 ? S_ABORT : S_EARLY;
    if ((k->smode == S_ABORT || k->smode == S_EARLY) && k->up == 0)
        k->smode = S_AFTER;
    if (k->smode == S_ABORT || k->smode == S_EARLY)
        k->server_cut = rng_range(r, 0, k->up - 1);
    if (k->refused_probe) {
        k->cmode = C_SHUT;
        k->smode = S_AFTER;
        k->up = k->down = 0;
    }
}

/* A connection where nobody means to cut anything short. */
static bool conn_clean(const struct conn *k)
{
    if (k->refused_probe)
        return false;
    if (k->cmode == C_ABORT || k->smode == S_ABORT || k->smode == S_EARLY)
        return false;
    return !(k->cmode == C_CLOSE && k->down > 0);
}

/* ---- Application ends ------------------------------------------------------ */

static void conn_check_done(struct conn *k);

static void read_resume_fire(struct synack_sim *sim, void *ctx);

/* Reads what is there and verifies it; records end of stream and errors.
 * A slow reader stops once, at pause_read_at, for pause_read_us: its
 * window closes and the sender has to probe (RFC 9293 §3.8.6.1). */
static void side_read(struct chaos_sim *cs, struct synack_stack *st, struct side *sd)
{
    for (;;) {
        size_t want = sizeof cs->buf;
        ssize_t n;

        if (sd->read_paused)
            return;
        if (sd->pause_read_us && !sd->pause_read_done) {
            if (sd->received >= sd->pause_read_at) {
                struct side_ref *ref = sd == &sd->conn->c ? &sd->conn->c_ref : &sd->conn->s_ref;
                sd->read_paused = true;
                sd->pause_read_done = true;
                synack_sim_at(cs->sim, synack_sim_now(cs->sim) + sd->pause_read_us,
                              sd == &sd->conn->c ? cs->client_host : cs->server_host, read_resume_fire, ref);
                return;
            }
            if (sd->pause_read_at - sd->received < want)
                want = (size_t)(sd->pause_read_at - sd->received);
        }
        n = synack_recv(st, sd->sock, cs->buf, want);
        if (n == -SYNACK_EAGAIN)
            return;
        if (n < 0) {
            if (sd->err == 0)
                sd->err = (int)n;
            return;
        }
        if (n == 0) {
            sd->eof = true;
            return;
        }
        stream_fill(sd->key_in, sd->received, cs->expect, (size_t)n);
        if (memcmp(cs->buf, cs->expect, (size_t)n) != 0)
            sd->mismatch = true;
        sd->received += (uint64_t)n;
    }
}

/* Sends the stream up to `limit` bytes in all, while the buffer takes it. */
static void side_write(struct chaos_sim *cs, struct synack_stack *st, struct side *sd, uint64_t limit)
{
    while (sd->sent < limit && sd->err == 0) {
        uint64_t left = limit - sd->sent;
        size_t len = left < CHUNK ? (size_t)left : CHUNK;
        ssize_t n;

        if (sd->sndbuf && len > sd->sndbuf)
            len = sd->sndbuf;
        stream_fill(sd->key_out, sd->sent, cs->buf, len);
        n = synack_send(st, sd->sock, cs->buf, len);
        if (n == -SYNACK_EAGAIN)
            return;
        if (n < 0) {
            sd->err = (int)n;
            return;
        }
        sd->sent += (uint64_t)n;
    }
}

/* Adds the connection's TCP_INFO counters to the simulation's. */
static void side_note_info(struct chaos_sim *cs, struct synack_stack *st, const struct side *sd)
{
    struct synack_tcp_info info;

    if (sd->sock < 0 || synack_getinfo(st, sd->sock, &info) != 0)
        return;
    cs->ex.zero_window_probes += info.zero_window_probes;
    cs->ex.keepalive_probes += info.keepalive_probes;
    cs->ex.tlp += info.retrans_tlp;
    cs->ex.sack_blocks += info.sack_blocks_in;
    cs->ex.dsacks += info.dsack_in;
    cs->ex.spurious += info.spurious_rtos + info.spurious_retrans;
    cs->ex.wscaled += info.wscale_ok && (info.snd_wscale || info.rcv_wscale);
}

/* The application is done with this end: close the socket (or keep it,
 * when the plan says hold and nothing went wrong). */
static void side_finish(struct chaos_sim *cs, struct synack_stack *st, struct conn *k, struct side *sd,
                        bool keep)
{
    if (sd->done)
        return;
    side_note_info(cs, st, sd);
    if (sd->err != 0 && sd->sock >= 0) {
        struct synack_tcp_info info;
        if (synack_getinfo(st, sd->sock, &info) == 0 && info.state != SYNACK_TCP_CLOSED)
            report(k, "%s reported %s while the connection is %s", sd == &k->c ? "client" : "server",
                   synack_errname(sd->err), synack_tcp_state_name(info.state));
    }
    if (sd->sock >= 0 && !keep) {
        synack_close(st, sd->sock);
        sd->sock = -1;
    }
    sd->done = true;
    sd->end_at = synack_sim_now(cs->sim);
    conn_check_done(k);
}

/* abort() on purpose (deliberate) or as the watchdog's last resort. */
static void side_abort(struct chaos_sim *cs, struct synack_stack *st, struct conn *k, struct side *sd,
                       bool deliberate)
{
    struct side *peer = sd == &k->c ? &k->s : &k->c;

    if (sd->done)
        return;
    side_note_info(cs, st, sd);
    if (deliberate && sd->sock >= 0 && !peer->done)
        peer->expect_reset = true;
    sd->aborted = deliberate;
    if (sd->sock >= 0)
        synack_abort(st, sd->sock);
    sd->sock = -1;
    sd->done = true;
    sd->end_at = synack_sim_now(cs->sim);
    conn_check_done(k);
}

static void client_close_now(struct conn *k)
{
    struct chaos_sim *cs = k->cs;

    if (k->c.done || k->c.err)
        return;
    if (k->cmode == C_SHUT) {
        if (!k->c.wr_shut) {
            int rc = synack_shutdown(cs->client, k->c.sock, SYNACK_SHUT_WR);
            k->c.wr_shut = true;
            if (rc < 0)
                k->c.err = rc;
        }
    } else if (k->cmode == C_CLOSE) {
        side_finish(cs, cs->client, k, &k->c, false);
    }
}

static void client_service(struct conn *k);

static void pause_fire(struct synack_sim *sim, void *ctx)
{
    struct conn *k = ctx;

    (void)sim;
    k->close_due = true;
    client_service(k);
}

static void client_service(struct conn *k)
{
    struct chaos_sim *cs = k->cs;
    struct side *c = &k->c;
    uint64_t limit = c->out_total;

    if (c->done || c->sock < 0)
        return;
    if (!c->connected && (synack_socket_ready(cs->client, c->sock) & SYNACK_CONNECTED))
        c->connected = true;
    side_read(cs, cs->client, c);
    if (c->connected && !c->wr_shut && c->err == 0) {
        if (k->cmode == C_ABORT && !k->client_abort_delay && k->client_abort_bytes < limit)
            limit = k->client_abort_bytes;
        side_write(cs, cs->client, c, limit);
        if (c->err == 0 && c->sent == limit) {
            if (k->cmode == C_ABORT && !k->client_abort_delay) {
                side_abort(cs, cs->client, k, c, true);
                return;
            }
            if (k->cmode != C_ABORT) {
                if (k->pause_us && !k->close_due) {
                    if (!k->pause_scheduled)
                        synack_sim_at(cs->sim, synack_sim_now(cs->sim) + k->pause_us, cs->client_host,
                                      pause_fire, k);
                    k->pause_scheduled = true;
                } else {
                    client_close_now(k);
                    if (c->done)
                        return;
                }
            }
        }
    }
    if (c->err == 0) {
        int e = (synack_socket_ready(cs->client, c->sock) & SYNACK_ERROR) ? synack_socket_error(cs->client, c->sock) : 0;
        if (e != 0)
            c->err = e;
    }
    if (c->err != 0) {
        side_finish(cs, cs->client, k, c, false);
        return;
    }
    if (c->eof && c->wr_shut)
        side_finish(cs, cs->client, k, c, c->hold);
}

static void server_service(struct conn *k)
{
    struct chaos_sim *cs = k->cs;
    struct side *s = &k->s;

    if (s->done || s->sock < 0)
        return;
    side_read(cs, cs->server, s);
    if (s->err == 0 && (k->smode == S_ABORT || k->smode == S_EARLY) && s->received > k->server_cut) {
        if (k->smode == S_ABORT)
            side_abort(cs, cs->server, k, s, true);
        else
            side_finish(cs, cs->server, k, s, false);
        return;
    }
    if (s->err == 0 && !s->wr_shut && (k->smode == S_BOTH || s->eof)) {
        side_write(cs, cs->server, s, s->out_total);
        if (s->err == 0 && s->sent == s->out_total && s->eof) {
            if (s->hold) {
                int rc = synack_shutdown(cs->server, s->sock, SYNACK_SHUT_WR);
                if (rc < 0)
                    s->err = rc;
            }
            s->wr_shut = true;
        }
    }
    if (s->err == 0) {
        int e = (synack_socket_ready(cs->server, s->sock) & SYNACK_ERROR) ? synack_socket_error(cs->server, s->sock) : 0;
        if (e != 0)
            s->err = e;
    }
    if (s->err != 0) {
        side_finish(cs, cs->server, k, s, false);
        return;
    }
    if (s->wr_shut && s->eof)
        side_finish(cs, cs->server, k, s, s->hold);
}

static void read_resume_fire(struct synack_sim *sim, void *ctx)
{
    struct side_ref *ref = ctx;
    struct side *sd = ref->server ? &ref->k->s : &ref->k->c;

    (void)sim;
    sd->read_paused = false;
    if (ref->server)
        server_service(ref->k);
    else
        client_service(ref->k);
}

static uint64_t progress_of(const struct side *sd)
{
    return sd->sent + sd->received + sd->eof + (sd->sock >= 0) + sd->pause_read_done;
}

/* The watchdog: once one end is done, the other must make progress.  It
 * looks every FALLBACK_US; an end that never got a socket (the server of
 * a connection that never opened) is simply done; an end that moved no
 * byte in that time is stuck — its peer's reset was lost and there is
 * nothing to send, or the connection stalled — and is aborted as a last
 * resort, which the judge counts (and rejects for a clean connection that
 * did not time out). */
static void watchdog_fire(struct synack_sim *sim, void *ctx)
{
    struct conn *k = ctx;
    struct chaos_sim *cs = k->cs;
    struct side *waiting = k->c.done ? &k->s : &k->c;
    bool server = waiting == &k->s;

    if (waiting->done)
        return;
    if (server)
        server_service(k);
    else
        client_service(k);
    if (waiting->done)
        return;
    if (progress_of(waiting) != k->watchdog_progress) {
        k->watchdog_progress = progress_of(waiting);
        synack_sim_at(sim, synack_sim_now(sim) + FALLBACK_US, server ? cs->server_host : cs->client_host,
                      watchdog_fire, k);
        return;
    }
    if (waiting->sock < 0) {
        waiting->done = true;    /* never accepted: nothing to wait for */
        waiting->never_opened = true;
        waiting->end_at = synack_sim_now(sim);
        conn_check_done(k);
        return;
    }
    waiting->fallback = true;
    side_abort(cs, server ? cs->server : cs->client, k, waiting, false);
}

static void client_abort_fire(struct synack_sim *sim, void *ctx)
{
    struct conn *k = ctx;

    (void)sim;
    if (k->c.done)
        return;
    side_abort(k->cs, k->cs->client, k, &k->c, true);
}

static void set_opts(struct synack_stack *st, int sock, uint32_t sndbuf, uint32_t rcvbuf, uint32_t maxseg,
                     int cc, int nodelay)
{
    if (sndbuf)
        CHECK_EQ(synack_setsockopt(st, sock, SYNACK_OPT_SNDBUF, sndbuf), 0);
    if (rcvbuf)
        CHECK_EQ(synack_setsockopt(st, sock, SYNACK_OPT_RCVBUF, rcvbuf), 0);
    if (maxseg)
        CHECK_EQ(synack_setsockopt(st, sock, SYNACK_OPT_MAXSEG, maxseg), 0);
    CHECK_EQ(synack_setsockopt(st, sock, SYNACK_OPT_CONGESTION, cc), 0);
    CHECK_EQ(synack_setsockopt(st, sock, SYNACK_OPT_NODELAY, nodelay), 0);
    CHECK_EQ(synack_setsockopt(st, sock, SYNACK_OPT_KEEPALIVE, 1), 0);
    CHECK_EQ(synack_setsockopt(st, sock, SYNACK_OPT_KEEPIDLE, KEEP_IDLE_S), 0);
    CHECK_EQ(synack_setsockopt(st, sock, SYNACK_OPT_KEEPINTVL, KEEP_INTVL_S), 0);
    CHECK_EQ(synack_setsockopt(st, sock, SYNACK_OPT_KEEPCNT, KEEP_CNT), 0);
}

static void client_start(struct synack_sim *sim, void *ctx)
{
    struct conn *k = ctx;
    struct chaos_sim *cs = k->cs;
    struct synack_endpoint local, remote;
    int rc;

    (void)sim;
    k->c.sock = synack_socket(cs->client);
    if (k->c.sock < 0) {
        k->c.err = k->c.sock;
        k->c.sock = -1;
        side_finish(cs, cs->client, k, &k->c, false);
        return;
    }
    set_opts(cs->client, k->c.sock, k->sndbuf, k->rcvbuf, k->maxseg, k->cc, k->nodelay);
    local = synack_endpoint_make(host_addr(1), (uint16_t)(CLIENT_PORT_BASE + k->index));
    remote = synack_endpoint_make(host_addr(2), k->refused_probe ? REFUSED_PORT : (uint16_t)(LISTEN_PORT + k->listener));
    rc = synack_bind(cs->client, k->c.sock, &local);
    if (rc == 0)
        rc = synack_connect(cs->client, k->c.sock, &remote);
    if (rc != -SYNACK_EINPROGRESS) {
        report(k, "connect returned %s", synack_errname(rc));
        k->c.err = rc < 0 ? rc : -SYNACK_EINVAL;
        side_finish(cs, cs->client, k, &k->c, false);
        return;
    }
    if (k->cmode == C_ABORT && k->client_abort_delay)
        synack_sim_at(cs->sim, synack_sim_now(cs->sim) + k->client_abort_delay, cs->client_host,
                      client_abort_fire, k);
}

static struct conn *conn_by_sock(struct chaos_sim *cs, int sock, bool server)
{
    for (int i = 0; i < cs->count; i++) {
        const struct side *sd = server ? &cs->conns[i].s : &cs->conns[i].c;
        if (sd->sock == sock && !sd->done)
            return &cs->conns[i];
    }
    return NULL;
}

static void server_accept(struct chaos_sim *cs, int lsock)
{
    for (;;) {
        struct synack_endpoint peer;
        struct conn *k;
        int sock = synack_accept(cs->server, lsock, &peer);
        int index = peer.port - CLIENT_PORT_BASE;

        if (sock == -SYNACK_EAGAIN)
            return;
        if (sock < 0) {
            test_fail(__FILE__, __LINE__, "sim %d: accept failed: %s", cs->index, synack_errname(sock));
            return;
        }
        if (index < 0 || index >= cs->count || cs->conns[index].s.sock >= 0 || cs->conns[index].s.done) {
            test_fail(__FILE__, __LINE__, "sim %d (seed %" PRIu64 "): at %.6f s accepted a connection from port %u"
                      " nobody expects", cs->index, cs->seed, (double)synack_sim_now(cs->sim) / 1e6, peer.port);
            if (index >= 0 && index < cs->count) {
                const struct conn *o = &cs->conns[index];
                printf("      that connection: started %.6f s, client %s at %.6f s (%s), server %s at %.6f s (%s)\n",
                       (double)o->start_at / 1e6, o->c.done ? "done" : "open", (double)o->c.end_at / 1e6,
                       o->c.err ? synack_errname(o->c.err) : "no error", o->s.done ? "done" : "open",
                       (double)o->s.end_at / 1e6, o->s.err ? synack_errname(o->s.err) : "no error");
            }
            synack_abort(cs->server, sock);
            continue;
        }
        k = &cs->conns[index];
        k->s.sock = sock;
        server_service(k);
    }
}

static void client_app(struct synack_sim *sim, int host, void *ctx)
{
    struct chaos_sim *cs = ctx;
    struct synack_event ev;

    (void)sim;
    (void)host;
    while (synack_next_event(cs->client, &ev)) {
        struct conn *k = conn_by_sock(cs, ev.sock, false);
        if (k != NULL)
            client_service(k);
    }
}

static void server_app(struct synack_sim *sim, int host, void *ctx)
{
    struct chaos_sim *cs = ctx;
    struct synack_event ev;

    (void)sim;
    (void)host;
    while (synack_next_event(cs->server, &ev)) {
        bool is_listener = false;
        for (int i = 0; i < LISTENERS; i++) {
            if (ev.sock == cs->listeners[i].sock) {
                server_accept(cs, ev.sock);
                is_listener = true;
            }
        }
        if (!is_listener) {
            struct conn *k = conn_by_sock(cs, ev.sock, true);
            if (k != NULL)
                server_service(k);
        }
    }
}

/* ---- Judging a connection ------------------------------------------------- */

static bool is_err(int err, int code) { return err == -code; }

/* Whether an error is one a connection may legitimately end with. */
static bool acceptable_error(int err)
{
    return err == 0 || is_err(err, SYNACK_ECONNRESET) || is_err(err, SYNACK_ETIMEDOUT) ||
           is_err(err, SYNACK_ECONNABORTED) || is_err(err, SYNACK_EPIPE);
}

static void conn_judge(struct conn *k)
{
    const struct side *c = &k->c, *s = &k->s;
    bool timed_out = is_err(c->err, SYNACK_ETIMEDOUT) || is_err(s->err, SYNACK_ETIMEDOUT);
    bool failed = false;

    /* Every byte read is the sender's stream (a correct prefix). */
    if (c->mismatch || s->mismatch) {
        report(k, "corrupted data: client %s, server %s", c->mismatch ? "bad" : "good",
               s->mismatch ? "bad" : "good");
        failed = true;
    }
    if (s->received > k->c.sent || c->received > k->s.sent) {
        report(k, "read more than was sent: server read %" PRIu64 " of %" PRIu64 ", client read %" PRIu64
                  " of %" PRIu64, s->received, k->c.sent, c->received, k->s.sent);
        failed = true;
    }
    if (k->refused_probe) {
        if (!is_err(c->err, SYNACK_ECONNREFUSED) && !is_err(c->err, SYNACK_ETIMEDOUT)) {
            report(k, "connecting to a closed port ended with %s, not ECONNREFUSED",
                   c->err ? synack_errname(c->err) : "no error");
            failed = true;
        }
        k->outcome = failed ? OUT_FAILED : is_err(c->err, SYNACK_ECONNREFUSED) ? OUT_REFUSED : OUT_TIMEDOUT;
        return;
    }
    if (conn_clean(k)) {
        bool client_ok = k->cmode == C_CLOSE || (c->err == 0 && c->eof && c->received == k->down);
        bool server_ok = s->err == 0 && s->eof && s->received == k->up && s->sent == k->down;
        if (!timed_out && (!client_ok || !server_ok)) {
            report(k, "clean connection did not deliver: client err %s eof %d read %" PRIu64
                      "; server err %s eof %d read %" PRIu64 " sent %" PRIu64,
                   c->err ? synack_errname(c->err) : "-", c->eof, c->received,
                   s->err ? synack_errname(s->err) : "-", s->eof, s->received, s->sent);
            failed = true;
        }
        if (timed_out && (!acceptable_error(c->err) || !acceptable_error(s->err))) {
            report(k, "timed out with an unexpected error beside: client %s, server %s",
                   synack_errname(c->err), synack_errname(s->err));
            failed = true;
        }
        if (!timed_out && (c->fallback || s->fallback)) {
            report(k, "clean connection stalled: the %s end moved nothing for %.0f s",
                   c->fallback ? "client" : "server", (double)FALLBACK_US / 1e6);
            failed = true;
        }
        k->outcome = failed ? OUT_FAILED : timed_out ? OUT_TIMEDOUT : OUT_COMPLETE;
        return;
    }
    /* A deliberate abort, early close, or close with data still coming. */
    if (!acceptable_error(c->err) || !acceptable_error(s->err)) {
        report(k, "ended with an unexpected error: client %s, server %s",
               c->err ? synack_errname(c->err) : "-", s->err ? synack_errname(s->err) : "-");
        failed = true;
    }
    /* The peer of an abort hears of it: ECONNRESET (ETIMEDOUT when even
     * keepalive could not reach the other stack) — unless it never had a
     * socket, or it ended on its own before the news came: it aborted too,
     * or closed without waiting for anything (a CLOSE client, an EARLY
     * server).  An end that waits for end of stream cannot finish without
     * hearing. */
    for (int i = 0; i < 2; i++) {
        const struct side *sd = i ? s : c;
        bool ends_alone = i ? k->smode == S_EARLY : k->cmode == C_CLOSE;
        if (!sd->expect_reset || sd->aborted || ends_alone || sd->fallback || sd->never_opened ||
            is_err(sd->err, SYNACK_ECONNRESET) || is_err(sd->err, SYNACK_ETIMEDOUT))
            continue;
        report(k, "the %s's peer aborted, yet the %s ended with %s%s", i ? "server" : "client",
               i ? "server" : "client", sd->err ? synack_errname(sd->err) : "no error",
               sd->eof ? " after end of stream" : "");
        failed = true;
    }
    if (failed)
        k->outcome = OUT_FAILED;
    else if (c->fallback || s->fallback)
        k->outcome = OUT_ABORT_FALLBACK;
    else if (timed_out)
        k->outcome = OUT_TIMEDOUT;
    else if (is_err(c->err, SYNACK_ECONNRESET) || is_err(s->err, SYNACK_ECONNRESET))
        k->outcome = OUT_ABORT_RESET;
    else
        k->outcome = OUT_ABORT_EOF;
}

static void conn_check_done(struct conn *k)
{
    if (!k->done_counted && k->c.done != k->s.done && !k->watchdog_armed) {
        struct side *waiting = k->c.done ? &k->s : &k->c;
        k->watchdog_armed = true;
        k->watchdog_progress = progress_of(waiting);
        synack_sim_at(k->cs->sim, synack_sim_now(k->cs->sim) + FALLBACK_US,
                      waiting == &k->s ? k->cs->server_host : k->cs->client_host, watchdog_fire, k);
    }
    if (k->done_counted || !k->c.done || !k->s.done)
        return;
    k->done_counted = true;
    k->cs->done++;
}

/* ---- One simulation ------------------------------------------------------- */

static void digest_add(uint64_t *d, uint64_t v)
{
    *d = mix64(*d ^ v) + 0x9e3779b97f4a7c15ull;
}

static bool apps_running(void *ctx)
{
    const struct chaos_sim *cs = ctx;
    return cs->done < cs->count;
}

static void print_link(const struct chaos_sim *cs)
{
    const struct synack_link_params *p = &cs->net.dir[0], *q = &cs->net.dir[1];
    printf("  sim %2d: delay %5.1f ms (+%4.1f jitter), rate %7.1f Mbit/s, queue %3u, MTU %4u, "
           "loss %.3f/%.3f, reorder %.3f/%.3f, dup %.3f/%.3f, corrupt %.3f/%.3f\n",
           cs->index, (double)p->delay_us / 1e3, (double)p->jitter_us / 1e3, (double)p->rate_bps / 1e6,
           p->queue_packets, cs->net.mtu, p->loss, q->loss, p->reorder, q->reorder, p->dup, q->dup, p->corrupt,
           q->corrupt);
}

static void run_sim(struct chaos_sim *cs, int index, uint64_t seed, int count, bool verbose)
{
    struct rng r = {.state = mix64(seed ^ mix64((uint64_t)index + 1))};
    struct synack_config cfg;
    synack_time_us limit;
    const struct synack_stats *cst, *sst;

    memset(cs, 0, sizeof *cs);
    cs->index = index;
    cs->seed = seed;
    cs->count = count;
    draw_network(&r, &cs->net);
    for (int i = 0; i < LISTENERS; i++) {
        struct listener_opts *l = &cs->listeners[i];
        l->sndbuf = draw_buffer(&r);
        l->rcvbuf = draw_buffer(&r);
        l->maxseg = draw_maxseg(&r);
        l->cc = (int)rng_range(&r, 0, SYNACK_CC_COUNT - 1);
        l->nodelay = rng_chance(&r, 0.3);
        l->backlog = rng_chance(&r, 0.2) ? (int)rng_range(&r, 1, 8) : CONNS_PER_SIM + 14;
    }
    cs->conns = calloc((size_t)count, sizeof *cs->conns);
    REQUIRE(cs->conns != NULL);
    for (int i = 0; i < count; i++) {
        struct conn *k = &cs->conns[i];
        k->index = i;
        draw_conn(&r, cs, k);
        k->c.sock = k->s.sock = -1;
        k->c.key_out = k->s.key_in = mix64(seed ^ mix64(((uint64_t)index << 32) | (uint64_t)i << 1));
        k->s.key_out = k->c.key_in = mix64(seed ^ mix64(((uint64_t)index << 32) | ((uint64_t)i << 1) | 1));
        k->c.out_total = k->up;
        k->s.out_total = k->down;
        k->c.sndbuf = k->sndbuf;
        k->s.sndbuf = cs->listeners[k->listener].sndbuf;
        k->c.hold = rng_chance(&r, 0.2);
        k->s.hold = rng_chance(&r, 0.2);
        k->c.conn = k->s.conn = k;
        k->c_ref = (struct side_ref){k, false};
        k->s_ref = (struct side_ref){k, true};
        if (rng_chance(&r, 0.15)) {
            k->c.pause_read_at = rng_range(&r, 0, k->down);
            k->c.pause_read_us = rng_range(&r, 1, 30 * SEC);
        }
        if (rng_chance(&r, 0.15)) {
            k->s.pause_read_at = rng_range(&r, 0, k->up);
            k->s.pause_read_us = rng_range(&r, 1, 30 * SEC);
        }
        if (k->refused_probe) {
            k->s.done = true;    /* no server end */
        }
    }
    if (verbose)
        print_link(cs);

    cs->sim = synack_sim_new(seed ^ mix64((uint64_t)index + 77));
    REQUIRE(cs->sim != NULL);
    synack_config_default(&cfg);
    struct synack_sim_host_params hp = {.cfg = &cfg, .mtu = cs->net.mtu,
                                        .link = net_kind.ethernet ? SYNACK_LINK_ETHERNET : SYNACK_LINK_IP};
    cfg.name = hp.name = "client";
    hp.addr = host_addr(1);
    cs->client_host = synack_sim_add_host_params(cs->sim, &hp);
    cfg.name = hp.name = "server";
    hp.addr = host_addr(2);
    cs->server_host = synack_sim_add_host_params(cs->sim, &hp);
    REQUIRE(cs->client_host >= 0 && cs->server_host >= 0);
    if (net_kind.ethernet) {
        int sw = synack_sim_switch_new(cs->sim);
        REQUIRE(sw >= 0);
        REQUIRE(synack_sim_switch_attach(cs->sim, sw, cs->client_host, &cs->net.dir[0], NULL) >= 0);
        REQUIRE(synack_sim_switch_attach(cs->sim, sw, cs->server_host, &cs->net.dir[1], NULL) >= 0);
    } else {
        cs->link = synack_sim_link(cs->sim, cs->client_host, cs->server_host, &cs->net.dir[0], &cs->net.dir[1]);
        REQUIRE(cs->link >= 0);
    }
    cs->client = synack_sim_stack(cs->sim, cs->client_host);
    cs->server = synack_sim_stack(cs->sim, cs->server_host);
    synack_sim_set_app(cs->sim, cs->client_host, client_app, cs);
    synack_sim_set_app(cs->sim, cs->server_host, server_app, cs);
    for (int i = 0; i < LISTENERS; i++) {
        struct listener_opts *l = &cs->listeners[i];
        struct synack_endpoint ep =
            synack_endpoint_make(synack_addr_any(net_kind.ipv6 ? SYNACK_AF_INET6 : SYNACK_AF_INET),
                                 (uint16_t)(LISTEN_PORT + i));
        l->sock = synack_socket(cs->server);
        REQUIRE(l->sock >= 0);
        set_opts(cs->server, l->sock, l->sndbuf, l->rcvbuf, l->maxseg, l->cc, l->nodelay);
        CHECK_EQ(synack_bind(cs->server, l->sock, &ep), 0);
        CHECK_EQ(synack_listen(cs->server, l->sock, l->backlog), 0);
    }
    /* On Ethernet the stacks first announce themselves (gratuitous ARP)
     * or check their addresses (IPv6 duplicate address detection: an
     * address is tentative, unusable, for a second, RFC 4862 §5.4); the
     * connections start once that is over. */
    if (net_kind.ethernet) {
        synack_sim_run_until_idle(cs->sim, 10 * SEC);
        for (int i = 0; i < count; i++)
            cs->conns[i].start_at += synack_sim_now(cs->sim);
    }
    for (int i = 0; i < count; i++)
        CHECK_EQ(synack_sim_at(cs->sim, cs->conns[i].start_at, cs->client_host, client_start, &cs->conns[i]), 0);

    /* The applications run until every connection is over on both sides. */
    limit = START_WINDOW_US + CONN_BOUND_US;
    synack_sim_run_while(cs->sim, limit, apps_running, cs);
    cs->apps_end_us = synack_sim_now(cs->sim);
    for (int i = 0; i < count; i++) {
        struct conn *k = &cs->conns[i];
        if (k->done_counted)
            continue;
        report(k, "still running at %.0f s virtual: client %s (sent %" PRIu64 ", read %" PRIu64
                  "), server %s (read %" PRIu64 ", sent %" PRIu64 ")",
               (double)synack_sim_now(cs->sim) / 1e6, k->c.done ? "done" : "open", k->c.sent, k->c.received,
               k->s.done ? "done" : k->s.sock >= 0 ? "open" : "never accepted", k->s.received, k->s.sent);
        if (k->c.sock >= 0) {
            struct synack_tcp_info info;
            if (synack_getinfo(cs->client, k->c.sock, &info) == 0)
                printf("      client %s snd_una %u snd_nxt %u snd_wnd %u cwnd %u rcv_wnd %u send_q %u recv_q %u "
                       "backoff %u\n",
                       synack_tcp_state_name(info.state), info.snd_una - info.iss, info.snd_nxt - info.iss,
                       info.snd_wnd, info.cwnd_bytes, info.rcv_wnd, info.send_queue_bytes, info.recv_queue_bytes,
                       info.backoff);
        }
        if (k->s.sock >= 0) {
            struct synack_tcp_info info;
            if (synack_getinfo(cs->server, k->s.sock, &info) == 0)
                printf("      server %s snd_una %u snd_nxt %u snd_wnd %u cwnd %u rcv_wnd %u send_q %u recv_q %u "
                       "backoff %u\n",
                       synack_tcp_state_name(info.state), info.snd_una - info.iss, info.snd_nxt - info.iss,
                       info.snd_wnd, info.cwnd_bytes, info.rcv_wnd, info.send_queue_bytes, info.recv_queue_bytes,
                       info.backoff);
        }
        k->outcome = OUT_FAILED;
    }

    /* Then everything winds down: orphans, TIME_WAIT, held sockets. */
    for (int i = 0; i < LISTENERS; i++)
        synack_close(cs->server, cs->listeners[i].sock);
    cs->idle = synack_sim_run_until_idle(cs->sim, synack_sim_now(cs->sim) + IDLE_LIMIT_US);
    if (!cs->idle)
        test_fail(__FILE__, __LINE__, "sim %d (seed %" PRIu64 "): not idle %.0f s after the applications ended",
                  index, seed, (double)IDLE_LIMIT_US / 1e6);
    cs->end_us = synack_sim_now(cs->sim);
    for (int i = 0; i < count; i++) {
        struct conn *k = &cs->conns[i];
        struct side *sides[2] = {&k->c, &k->s};
        struct synack_stack *stacks[2] = {cs->client, cs->server};
        for (int j = 0; j < 2; j++) {
            struct synack_tcp_info info;
            if (sides[j]->sock < 0)
                continue;
            if (synack_getinfo(stacks[j], sides[j]->sock, &info) == 0 && info.state != SYNACK_TCP_CLOSED)
                report(k, "%s socket held to the end is %s after the network went idle", j ? "server" : "client",
                       synack_tcp_state_name(info.state));
            synack_close(stacks[j], sides[j]->sock);
            sides[j]->sock = -1;
        }
        if (k->done_counted) {
            synack_time_us last = k->c.end_at;
            if (!k->s.never_opened && k->s.end_at > last)
                last = k->s.end_at;
            conn_judge(k);
            if (last - k->start_at > cs->longest_us)
                cs->longest_us = last - k->start_at;
        }
        cs->outcomes[k->outcome]++;
        cs->bytes += k->c.received + k->s.received;
        digest_add(&cs->digest, (uint64_t)k->outcome);
        digest_add(&cs->digest, k->c.received);
        digest_add(&cs->digest, k->s.received);
        digest_add(&cs->digest, (uint64_t)(int64_t)k->c.err);
        digest_add(&cs->digest, (uint64_t)(int64_t)k->s.err);
        digest_add(&cs->digest, k->c.end_at);
        digest_add(&cs->digest, k->s.end_at);
    }
    cst = synack_stack_stats(cs->client);
    sst = synack_stack_stats(cs->server);
    CHECK_EQ(cst->tcp_curr_estab, 0);
    CHECK_EQ(sst->tcp_curr_estab, 0);
    cs->retrans = cst->tcp_retrans_segs + sst->tcp_retrans_segs;
    cs->resets = cst->tcp_out_rsts + sst->tcp_out_rsts;
    digest_add(&cs->digest, cs->retrans);
    digest_add(&cs->digest, cs->resets);
    digest_add(&cs->digest, cst->tcp_out_segs + sst->tcp_out_segs);
    digest_add(&cs->digest, cs->end_us);
    digest_add(&cs->digest, cs->apps_end_us);
    if (verbose) {
        printf("          %d conns, %.1f MB, %" PRIu64 " retransmissions, %" PRIu64
               " resets, apps done at %.1f s, idle at %.0f s;",
               count, (double)cs->bytes / 1e6, cs->retrans, cs->resets, (double)cs->apps_end_us / 1e6,
               (double)cs->end_us / 1e6);
        for (int o = 0; o < OUT_COUNT; o++)
            if (cs->outcomes[o])
                printf(" %s %d", outcome_name[o], cs->outcomes[o]);
        printf("\n");
    }
    synack_sim_free(cs->sim);
    cs->sim = NULL;
    free(cs->conns);
    cs->conns = NULL;
}

static uint64_t env_u64(const char *name, uint64_t fallback)
{
    const char *v = getenv(name);
    char *end;
    unsigned long long n;

    if (v == NULL || *v == '\0')
        return fallback;
    n = strtoull(v, &end, 0);
    return *end == '\0' ? (uint64_t)n : fallback;
}

TEST(chaos_connections_end_cleanly_and_deliver_intact)
{
    uint64_t conns = env_u64("SYNACK_CHAOS_CONNS", DEFAULT_CONNS);
    uint64_t seed = env_u64("SYNACK_CHAOS_SEED", DEFAULT_SEED);
    bool verbose = env_u64("SYNACK_CHAOS_VERBOSE", 0) != 0;
    int sims = (int)((conns + CONNS_PER_SIM - 1) / CONNS_PER_SIM);
    int only = (int)env_u64("SYNACK_CHAOS_SIM", 0) - 1;   /* 1-based; 0 = all */
    static struct chaos_sim cs;  /* large buffers: kept off the stack */
    uint64_t digests[REPEAT_SIMS] = {0};
    int outcomes[OUT_COUNT] = {0};
    uint64_t bytes = 0, retrans = 0, resets = 0;
    double virtual_s = 0, apps_s = 0, longest_s = 0;
    struct exercised ex = {0};
    const char *link = getenv("SYNACK_CHAOS_LINK");

    net_kind.ipv6 = env_u64("SYNACK_CHAOS_FAMILY", 4) == 6;
    net_kind.ethernet = link != NULL && strcmp(link, "ethernet") == 0;
    printf("  seed %" PRIu64 " (SYNACK_CHAOS_SEED), %" PRIu64 " connections (SYNACK_CHAOS_CONNS) in %d simulations,"
           " IPv%d (SYNACK_CHAOS_FAMILY) on %s (SYNACK_CHAOS_LINK)\n",
           seed, conns, sims, net_kind.ipv6 ? 6 : 4,
           net_kind.ethernet ? "an Ethernet switch" : "a point-to-point link");
    for (int i = 0; i < sims; i++) {
        int count = (int)(conns - (uint64_t)i * CONNS_PER_SIM < CONNS_PER_SIM ? conns - (uint64_t)i * CONNS_PER_SIM
                                                                             : CONNS_PER_SIM);
        if (only >= 0 && i != only)
            continue;
        run_sim(&cs, i, seed, count, verbose);
        if (i < REPEAT_SIMS)
            digests[i] = cs.digest;
        for (int o = 0; o < OUT_COUNT; o++)
            outcomes[o] += cs.outcomes[o];
        bytes += cs.bytes;
        retrans += cs.retrans;
        resets += cs.resets;
        virtual_s += (double)cs.end_us / 1e6;
        apps_s += (double)cs.apps_end_us / 1e6;
        ex.zero_window_probes += cs.ex.zero_window_probes;
        ex.keepalive_probes += cs.ex.keepalive_probes;
        ex.tlp += cs.ex.tlp;
        ex.sack_blocks += cs.ex.sack_blocks;
        ex.dsacks += cs.ex.dsacks;
        ex.spurious += cs.ex.spurious;
        ex.wscaled += cs.ex.wscaled;
        if ((double)cs.longest_us / 1e6 > longest_s)
            longest_s = (double)cs.longest_us / 1e6;
    }
    /* The same seed again gives the same outcomes, byte counts, times and counters. */
    for (int i = 0; i < REPEAT_SIMS && i < sims && only < 0; i++) {
        int count = (int)(conns - (uint64_t)i * CONNS_PER_SIM < CONNS_PER_SIM ? conns - (uint64_t)i * CONNS_PER_SIM
                                                                             : CONNS_PER_SIM);
        run_sim(&cs, i, seed, count, false);
        if (cs.digest != digests[i])
            test_fail(__FILE__, __LINE__, "sim %d run twice from seed %" PRIu64 ": digest %016" PRIx64 " then %016" PRIx64,
                      i, seed, digests[i], cs.digest);
    }
    printf("  chaos: %" PRIu64 " connections, %.1f MB delivered, %" PRIu64 " retransmissions, %" PRIu64
           " resets sent, %.0f s virtual (%.0f s until the applications were done, the rest winding down;"
           " longest connection %.1f s, bound %.0f s)\n",
           conns, (double)bytes / 1e6, retrans, resets, virtual_s, apps_s, longest_s,
           (double)CONN_BOUND_US / 1e6);
    printf("  exercised: %" PRIu64 " zero-window probes, %" PRIu64 " keepalive probes, %" PRIu64
           " tail loss probes, %" PRIu64 " SACK blocks and %" PRIu64 " D-SACKs received, %" PRIu64
           " spurious retransmissions or timeouts undone, %" PRIu64 " ends with scaled windows\n",
           ex.zero_window_probes, ex.keepalive_probes, ex.tlp, ex.sack_blocks, ex.dsacks, ex.spurious, ex.wscaled);
    printf("  outcomes:");
    for (int o = 0; o < OUT_COUNT; o++)
        printf(" %s %d (%.1f%%)%s", outcome_name[o], outcomes[o], 100.0 * outcomes[o] / (double)conns,
               o + 1 < OUT_COUNT ? "," : "\n");
    if (reports > MAX_REPORTS)
        printf("  (%d more failure reports not shown)\n", reports - MAX_REPORTS);
    CHECK_EQ(outcomes[OUT_FAILED], 0);
}
