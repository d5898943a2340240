/*
 * cmd_sim.c — `synack sim`: bulk transfers over a simulated, impaired link,
 * checked byte for byte.
 *
 * A client (198.18.0.1, or fd00:5ac::1 with --ipv6) opens F connections
 * (flows, 1 by default) to a server (198.18.0.2:5001, or [fd00:5ac::2]:5001)
 * over one link, or with --ethernet through a switch (sim_net.h); each
 * flow sends N bytes of its own
 * pseudo-random stream derived from the seed and the flow's number; the
 * server reads every flow, regenerates its stream and compares every byte.
 * All flows share the one link and its queues.  The link has the same
 * parameters in both directions (delay, rate, drop-tail queue, MTU, loss,
 * duplication, reordering, corruption), and the simulator's seed is the
 * same seed, so a run is reproducible bit for bit.
 *
 *     client, per flow: set the congestion control; connect; send while
 *             the buffer takes data (drain WRITABLE, send until EAGAIN);
 *             after the last byte shutdown(SHUT_WR); read until end of
 *             stream; close.
 *     server: accept (a connection is matched to its flow by the client's
 *             port); read and verify until end of stream; close.
 *
 * A flow is over when both its ends are done or either saw an error; the
 * run stops when every flow is over, or at a virtual-time limit generous
 * enough for any sane setting (an hour plus time in proportion to the
 * bytes), or at --duration-limit.
 *
 * "Verified" means that for every flow the server read exactly N bytes,
 * all matching, then end of stream, and neither side saw an error.  The
 * exit status is 0 when verified and 1 when not.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "synack/synack.h"

#include "args.h"
#include "commands.h"
#include "json.h"
#include "sim_ladder.h"
#include "sim_net.h"
#include "sim_plot.h"
#include "status.h"

#define SERVER_PORT 5001
#define CHUNK_BYTES 65536               /* the applications' read and write size */
#define LIMIT_BASE_US 3600000000ull     /* an hour of virtual time ... */
#define LIMIT_PER_BYTE_US 100ull        /* ... plus 100 us a byte (10 kB/s at worst) */
#define MAX_BYTES 1000000000000ull      /* 1 TB: far beyond what anyone will wait for */
#define MAX_DELAY_MS 60000.0            /* one minute one way */
#define MAX_RATE_MBIT 1000000.0         /* 1 Tbit/s */
#define MAX_FLOWS 64                    /* enough to study sharing; each costs a 64 KiB stage */
#define MAX_QUEUE_PACKETS 100000        /* far beyond any bandwidth-delay product worth simulating */
#define MAX_DURATION_S 1e9              /* about 30 years of virtual time */
#define MIN_BACKLOG 4

struct sim_options {
    bool have_bytes;
    uint64_t bytes;                     /* per flow */
    double delay_ms, rate_mbit;
    double loss, dup, reorder, corrupt;
    uint64_t mtu, seed;
    uint64_t path_mtu;                  /* 0 = the link takes --mtu */
    int plpmtud;                        /* enum synack_plpmtud; -1 = the stack's default */
    uint64_t flows;                     /* 1..MAX_FLOWS */
    uint64_t queue_packets;             /* 0 = unbounded */
    int cc;                             /* enum synack_cc */
    double duration_limit_s;            /* 0 = the automatic limit */
    const char *pcap_path;
    struct sim_net_options net;         /* --ipv6, --ethernet */
    bool json;
    double status_s;                    /* 0 = no live status lines */
    struct sim_plots plots;             /* --plot-*: the files, and the plot while running */
    struct sim_ladder ladder;           /* --svg, --html: the files, and the diagram while running */
};

/* A wall-clock progress bar on stderr, redrawn at most every 0.1 s. */
struct progress {
    bool enabled, drawn;
    unsigned events;                    /* the clock is read every 256 events */
    struct timespec start, last;
};

struct transfer;

/* One connection and both its ends. */
struct flow {
    struct transfer *t;
    int index;
    uint64_t stream_key;
    synack_time_us start_at;
    bool over;                          /* counted in transfer.flows_over */

    /* Client.  stage[] holds the stream bytes [stage_off, stage_off + stage_len). */
    int client_sock;
    uint16_t client_port;               /* how the server tells flows apart */
    uint64_t sent;
    bool shut_wr, client_done;
    int client_error;                   /* first error, negative; 0 if none */
    uint64_t unexpected_bytes;          /* data the server should never have sent */
    bool have_info;
    struct synack_tcp_info client_info; /* the latest taken: at close, failure or the end */
    uint8_t *stage;
    uint64_t stage_off;
    size_t stage_len;

    /* Server. */
    int server_sock;
    uint64_t received, mismatched, first_bad;
    bool server_eof, server_done;
    int server_error;
    synack_time_us eof_at;

    /* Results (gather_results). */
    bool verified;
    double seconds, goodput_mbps;
};

struct transfer {
    const struct sim_options *opt;
    struct sim_net net;                 /* the hosts, the link or switch, the capture */
    struct synack_sim *sim;             /* net.sim */
    synack_time_us start_us;            /* when the flows start: 0, or once an Ethernet is up */
    int client_host, server_host;
    struct synack_stack *client, *server;

    struct flow *flows;
    int flow_count, flows_over;
    uint64_t total_bytes, total_received;

    int listen_sock;
    uint8_t rbuf[CHUNK_BYTES];          /* read scratch, for both applications */
    uint8_t expect[CHUNK_BYTES];

    struct progress progress;
    synack_time_us next_status;         /* --status: when the next lines are due */
    struct sim_plots *plots;            /* the options' (not const: it fills as the run goes) */
    struct sim_ladder *ladder;          /* likewise */
};

static const char usage[] =
    "usage: synack sim --bytes N [--delay MS] [--rate MBIT] [--queue PACKETS]\n"
    "                  [--loss P] [--dup P] [--reorder P] [--corrupt P] [--mtu N]\n"
    "                  [--path-mtu N] [--plpmtud off|blackhole|always]\n"
    "                  [--cc cubic|newreno] [--flows F] [--seed S]\n"
    "                  [--ipv6] [--ethernet]\n"
    "                  [--duration-limit S] [--pcap FILE] [--json] [--status S]\n"
    "                  [--plot-tseq FILE] [--plot-cwnd FILE] [--plot-rtt FILE]\n"
    "                  [--plot-flow N]\n"
    "                  [--svg FILE] [--html FILE] [--ladder-conn N]\n"
    "\n"
    "Sends N bytes of seeded pseudo-random data from a client to a server over a\n"
    "simulated link, then checks every byte.  The link parameters apply to both\n"
    "directions.  With --flows F, F connections run side by side over the same\n"
    "link and queues, and each sends N bytes of its own stream (F x N in all).\n"
    "\n"
    "Options:\n"
    "  --bytes N      bytes each flow sends, 0 to 1000000000000 (required)\n"
    "  --delay MS     one-way delay in milliseconds, 0 to 60000; may be fractional\n"
    "                 (default 0)\n"
    "  --rate MBIT    link rate in Mbit/s, may be fractional; 0 = unlimited (default)\n"
    "  --queue PACKETS  drop-tail queue in front of the link, in packets, 1 to\n"
    "                 100000, each direction; only limits a link with a --rate\n"
    "                 (default: unbounded)\n"
    "  --loss P       probability a packet is lost, 0 to 1 (default 0)\n"
    "  --dup P        probability a packet is delivered twice, 0 to 1 (default 0)\n"
    "  --reorder P    probability a packet is held back and overtaken, 0 to 1\n"
    "  --corrupt P    probability one bit of a packet is flipped, 0 to 1\n"
    "  --mtu N        link and interface MTU, 576 to 65535 (default 1500; 1280 or\n"
    "                 more with --ipv6)\n"
    "  --path-mtu N   the link drops packets larger than N, 576 to --mtu, without\n"
    "                 a word (a path MTU black hole); the interfaces keep --mtu\n"
    "  --plpmtud MODE packetization-layer path MTU discovery of both hosts (RFC\n"
    "                 4821): off, blackhole (default: after timeouts that look like\n"
    "                 a black hole) or always\n"
    "  --cc NAME      congestion control of every connection: cubic (default) or\n"
    "                 newreno\n"
    "  --flows F      parallel connections, 1 to 64 (default 1); all start at time 0\n"
    "                 (with --ethernet: once the hosts are up)\n"
    "  --seed S       seed of the data and of every impairment (default 1)\n"
    "  --duration-limit S  stop after S seconds of virtual time, whatever is left\n"
    "                 (default: an hour plus 100 us a byte)\n"
    "  --pcap FILE    write every packet, as sent (before the link impairs it), to\n"
    "                 FILE; timestamps are virtual time\n"
    SIM_NET_USAGE
    "  --json         print one JSON object instead of the summary\n"
    "  --status S     every S seconds of virtual time, print one line per open\n"
    "                 connection to stderr, like ss -ti: state, cwnd, ssthresh,\n"
    "                 srtt, rto, bytes acked and received, retransmissions,\n"
    "                 delivery rate (0.001 to 1e9; replaces the progress bar)\n"
    SIM_PLOT_USAGE
    SIM_LADDER_USAGE
    "\n"
    "Segments sent counts every TCP segment both hosts put on the link: data,\n"
    "ACKs, SYNs, FINs and retransmissions.  Retransmissions are the client's.\n"
    "A flow's goodput is its bytes over the time from its start until the server\n"
    "read its end of stream; the total goodput is all bytes over the time until\n"
    "the last flow ended; fairness is Jain's index of the flows' goodputs,\n"
    "(sum x)^2 / (F * sum x^2), 1 when all are equal.\n"
    "\n"
    "Exit status: 0 when the data of every flow arrived intact, 1 when it did\n"
    "not, 2 for a bad command line.\n";

/* ---- The data stream ------------------------------------------------------
 *
 * Byte i of a stream is byte (i mod 8) of the 64-bit word number i / 8,
 * and word k is the splitmix64 finalizer applied to key + (k + 1) * gamma:
 * the k-th output of a splitmix64 generator started at `key`.  Any stretch
 * can be generated on its own, so sender and receiver need no shared state
 * beyond the key.  Each flow has its own key.
 */

#define SPLITMIX_GAMMA 0x9e3779b97f4a7c15ull

static uint64_t splitmix64_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Flow 0 keeps the key a single transfer has always had, so that one flow
 * gives the same bytes (and captures) as before flows existed; the others
 * mix their number in. */
static uint64_t stream_key(uint64_t seed, int flow)
{
    /* Kept apart from the simulator's own use of the seed. */
    uint64_t key = splitmix64_mix(seed ^ 0x73796e61636b2121ull); /* "synack!!" */

    return flow == 0 ? key : splitmix64_mix(key ^ splitmix64_mix((uint64_t)flow * SPLITMIX_GAMMA));
}

static void stream_fill(uint64_t key, uint64_t offset, uint8_t *buf, size_t len)
{
    uint64_t word_index = offset / 8;
    uint64_t word = splitmix64_mix(key + (word_index + 1) * SPLITMIX_GAMMA);
    unsigned shift = (unsigned)(offset % 8) * 8;

    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)(word >> shift);
        shift += 8;
        if (shift == 64) {
            shift = 0;
            word_index++;
            word = splitmix64_mix(key + (word_index + 1) * SPLITMIX_GAMMA);
        }
    }
}

/* ---- Progress ------------------------------------------------------------ */

static double seconds_between(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void progress_init(struct progress *p, bool wanted)
{
    memset(p, 0, sizeof *p);
    p->enabled = wanted && isatty(STDERR_FILENO);
    if (p->enabled)
        clock_gettime(CLOCK_MONOTONIC, &p->start);
    p->last = p->start;
}

/* Draws the bar when a tenth of a second has passed since the last one;
 * short runs (under half a second) never show it.  With several flows it
 * counts the bytes of all of them. */
static void progress_tick(struct transfer *t)
{
    struct progress *p = &t->progress;
    struct timespec now;
    const int width = 30;
    double done;
    int filled;

    if (!p->enabled || (++p->events & 255) != 0)
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (seconds_between(&p->start, &now) < 0.5 || seconds_between(&p->last, &now) < 0.1)
        return;
    p->last = now;
    p->drawn = true;
    done = t->total_bytes ? (double)t->total_received / (double)t->total_bytes : 1.0;
    if (done > 1.0)
        done = 1.0;
    filled = (int)(done * width);
    fprintf(stderr, "\r  [%.*s%*s] %3d%%  %llu of %llu bytes, %.1f s virtual", filled,
            "##############################", width - filled, "", (int)(done * 100),
            (unsigned long long)t->total_received, (unsigned long long)t->total_bytes,
            (double)synack_sim_now(t->sim) / 1e6);
}

static void progress_finish(struct progress *p)
{
    if (p->drawn)
        fputs("\r\033[K", stderr);
}

/* ---- Flow bookkeeping ---------------------------------------------------- */

/* Both ends are done, or one of them failed. */
static bool flow_is_over(const struct flow *f)
{
    if (f->client_error != 0 || f->server_error != 0)
        return true;
    return f->client_done && f->server_done;
}

/* Counts the flow once when it becomes over. */
static void flow_check_over(struct flow *f)
{
    if (!f->over && flow_is_over(f)) {
        f->over = true;
        f->t->flows_over++;
    }
}

static struct flow *flow_by_client_sock(struct transfer *t, int sock)
{
    for (int i = 0; i < t->flow_count; i++) {
        if (t->flows[i].client_sock == sock)
            return &t->flows[i];
    }
    return NULL;
}

static struct flow *flow_by_server_sock(struct transfer *t, int sock)
{
    for (int i = 0; i < t->flow_count; i++) {
        if (t->flows[i].server_sock == sock)
            return &t->flows[i];
    }
    return NULL;
}

/* The flow a connection from client port `port` belongs to, if it has no
 * server socket yet. */
static struct flow *flow_by_client_port(struct transfer *t, uint16_t port)
{
    for (int i = 0; i < t->flow_count; i++) {
        struct flow *f = &t->flows[i];
        if (f->client_port == port && f->client_port != 0 && f->server_sock < 0 && !f->server_done)
            return f;
    }
    return NULL;
}

/* ---- The client ---------------------------------------------------------- */

static void client_take_info(struct flow *f)
{
    if (f->client_sock >= 0)
        f->have_info = synack_getinfo(f->t->client, f->client_sock, &f->client_info) >= 0;
}

static void client_fail(struct flow *f, int err)
{
    if (f->client_error == 0)
        f->client_error = err < 0 ? err : -err;
    if (f->client_sock >= 0) {
        client_take_info(f);
        synack_close(f->t->client, f->client_sock);
    }
    f->client_sock = -1;
    f->client_done = true;
}

static void client_start(struct synack_sim *sim, void *ctx)
{
    struct flow *f = ctx;
    struct transfer *t = f->t;
    struct synack_endpoint remote = synack_endpoint_make(sim_net_addr(&t->opt->net, SIM_NET_SERVER), SERVER_PORT);
    struct synack_endpoint local;
    int rc;

    (void)sim;
    f->client_sock = synack_socket(t->client);
    if (f->client_sock < 0) {
        int err = f->client_sock;
        f->client_sock = -1;
        client_fail(f, err);
        flow_check_over(f);
        return;
    }
    rc = synack_setsockopt(t->client, f->client_sock, SYNACK_OPT_CONGESTION, t->opt->cc);
    if (rc >= 0)
        rc = synack_connect(t->client, f->client_sock, &remote);
    if (rc == -SYNACK_EINPROGRESS && synack_local_endpoint(t->client, f->client_sock, &local) >= 0) {
        f->client_port = local.port;
        sim_plots_flow_started(t->plots, (uint64_t)f->index, &local, &remote);
    }
    if (rc < 0 && rc != -SYNACK_EINPROGRESS)
        client_fail(f, rc);
    flow_check_over(f);
}

/* Sends as much of the stream as the send buffer takes; after the last
 * byte, shuts down the write side so that a FIN follows the data. */
static void client_pump(struct flow *f)
{
    struct transfer *t = f->t;

    while (f->sent < t->opt->bytes) {
        size_t at;
        ssize_t n;

        if (f->sent == f->stage_off + f->stage_len) {
            uint64_t left = t->opt->bytes - f->sent;
            f->stage_off = f->sent;
            f->stage_len = left < CHUNK_BYTES ? (size_t)left : CHUNK_BYTES;
            stream_fill(f->stream_key, f->stage_off, f->stage, f->stage_len);
        }
        at = (size_t)(f->sent - f->stage_off);
        n = synack_send(t->client, f->client_sock, f->stage + at, f->stage_len - at);
        if (n == -SYNACK_EAGAIN)
            return;
        if (n < 0) {
            client_fail(f, (int)n);
            return;
        }
        f->sent += (uint64_t)n;
    }
    if (!f->shut_wr) {
        int rc = synack_shutdown(t->client, f->client_sock, SYNACK_SHUT_WR);
        f->shut_wr = true;
        if (rc < 0)
            client_fail(f, rc);
    }
}

/* The server sends nothing; the client reads only to see end of stream,
 * then closes. */
static void client_read(struct flow *f)
{
    struct transfer *t = f->t;

    for (;;) {
        ssize_t n = synack_recv(t->client, f->client_sock, t->rbuf, sizeof t->rbuf);
        if (n == -SYNACK_EAGAIN)
            return;
        if (n < 0) {
            client_fail(f, (int)n);
            return;
        }
        if (n == 0)
            break;
        f->unexpected_bytes += (uint64_t)n;
    }
    client_take_info(f);
    synack_close(t->client, f->client_sock);
    f->client_sock = -1;
    f->client_done = true;
}

static void client_app(struct synack_sim *sim, int host, void *ctx)
{
    struct transfer *t = ctx;
    struct synack_event ev;

    (void)sim;
    (void)host;
    while (synack_next_event(t->client, &ev)) {
        struct flow *f = ev.sock >= 0 ? flow_by_client_sock(t, ev.sock) : NULL;
        if (f == NULL)
            continue;
        if (ev.ready & SYNACK_ERROR) {
            int err = synack_socket_error(t->client, ev.sock);
            if (err != 0) {
                client_fail(f, err);
                flow_check_over(f);
                continue;
            }
        }
        if (ev.ready & SYNACK_CONNECTED)
            client_pump(f); /* on CONNECTED and on every WRITABLE after it */
        if (f->client_sock >= 0 && (ev.ready & SYNACK_READABLE))
            client_read(f);
        flow_check_over(f);
    }
}

/* ---- The server ---------------------------------------------------------- */

static void server_fail(struct flow *f, int err)
{
    if (f->server_error == 0)
        f->server_error = err < 0 ? err : -err;
    if (f->server_sock >= 0)
        synack_close(f->t->server, f->server_sock);
    f->server_sock = -1;
    f->server_done = true;
}

/* Compares n freshly read bytes with the flow's stream at its offset. */
static void verify(struct flow *f, size_t n)
{
    struct transfer *t = f->t;

    stream_fill(f->stream_key, f->received, t->expect, n);
    if (memcmp(t->rbuf, t->expect, n) != 0) {
        for (size_t i = 0; i < n; i++) {
            if (t->rbuf[i] == t->expect[i])
                continue;
            if (f->mismatched++ == 0)
                f->first_bad = f->received + i;
        }
    }
    f->received += n;
    t->total_received += n;
}

static void server_read(struct flow *f)
{
    struct transfer *t = f->t;

    for (;;) {
        ssize_t n = synack_recv(t->server, f->server_sock, t->rbuf, sizeof t->rbuf);
        if (n == -SYNACK_EAGAIN)
            return;
        if (n < 0) {
            server_fail(f, (int)n);
            return;
        }
        if (n == 0)
            break;
        verify(f, (size_t)n);
    }
    f->server_eof = true;
    f->eof_at = synack_sim_now(t->sim);
    synack_close(t->server, f->server_sock);
    f->server_sock = -1;
    f->server_done = true;
}

static void server_accept(struct transfer *t)
{
    for (;;) {
        struct synack_endpoint peer;
        struct flow *f;
        int sock = synack_accept(t->server, t->listen_sock, &peer);

        if (sock == -SYNACK_EAGAIN)
            return;
        if (sock < 0) {
            /* No flow to blame: the first one still waiting takes it. */
            for (int i = 0; i < t->flow_count; i++) {
                if (t->flows[i].server_sock < 0 && !t->flows[i].server_done) {
                    server_fail(&t->flows[i], sock);
                    flow_check_over(&t->flows[i]);
                    break;
                }
            }
            return;
        }
        f = flow_by_client_port(t, peer.port);
        if (f == NULL) {
            synack_abort(t->server, sock); /* one connection per flow */
            continue;
        }
        f->server_sock = sock;
        server_read(f);
        flow_check_over(f);
    }
}

static void server_app(struct synack_sim *sim, int host, void *ctx)
{
    struct transfer *t = ctx;
    struct synack_event ev;

    (void)sim;
    (void)host;
    while (synack_next_event(t->server, &ev)) {
        struct flow *f;

        if (ev.sock == t->listen_sock) {
            if (ev.ready & SYNACK_READABLE)
                server_accept(t);
            continue;
        }
        f = ev.sock >= 0 ? flow_by_server_sock(t, ev.sock) : NULL;
        if (f == NULL)
            continue;
        if (ev.ready & SYNACK_ERROR) {
            int err = synack_socket_error(t->server, ev.sock);
            if (err != 0) {
                server_fail(f, err);
                flow_check_over(f);
                continue;
            }
        }
        if (ev.ready & SYNACK_READABLE)
            server_read(f);
        flow_check_over(f);
    }
}

static int start_server(struct transfer *t)
{
    struct synack_endpoint any;
    int backlog = t->flow_count > MIN_BACKLOG ? t->flow_count : MIN_BACKLOG;
    int rc;

    memset(&any, 0, sizeof any);
    any.port = SERVER_PORT;
    t->listen_sock = synack_socket(t->server);
    if (t->listen_sock < 0)
        return t->listen_sock;
    rc = synack_setsockopt(t->server, t->listen_sock, SYNACK_OPT_CONGESTION, t->opt->cc);
    if (rc >= 0)
        rc = synack_bind(t->server, t->listen_sock, &any);
    if (rc >= 0)
        rc = synack_listen(t->server, t->listen_sock, backlog);
    return rc < 0 ? rc : 0;
}

/* ---- Building and running the network ------------------------------------ */

static void link_params_from(const struct sim_options *o, struct synack_link_params *p)
{
    memset(p, 0, sizeof *p);
    p->delay_us = (synack_time_us)llround(o->delay_ms * 1000.0);
    p->rate_bps = (uint64_t)llround(o->rate_mbit * 1e6);
    p->queue_packets = (uint32_t)o->queue_packets;
    p->mtu = (uint32_t)(o->path_mtu ? o->path_mtu : o->mtu);
    p->loss = o->loss;
    p->dup = o->dup;
    p->reorder = o->reorder;
    p->corrupt = o->corrupt;
}

/* The client stack's trace hook: everything that watches the sender. */
static void client_trace(void *ctx, const struct synack_trace_event *ev)
{
    struct transfer *t = ctx;

    if (t->plots->tp != NULL)
        sim_plots_trace(t->plots, ev);
    sim_ladder_trace(t->ladder, ev);
}

/* The server stack's: the ladder diagram needs both ends. */
static void server_trace(void *ctx, const struct synack_trace_event *ev)
{
    struct transfer *t = ctx;

    sim_ladder_trace(t->ladder, ev);
}

static int add_host(struct transfer *t, int which, const char *name, synack_trace_fn trace)
{
    struct synack_config cfg;

    synack_config_default(&cfg);
    cfg.name = name;
    cfg.trace = trace;
    cfg.trace_ctx = t;
    if (t->opt->plpmtud >= 0)
        cfg.plpmtud = (uint8_t)t->opt->plpmtud;
    return sim_net_add_host(&t->net, which, name, &cfg, (uint32_t)t->opt->mtu);
}

/* The hosts and what joins them (the simulator itself, and the capture,
 * were made by sim_main). */
static int build_network(struct transfer *t)
{
    struct synack_link_params link;
    int rc = add_host(t, SIM_NET_CLIENT, "client",
                      t->plots->tp != NULL || t->ladder->b != NULL ? client_trace : NULL);

    if (rc >= 0)
        rc = add_host(t, SIM_NET_SERVER, "server", t->ladder->b != NULL ? server_trace : NULL);
    link_params_from(t->opt, &link);
    if (rc >= 0)
        rc = sim_net_join(&t->net, &link, &link);
    if (rc < 0)
        return rc;
    t->client_host = t->net.host[SIM_NET_CLIENT];
    t->server_host = t->net.host[SIM_NET_SERVER];
    t->client = synack_sim_stack(t->sim, t->client_host);
    t->server = synack_sim_stack(t->sim, t->server_host);
    synack_sim_set_app(t->sim, t->client_host, client_app, t);
    synack_sim_set_app(t->sim, t->server_host, server_app, t);
    return 0;
}

/* Every flow is over. */
static bool transfer_over(const struct transfer *t)
{
    return t->flows_over == t->flow_count;
}

/* --status: one line per open connection, each time an interval of
 * virtual time has passed.  It runs between events (from keep_going), so
 * it adds none to the simulation: a line is printed at the first event at
 * or after its time, showing the state then. */
static void status_tick(struct transfer *t)
{
    synack_time_us now = synack_sim_now(t->sim);
    synack_time_us interval = (synack_time_us)llround(t->opt->status_s * 1e6);

    if (t->opt->status_s <= 0 || now < t->next_status)
        return;
    for (int i = 0; i < t->flow_count; i++) {
        struct flow *f = &t->flows[i];
        struct synack_tcp_info info;
        char who[32];

        if (f->client_sock >= 0 && synack_getinfo(t->client, f->client_sock, &info) >= 0) {
            snprintf(who, sizeof who, t->flow_count > 1 ? "flow %d client" : "client", i);
            status_print(stderr, (double)now / 1e6, who, &info);
        }
        if (f->server_sock >= 0 && synack_getinfo(t->server, f->server_sock, &info) >= 0) {
            snprintf(who, sizeof who, t->flow_count > 1 ? "flow %d server" : "server", i);
            status_print(stderr, (double)now / 1e6, who, &info);
        }
    }
    if (interval == 0)
        interval = 1;
    t->next_status = (now / interval + 1) * interval;
}

static bool keep_going(void *ctx)
{
    struct transfer *t = ctx;

    progress_tick(t);
    status_tick(t);
    return !transfer_over(t);
}

/* --duration-limit when given; otherwise an hour, plus time in proportion
 * to all the bytes, plus twice their serialization time at the
 * configured rate. */
static synack_time_us time_limit(const struct sim_options *o)
{
    double total = (double)o->bytes * (double)o->flows;
    double limit = (double)LIMIT_BASE_US + total * (double)LIMIT_PER_BYTE_US;

    if (o->duration_limit_s > 0)
        limit = o->duration_limit_s * 1e6;
    else if (o->rate_mbit > 0)
        limit += 2.0 * total * 8.0 / o->rate_mbit;
    return limit >= 1.8e19 ? SYNACK_TIME_NEVER - 1 : (synack_time_us)limit;
}

/* ---- Results ------------------------------------------------------------- */

struct results {
    bool verified, completed;
    bool timed_out;                     /* stopped at the virtual-time limit */
    bool stalled;                       /* stopped because nothing was left to run */
    bool eof;                           /* every flow's server read end of stream */
    double virtual_seconds, goodput_mbps, fairness;
    uint64_t segments_sent, retransmissions, server_retransmissions;
    uint64_t rto_expiries, fast_retransmits, checksum_drops;
    uint64_t mismatched, unexpected_bytes;
    const struct flow *first_mismatch;  /* the first flow with a bad byte, or NULL */
    int client_error, server_error;     /* the first flow's that has one */
    struct synack_link_stats link;      /* both directions added up */
};

static uint64_t checksum_drops(const struct synack_stats *s)
{
    return s->drops[SYNACK_DROP_IP_CHECKSUM] + s->drops[SYNACK_DROP_TCP_CHECKSUM];
}

static void add_link_stats(struct synack_link_stats *sum, const struct synack_link_stats *s)
{
    if (s == NULL)
        return;
    sum->packets_in += s->packets_in;
    sum->packets_delivered += s->packets_delivered;
    sum->bytes_delivered += s->bytes_delivered;
    sum->lost += s->lost;
    sum->queue_drops += s->queue_drops;
    sum->mtu_drops += s->mtu_drops;
    sum->duplicated += s->duplicated;
    sum->reordered += s->reordered;
    sum->corrupted += s->corrupted;
}

/* Jain's fairness index, (sum x)^2 / (n * sum x^2): 1 when every flow got
 * the same, 1/n when one got everything.  All zeros are equal shares.  A
 * flow that took no virtual time at all (zero delay, unlimited rate) has
 * no finite goodput, and then the index is not defined (NaN, written as
 * null). */
static double jain_index(const struct transfer *t)
{
    double sum = 0, sum_sq = 0;

    for (int i = 0; i < t->flow_count; i++) {
        double x = t->flows[i].goodput_mbps;
        if (!isfinite(x))
            return NAN;
        sum += x;
        sum_sq += x * x;
    }
    return sum_sq > 0 ? sum * sum / ((double)t->flow_count * sum_sq) : 1.0;
}

/* A flow's figures: verified, its duration (until its end of stream, or
 * until the run stopped), goodput, and its client's latest TCP_INFO. */
static void gather_flow(struct transfer *t, struct flow *f)
{
    synack_time_us end = f->server_eof ? f->eof_at : synack_sim_now(t->sim);

    f->verified = f->received == t->opt->bytes && f->mismatched == 0 && f->server_eof &&
                  f->client_error == 0 && f->server_error == 0;
    f->seconds = end > f->start_at ? (double)(end - f->start_at) / 1e6 : 0.0;
    if (f->seconds > 0)
        f->goodput_mbps = (double)f->received * 8.0 / f->seconds / 1e6;
    else
        f->goodput_mbps = f->received ? INFINITY : 0.0; /* bytes in no time: JSON null */
    client_take_info(f);
}

static void gather_results(struct transfer *t, bool over, struct results *r)
{
    const struct synack_stats *c = synack_stack_stats(t->client);
    const struct synack_stats *s = synack_stack_stats(t->server);
    synack_time_us last_eof = 0;

    memset(r, 0, sizeof *r);
    r->verified = r->completed = r->eof = true;
    for (int i = 0; i < t->flow_count; i++) {
        struct flow *f = &t->flows[i];
        gather_flow(t, f);
        r->verified = r->verified && f->verified;
        r->completed = r->completed && f->client_done && f->server_done;
        r->eof = r->eof && f->server_eof;
        if (f->eof_at > last_eof)
            last_eof = f->eof_at;
        r->mismatched += f->mismatched;
        r->unexpected_bytes += f->unexpected_bytes;
        if (f->mismatched && r->first_mismatch == NULL)
            r->first_mismatch = f;
        if (r->client_error == 0)
            r->client_error = f->client_error;
        if (r->server_error == 0)
            r->server_error = f->server_error;
    }
    r->timed_out = !over && synack_sim_now(t->sim) >= t->start_us + time_limit(t->opt);
    r->stalled = !over && !r->timed_out;
    r->virtual_seconds = (double)((r->eof ? last_eof : synack_sim_now(t->sim)) - t->start_us) / 1e6;
    if (r->virtual_seconds > 0)
        r->goodput_mbps = (double)t->total_received * 8.0 / r->virtual_seconds / 1e6;
    r->fairness = jain_index(t);
    r->segments_sent =
        c->tcp_out_segs + c->tcp_retrans_segs + s->tcp_out_segs + s->tcp_retrans_segs;
    r->retransmissions = c->tcp_retrans_segs;
    r->server_retransmissions = s->tcp_retrans_segs;
    r->rto_expiries = c->tcp_timeouts;
    r->fast_retransmits = c->tcp_fast_retrans;
    r->checksum_drops = checksum_drops(c) + checksum_drops(s);
    for (int from = SIM_NET_CLIENT; from <= SIM_NET_SERVER; from++) {
        struct synack_link_stats dir;
        sim_net_link_stats(&t->net, from, &dir);
        add_link_stats(&r->link, &dir);
    }
}

static const char *error_name(int err)
{
    return err ? synack_errname(err) : NULL;
}

static void print_json(const struct transfer *t, const struct results *r)
{
    const struct sim_options *o = t->opt;
    const struct flow *f0 = &t->flows[0];
    struct json j;

    json_begin(&j, stdout);
    json_u64(&j, "bytes", o->bytes);
    json_bool(&j, "verified", r->verified);
    json_double(&j, "virtual_seconds", r->virtual_seconds);
    json_double(&j, "goodput_mbps", r->goodput_mbps);
    json_u64(&j, "segments_sent", r->segments_sent);
    json_u64(&j, "retransmissions", r->retransmissions);
    json_u64(&j, "seed", o->seed);
    json_double(&j, "delay_ms", o->delay_ms);
    json_double(&j, "rate_mbps", o->rate_mbit);
    json_u64(&j, "mtu", o->mtu);
    json_u64(&j, "path_mtu", o->path_mtu ? o->path_mtu : o->mtu);
    json_double(&j, "loss", o->loss);
    json_double(&j, "dup", o->dup);
    json_double(&j, "reorder", o->reorder);
    json_double(&j, "corrupt", o->corrupt);
    json_u64(&j, "bytes_received", t->total_received);
    json_u64(&j, "bytes_mismatched", r->mismatched);
    if (r->first_mismatch != NULL)
        json_u64(&j, "first_mismatch_offset", r->first_mismatch->first_bad);
    else
        json_null(&j, "first_mismatch_offset");
    json_bool(&j, "eof", r->eof);
    json_u64(&j, "unexpected_bytes", r->unexpected_bytes);
    json_bool(&j, "completed", r->completed);
    json_bool(&j, "timed_out", r->timed_out);
    json_bool(&j, "stalled", r->stalled);
    json_string(&j, "client_error", error_name(r->client_error));
    json_string(&j, "server_error", error_name(r->server_error));
    json_u64(&j, "rto_expiries", r->rto_expiries);
    json_u64(&j, "fast_retransmits", r->fast_retransmits);
    json_u64(&j, "server_retransmissions", r->server_retransmissions);
    json_u64(&j, "checksum_drops", r->checksum_drops);
    json_u64(&j, "lost", r->link.lost);
    json_u64(&j, "duplicated", r->link.duplicated);
    json_u64(&j, "reordered", r->link.reordered);
    json_u64(&j, "corrupted", r->link.corrupted);
    json_u64(&j, "queue_drops", r->link.queue_drops);
    json_u64(&j, "mtu_drops", r->link.mtu_drops);
    json_u64(&j, "packets_delivered", r->link.packets_delivered);
    if (f0->have_info) {
        json_double(&j, "srtt_ms", f0->client_info.srtt_us / 1e3);
        json_u64(&j, "data_segments", f0->client_info.data_segs_out);
        json_u64(&j, "pmtu", f0->client_info.pmtu);
        json_u64(&j, "pmtu_probes", f0->client_info.pmtu_probes);
        json_u64(&j, "pmtu_black_holes", f0->client_info.pmtu_black_holes);
    }
    json_string(&j, "cc", synack_cc_name(o->cc));
    json_string(&j, "network", sim_net_describe(&o->net));
    json_u64(&j, "queue_packets", o->queue_packets);
    json_u64(&j, "flows_count", (uint64_t)t->flow_count);
    json_u64(&j, "total_bytes", t->total_bytes);
    if (o->duration_limit_s > 0)
        json_double(&j, "duration_limit_s", o->duration_limit_s);
    else
        json_null(&j, "duration_limit_s");
    json_double(&j, "fairness", r->fairness);
    json_array_begin(&j, "flows");
    for (int i = 0; i < t->flow_count; i++) {
        const struct flow *f = &t->flows[i];
        json_item_begin(&j);
        json_u64(&j, "flow", (uint64_t)i);
        json_u64(&j, "bytes", o->bytes);
        json_bool(&j, "verified", f->verified);
        json_double(&j, "goodput_mbps", f->goodput_mbps);
        json_u64(&j, "retransmissions", f->have_info ? f->client_info.retrans_segs : 0);
        json_double(&j, "virtual_seconds", f->seconds);
        json_u64(&j, "bytes_received", f->received);
        json_bool(&j, "eof", f->server_eof);
        json_string(&j, "client_error", error_name(f->client_error));
        json_string(&j, "server_error", error_name(f->server_error));
        json_item_end(&j);
    }
    json_array_end(&j);
    json_end(&j);
}

static void print_error_line(const char *who, int err)
{
    if (err != 0)
        printf("  %-16s %s (%s)\n", who, synack_errname(err), synack_strerror(err));
}

static void print_flow_line(const struct transfer *t, const struct flow *f)
{
    char name[32];

    snprintf(name, sizeof name, "flow %d", f->index);
    printf("  %-16s %s, %llu of %llu bytes in %.6f s, ", name,
           f->verified ? "verified" : "NOT verified", (unsigned long long)f->received,
           (unsigned long long)t->opt->bytes, f->seconds);
    if (isfinite(f->goodput_mbps))
        printf("%.3f Mbit/s", f->goodput_mbps);
    else
        printf("no virtual time passed");
    printf(", %llu retransmissions",
           (unsigned long long)(f->have_info ? f->client_info.retrans_segs : 0));
    if (f->client_error)
        printf(", client %s", synack_errname(f->client_error));
    if (f->server_error)
        printf(", server %s", synack_errname(f->server_error));
    if (f->mismatched)
        printf(", %llu bytes differ from offset %llu", (unsigned long long)f->mismatched,
               (unsigned long long)f->first_bad);
    putchar('\n');
}

static void print_summary(const struct transfer *t, const struct results *r)
{
    const struct sim_options *o = t->opt;
    char rate[32] = "unlimited";
    char queue[32] = "unbounded";

    if (o->rate_mbit > 0)
        snprintf(rate, sizeof rate, "%g Mbit/s", o->rate_mbit);
    if (o->queue_packets > 0)
        snprintf(queue, sizeof queue, "%llu packets", (unsigned long long)o->queue_packets);
    char client[SYNACK_ENDPOINT_STRLEN], server[SYNACK_ENDPOINT_STRLEN];
    struct synack_addr ca = sim_net_addr(&o->net, SIM_NET_CLIENT), sa = sim_net_addr(&o->net, SIM_NET_SERVER);

    synack_addr_format(&ca, client, sizeof client);
    synack_addr_format(&sa, server, sizeof server);
    if (t->flow_count == 1)
        printf("synack sim: %llu bytes from client %s to server %s, seed %llu\n", (unsigned long long)o->bytes,
               client, server, (unsigned long long)o->seed);
    else
        printf("synack sim: %d flows of %llu bytes from client %s to server %s, seed %llu\n", t->flow_count,
               (unsigned long long)o->bytes, client, server, (unsigned long long)o->seed);
    if (o->net.ipv6 || o->net.ethernet)
        printf("  %-16s %s\n", "network", sim_net_describe(&o->net));
    printf("  %-16s delay %g ms, rate %s, MTU %llu, loss %g, dup %g, reorder %g, corrupt %g"
           " (each direction)\n",
           "link", o->delay_ms, rate, (unsigned long long)o->mtu, o->loss, o->dup, o->reorder,
           o->corrupt);
    printf("  %-16s %s (each direction)\n", "queue", queue);
    if (o->path_mtu && o->path_mtu < o->mtu)
        printf("  %-16s %llu: larger packets vanish without a word\n", "path MTU",
               (unsigned long long)o->path_mtu);
    printf("  %-16s %s\n", "congestion", synack_cc_name(o->cc));
    printf("  %-16s %llu of %llu bytes%s%s\n", "delivered",
           (unsigned long long)t->total_received, (unsigned long long)t->total_bytes,
           r->mismatched ? ", some corrupted" : "",
           r->eof ? ", then end of stream" : ", no end of stream");
    if (r->unexpected_bytes)
        printf("  %-16s the client read %llu bytes the server never sent\n", "unexpected",
               (unsigned long long)r->unexpected_bytes);
    if (r->first_mismatch != NULL)
        printf("  %-16s %llu bytes differ, the first at offset %llu%s\n", "mismatches",
               (unsigned long long)r->mismatched, (unsigned long long)r->first_mismatch->first_bad,
               t->flow_count > 1 ? " of the first flow with any" : "");
    printf("  %-16s %.6f s%s\n", "virtual time", r->virtual_seconds,
           !r->eof              ? " (the run stopped)"
           : t->flow_count == 1 ? " (until the server read end of stream)"
                                : " (until the server read the last end of stream)");
    printf("  %-16s %.3f Mbit/s\n", "goodput", r->goodput_mbps);
    if (t->flow_count > 1) {
        for (int i = 0; i < t->flow_count; i++)
            print_flow_line(t, &t->flows[i]);
        if (isfinite(r->fairness))
            printf("  %-16s %.4f (Jain's index of the flows' goodputs; 1 is a fair share)\n",
                   "fairness", r->fairness);
        else
            printf("  %-16s undefined: some flow took no virtual time\n", "fairness");
    }
    printf("  %-16s %llu (every TCP segment of both hosts: data, ACKs, retransmissions)\n",
           "segments sent", (unsigned long long)r->segments_sent);
    printf("  %-16s %llu by the client (%llu timeouts, %llu fast retransmits)\n", "retransmissions",
           (unsigned long long)r->retransmissions, (unsigned long long)r->rto_expiries,
           (unsigned long long)r->fast_retransmits);
    printf("  %-16s lost %llu, duplicated %llu, reordered %llu, corrupted %llu (%llu caught by "
           "checksums), queue drops %llu, MTU drops %llu\n",
           "link events", (unsigned long long)r->link.lost, (unsigned long long)r->link.duplicated,
           (unsigned long long)r->link.reordered, (unsigned long long)r->link.corrupted,
           (unsigned long long)r->checksum_drops, (unsigned long long)r->link.queue_drops,
           (unsigned long long)r->link.mtu_drops);
    if (t->flows[0].have_info) {
        const struct synack_tcp_info *i = &t->flows[0].client_info;
        printf("  %-16s %u at the end (MSS %u), %u probes (%u delivered, %u lost), %u black holes\n",
               "path MTU", i->pmtu, i->snd_mss, i->pmtu_probes, i->pmtu_probes_ok, i->pmtu_probes_failed,
               i->pmtu_black_holes);
    }
    print_error_line("client error", r->client_error);
    print_error_line("server error", r->server_error);
    if (r->timed_out)
        printf("  %-16s stopped at the virtual-time limit of %.0f s\n", "timed out",
               (double)time_limit(o) / 1e6);
    if (r->stalled)
        printf("  %-16s nothing was left to run, yet the transfer had not finished\n", "stalled");
    printf("  %-16s %s\n", "verified", r->verified ? "yes" : "no");
}

/* ---- The verb ------------------------------------------------------------ */

static int parse_sim_args(struct sim_options *o, int argc, char **argv)
{
    static const char *const cc_names[] = {"cubic", "newreno", NULL};
    struct args a;
    bool ok = true;

    args_init(&a, "synack sim", argc, argv);
    while (ok && args_next(&a)) {
        if (args_is_help(&a)) {
            command_print_usage(&cmd_sim);
            return ARGS_DONE;
        } else if (args_is(&a, "--bytes")) {
            ok = args_u64(&a, 0, MAX_BYTES, &o->bytes);
            o->have_bytes = true;
        } else if (args_is(&a, "--delay")) {
            ok = args_double(&a, 0, MAX_DELAY_MS, &o->delay_ms);
        } else if (args_is(&a, "--rate")) {
            ok = args_double(&a, 0, MAX_RATE_MBIT, &o->rate_mbit);
        } else if (args_is(&a, "--queue")) {
            ok = args_u64(&a, 1, MAX_QUEUE_PACKETS, &o->queue_packets);
        } else if (args_is(&a, "--loss")) {
            ok = args_double(&a, 0, 1, &o->loss);
        } else if (args_is(&a, "--dup")) {
            ok = args_double(&a, 0, 1, &o->dup);
        } else if (args_is(&a, "--reorder")) {
            ok = args_double(&a, 0, 1, &o->reorder);
        } else if (args_is(&a, "--corrupt")) {
            ok = args_double(&a, 0, 1, &o->corrupt);
        } else if (args_is(&a, "--mtu")) {
            ok = args_u64(&a, 576, 65535, &o->mtu);
        } else if (args_is(&a, "--path-mtu")) {
            ok = args_u64(&a, 576, 65535, &o->path_mtu);
        } else if (args_is(&a, "--plpmtud")) {
            ok = args_plpmtud(&a, &o->plpmtud);
        } else if (args_is(&a, "--cc")) {
            int choice = 0;
            ok = args_choice(&a, cc_names, &choice);
            if (ok)
                o->cc = synack_cc_from_name(cc_names[choice]);
            ok = ok && o->cc >= 0;
        } else if (args_is(&a, "--flows")) {
            ok = args_u64(&a, 1, MAX_FLOWS, &o->flows);
        } else if (args_is(&a, "--seed")) {
            ok = args_u64(&a, 0, UINT64_MAX, &o->seed);
        } else if (args_is(&a, "--duration-limit")) {
            ok = args_double(&a, 0.000001, MAX_DURATION_S, &o->duration_limit_s);
        } else if (args_is(&a, "--pcap")) {
            ok = args_string(&a, &o->pcap_path);
        } else if (sim_net_option(&o->net, &a, &ok)) {
            /* taken */
        } else if (args_is(&a, "--json")) {
            ok = args_switch(&a);
            o->json = true;
        } else if (args_is(&a, "--status")) {
            ok = args_double(&a, 0.001, MAX_DURATION_S, &o->status_s);
        } else if (sim_plots_option(&o->plots, &a, &ok)) {
            /* taken */
        } else if (sim_ladder_option(&o->ladder, &a, &ok)) {
            /* taken */
        } else {
            return args_unknown(&a);
        }
    }
    if (!ok)
        return EXIT_USAGE;
    if (!o->have_bytes)
        return args_missing(&a, "--bytes",
                            "how many bytes to send (an integer from 0 to 1000000000000)");
    /* RFC 8200 §5: every link that carries IPv6 has an MTU of 1280 or more. */
    if (o->net.ipv6 && (o->mtu < 1280 || (o->path_mtu && o->path_mtu < 1280))) {
        fprintf(stderr, "synack sim: --mtu and --path-mtu must be 1280 or more with --ipv6 (RFC 8200 §5; "
                        "got %llu)\n", (unsigned long long)(o->mtu < 1280 ? o->mtu : o->path_mtu));
        return EXIT_USAGE;
    }
    if (o->path_mtu > o->mtu) {
        fprintf(stderr, "synack sim: --path-mtu must not exceed --mtu (%llu > %llu)\n",
                (unsigned long long)o->path_mtu, (unsigned long long)o->mtu);
        return EXIT_USAGE;
    }
    if (o->plots.flow >= o->flows) {
        fprintf(stderr, "synack sim: --plot-flow must be a flow of the run, 0 to %llu (got %llu)\n",
                (unsigned long long)o->flows - 1, (unsigned long long)o->plots.flow);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* The flows, each with its stream key and stage; all start at time 0. */
static int make_flows(struct transfer *t)
{
    const struct sim_options *o = t->opt;

    t->flow_count = (int)o->flows;
    t->flows = calloc((size_t)t->flow_count, sizeof *t->flows);
    if (t->flows == NULL)
        return -SYNACK_ENOMEM;
    t->total_bytes = o->bytes * o->flows;
    for (int i = 0; i < t->flow_count; i++) {
        struct flow *f = &t->flows[i];
        f->t = t;
        f->index = i;
        f->stream_key = stream_key(o->seed, i);
        f->client_sock = f->server_sock = -1;
        f->stage = malloc(CHUNK_BYTES);
        if (f->stage == NULL)
            return -SYNACK_ENOMEM;
    }
    return 0;
}

static void free_flows(struct transfer *t)
{
    for (int i = 0; t->flows != NULL && i < t->flow_count; i++)
        free(t->flows[i].stage);
    free(t->flows);
    t->flows = NULL;
}

static int run_transfer(struct transfer *t)
{
    int rc = make_flows(t);
    bool over;
    struct results r;

    if (rc >= 0)
        rc = build_network(t);
    if (rc >= 0)
        rc = start_server(t);
    if (rc >= 0)
        t->start_us = sim_net_bring_up(&t->net);
    for (int i = 0; rc >= 0 && i < t->flow_count; i++) {
        t->flows[i].start_at = t->start_us;
        rc = synack_sim_at(t->sim, t->flows[i].start_at, t->client_host, client_start, &t->flows[i]);
    }
    if (rc < 0) {
        fprintf(stderr, "synack sim: setting up the simulation failed: %s\n", synack_strerror(rc));
        return EXIT_FAILED;
    }
    t->next_status = (synack_time_us)llround(t->opt->status_s * 1e6);
    progress_init(&t->progress, !t->opt->json && t->opt->status_s <= 0);
    synack_sim_run_while(t->sim, t->start_us + time_limit(t->opt), keep_going, t);
    over = transfer_over(t);
    progress_finish(&t->progress);
    gather_results(t, over, &r);
    if (t->opt->json)
        print_json(t, &r);
    else
        print_summary(t, &r);
    return r.verified ? EXIT_OK : EXIT_FAILED;
}

static int sim_main(int argc, char **argv)
{
    static struct transfer t;  /* large buffers: kept off the stack */
    struct sim_options o = {.mtu = 1500, .seed = 1, .flows = 1, .cc = SYNACK_CC_CUBIC, .plpmtud = -1};
    int status = parse_sim_args(&o, argc, argv);

    if (status != EXIT_OK)
        return status == ARGS_DONE ? EXIT_OK : status;
    memset(&t, 0, sizeof t);
    t.opt = &o;
    t.plots = &o.plots;
    if (sim_plots_wanted(&o.plots) && sim_plots_start(&o.plots) < 0) {
        fprintf(stderr, "synack sim: out of memory\n");
        return EXIT_FAILED;
    }
    t.ladder = &o.ladder;
    if (sim_ladder_start(&o.ladder) < 0) {
        fprintf(stderr, "synack sim: out of memory\n");
        return EXIT_FAILED;
    }
    t.listen_sock = -1;
    if (sim_net_open(&t.net, &o.net, o.seed, o.pcap_path, "synack sim") != EXIT_OK)
        return EXIT_FAILED;
    t.sim = t.net.sim;
    status = run_transfer(&t);
    if (sim_plots_wanted(&o.plots) && sim_plots_finish(&o.plots, "synack sim") != EXIT_OK)
        status = EXIT_FAILED;
    if (sim_ladder_finish(&o.ladder, "synack sim") != EXIT_OK)
        status = EXIT_FAILED;
    if (sim_net_close(&t.net, "synack sim") != EXIT_OK)
        status = EXIT_FAILED;
    free_flows(&t);
    return status;
}

const struct command cmd_sim = {
    .name = "sim",
    .summary = "send N bytes over a simulated, impaired link and verify them",
    .usage = usage,
    .run = sim_main,
};
