/*
 * cmd_demo.c — `synack demo`: the textbook TCP exchange, reproduced on the
 * simulator and printed segment by segment.
 *
 * Two hosts, "client" (198.18.0.1) and "server" (198.18.0.2), share an
 * ideal link with a 10 ms one-way delay; with --ipv6 they are fd00:5ac::1
 * and fd00:5ac::2, and with --ethernet they sit on a simulated switch and
 * resolve each other first (sim_net.h).  Initial sequence numbers are
 * forced (client 1000, server 8000) and the server announces MSS 1024, so
 * that the run matches the table every TCP course draws (see DESIGN.md,
 * "The canonical exchange"):
 *
 *     client                                    server (listening on :80)
 *     SYN 1000                          -->
 *                                       <--     SYN,ACK 8000 ack 1001
 *     ACK 1001 ack 8001                 -->
 *     20 bytes                          -->
 *                                       <--     10 bytes (piggybacks the ACK)
 *     ACK (delayed, 200 ms)             -->
 *     ... 1 s later: close, FIN         -->
 *                                       <--     ACK (delayed, 200 ms)
 *                                       <--     ... 1 s after EOF: FIN
 *     ACK; TIME_WAIT for 2*MSL          -->
 *
 * With --close three-way the server closes as soon as it reads end of
 * stream, so its delayed ACK and its FIN leave as one FIN,ACK.
 *
 * The applications are simulator callbacks: each drains its stack's ready
 * list (synack_next_event) and acts; the one-second "think times" are
 * simulator timers.  A trace hook on both stacks prints every segment once,
 * as it is sent, with the state changes of both sides interleaved; at the
 * end come the ladder diagram of the exchange (synack/ladder.h, built from
 * both stacks' traces, so every arrival time and state is exact), the
 * textbook table, each side's state sequence, and a check of the run
 * against the table (of TCP segments: neighbour discovery's ICMPv6 packets
 * are printed as they go, but are not in it).  --svg and --html write the
 * diagram to files too; the HTML page shows the plots of the exchange
 * beside it (page_plots.h).
 */
#include <stdio.h>
#include <string.h>

#include "synack/synack.h"

#include "args.h"
#include "commands.h"
#include "ladder_out.h"
#include "page_plots.h"
#include "sim_net.h"
#include "synack/ladder.h"
#include "synack/packet.h"

#define CLIENT 0
#define SERVER 1

#define CLIENT_ISN 1000u
#define SERVER_ISN 8000u
#define SERVER_MSS 1024
#define SERVER_PORT 80
#define CLIENT_PORT 49152
#define LINK_DELAY_US 10000u         /* one way */
#define THINK_US 1000000u            /* pause before closing: longer than a delayed ACK */
#define RUN_LIMIT_US 600000000u      /* far beyond TIME_WAIT; reached only if something is stuck */

/* Bounds on what the demo records.  The textbook run has 10 segments and
 * three connections (client, listener, accepted); anything beyond these
 * bounds is printed but not recorded, and fails the comparison. */
#define MAX_SEGMENTS 64
#define MAX_CONNS 4
#define MAX_STATES 16

/* Exactly 20 and 10 bytes, the sizes in the textbook table. */
static const char CLIENT_MESSAGE[] = "hello from client!\r\n";
static const char SERVER_REPLY[] = "welcome!\r\n";
#define CLIENT_MESSAGE_LEN (sizeof CLIENT_MESSAGE - 1)
#define SERVER_REPLY_LEN (sizeof SERVER_REPLY - 1)

enum close_variant { CLOSE_FOUR_WAY, CLOSE_THREE_WAY };
static const char *const close_names[] = {"four-way", "three-way", NULL};

/* The state sequence of one connection, as its trace events told it. */
struct conn_states {
    uint64_t id;
    bool listener;               /* it entered LISTEN: a listening socket */
    int states[MAX_STATES];
    int count;
};

struct demo;

/* What the demo knows about one host. */
struct side {
    struct demo *demo;
    const char *name;            /* "client" */
    const char *arrow;           /* "client → server" */
    uint32_t isn;
    int host;
    struct synack_stack *stack;
    struct conn_states conns[MAX_CONNS];
    int conn_count;
};

/* One segment as it was sent. */
struct sent_segment {
    int from;                    /* CLIENT or SERVER */
    bool parsed;
    struct synack_packet_info seg;
};

struct demo {
    struct sim_net_options net_opt;     /* --ipv6, --ethernet */
    struct sim_net net;
    struct synack_sim *sim;             /* net.sim */
    struct side side[2];
    enum close_variant variant;
    bool modern;                 /* --modern: today's options too (SACK, timestamps, window scale) */
    const char *pcap_path;
    const char *svg_path, *html_path;
    bool no_ladder;              /* --no-ladder: leave the terminal diagram out */
    struct synack_ladder_builder *ladder;
    struct page_plots plots;     /* --html: the plots beside the diagram */

    int listen_sock, server_sock, client_sock;
    bool client_sent, server_replied, server_eof;
    size_t client_got, server_got;
    char client_buf[64], server_buf[64];
    int app_errors;              /* problems the applications noticed */

    struct sent_segment segs[MAX_SEGMENTS];
    int seg_count;               /* may exceed MAX_SEGMENTS; only those fit are kept */
};

static const char usage[] =
    "usage: synack demo [--close four-way|three-way] [--modern] [--pcap FILE]\n"
    "                   [--svg FILE] [--html FILE] [--no-ladder]\n"
    "                   [--ipv6] [--ethernet]\n"
    "\n"
    "Reproduces the textbook TCP exchange on the simulator: a client\n"
    "(198.18.0.1, ISN 1000) connects to a server (198.18.0.2, port 80, ISN 8000,\n"
    "MSS 1024) over an ideal link with 10 ms one-way delay, sends 20 bytes,\n"
    "receives 10, and both sides close.  Prints every segment as it is sent,\n"
    "with each side's state changes, then the ladder diagram and the textbook\n"
    "table.\n"
    "\n"
    "Options:\n"
    "  --close four-way   the server closes 1 s after end of stream, so its ACK\n"
    "                     and its FIN are separate segments (default)\n"
    "  --close three-way  the server closes at once, so they merge into one FIN,ACK\n"
    "  --modern           let both ends offer SACK, timestamps and window scaling\n"
    "                     as they do by default (the textbook shows only the MSS)\n"
    "  --pcap FILE        also write every packet, once, as sent, to FILE\n"
    "                     (timestamps are virtual time)\n"
    "  --svg FILE         write the ladder diagram as an SVG image to FILE\n"
    "  --html FILE        write the ladder diagram as an HTML page to FILE, with the\n"
    "                     details of each segment on hover or click, and in tabs\n"
    "                     beside it each side's time-sequence graph, cwnd and RTT\n"
    "  --no-ladder        leave the ladder diagram out of the printed report\n"
    "  --ipv6             the same over IPv6: client fd00:5ac::1, server fd00:5ac::2\n"
    "  --ethernet         both hosts on a simulated Ethernet switch: ARP (or, with\n"
    "                     --ipv6, neighbour discovery) before the SYN; --pcap then\n"
    "                     writes Ethernet frames\n"
    "\n"
    "Exit status: 0 when the exchange completes and matches the table, 1 when it\n"
    "does not, 2 for a bad command line.\n";

/* ---- Output helpers ---------------------------------------------------- */

/* Display columns of UTF-8 text: every byte but continuation bytes. */
static int text_columns(const char *s)
{
    int columns = 0;

    for (const char *p = s; *p != '\0'; p++) {
        if (((unsigned char)*p & 0xc0) != 0x80)
            columns++;
    }
    return columns;
}

/* Prints s in `width` columns, left- or right-aligned, counting characters
 * rather than bytes so that arrows and dashes line up. */
static void print_cell(const char *s, int width, bool right)
{
    int pad = width - text_columns(s);

    if (!right)
        fputs(s, stdout);
    for (; pad > 0; pad--)
        putchar(' ');
    if (right)
        fputs(s, stdout);
}

/* One line of the running trace: time, segment number, who, what. */
static void print_trace_line(synack_time_us now, int number, const char *who, const char *what)
{
    char num[16] = "";

    if (number > 0)
        snprintf(num, sizeof num, "%d", number);
    printf("%10.6f  %3s  ", (double)now / 1e6, num);
    print_cell(who, 16, false);
    printf(" %s\n", what);
}

/* ---- Trace hook -------------------------------------------------------- */

static struct conn_states *find_conn(struct side *s, uint64_t id)
{
    for (int i = 0; i < s->conn_count; i++) {
        if (s->conns[i].id == id)
            return &s->conns[i];
    }
    if (s->conn_count == MAX_CONNS)
        return NULL;
    s->conns[s->conn_count].id = id;
    s->conns[s->conn_count].count = 0;
    return &s->conns[s->conn_count++];
}

static void push_state(struct conn_states *c, int state)
{
    if (c->count < MAX_STATES)
        c->states[c->count++] = state;
}

static void record_state(struct side *s, const struct synack_trace_event *ev)
{
    struct conn_states *c = find_conn(s, ev->conn_id);
    char what[128];

    if (c != NULL) {
        if (ev->new_state == SYNACK_TCP_LISTEN)
            c->listener = true;
        if (c->count == 0 || c->states[c->count - 1] != ev->old_state)
            push_state(c, ev->old_state);
        push_state(c, ev->new_state);
    }
    snprintf(what, sizeof what, "state %s → %s", synack_tcp_state_name(ev->old_state),
             synack_tcp_state_name(ev->new_state));
    print_trace_line(ev->now, 0, s->name, what);
}

/* A packet sent: TCP segments are numbered and recorded for the table;
 * anything else (neighbour discovery over IPv6 on Ethernet) is only
 * printed. */
static void record_packet(struct side *s, const struct synack_trace_event *ev)
{
    struct demo *d = s->demo;
    struct synack_packet_info info;
    char text[512];
    int number = 0;

    if (synack_packet_decode(ev->packet, ev->len, &info) < 0 || info.proto == 6) {
        number = ++d->seg_count;
        if (number <= MAX_SEGMENTS) {
            struct sent_segment *seg = &d->segs[number - 1];
            seg->from = s == &d->side[CLIENT] ? CLIENT : SERVER;
            seg->seg = info;
            seg->parsed = info.is_tcp;
        }
    }
    synack_format_packet(ev->packet, ev->len, text, sizeof text);
    print_trace_line(ev->now, number, s->arrow, text);
}

static void record_drop(struct side *s, const struct synack_trace_event *ev)
{
    char what[160];

    snprintf(what, sizeof what, "drops a packet: %s", synack_drop_description(ev->drop_reason));
    print_trace_line(ev->now, 0, s->name, what);
}

/* The trace hook of both stacks; ctx is the side.  Segments are printed
 * when sent (PACKET_OUT); their arrival (PACKET_IN) would repeat them. */
static void on_trace(void *ctx, const struct synack_trace_event *ev)
{
    struct side *s = ctx;

    synack_ladder_builder_trace(s->demo->ladder, ev);
    if (s->demo->html_path != NULL)
        page_plots_trace(&s->demo->plots, ev);

    switch (ev->kind) {
    case SYNACK_TRACE_PACKET_OUT: record_packet(s, ev); break;
    case SYNACK_TRACE_STATE: record_state(s, ev); break;
    case SYNACK_TRACE_CC: break;
    case SYNACK_TRACE_DROP: record_drop(s, ev); break;
    case SYNACK_TRACE_PACKET_IN: break;
    }
}

static uint32_t forced_isn(void *ctx, const struct synack_endpoint *local,
                           const struct synack_endpoint *remote, synack_time_us now)
{
    const struct side *s = ctx;

    (void)local;
    (void)remote;
    (void)now;
    return s->isn;
}

/* ---- The applications --------------------------------------------------- */

static void app_error(struct demo *d, const char *who, const char *what, int err)
{
    fprintf(stderr, "synack demo: %s: %s: %s\n", who, what, synack_strerror(err));
    d->app_errors++;
}

static void client_start(struct synack_sim *sim, void *ctx)
{
    struct demo *d = ctx;
    struct synack_stack *st = d->side[CLIENT].stack;
    struct synack_endpoint local = synack_endpoint_make(sim_net_addr(&d->net_opt, SIM_NET_CLIENT), CLIENT_PORT);
    struct synack_endpoint remote = synack_endpoint_make(sim_net_addr(&d->net_opt, SIM_NET_SERVER), SERVER_PORT);
    int rc;

    (void)sim;
    d->client_sock = synack_socket(st);
    if (d->client_sock < 0) {
        app_error(d, "client", "socket", d->client_sock);
        return;
    }
    rc = synack_bind(st, d->client_sock, &local);
    if (rc < 0)
        app_error(d, "client", "bind", rc);
    rc = synack_connect(st, d->client_sock, &remote);
    if (rc < 0 && rc != -SYNACK_EINPROGRESS)
        app_error(d, "client", "connect", rc);
}

static void client_close(struct synack_sim *sim, void *ctx)
{
    struct demo *d = ctx;
    int rc = synack_close(d->side[CLIENT].stack, d->client_sock);

    (void)sim;
    if (rc < 0)
        app_error(d, "client", "close", rc);
    d->client_sock = -1;
}

/* Reads what the server sent; once all 10 bytes are in, closes after a
 * pause long enough for the delayed ACK to go out on its own. */
static void client_read(struct demo *d)
{
    struct synack_stack *st = d->side[CLIENT].stack;
    bool had_all = d->client_got == SERVER_REPLY_LEN;

    for (;;) {
        ssize_t n = synack_recv(st, d->client_sock, d->client_buf + d->client_got,
                                sizeof d->client_buf - d->client_got);
        if (n == -SYNACK_EAGAIN)
            break;
        if (n == 0) {
            fprintf(stderr, "synack demo: client: the server closed before replying\n");
            d->app_errors++;
            return;
        }
        if (n < 0) {
            app_error(d, "client", "recv", (int)n);
            return;
        }
        d->client_got += (size_t)n;
    }
    if (!had_all && d->client_got == SERVER_REPLY_LEN) {
        synack_time_us at = synack_sim_now(d->sim) + THINK_US;
        if (synack_sim_at(d->sim, at, d->side[CLIENT].host, client_close, d) < 0)
            app_error(d, "client", "scheduling close", -SYNACK_ENOMEM);
    }
}

static void client_app(struct synack_sim *sim, int host, void *ctx)
{
    struct demo *d = ctx;
    struct synack_stack *st = d->side[CLIENT].stack;
    struct synack_event ev;

    (void)sim;
    (void)host;
    while (synack_next_event(st, &ev)) {
        if (ev.sock != d->client_sock || d->client_sock < 0)
            continue;
        if (ev.ready & SYNACK_ERROR)
            app_error(d, "client", "connection", synack_socket_error(st, ev.sock));
        if ((ev.ready & SYNACK_CONNECTED) && !d->client_sent) {
            ssize_t n = synack_send(st, ev.sock, CLIENT_MESSAGE, CLIENT_MESSAGE_LEN);
            if (n != (ssize_t)CLIENT_MESSAGE_LEN)
                app_error(d, "client", "send", n < 0 ? (int)n : -SYNACK_EAGAIN);
            d->client_sent = true;
        }
        if (ev.ready & SYNACK_READABLE)
            client_read(d);
    }
}

static void server_close(struct synack_sim *sim, void *ctx)
{
    struct demo *d = ctx;
    int rc = synack_close(d->side[SERVER].stack, d->server_sock);

    (void)sim;
    if (rc < 0)
        app_error(d, "server", "close", rc);
    d->server_sock = -1;
}

/* End of stream: close now (three-way) or after a pause (four-way). */
static void server_saw_eof(struct demo *d)
{
    synack_time_us at = synack_sim_now(d->sim);

    d->server_eof = true;
    if (d->variant == CLOSE_THREE_WAY) {
        server_close(d->sim, d);
        return;
    }
    if (synack_sim_at(d->sim, at + THINK_US, d->side[SERVER].host, server_close, d) < 0)
        app_error(d, "server", "scheduling close", -SYNACK_ENOMEM);
}

/* Reads the request; when all 20 bytes are in, replies at once, so that
 * the reply carries the ACK the server was delaying. */
static void server_read(struct demo *d)
{
    struct synack_stack *st = d->side[SERVER].stack;

    while (d->server_sock >= 0 && !d->server_eof) {
        ssize_t n = synack_recv(st, d->server_sock, d->server_buf + d->server_got,
                                sizeof d->server_buf - d->server_got);
        if (n == -SYNACK_EAGAIN)
            break;
        if (n < 0) {
            app_error(d, "server", "recv", (int)n);
            return;
        }
        if (n == 0) {
            server_saw_eof(d);
            return;
        }
        d->server_got += (size_t)n;
        if (d->server_got == CLIENT_MESSAGE_LEN && !d->server_replied) {
            ssize_t sent = synack_send(st, d->server_sock, SERVER_REPLY, SERVER_REPLY_LEN);
            if (sent != (ssize_t)SERVER_REPLY_LEN)
                app_error(d, "server", "send", sent < 0 ? (int)sent : -SYNACK_EAGAIN);
            d->server_replied = true;
        }
    }
}

static void server_accept(struct demo *d)
{
    struct synack_stack *st = d->side[SERVER].stack;
    int sock = synack_accept(st, d->listen_sock, NULL);

    if (sock == -SYNACK_EAGAIN)
        return;
    if (sock < 0) {
        app_error(d, "server", "accept", sock);
        return;
    }
    if (d->server_sock >= 0 || d->server_eof) {
        /* Only one connection is expected; refuse any other. */
        synack_abort(st, sock);
        return;
    }
    d->server_sock = sock;
    server_read(d);
}

static void server_app(struct synack_sim *sim, int host, void *ctx)
{
    struct demo *d = ctx;
    struct synack_stack *st = d->side[SERVER].stack;
    struct synack_event ev;

    (void)sim;
    (void)host;
    while (synack_next_event(st, &ev)) {
        if (ev.sock == d->listen_sock) {
            if (ev.ready & SYNACK_READABLE)
                server_accept(d);
            continue;
        }
        if (ev.sock != d->server_sock || d->server_sock < 0)
            continue;
        if (ev.ready & SYNACK_ERROR)
            app_error(d, "server", "connection", synack_socket_error(st, ev.sock));
        if (ev.ready & SYNACK_READABLE)
            server_read(d);
    }
}

/* ---- Setting up ------------------------------------------------------- */

static int add_side(struct demo *d, int which, const char *name, const char *arrow, uint32_t isn)
{
    struct side *s = &d->side[which];
    struct synack_config cfg;

    s->demo = d;
    s->name = name;
    s->arrow = arrow;
    s->isn = isn;
    synack_config_default(&cfg);
    cfg.name = name;
    cfg.isn_hook = forced_isn;
    cfg.isn_hook_ctx = s;
    cfg.trace = on_trace;
    cfg.trace_ctx = s;
    /* The textbook exchange announces only the MSS; --modern lets the
     * stacks offer what they offer by default (RFC 7323, RFC 2018). */
    cfg.window_scaling = cfg.timestamps = cfg.sack = s->demo->modern;
    cfg.rcvbuf_bytes = s->demo->modern ? cfg.rcvbuf_bytes : 65535;
    int rc = sim_net_add_host(&d->net, which == CLIENT ? SIM_NET_CLIENT : SIM_NET_SERVER, name, &cfg, 1500);
    if (rc < 0)
        return rc;
    s->host = d->net.host[which == CLIENT ? SIM_NET_CLIENT : SIM_NET_SERVER];
    s->stack = synack_sim_stack(d->sim, s->host);
    return 0;
}

/* The hosts and the link (the simulator and the capture are made by
 * demo_main). */
static int build_network(struct demo *d)
{
    struct synack_link_params link;
    int rc;

    memset(&link, 0, sizeof link);
    link.delay_us = LINK_DELAY_US;
    rc = add_side(d, CLIENT, "client", "client → server", CLIENT_ISN);
    if (rc < 0)
        return rc;
    rc = add_side(d, SERVER, "server", "server → client", SERVER_ISN);
    if (rc < 0)
        return rc;
    rc = sim_net_join(&d->net, &link, &link);
    if (rc < 0)
        return rc;
    synack_sim_set_app(d->sim, d->side[CLIENT].host, client_app, d);
    synack_sim_set_app(d->sim, d->side[SERVER].host, server_app, d);
    return 0;
}

/* The server listens on :80 before anything runs; the socket it accepts
 * inherits the MSS set here. */
static int start_server(struct demo *d)
{
    struct synack_stack *st = d->side[SERVER].stack;
    struct synack_endpoint any;
    int rc;

    memset(&any, 0, sizeof any);
    any.port = SERVER_PORT;
    d->listen_sock = synack_socket(st);
    if (d->listen_sock < 0)
        return d->listen_sock;
    rc = synack_setsockopt(st, d->listen_sock, SYNACK_OPT_MAXSEG, SERVER_MSS);
    if (rc >= 0)
        rc = synack_bind(st, d->listen_sock, &any);
    if (rc >= 0)
        rc = synack_listen(st, d->listen_sock, 8);
    return rc < 0 ? rc : 0;
}

static void print_header(const struct demo *d)
{
    struct synack_config cfg;
    struct synack_addr ca = sim_net_addr(&d->net_opt, SIM_NET_CLIENT), sa = sim_net_addr(&d->net_opt, SIM_NET_SERVER);
    char client[SYNACK_ENDPOINT_STRLEN], server[SYNACK_ENDPOINT_STRLEN];

    synack_config_default(&cfg);
    synack_addr_format(&ca, client, sizeof client);
    synack_addr_format(&sa, server, sizeof server);
    printf("synack demo: the textbook TCP exchange, on a simulated network\n"
           "\n"
           "  client  %-10s  connects from port %d; initial sequence number %u\n"
           "  server  %-10s  listens on port %d; initial sequence number %u; MSS %d\n"
           "  link    ideal, %.0f ms each way; delayed ACKs after %.0f ms; TIME_WAIT %.0f s\n",
           client, CLIENT_PORT, CLIENT_ISN, server, SERVER_PORT, SERVER_ISN, SERVER_MSS, LINK_DELAY_US / 1e3,
           (double)cfg.delack_us / 1e3, 2.0 * (double)cfg.msl_us / 1e6);
    if (d->net_opt.ipv6 || d->net_opt.ethernet)
        printf("  net     %s\n", sim_net_describe(&d->net_opt));
    if (d->variant == CLOSE_FOUR_WAY)
        printf("  close   four-way: the server closes %.0f s after end of stream, so its ACK\n"
               "          and its FIN leave separately\n", THINK_US / 1e6);
    else
        printf("  close   three-way: the server closes as soon as it reads end of stream,\n"
               "          so its ACK and its FIN leave as one FIN,ACK\n");
    if (d->pcap_path != NULL)
        printf("  pcap    every packet, as sent, goes to %s\n", d->pcap_path);
    printf("\nVirtual time in seconds; each segment is shown once, when it is sent.\n\n");
    printf("%10s  %3s  ", "time", "#");
    print_cell("who", 16, false);
    printf(" what\n");
}

/* ---- The textbook table and the verdict --------------------------------- */

struct expected {
    int from;
    uint8_t flags;               /* compared without PSH, which is optional */
    uint32_t seq, ack;           /* ack 0: no ACK flag */
    uint32_t len;
};

static const struct expected four_way[] = {
    {CLIENT, SYNACK_TCP_SYN, 1000, 0, 0},
    {SERVER, SYNACK_TCP_SYN | SYNACK_TCP_ACK, 8000, 1001, 0},
    {CLIENT, SYNACK_TCP_ACK, 1001, 8001, 0},
    {CLIENT, SYNACK_TCP_ACK, 1001, 8001, 20},
    {SERVER, SYNACK_TCP_ACK, 8001, 1021, 10},
    {CLIENT, SYNACK_TCP_ACK, 1021, 8011, 0},
    {CLIENT, SYNACK_TCP_FIN | SYNACK_TCP_ACK, 1021, 8011, 0},
    {SERVER, SYNACK_TCP_ACK, 8011, 1022, 0},
    {SERVER, SYNACK_TCP_FIN | SYNACK_TCP_ACK, 8011, 1022, 0},
    {CLIENT, SYNACK_TCP_ACK, 1022, 8012, 0},
};

/* Segments 8 and 9 above merge into one FIN,ACK. */
static const struct expected three_way[] = {
    {CLIENT, SYNACK_TCP_SYN, 1000, 0, 0},
    {SERVER, SYNACK_TCP_SYN | SYNACK_TCP_ACK, 8000, 1001, 0},
    {CLIENT, SYNACK_TCP_ACK, 1001, 8001, 0},
    {CLIENT, SYNACK_TCP_ACK, 1001, 8001, 20},
    {SERVER, SYNACK_TCP_ACK, 8001, 1021, 10},
    {CLIENT, SYNACK_TCP_ACK, 1021, 8011, 0},
    {CLIENT, SYNACK_TCP_FIN | SYNACK_TCP_ACK, 1021, 8011, 0},
    {SERVER, SYNACK_TCP_FIN | SYNACK_TCP_ACK, 8011, 1022, 0},
    {CLIENT, SYNACK_TCP_ACK, 1022, 8012, 0},
};

static void print_segment_row(int number, const struct sent_segment *s)
{
    char flags[48], ack[16] = "–", options[32] = "";

    printf("%4d  %s  ", number, s->from == CLIENT ? "C → S" : "S → C");
    if (!s->parsed) {
        printf("(not a TCP segment)\n");
        return;
    }
    if (s->seg.flags & SYNACK_TCP_ACK)
        snprintf(ack, sizeof ack, "%u", s->seg.ack);
    if (s->seg.has_mss)
        snprintf(options, sizeof options, "<mss %u>", s->seg.mss);
    print_cell(synack_tcp_flags_text(s->seg.flags, flags, sizeof flags), 10, false);
    printf("%10u  ", s->seg.seq);
    print_cell(ack, 10, true);
    printf("  %5u%s%s\n", s->seg.payload_len, options[0] ? "  " : "", options);
}

static void print_table(const struct demo *d)
{
    int kept = d->seg_count < MAX_SEGMENTS ? d->seg_count : MAX_SEGMENTS;

    printf("\nThe exchange as a table\n\n");
    printf("%4s  %-5s  %-10s%10s  %10s  %5s  %s\n", "#", "dir", "flags", "seq", "ack", "len",
           "options");
    for (int i = 0; i < kept; i++)
        print_segment_row(i + 1, &d->segs[i]);
    if (d->seg_count > kept)
        printf("  (and %d more segments not recorded)\n", d->seg_count - kept);
}

/* The connection that carried the data: the first one that is not a
 * listener.  NULL if the side never had one. */
static const struct conn_states *data_conn(const struct side *s)
{
    for (int i = 0; i < s->conn_count; i++) {
        if (!s->conns[i].listener)
            return &s->conns[i];
    }
    return NULL;
}

static void print_states(const char *label, const struct conn_states *c)
{
    printf("  ");
    print_cell(label, 8, false);
    for (int i = 0; i < c->count; i++)
        printf("%s%s", i ? " → " : "", synack_tcp_state_name(c->states[i]));
    putchar('\n');
}

static void print_side_states(const struct side *s)
{
    char label[32];

    for (int i = 0; i < s->conn_count; i++) {
        bool listener = s->conns[i].listener;
        snprintf(label, sizeof label, "%s%s: ", s->name, listener ? " (listener)" : "");
        print_states(label, &s->conns[i]);
    }
    if (s->conn_count == 0)
        printf("  %s: no state changes were traced\n", s->name);
}

/* A sent segment in the terms of the textbook table. */
static struct expected row_of(const struct sent_segment *s)
{
    struct expected row = {
        .from = s->from,
        .flags = s->seg.flags & (uint8_t)~SYNACK_TCP_PSH,
        .seq = s->seg.seq,
        .ack = (s->seg.flags & SYNACK_TCP_ACK) ? s->seg.ack : 0,
        .len = s->seg.payload_len,
    };
    return row;
}

static bool row_equal(const struct expected *a, const struct expected *b)
{
    return a->from == b->from && a->flags == b->flags && a->seq == b->seq && a->ack == b->ack &&
           a->len == b->len;
}

/* "C → S FIN,ACK seq 1021 ack 8011 len 0" */
static char *describe_row(const struct expected *r, char *buf, size_t len)
{
    char flags[48];

    snprintf(buf, len, "%s %s seq %u ack %u len %u", r->from == CLIENT ? "C → S" : "S → C",
             synack_tcp_flags_text(r->flags, flags, sizeof flags), r->seq, r->ack, r->len);
    return buf;
}

/* Compares the recorded segments with the textbook's; prints each
 * difference and returns how many there were. */
static int compare_with_textbook(const struct demo *d)
{
    bool four = d->variant == CLOSE_FOUR_WAY;
    const struct expected *want = four ? four_way : three_way;
    int want_count = four ? (int)(sizeof four_way / sizeof four_way[0])
                          : (int)(sizeof three_way / sizeof three_way[0]);
    int diffs = 0;

    if (d->seg_count != want_count) {
        printf("  %d segments were sent; the table has %d\n", d->seg_count, want_count);
        diffs++;
    }
    for (int i = 0; i < want_count && i < d->seg_count && i < MAX_SEGMENTS; i++) {
        const struct sent_segment *got = &d->segs[i];
        struct expected row = row_of(got);
        char wtext[96], gtext[96];

        if (!got->parsed || !row_equal(&row, &want[i])) {
            printf("  segment %d: expected %s; got %s\n", i + 1,
                   describe_row(&want[i], wtext, sizeof wtext),
                   got->parsed ? describe_row(&row, gtext, sizeof gtext) : "no TCP segment");
            diffs++;
        } else if (i == 1 && !(got->seg.has_mss && got->seg.mss == SERVER_MSS)) {
            printf("  segment 2 should announce MSS %d\n", SERVER_MSS);
            diffs++;
        }
    }
    return diffs;
}

/* Checks that both connections ended CLOSED (the client through TIME_WAIT)
 * and that each application got what it expected.  Prints each problem and
 * returns how many there were. */
static int check_completion(const struct demo *d, bool idle)
{
    const struct conn_states *c = data_conn(&d->side[CLIENT]);
    const struct conn_states *s = data_conn(&d->side[SERVER]);
    int problems = d->app_errors;

    if (!idle) {
        printf("  the simulation was still busy after %.0f s of virtual time\n",
               RUN_LIMIT_US / 1e6);
        problems++;
    }
    if (c == NULL || c->count < 2 || c->states[c->count - 1] != SYNACK_TCP_CLOSED ||
        c->states[c->count - 2] != SYNACK_TCP_TIME_WAIT) {
        printf("  the client did not go through TIME_WAIT to CLOSED\n");
        problems++;
    }
    if (s == NULL || s->count == 0 || s->states[s->count - 1] != SYNACK_TCP_CLOSED) {
        printf("  the server's connection did not reach CLOSED\n");
        problems++;
    }
    if (d->server_got != CLIENT_MESSAGE_LEN ||
        memcmp(d->server_buf, CLIENT_MESSAGE, CLIENT_MESSAGE_LEN) != 0) {
        printf("  the server read %zu bytes, not the client's %zu\n", d->server_got,
               CLIENT_MESSAGE_LEN);
        problems++;
    }
    if (d->client_got != SERVER_REPLY_LEN ||
        memcmp(d->client_buf, SERVER_REPLY, SERVER_REPLY_LEN) != 0) {
        printf("  the client read %zu bytes, not the server's %zu\n", d->client_got,
               SERVER_REPLY_LEN);
        problems++;
    }
    if (!d->server_eof) {
        printf("  the server never read end of stream\n");
        problems++;
    }
    if (d->app_errors)
        printf("  the applications reported %d error(s) (see above)\n", d->app_errors);
    return problems;
}

static int print_verdict(const struct demo *d, bool idle)
{
    int problems, diffs;

    print_table(d);
    printf("\nStates\n\n");
    print_side_states(&d->side[CLIENT]);
    print_side_states(&d->side[SERVER]);
    printf("\nChecks\n\n");
    problems = check_completion(d, idle);
    diffs = compare_with_textbook(d);
    if (problems == 0 && diffs == 0) {
        printf("  the exchange completed and matches the textbook table (%s close)\n",
               close_names[d->variant]);
        return EXIT_OK;
    }
    printf("  %s\n", problems ? "the exchange did not complete"
                             : "the exchange differs from the textbook table");
    return EXIT_FAILED;
}

/* ---- The verb ----------------------------------------------------------- */

static int parse_demo_args(struct demo *d, int argc, char **argv)
{
    struct args a;
    int variant = CLOSE_FOUR_WAY;
    bool ok = true;

    args_init(&a, "synack demo", argc, argv);
    while (args_next(&a)) {
        if (args_is_help(&a)) {
            command_print_usage(&cmd_demo);
            return ARGS_DONE;
        } else if (args_is(&a, "--close")) {
            if (!args_choice(&a, close_names, &variant))
                return EXIT_USAGE;
        } else if (args_is(&a, "--pcap")) {
            if (!args_string(&a, &d->pcap_path))
                return EXIT_USAGE;
        } else if (args_is(&a, "--modern")) {
            d->modern = true;
        } else if (args_is(&a, "--svg")) {
            if (!args_string(&a, &d->svg_path))
                return EXIT_USAGE;
        } else if (args_is(&a, "--html")) {
            if (!args_string(&a, &d->html_path))
                return EXIT_USAGE;
        } else if (args_is(&a, "--no-ladder")) {
            if (!args_switch(&a))
                return EXIT_USAGE;
            d->no_ladder = true;
        } else if (sim_net_option(&d->net_opt, &a, &ok)) {
            if (!ok)
                return EXIT_USAGE;
        } else {
            return args_unknown(&a);
        }
    }
    d->variant = (enum close_variant)variant;
    return EXIT_OK;
}

/* The ladder diagram of the run: printed (unless --no-ladder) and written
 * to the --svg and --html files.  Returns -1 when a file could not be
 * written (the message is printed). */
static int draw_ladder(struct demo *d)
{
    struct synack_ladder *l = synack_ladder_builder_finish(d->ladder);
    struct synack_ladder_view view;
    int rc = 0;

    d->ladder = NULL;
    if (l == NULL) {
        fprintf(stderr, "synack demo: out of memory drawing the ladder diagram\n");
        return -1;
    }
    synack_ladder_view_default(&view);
    if (!d->no_ladder) {
        printf("\nThe exchange as a ladder diagram\n\n");
        fflush(stdout);
        if (ladder_write_file("synack demo", l, &view, LADDER_TEXT, "-") < 0)
            rc = -1;
    }
    if (d->svg_path != NULL && ladder_write_file("synack demo", l, &view, LADDER_SVG, d->svg_path) < 0)
        rc = -1;
    if (d->html_path != NULL) {
        const struct synack_ladder_section *sections;
        size_t count = page_plots_sections(&d->plots, l, &sections);
        if (ladder_write_page("synack demo", l, &view, LADDER_HTML, sections, count, d->html_path) < 0)
            rc = -1;
    }
    synack_ladder_free(l);
    return rc;
}

static int run_demo(struct demo *d)
{
    int rc = build_network(d);
    bool idle;

    print_header(d);
    if (rc >= 0)
        rc = start_server(d);
    if (rc >= 0)
        rc = synack_sim_at(d->sim, sim_net_bring_up(&d->net), d->side[CLIENT].host, client_start, d);
    if (rc < 0) {
        fprintf(stderr, "synack demo: setting up the simulation failed: %s\n", synack_strerror(rc));
        return EXIT_FAILED;
    }
    idle = synack_sim_run_until_idle(d->sim, RUN_LIMIT_US);
    if (draw_ladder(d) < 0) {
        print_verdict(d, idle);
        return EXIT_FAILED;
    }
    return print_verdict(d, idle);
}

static int demo_main(int argc, char **argv)
{
    static struct demo d;
    int status;

    memset(&d, 0, sizeof d);
    d.listen_sock = d.server_sock = d.client_sock = -1;
    status = parse_demo_args(&d, argc, argv);
    if (status != EXIT_OK)
        return status == ARGS_DONE ? EXIT_OK : status;
    d.ladder = synack_ladder_builder_new(NULL);
    page_plots_init(&d.plots, 0);    /* the ladder's connection: the first */
    if (d.ladder == NULL) {
        fprintf(stderr, "synack demo: out of memory\n");
        return EXIT_FAILED;
    }
    if (sim_net_open(&d.net, &d.net_opt, 1, d.pcap_path, "synack demo") != EXIT_OK)
        return EXIT_FAILED;
    d.sim = d.net.sim;
    status = run_demo(&d);
    if (sim_net_close(&d.net, "synack demo") != EXIT_OK)
        status = EXIT_FAILED;
    synack_ladder_builder_free(d.ladder);
    page_plots_free(&d.plots);
    return status;
}

const struct command cmd_demo = {
    .name = "demo",
    .summary = "reproduce the textbook TCP exchange on the simulator",
    .usage = usage,
    .run = demo_main,
};
