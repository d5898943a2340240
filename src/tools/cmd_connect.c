/*
 * cmd_connect.c — `synack connect`: a netcat-like TCP client on the
 * user-space stack, reached through a TUN or TAP device.
 *
 *     synack connect --tun syn0 --addr 198.18.0.2/24 198.18.0.1 7
 *     synack connect --tap tap0 --addr fd00:5ac::2/64 '[fd00:5ac::1]:7'
 *
 * Two ways to run:
 *
 *   stdin mode (the default): standard input goes to the connection and the
 *     connection to standard output.  At end of input the sending side is
 *     shut down (FIN); received data is still written until the peer
 *     closes, and then the program exits.
 *
 *   pattern mode (--send-bytes N and/or --expect-bytes M): N bytes of the
 *     test stream of pattern.h are sent, then FIN; everything the peer
 *     sends is read (and with --verify compared with the same stream from
 *     byte 0) until the peer closes.  A summary line (and with --json a
 *     JSON object on stdout) gives the bytes each way, the wall-clock time
 *     and the rates.
 *
 * The call chain: runtime handler -> on_event -> (first CONNECTED) start
 * sending; READABLE -> receive; WRITABLE -> send more.  Standard input is
 * watched with synack_runtime_watch_fd when epoll can watch it (pipes,
 * terminals, sockets); a regular file (or /dev/null), which epoll refuses,
 * is read directly whenever the send buffer has room.  Either way each
 * read() follows readiness, so none blocks for long.  While read bytes wait
 * for send-buffer space, standard input is not watched, so that a
 * level-triggered EPOLLIN does not spin the loop.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "synack/synack.h"

#include "args.h"
#include "commands.h"
#include "json.h"
#include "pattern.h"
#include "tun_args.h"

#define STAGE_BYTES 65536              /* one read of standard input */
#define READ_BYTES 65536               /* one recv */
#define MAX_BYTES 1000000000000ull     /* 1 TB: far beyond what anyone will wait for */
#define MAX_WAIT_MS 600000u            /* ten minutes */
#define NO_MISMATCH UINT64_MAX
#define LINK_POLL_US 5000u             /* how often the device's state is read while waiting */
#define LINK_WAIT_MAX_US 2000000u      /* then the SYN goes anyway: retransmission covers the rest */
#define ADDR_WAIT_MAX_US 10000000u     /* an IPv6 address under duplicate address detection: how long to wait */

struct connect_options {
    struct link_opts link;
    const char *host_text;
    struct synack_endpoint remote;
    int positional;                    /* HOST and PORT seen so far */
    bool have_send, have_expect;
    uint64_t send_bytes, expect_bytes;
    bool verify, json;
    uint64_t wait_ms;
    const char *pcap_path;
    int plpmtud;                       /* enum synack_plpmtud, -1: the stack's default */
};

struct client {
    const struct connect_options *opt;
    struct synack_runtime *rt;
    struct synack_stack *stack;
    int sock;
    bool pattern_mode;
    bool connected, peer_eof, shut_wr, finished;
    int error;                         /* the connection's error (negative); 0 if none */
    synack_time_us start_us, end_us;   /* established; peer's end of stream (or failure) */
    synack_time_us link_wait_until;    /* connect_when_link_runs gives up waiting then */
    synack_time_us addr_wait_until;    /* start_connect stops retrying then */
    bool link_waited;                  /* the link was seen not running */
    struct synack_tcp_info info;       /* the connection at the end (have_info) */
    bool have_info;

    /* stdin mode: stage[stage_off, stage_len) was read, not yet sent. */
    bool stdin_pollable, stdin_watched, stdin_eof, stdout_closed;
    size_t stage_off, stage_len;
    uint8_t stage[STAGE_BYTES];

    /* pattern mode */
    uint64_t sent, received;
    uint64_t first_mismatch;           /* stream offset of the first wrong byte */
    uint8_t rbuf[READ_BYTES];
};

static const char usage[] =
    "usage: synack connect (--tun NAME | --tap NAME [--mac MAC]) --addr ADDR/PREFIX\n"
    "                      [--addr ADDR/PREFIX] [--wait-ms N] [--send-bytes N]\n"
    "                      [--expect-bytes M] [--verify] [--json] [--pcap FILE]\n"
    "                      [--plpmtud MODE] (HOST PORT | HOST:PORT | [IPV6]:PORT)\n"
    "\n"
    "Connects to HOST:PORT (an IPv4 or IPv6 address) from the user-space stack,\n"
    "reached through the TUN or TAP device NAME (created if it does not exist),\n"
    "from its --addr of HOST's family.  The kernel's side of the device is yours\n"
    "to configure: the first SYN waits (up to 2 s) until the device runs, and SYN\n"
    "retransmission covers any time beyond that.  On a TAP link an IPv6 address\n"
    "is first checked for duplicates (about a second; the connection waits).\n"
    "\n"
    "Without --send-bytes or --expect-bytes, copies standard input to the\n"
    "connection and the connection to standard output, like netcat; at end of\n"
    "input sends FIN, and exits when the peer closes.\n"
    "\n"
    "Options:\n"
    LINK_USAGE
    "  --wait-ms N       wait N ms, 0 to 600000, before connecting (and before\n"
    "                    the wait for the device; default 0)\n"
    "  --send-bytes N    instead of standard input, send N bytes (0 to 10^12) of the\n"
    "                    test pattern below, then FIN; read until the peer closes\n"
    "  --expect-bytes M  the peer is to send M bytes (0 to 10^12) of the pattern\n"
    "                    (default with --send-bytes: N, as an echo server would);\n"
    "                    alone, sends nothing but FIN\n"
    "  --verify          check that exactly the expected bytes came back, equal to\n"
    "                    the pattern from its first byte; exit 1 if not\n"
    "  --json            print one JSON object on stdout: bytes_sent,\n"
    "                    bytes_received, seconds, send_mbps, recv_mbps, verified,\n"
    "                    expected_bytes, error (null or the error's name), and of\n"
    "                    the connection at its end: pmtu (the path MTU segments\n"
    "                    were cut to), mss, pmtu_probes, pmtu_black_holes,\n"
    "                    retransmissions\n"
    "  --pcap FILE       write every packet in and out to FILE\n"
    "  --plpmtud MODE    packetization-layer path MTU discovery (RFC 4821): off,\n"
    "                    blackhole (the default: probe after timeouts that look\n"
    "                    like a path MTU black hole) or always\n"
    "\n"
    "The test pattern: byte i is B[i mod 65521], where B is the first 65521 bytes\n"
    "of splitmix64 seeded with 1, each 64-bit output little-endian:\n"
    "  x += 0x9E3779B97F4A7C15; z = x;\n"
    "  z = (z ^ z >> 30) * 0xBF58476D1CE4E5B9; z = (z ^ z >> 27) * 0x94D049BB133111EB;\n"
    "  output z ^ z >> 31                        (all mod 2^64)\n"
    "B starts c1 5c 02 89 ec 2d 0a 91.  In Python:\n"
    "  def block():\n"
    "      m, x, out = (1 << 64) - 1, 1, bytearray()\n"
    "      while len(out) < 65521:\n"
    "          x = (x + 0x9E3779B97F4A7C15) & m\n"
    "          z = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & m\n"
    "          z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m\n"
    "          out += (z ^ (z >> 31)).to_bytes(8, \"little\")\n"
    "      return bytes(out[:65521])\n"
    "\n"
    "Seconds run from the connection's establishment to the peer's FIN; both\n"
    "rates (Mbit/s = 10^6 bit/s) use that time.\n"
    "\n"
    "Exit status: 0 when the peer closed normally (and, with --verify, the bytes\n"
    "were right); 1 on ECONNREFUSED, ECONNRESET, ETIMEDOUT or another failure, a\n"
    "failed verification, or a signal; 2 for a bad command line.\n";

/* ---- Ending --------------------------------------------------------------- */

/* The exchange is over (peer closed, failure, or stdout gone): close and
 * let the runtime finish the connection gracefully. */
static void finish(struct client *cl)
{
    if (cl->finished)
        return;
    cl->finished = true;
    cl->end_us = synack_runtime_now(cl->rt);
    if (cl->stdin_watched)
        synack_runtime_unwatch_fd(cl->rt, STDIN_FILENO);
    cl->stdin_watched = false;
    if (cl->sock >= 0) {
        cl->have_info = synack_getinfo(cl->stack, cl->sock, &cl->info) >= 0;
        synack_close(cl->stack, cl->sock);
    }
    cl->sock = -1;
    synack_runtime_stop(cl->rt);
}

static void fail(struct client *cl, int err)
{
    if (cl->error == 0)
        cl->error = err < 0 ? err : -err;
    finish(cl);
}

/* ---- stdin mode ----------------------------------------------------------- */

static void on_stdin(struct synack_runtime *rt, int fd, uint32_t events, void *ctx);

/* Writes all of buf to standard output, waiting if it is non-blocking. */
static bool write_stdout(const uint8_t *buf, size_t len)
{
    while (len) {
        ssize_t n = write(STDOUT_FILENO, buf, len);
        if (n < 0 && errno == EAGAIN) {
            struct pollfd p = {.fd = STDOUT_FILENO, .events = POLLOUT};
            poll(&p, 1, -1);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return false;
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

/* One read of standard input into the (empty) stage. */
static void read_stdin(struct client *cl)
{
    ssize_t n = read(STDIN_FILENO, cl->stage, sizeof cl->stage);

    if (n > 0) {
        cl->stage_off = 0;
        cl->stage_len = (size_t)n;
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        if (n < 0)
            fprintf(stderr, "synack connect: reading standard input: %s\n", strerror(errno));
        cl->stdin_eof = true;
    }
}

static void watch_stdin(struct client *cl, bool want)
{
    int rc;

    if (want == cl->stdin_watched || !cl->stdin_pollable)
        return;
    if (!want) {
        synack_runtime_unwatch_fd(cl->rt, STDIN_FILENO);
        cl->stdin_watched = false;
        return;
    }
    rc = synack_runtime_watch_fd(cl->rt, STDIN_FILENO, EPOLLIN, on_stdin, cl);
    if (rc == -SYNACK_EPERM) {
        cl->stdin_pollable = false;    /* a regular file: read it directly */
    } else if (rc < 0) {
        fprintf(stderr, "synack connect: cannot watch standard input: %s\n", synack_strerror(rc));
        cl->stdin_eof = true;
    } else {
        cl->stdin_watched = true;
    }
}

/* Sends the stage.  Returns true when it is empty; false when the send
 * buffer is full (WRITABLE will call again) or the connection failed. */
static bool flush_stage(struct client *cl)
{
    while (cl->stage_off < cl->stage_len) {
        ssize_t n = synack_send(cl->stack, cl->sock, cl->stage + cl->stage_off, cl->stage_len - cl->stage_off);
        if (n == -SYNACK_EAGAIN) {
            watch_stdin(cl, false);
            return false;
        }
        if (n < 0) {
            fail(cl, (int)n);
            return false;
        }
        cl->stage_off += (size_t)n;
    }
    cl->stage_off = cl->stage_len = 0;
    return true;
}

static void shut_write(struct client *cl)
{
    int rc;

    if (cl->shut_wr)
        return;
    cl->shut_wr = true;
    rc = synack_shutdown(cl->stack, cl->sock, SYNACK_SHUT_WR);
    if (rc < 0)
        fail(cl, rc);
}

/* Moves standard input to the connection as far as it can now. */
static void pump_stdin(struct client *cl)
{
    while (!cl->finished && !cl->shut_wr) {
        if (!flush_stage(cl))
            return;
        if (cl->stdin_eof) {
            watch_stdin(cl, false);
            shut_write(cl);
            return;
        }
        watch_stdin(cl, true);
        if (cl->stdin_watched)
            return;                    /* on_stdin reads when there is input */
        if (!cl->stdin_eof)
            read_stdin(cl);            /* a regular file: read it now */
    }
}

static void on_stdin(struct synack_runtime *rt, int fd, uint32_t events, void *ctx)
{
    struct client *cl = ctx;

    (void)rt;
    (void)fd;
    (void)events;
    if (cl->finished || cl->stage_len) {
        watch_stdin(cl, false);
        return;
    }
    read_stdin(cl);
    pump_stdin(cl);
}

static void receive_to_stdout(struct client *cl, const uint8_t *buf, size_t len)
{
    if (cl->stdout_closed)
        return;
    if (!write_stdout(buf, len)) {
        cl->stdout_closed = true;      /* e.g. "| head": nobody reads any more */
        finish(cl);
    }
}

/* ---- pattern mode --------------------------------------------------------- */

static void pump_pattern(struct client *cl)
{
    uint64_t total = cl->opt->send_bytes;

    while (!cl->finished && cl->sent < total) {
        size_t run;
        const uint8_t *p = pattern_at(cl->sent, &run);
        ssize_t n;
        if (run > total - cl->sent)
            run = (size_t)(total - cl->sent);
        n = synack_send(cl->stack, cl->sock, p, run);
        if (n == -SYNACK_EAGAIN)
            return;
        if (n < 0) {
            fail(cl, (int)n);
            return;
        }
        cl->sent += (uint64_t)n;
    }
    if (!cl->finished)
        shut_write(cl);
}

static void receive_pattern(struct client *cl, const uint8_t *buf, size_t len)
{
    size_t good = pattern_compare(cl->received, buf, len);

    if (good < len && cl->first_mismatch == NO_MISMATCH)
        cl->first_mismatch = cl->received + good;
    cl->received += len;
}

/* ---- The connection ------------------------------------------------------- */

static void receive(struct client *cl)
{
    while (!cl->finished) {
        ssize_t n = synack_recv(cl->stack, cl->sock, cl->rbuf, sizeof cl->rbuf);
        if (n == -SYNACK_EAGAIN)
            return;
        if (n < 0) {
            fail(cl, (int)n);
            return;
        }
        if (n == 0) {
            cl->peer_eof = true;
            finish(cl);
            return;
        }
        if (cl->pattern_mode)
            receive_pattern(cl, cl->rbuf, (size_t)n);
        else
            receive_to_stdout(cl, cl->rbuf, (size_t)n);
    }
}

static void send_more(struct client *cl)
{
    if (cl->pattern_mode)
        pump_pattern(cl);
    else
        pump_stdin(cl);
}

static void on_event(struct synack_runtime *rt, const struct synack_event *ev, void *ctx)
{
    struct client *cl = ctx;

    if (cl->finished || ev->sock != cl->sock)
        return;
    if ((ev->ready & SYNACK_CONNECTED) && !cl->connected) {
        cl->connected = true;
        cl->start_us = synack_runtime_now(rt);
    }
    if (ev->ready & SYNACK_READABLE)
        receive(cl);                   /* data first; then end of stream or the error */
    else if (ev->ready & SYNACK_ERROR)
        fail(cl, synack_socket_error(cl->stack, cl->sock));
    if (!cl->finished && cl->connected && !cl->shut_wr)
        send_more(cl);
}

static void start_connect(struct synack_runtime *rt, void *ctx);

/* The link has an address of the remote's family (checked with the
 * command line), so a connect that finds none usable met an IPv6 address
 * still under duplicate address detection (RFC 4862 §5.4: tentative, not
 * to be used as a source): try again a little later, for a while. */
static bool retry_later(struct client *cl)
{
    synack_time_us now = synack_runtime_now(cl->rt);

    if (cl->addr_wait_until == 0)
        cl->addr_wait_until = now + ADDR_WAIT_MAX_US;
    if (now >= cl->addr_wait_until || synack_runtime_at(cl->rt, now + LINK_POLL_US, start_connect, cl) < 0)
        return false;
    synack_close(cl->stack, cl->sock);
    cl->sock = -1;
    return true;
}

static void start_connect(struct synack_runtime *rt, void *ctx)
{
    struct client *cl = ctx;
    int rc;

    (void)rt;
    cl->sock = synack_socket(cl->stack);
    if (cl->sock < 0) {
        rc = cl->sock;
        cl->sock = -1;
        fail(cl, rc);
        return;
    }
    if (cl->opt->plpmtud >= 0 &&
        (rc = synack_setsockopt(cl->stack, cl->sock, SYNACK_OPT_PLPMTUD, cl->opt->plpmtud)) < 0) {
        fail(cl, rc);
        return;
    }
    rc = synack_connect(cl->stack, cl->sock, &cl->opt->remote);
    if ((rc == -SYNACK_EADDRNOTAVAIL || rc == -SYNACK_ENETUNREACH) && retry_later(cl))
        return;
    if (rc < 0 && rc != -SYNACK_EINPROGRESS)
        fail(cl, rc);
}

/* Whether the kernel can send on the device: its operstate (RFC 2863) is
 * "up" or "unknown".  Until then it drops what it would send us, SYN-ACKs
 * included.  A state that cannot be read counts as running. */
static bool link_running(const char *name)
{
    char path[64], state[32] = "";
    FILE *f;

    snprintf(path, sizeof path, "/sys/class/net/%s/operstate", name);
    f = fopen(path, "r");
    if (f == NULL)
        return true;
    if (fgets(state, sizeof state, f) == NULL)
        state[0] = '\0';
    fclose(f);
    return strncmp(state, "up", 2) == 0 || strncmp(state, "unknown", 7) == 0 || state[0] == '\0';
}

/* Sends the first SYN once the link runs, or after LINK_WAIT_MAX_US.  The
 * kernel turns a TUN device's carrier on when a process attaches, but
 * starts sending on it only a moment later (the link watcher activates its
 * queue); before the caller has configured the device it does not send at
 * all.  A SYN sent meanwhile is answered into the void and costs a 1 s
 * retransmission timeout: waiting here saves that second. */
static void connect_when_link_runs(struct synack_runtime *rt, void *ctx)
{
    struct client *cl = ctx;
    synack_time_us now = synack_runtime_now(rt);
    bool running = link_running(cl->opt->link.dev);

    if (cl->link_wait_until == 0)
        cl->link_wait_until = now + LINK_WAIT_MAX_US;
    if (now >= cl->link_wait_until || (running && !cl->link_waited)) {
        start_connect(rt, cl);
        return;
    }
    cl->link_waited = true;
    /* Once it has just come up, one more interval: its queue starts a
     * moment after the state changes. */
    if (synack_runtime_at(rt, now + LINK_POLL_US, running ? start_connect : connect_when_link_runs, cl) < 0)
        start_connect(rt, cl);
}

/* ---- Results -------------------------------------------------------------- */

static uint64_t expected_bytes(const struct connect_options *o)
{
    return o->have_expect ? o->expect_bytes : o->send_bytes;
}

static bool verified(const struct client *cl)
{
    const struct connect_options *o = cl->opt;

    return o->verify && cl->error == 0 && cl->peer_eof && cl->sent == o->send_bytes &&
           cl->received == expected_bytes(o) && cl->first_mismatch == NO_MISMATCH;
}

static double elapsed_s(const struct client *cl)
{
    if (!cl->connected || cl->end_us < cl->start_us)
        return 0.0;
    return (double)(cl->end_us - cl->start_us) / 1e6;
}

static double mbit_per_s(uint64_t bytes, double seconds)
{
    return seconds > 0 ? (double)bytes * 8 / seconds / 1e6 : 0.0;
}

/* Why verification failed, for the summary line. */
static void describe_verdict(const struct client *cl, char *buf, size_t len)
{
    uint64_t expect = expected_bytes(cl->opt);

    if (!cl->opt->verify)
        snprintf(buf, len, "not checked");
    else if (verified(cl))
        snprintf(buf, len, "yes");
    else if (cl->first_mismatch != NO_MISMATCH)
        snprintf(buf, len, "no (first wrong byte at offset %" PRIu64 ")", cl->first_mismatch);
    else if (cl->received != expect)
        snprintf(buf, len, "no (expected %" PRIu64 " bytes)", expect);
    else
        snprintf(buf, len, "no (the transfer did not complete)");
}

static void print_summary(const struct client *cl)
{
    double s = elapsed_s(cl);
    char verdict[96];

    describe_verdict(cl, verdict, sizeof verdict);
    fprintf(stderr,
            "synack connect: sent %" PRIu64 " bytes, received %" PRIu64 " bytes in %.3f s: %.1f Mbit/s out, "
            "%.1f Mbit/s in; verified %s\n",
            cl->sent, cl->received, s, mbit_per_s(cl->sent, s), mbit_per_s(cl->received, s), verdict);
}

static void print_json(const struct client *cl)
{
    struct json j;
    double s = elapsed_s(cl);

    json_begin(&j, stdout);
    json_u64(&j, "bytes_sent", cl->sent);
    json_u64(&j, "bytes_received", cl->received);
    json_double(&j, "seconds", s);
    json_double(&j, "send_mbps", mbit_per_s(cl->sent, s));
    json_double(&j, "recv_mbps", mbit_per_s(cl->received, s));
    json_bool(&j, "verified", verified(cl));
    json_u64(&j, "expected_bytes", expected_bytes(cl->opt));
    json_string(&j, "error", cl->error ? synack_errname(cl->error) : NULL);
    json_u64(&j, "pmtu", cl->have_info ? cl->info.pmtu : 0);
    json_u64(&j, "mss", cl->have_info ? cl->info.snd_mss : 0);
    json_u64(&j, "pmtu_probes", cl->have_info ? cl->info.pmtu_probes : 0);
    json_u64(&j, "pmtu_black_holes", cl->have_info ? cl->info.pmtu_black_holes : 0);
    json_u64(&j, "retransmissions", cl->have_info ? cl->info.retrans_segs : 0);
    json_end(&j);
    fflush(stdout);
}

static void report_error(const struct client *cl)
{
    char where[SYNACK_ENDPOINT_STRLEN];

    synack_endpoint_format(&cl->opt->remote, where, sizeof where);
    fprintf(stderr, "synack connect: %s: %s (%s)\n", where, synack_strerror(cl->error),
            synack_errname(cl->error));
}

/* ---- Command line --------------------------------------------------------- */

/* HOST: an IPv4 or IPv6 address, the latter also in brackets; or the
 * whole endpoint, HOST:PORT or [IPV6]:PORT.  Returns how many of HOST and
 * PORT the text gave (0: neither). */
static int parse_host(struct connect_options *o, const char *text)
{
    char inner[64];
    size_t n = strlen(text);

    if (synack_addr_parse(text, &o->remote.addr) == 0)
        return 1;
    if (n > 2 && n < sizeof inner + 2 && text[0] == '[' && text[n - 1] == ']') {
        memcpy(inner, text + 1, n - 2);
        inner[n - 2] = '\0';
        if (synack_addr_parse(inner, &o->remote.addr) == 0 && o->remote.addr.family == SYNACK_AF_INET6)
            return 1;
    }
    if (synack_endpoint_parse(text, &o->remote) == 0 && o->remote.port != 0)
        return 2;
    return 0;
}

static bool parse_positional(struct connect_options *o, const struct args *a)
{
    const char *text = a->flag;
    char *end = NULL;
    unsigned long port;

    if (o->positional == 0) {
        int given = parse_host(o, text);
        o->host_text = text;
        if (given == 0) {
            fprintf(stderr,
                    "%s: HOST must be an IPv4 address A.B.C.D or an IPv6 address (e.g. fd00:5ac::1), or the "
                    "endpoint HOST:PORT or [IPV6]:PORT (got \"%s\")\n",
                    a->prog, text);
            return false;
        }
        o->positional += given - 1;
    } else if (o->positional == 1) {
        errno = 0;
        port = text[0] >= '0' && text[0] <= '9' ? strtoul(text, &end, 10) : 0;
        if (end == NULL || *end != '\0' || errno != 0 || port < 1 || port > 65535) {
            fprintf(stderr, "%s: PORT must be an integer from 1 to 65535 (got \"%s\")\n", a->prog, text);
            return false;
        }
        o->remote.port = (uint16_t)port;
    } else {
        args_unknown(a);
        return false;
    }
    o->positional++;
    return true;
}

static bool parse_option(struct connect_options *o, struct args *a)
{
    bool ok;

    if (a->flag[0] != '-' || a->flag[1] == '\0')
        return parse_positional(o, a);
    if (link_args_option(&o->link, a, &ok))
        return ok;
    if (args_is(a, "--wait-ms"))
        return args_u64(a, 0, MAX_WAIT_MS, &o->wait_ms);
    if (args_is(a, "--send-bytes")) {
        o->have_send = true;
        return args_u64(a, 0, MAX_BYTES, &o->send_bytes);
    }
    if (args_is(a, "--expect-bytes")) {
        o->have_expect = true;
        return args_u64(a, 0, MAX_BYTES, &o->expect_bytes);
    }
    if (args_is(a, "--verify")) {
        o->verify = true;
        return args_switch(a);
    }
    if (args_is(a, "--json")) {
        o->json = true;
        return args_switch(a);
    }
    if (args_is(a, "--pcap"))
        return args_string(a, &o->pcap_path);
    if (args_is(a, "--plpmtud"))
        return args_plpmtud(a, &o->plpmtud);
    args_unknown(a);
    return false;
}

static int check_combination(const struct connect_options *o, const struct args *a)
{
    if (link_args_check(&o->link, a) != EXIT_OK)
        return EXIT_USAGE;
    if (o->positional < 2)
        return args_missing(a, o->positional ? "PORT" : "HOST and PORT", "where to connect, e.g. 198.18.0.1 7");
    if (!link_has_family(&o->link, o->remote.addr.family)) {
        fprintf(stderr, "%s: HOST %s is IPv%d but no --addr is\n", a->prog, o->host_text, o->remote.addr.family);
        return EXIT_USAGE;
    }
    if ((o->verify || o->json) && !o->have_send && !o->have_expect) {
        fprintf(stderr, "%s: %s needs --send-bytes or --expect-bytes (stdout carries the data otherwise)\n",
                a->prog, o->verify ? "--verify" : "--json");
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static int parse_connect_args(struct connect_options *o, int argc, char **argv)
{
    struct args a;

    args_init(&a, "synack connect", argc, argv);
    while (args_next(&a)) {
        if (args_is_help(&a)) {
            command_print_usage(&cmd_connect);
            return ARGS_DONE;
        }
        if (!parse_option(o, &a))
            return EXIT_USAGE;
    }
    return check_combination(o, &a);
}

/* ---- Running -------------------------------------------------------------- */

static int set_up(struct client *cl)
{
    const struct connect_options *o = cl->opt;
    synack_time_us now = synack_runtime_now(cl->rt);
    int rc = link_open(cl->rt, &o->link, "synack connect");

    if (rc < 0)
        return rc;
    if (o->pcap_path != NULL && (rc = synack_runtime_capture(cl->rt, o->pcap_path)) < 0) {
        fprintf(stderr, "synack connect: cannot create %s\n", o->pcap_path);
        return rc;
    }
    synack_runtime_set_handler(cl->rt, on_event, cl);
    if (o->wait_ms == 0) {
        connect_when_link_runs(cl->rt, cl);
        return 0;
    }
    return synack_runtime_at(cl->rt, now + o->wait_ms * 1000u, connect_when_link_runs, cl);
}

static int outcome(struct client *cl)
{
    if (!cl->finished)
        cl->end_us = synack_runtime_now(cl->rt);   /* stopped by a signal: time until now */
    if (cl->pattern_mode && cl->opt->json)
        print_json(cl);
    if (cl->error != 0) {
        report_error(cl);
        return EXIT_FAILED;
    }
    if (cl->pattern_mode)
        print_summary(cl);
    if (!cl->finished) {
        fprintf(stderr, "synack connect: interrupted\n");
        return EXIT_FAILED;
    }
    return cl->opt->verify && !verified(cl) ? EXIT_FAILED : EXIT_OK;
}

static int run_client(const struct connect_options *o)
{
    static struct client cl;           /* large buffers: not on the stack */
    int rc;

    memset(&cl, 0, sizeof cl);
    cl.opt = o;
    cl.sock = -1;
    cl.pattern_mode = o->have_send || o->have_expect;
    cl.stdin_pollable = !cl.pattern_mode;
    cl.first_mismatch = NO_MISMATCH;
    cl.rt = synack_runtime_new(NULL);
    if (cl.rt == NULL) {
        fprintf(stderr, "synack connect: cannot start the runtime: %s\n", strerror(errno));
        return EXIT_FAILED;
    }
    cl.stack = synack_runtime_stack(cl.rt);
    signal(SIGPIPE, SIG_IGN);          /* a closed stdout shows up as EPIPE */
    rc = set_up(&cl);
    if (rc >= 0)
        rc = synack_runtime_run(cl.rt);
    if (rc >= 0)
        rc = outcome(&cl);
    else
        rc = EXIT_FAILED;
    synack_runtime_free(cl.rt);
    return rc;
}

static int connect_main(int argc, char **argv)
{
    struct connect_options o;
    int status;

    memset(&o, 0, sizeof o);
    o.remote.addr.family = SYNACK_AF_INET;
    o.plpmtud = -1;
    status = parse_connect_args(&o, argc, argv);
    if (status == ARGS_DONE)
        return EXIT_OK;
    if (status != EXIT_OK)
        return status;
    if (!pattern_self_check()) {
        fprintf(stderr, "synack connect: the test pattern is wrong (a build problem)\n");
        return EXIT_FAILED;
    }
    return run_client(&o);
}

const struct command cmd_connect = {
    .name = "connect",
    .summary = "a netcat-like client, or a pattern sender and checker, on a TUN or TAP device",
    .usage = usage,
    .run = connect_main,
};
