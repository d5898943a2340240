/*
 * cmd_sim.c — `synack sim`: one bulk transfer over a simulated, impaired
 * link, checked byte for byte.
 *
 * A client (198.18.0.1) connects to a server (198.18.0.2:5001) and sends N
 * bytes of a pseudo-random stream derived from the seed; the server reads
 * everything, regenerates the stream and compares every byte.  The link has
 * the same parameters in both directions (delay, rate, MTU, loss,
 * duplication, reordering, corruption), and the simulator's seed is the
 * same seed, so a run is reproducible bit for bit.
 *
 *     client: connect; send while the buffer takes data (drain WRITABLE,
 *             send until EAGAIN); after the last byte shutdown(SHUT_WR);
 *             read until end of stream; close.
 *     server: accept; read and verify until end of stream; close.
 *
 * The run stops when both applications are done, when either sees an
 * error, or at a virtual-time limit generous enough for any sane setting
 * (an hour plus time in proportion to N).
 *
 * "Verified" means the server read exactly N bytes, all matching, then end
 * of stream, and neither side saw an error.  The exit status is 0 when
 * verified and 1 when not.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "synack/synack.h"

#include "args.h"
#include "commands.h"
#include "json.h"

/* 198.18.0.0/15 is set aside for benchmarking (RFC 2544; RFC 6890 §2.2.2). */
#define CLIENT_ADDR synack_addr_v4(198, 18, 0, 1)
#define SERVER_ADDR synack_addr_v4(198, 18, 0, 2)
#define SERVER_PORT 5001
#define CHUNK_BYTES 65536               /* the applications' read and write size */
#define LIMIT_BASE_US 3600000000ull     /* an hour of virtual time ... */
#define LIMIT_PER_BYTE_US 100ull        /* ... plus 100 us a byte (10 kB/s at worst) */
#define MAX_BYTES 1000000000000ull      /* 1 TB: far beyond what anyone will wait for */
#define MAX_DELAY_MS 60000.0            /* one minute one way */
#define MAX_RATE_MBIT 1000000.0         /* 1 Tbit/s */

struct sim_options {
    bool have_bytes;
    uint64_t bytes;
    double delay_ms, rate_mbit;
    double loss, dup, reorder, corrupt;
    uint64_t mtu, seed;
    const char *pcap_path;
    bool json;
};

/* A wall-clock progress bar on stderr, redrawn at most every 0.1 s. */
struct progress {
    bool enabled, drawn;
    unsigned events;                    /* the clock is read every 256 events */
    struct timespec start, last;
};

struct transfer {
    const struct sim_options *opt;
    struct synack_sim *sim;
    int client_host, server_host, link;
    struct synack_stack *client, *server;
    uint64_t stream_key;
    struct synack_pcap *pcap;
    bool pcap_failed;

    /* Client.  stage[] holds the stream bytes [stage_off, stage_off + stage_len). */
    int client_sock;
    uint64_t sent;
    bool shut_wr, client_done;
    int client_error;                   /* first error, negative; 0 if none */
    uint64_t unexpected_bytes;          /* data the server should never have sent */
    bool have_info;
    struct synack_tcp_info client_info; /* taken just before the client closes */
    uint8_t stage[CHUNK_BYTES];
    uint64_t stage_off;
    size_t stage_len;

    /* Server. */
    int listen_sock, server_sock;
    uint64_t received, mismatched, first_bad;
    bool server_eof, server_done;
    int server_error;
    synack_time_us eof_at;
    uint8_t rbuf[CHUNK_BYTES];          /* read scratch, for both applications */
    uint8_t expect[CHUNK_BYTES];

    struct progress progress;
};

static const char usage[] =
    "usage: synack sim --bytes N [--delay MS] [--rate MBIT] [--loss P] [--dup P]\n"
    "                  [--reorder P] [--corrupt P] [--mtu N] [--seed S]\n"
    "                  [--pcap FILE] [--json]\n"
    "\n"
    "Sends N bytes of seeded pseudo-random data from a client to a server over a\n"
    "simulated link, then checks every byte.  The link parameters apply to both\n"
    "directions.\n"
    "\n"
    "Options:\n"
    "  --bytes N      bytes to send, 0 to 1000000000000 (required)\n"
    "  --delay MS     one-way delay in milliseconds, 0 to 60000; may be fractional\n"
    "                 (default 0)\n"
    "  --rate MBIT    link rate in Mbit/s, may be fractional; 0 = unlimited (default)\n"
    "  --loss P       probability a packet is lost, 0 to 1 (default 0)\n"
    "  --dup P        probability a packet is delivered twice, 0 to 1 (default 0)\n"
    "  --reorder P    probability a packet is held back and overtaken, 0 to 1\n"
    "  --corrupt P    probability one bit of a packet is flipped, 0 to 1\n"
    "  --mtu N        link and interface MTU, 576 to 65535 (default 1500)\n"
    "  --seed S       seed of the data and of every impairment (default 1)\n"
    "  --pcap FILE    write every packet, as sent (before the link impairs it), to\n"
    "                 FILE; timestamps are virtual time\n"
    "  --json         print one JSON object instead of the summary\n"
    "\n"
    "Segments sent counts every TCP segment both hosts put on the link: data,\n"
    "ACKs, SYNs, FINs and retransmissions.  Retransmissions are the client's.\n"
    "\n"
    "Exit status: 0 when the data arrived intact, 1 when it did not, 2 for a bad\n"
    "command line.\n";

/* ---- The data stream ------------------------------------------------------
 *
 * Byte i of the stream is byte (i mod 8) of the 64-bit word number i / 8,
 * and word k is the splitmix64 finalizer applied to key + (k + 1) * gamma:
 * the k-th output of a splitmix64 generator started at `key`.  Any stretch
 * can be generated on its own, so sender and receiver need no shared state
 * beyond the key.
 */

#define SPLITMIX_GAMMA 0x9e3779b97f4a7c15ull

static uint64_t splitmix64_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t stream_key(uint64_t seed)
{
    /* Kept apart from the simulator's own use of the seed. */
    return splitmix64_mix(seed ^ 0x73796e61636b2121ull); /* "synack!!" */
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
 * short runs (under half a second) never show it. */
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
    done = t->opt->bytes ? (double)t->received / (double)t->opt->bytes : 1.0;
    if (done > 1.0)
        done = 1.0;
    filled = (int)(done * width);
    fprintf(stderr, "\r  [%.*s%*s] %3d%%  %llu of %llu bytes, %.1f s virtual", filled,
            "##############################", width - filled, "", (int)(done * 100),
            (unsigned long long)t->received, (unsigned long long)t->opt->bytes,
            (double)synack_sim_now(t->sim) / 1e6);
}

static void progress_finish(struct progress *p)
{
    if (p->drawn)
        fputs("\r\033[K", stderr);
}

/* ---- The client ---------------------------------------------------------- */

static void client_fail(struct transfer *t, int err)
{
    if (t->client_error == 0)
        t->client_error = err < 0 ? err : -err;
    if (t->client_sock >= 0)
        synack_close(t->client, t->client_sock);
    t->client_sock = -1;
    t->client_done = true;
}

static void client_start(struct synack_sim *sim, void *ctx)
{
    struct transfer *t = ctx;
    struct synack_endpoint remote = synack_endpoint_make(SERVER_ADDR, SERVER_PORT);
    int rc;

    (void)sim;
    t->client_sock = synack_socket(t->client);
    if (t->client_sock < 0) {
        client_fail(t, t->client_sock);
        return;
    }
    rc = synack_connect(t->client, t->client_sock, &remote);
    if (rc < 0 && rc != -SYNACK_EINPROGRESS)
        client_fail(t, rc);
}

/* Sends as much of the stream as the send buffer takes; after the last
 * byte, shuts down the write side so that a FIN follows the data. */
static void client_pump(struct transfer *t)
{
    while (t->sent < t->opt->bytes) {
        size_t at;
        ssize_t n;

        if (t->sent == t->stage_off + t->stage_len) {
            uint64_t left = t->opt->bytes - t->sent;
            t->stage_off = t->sent;
            t->stage_len = left < CHUNK_BYTES ? (size_t)left : CHUNK_BYTES;
            stream_fill(t->stream_key, t->stage_off, t->stage, t->stage_len);
        }
        at = (size_t)(t->sent - t->stage_off);
        n = synack_send(t->client, t->client_sock, t->stage + at, t->stage_len - at);
        if (n == -SYNACK_EAGAIN)
            return;
        if (n < 0) {
            client_fail(t, (int)n);
            return;
        }
        t->sent += (uint64_t)n;
    }
    if (!t->shut_wr) {
        int rc = synack_shutdown(t->client, t->client_sock, SYNACK_SHUT_WR);
        t->shut_wr = true;
        if (rc < 0)
            client_fail(t, rc);
    }
}

/* The server sends nothing; the client reads only to see end of stream,
 * then closes. */
static void client_read(struct transfer *t)
{
    for (;;) {
        ssize_t n = synack_recv(t->client, t->client_sock, t->rbuf, sizeof t->rbuf);
        if (n == -SYNACK_EAGAIN)
            return;
        if (n < 0) {
            client_fail(t, (int)n);
            return;
        }
        if (n == 0)
            break;
        t->unexpected_bytes += (uint64_t)n;
    }
    t->have_info = synack_getinfo(t->client, t->client_sock, &t->client_info) >= 0;
    synack_close(t->client, t->client_sock);
    t->client_sock = -1;
    t->client_done = true;
}

static void client_app(struct synack_sim *sim, int host, void *ctx)
{
    struct transfer *t = ctx;
    struct synack_event ev;

    (void)sim;
    (void)host;
    while (synack_next_event(t->client, &ev)) {
        if (ev.sock != t->client_sock || t->client_sock < 0)
            continue;
        if (ev.ready & SYNACK_ERROR) {
            int err = synack_socket_error(t->client, ev.sock);
            if (err != 0) {
                client_fail(t, err);
                continue;
            }
        }
        if (ev.ready & SYNACK_CONNECTED)
            client_pump(t); /* on CONNECTED and on every WRITABLE after it */
        if (t->client_sock >= 0 && (ev.ready & SYNACK_READABLE))
            client_read(t);
    }
}

/* ---- The server ---------------------------------------------------------- */

static void server_fail(struct transfer *t, int err)
{
    if (t->server_error == 0)
        t->server_error = err < 0 ? err : -err;
    if (t->server_sock >= 0)
        synack_close(t->server, t->server_sock);
    t->server_sock = -1;
    t->server_done = true;
}

/* Compares n freshly read bytes with the stream at the current offset. */
static void verify(struct transfer *t, size_t n)
{
    stream_fill(t->stream_key, t->received, t->expect, n);
    if (memcmp(t->rbuf, t->expect, n) != 0) {
        for (size_t i = 0; i < n; i++) {
            if (t->rbuf[i] == t->expect[i])
                continue;
            if (t->mismatched++ == 0)
                t->first_bad = t->received + i;
        }
    }
    t->received += n;
}

static void server_read(struct transfer *t)
{
    for (;;) {
        ssize_t n = synack_recv(t->server, t->server_sock, t->rbuf, sizeof t->rbuf);
        if (n == -SYNACK_EAGAIN)
            return;
        if (n < 0) {
            server_fail(t, (int)n);
            return;
        }
        if (n == 0)
            break;
        verify(t, (size_t)n);
    }
    t->server_eof = true;
    t->eof_at = synack_sim_now(t->sim);
    synack_close(t->server, t->server_sock);
    t->server_sock = -1;
    t->server_done = true;
}

static void server_accept(struct transfer *t)
{
    int sock = synack_accept(t->server, t->listen_sock, NULL);

    if (sock == -SYNACK_EAGAIN)
        return;
    if (sock < 0) {
        server_fail(t, sock);
        return;
    }
    if (t->server_sock >= 0 || t->server_done) {
        synack_abort(t->server, sock); /* one transfer per run */
        return;
    }
    t->server_sock = sock;
    server_read(t);
}

static void server_app(struct synack_sim *sim, int host, void *ctx)
{
    struct transfer *t = ctx;
    struct synack_event ev;

    (void)sim;
    (void)host;
    while (synack_next_event(t->server, &ev)) {
        if (ev.sock == t->listen_sock) {
            if (ev.ready & SYNACK_READABLE)
                server_accept(t);
            continue;
        }
        if (ev.sock != t->server_sock || t->server_sock < 0)
            continue;
        if (ev.ready & SYNACK_ERROR) {
            int err = synack_socket_error(t->server, ev.sock);
            if (err != 0) {
                server_fail(t, err);
                continue;
            }
        }
        if (ev.ready & SYNACK_READABLE)
            server_read(t);
    }
}

static int start_server(struct transfer *t)
{
    struct synack_endpoint any;
    int rc;

    memset(&any, 0, sizeof any);
    any.port = SERVER_PORT;
    t->listen_sock = synack_socket(t->server);
    if (t->listen_sock < 0)
        return t->listen_sock;
    rc = synack_bind(t->server, t->listen_sock, &any);
    if (rc >= 0)
        rc = synack_listen(t->server, t->listen_sock, 4);
    return rc < 0 ? rc : 0;
}

/* ---- Building and running the network ------------------------------------ */

static void link_params_from(const struct sim_options *o, struct synack_link_params *p)
{
    memset(p, 0, sizeof *p);
    p->delay_us = (synack_time_us)llround(o->delay_ms * 1000.0);
    p->rate_bps = (uint64_t)llround(o->rate_mbit * 1e6);
    p->mtu = (uint32_t)o->mtu;
    p->loss = o->loss;
    p->dup = o->dup;
    p->reorder = o->reorder;
    p->corrupt = o->corrupt;
}

static void on_tap(void *ctx, int from_host, synack_time_us now, const uint8_t *packet, size_t len)
{
    struct transfer *t = ctx;

    (void)from_host;
    if (synack_pcap_write(t->pcap, now, packet, len) < 0)
        t->pcap_failed = true;
}

static int add_host(struct transfer *t, const char *name, struct synack_addr addr)
{
    struct synack_config cfg;

    synack_config_default(&cfg);
    cfg.name = name;
    return synack_sim_add_host(t->sim, name, &cfg, addr, (uint32_t)t->opt->mtu);
}

static int build_network(struct transfer *t)
{
    struct synack_link_params link;

    t->sim = synack_sim_new(t->opt->seed);
    if (t->sim == NULL)
        return -SYNACK_ENOMEM;
    t->client_host = add_host(t, "client", CLIENT_ADDR);
    if (t->client_host < 0)
        return t->client_host;
    t->server_host = add_host(t, "server", SERVER_ADDR);
    if (t->server_host < 0)
        return t->server_host;
    link_params_from(t->opt, &link);
    t->link = synack_sim_link(t->sim, t->client_host, t->server_host, &link, &link);
    if (t->link < 0)
        return t->link;
    t->client = synack_sim_stack(t->sim, t->client_host);
    t->server = synack_sim_stack(t->sim, t->server_host);
    synack_sim_set_app(t->sim, t->client_host, client_app, t);
    synack_sim_set_app(t->sim, t->server_host, server_app, t);
    if (t->pcap != NULL)
        synack_sim_set_tap(t->sim, on_tap, t);
    return 0;
}

/* Both applications are done, or one of them failed. */
static bool transfer_over(const struct transfer *t)
{
    if (t->client_error != 0 || t->server_error != 0)
        return true;
    return t->client_done && t->server_done;
}

static bool keep_going(void *ctx)
{
    struct transfer *t = ctx;

    progress_tick(t);
    return !transfer_over(t);
}

/* An hour, plus time in proportion to N, plus twice the serialization
 * time at the configured rate. */
static synack_time_us time_limit(const struct sim_options *o)
{
    double limit = (double)LIMIT_BASE_US + (double)o->bytes * (double)LIMIT_PER_BYTE_US;

    if (o->rate_mbit > 0)
        limit += 2.0 * (double)o->bytes * 8.0 / o->rate_mbit;
    return limit >= 1.8e19 ? SYNACK_TIME_NEVER - 1 : (synack_time_us)limit;
}

/* ---- Results ------------------------------------------------------------- */

struct results {
    bool verified, completed;
    bool timed_out;                     /* stopped at the virtual-time limit */
    bool stalled;                       /* stopped because nothing was left to run */
    double virtual_seconds, goodput_mbps;
    uint64_t segments_sent, retransmissions, server_retransmissions;
    uint64_t rto_expiries, fast_retransmits, checksum_drops;
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

static void gather_results(const struct transfer *t, bool over, struct results *r)
{
    const struct synack_stats *c = synack_stack_stats(t->client);
    const struct synack_stats *s = synack_stack_stats(t->server);

    memset(r, 0, sizeof *r);
    r->verified = t->received == t->opt->bytes && t->mismatched == 0 && t->server_eof &&
                  t->client_error == 0 && t->server_error == 0;
    r->completed = t->client_done && t->server_done;
    r->timed_out = !over && synack_sim_now(t->sim) >= time_limit(t->opt);
    r->stalled = !over && !r->timed_out;
    r->virtual_seconds = (double)(t->server_eof ? t->eof_at : synack_sim_now(t->sim)) / 1e6;
    if (r->virtual_seconds > 0)
        r->goodput_mbps = (double)t->received * 8.0 / r->virtual_seconds / 1e6;
    r->segments_sent =
        c->tcp_out_segs + c->tcp_retrans_segs + s->tcp_out_segs + s->tcp_retrans_segs;
    r->retransmissions = c->tcp_retrans_segs;
    r->server_retransmissions = s->tcp_retrans_segs;
    r->rto_expiries = c->tcp_timeouts;
    r->fast_retransmits = c->tcp_fast_retrans;
    r->checksum_drops = checksum_drops(c) + checksum_drops(s);
    add_link_stats(&r->link, synack_sim_link_stats(t->sim, t->link, t->client_host));
    add_link_stats(&r->link, synack_sim_link_stats(t->sim, t->link, t->server_host));
}

static void print_json(const struct transfer *t, const struct results *r)
{
    const struct sim_options *o = t->opt;
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
    json_double(&j, "loss", o->loss);
    json_double(&j, "dup", o->dup);
    json_double(&j, "reorder", o->reorder);
    json_double(&j, "corrupt", o->corrupt);
    json_u64(&j, "bytes_received", t->received);
    json_u64(&j, "bytes_mismatched", t->mismatched);
    if (t->mismatched)
        json_u64(&j, "first_mismatch_offset", t->first_bad);
    else
        json_null(&j, "first_mismatch_offset");
    json_bool(&j, "eof", t->server_eof);
    json_u64(&j, "unexpected_bytes", t->unexpected_bytes);
    json_bool(&j, "completed", r->completed);
    json_bool(&j, "timed_out", r->timed_out);
    json_bool(&j, "stalled", r->stalled);
    json_string(&j, "client_error", t->client_error ? synack_errname(t->client_error) : NULL);
    json_string(&j, "server_error", t->server_error ? synack_errname(t->server_error) : NULL);
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
    if (t->have_info) {
        json_double(&j, "srtt_ms", t->client_info.srtt_us / 1e3);
        json_u64(&j, "data_segments", t->client_info.data_segs_out);
    }
    json_end(&j);
}

static void print_error_line(const char *who, int err)
{
    if (err != 0)
        printf("  %-16s %s (%s)\n", who, synack_errname(err), synack_strerror(err));
}

static void print_summary(const struct transfer *t, const struct results *r)
{
    const struct sim_options *o = t->opt;
    char rate[32] = "unlimited";

    if (o->rate_mbit > 0)
        snprintf(rate, sizeof rate, "%g Mbit/s", o->rate_mbit);
    printf("synack sim: %llu bytes from client 198.18.0.1 to server 198.18.0.2, seed %llu\n",
           (unsigned long long)o->bytes, (unsigned long long)o->seed);
    printf("  %-16s delay %g ms, rate %s, MTU %llu, loss %g, dup %g, reorder %g, corrupt %g"
           " (each direction)\n",
           "link", o->delay_ms, rate, (unsigned long long)o->mtu, o->loss, o->dup, o->reorder,
           o->corrupt);
    printf("  %-16s %llu of %llu bytes%s%s\n", "delivered", (unsigned long long)t->received,
           (unsigned long long)o->bytes, t->mismatched ? ", some corrupted" : "",
           t->server_eof ? ", then end of stream" : ", no end of stream");
    if (t->unexpected_bytes)
        printf("  %-16s the client read %llu bytes the server never sent\n", "unexpected",
               (unsigned long long)t->unexpected_bytes);
    if (t->mismatched)
        printf("  %-16s %llu bytes differ, the first at offset %llu\n", "mismatches",
               (unsigned long long)t->mismatched, (unsigned long long)t->first_bad);
    printf("  %-16s %.6f s%s\n", "virtual time", r->virtual_seconds,
           t->server_eof ? " (until the server read end of stream)" : " (the run stopped)");
    printf("  %-16s %.3f Mbit/s\n", "goodput", r->goodput_mbps);
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
    print_error_line("client error", t->client_error);
    print_error_line("server error", t->server_error);
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
        } else if (args_is(&a, "--seed")) {
            ok = args_u64(&a, 0, UINT64_MAX, &o->seed);
        } else if (args_is(&a, "--pcap")) {
            ok = args_string(&a, &o->pcap_path);
        } else if (args_is(&a, "--json")) {
            ok = args_switch(&a);
            o->json = true;
        } else {
            return args_unknown(&a);
        }
    }
    if (!ok)
        return EXIT_USAGE;
    if (!o->have_bytes)
        return args_missing(&a, "--bytes",
                            "how many bytes to send (an integer from 0 to 1000000000000)");
    return EXIT_OK;
}

static int run_transfer(struct transfer *t)
{
    int rc = build_network(t);
    bool over;
    struct results r;

    if (rc >= 0)
        rc = start_server(t);
    if (rc >= 0)
        rc = synack_sim_at(t->sim, 0, t->client_host, client_start, t);
    if (rc < 0) {
        fprintf(stderr, "synack sim: setting up the simulation failed: %s\n", synack_strerror(rc));
        return EXIT_FAILED;
    }
    progress_init(&t->progress, !t->opt->json);
    synack_sim_run_while(t->sim, time_limit(t->opt), keep_going, t);
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
    struct sim_options o = {.mtu = 1500, .seed = 1};
    int status = parse_sim_args(&o, argc, argv);

    if (status != EXIT_OK)
        return status == ARGS_DONE ? EXIT_OK : status;
    memset(&t, 0, sizeof t);
    t.opt = &o;
    t.stream_key = stream_key(o.seed);
    t.client_sock = t.listen_sock = t.server_sock = -1;
    if (o.pcap_path != NULL) {
        t.pcap = synack_pcap_open(o.pcap_path);
        if (t.pcap == NULL) {
            fprintf(stderr, "synack sim: cannot create %s: %s\n", o.pcap_path, strerror(errno));
            return EXIT_FAILED;
        }
    }
    status = run_transfer(&t);
    if (t.pcap != NULL && (synack_pcap_close(t.pcap) < 0 || t.pcap_failed)) {
        fprintf(stderr, "synack sim: writing %s failed\n", o.pcap_path);
        status = EXIT_FAILED;
    }
    if (t.sim != NULL)
        synack_sim_free(t.sim);
    return status;
}

const struct command cmd_sim = {
    .name = "sim",
    .summary = "send N bytes over a simulated, impaired link and verify them",
    .usage = usage,
    .run = sim_main,
};
