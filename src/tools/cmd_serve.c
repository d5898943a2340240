/*
 * cmd_serve.c — `synack serve`: echo, discard, chargen and a static HTTP
 * server on the user-space stack, reached through a TUN or TAP device.
 *
 *     synack serve --tun syn0 --addr 198.18.0.2/24 --echo 7 --http 80:/srv/www
 *     synack serve --tap tap0 --addr 198.18.0.2/24 --addr fd00:5ac::2/64 --http 80:.
 *
 * synack opens (or creates) the device and answers as 198.18.0.2 (and
 * fd00:5ac::2: each service listens on every address); the kernel's side
 * of the device (its address, link up) is configured by the user.  An
 * IPv6 address on a TAP link is first checked for duplicates (RFC 4862
 * §5.4), which takes about a second: listeners that cannot bind until
 * then are retried.  One thread, one synack_runtime: the runtime's handler gets every
 * socket event; listeners accept, and each connection's event goes to its
 * service (serve.h) through a table keyed by socket handle.  A timer sweeps
 * the table once a second for idle connections and passed deadlines.
 * SIGINT or SIGTERM stops the runtime gracefully (open connections get
 * their FIN, then up to 2 s before the rest are reset); a summary line
 * follows and the exit status is 0.
 */
#define _XOPEN_SOURCE 700            /* realpath() */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "synack/synack.h"

#include "args.h"
#include "commands.h"
#include "serve.h"
#include "status.h"
#include "tun_args.h"

#define MAX_LISTENERS 16
#define LISTEN_BACKLOG 1024            /* hundreds of clients may connect at once */
#define SWEEP_INTERVAL_US 1000000u
#define DEFAULT_IDLE_S 60
#define MAX_IDLE_S 86400
#define TABLE_MIN_BUCKETS 256u
#define MIN_STATUS_S 0.01
#define MAX_STATUS_S 86400.0
#define BIND_RETRY_US 50000u           /* while an address is still tentative (DAD) ... */
#define BIND_WAIT_US 10000000u         /* ... for at most this long */

struct serve_options {
    struct link_opts link;
    struct serve_listener listeners[MAX_LISTENERS];
    int listener_count;
    const char *pcap_path;
    uint64_t idle_s;
    double status_s;                   /* --status: 0 = none */
    bool stats;                        /* --stats: the stack's counters when stopping */
};

/* A connection in the table: the service's view plus the chain link. */
struct conn_entry {
    struct serve_conn conn;
    struct conn_entry *next;           /* in its bucket */
};

/* Connections by socket handle: a chained hash table whose bucket is the
 * handle's low bits.  Handles are (generation << 22 | slot), so live
 * handles spread evenly; a stale handle simply is not found, because
 * entries are compared on the whole handle. */
struct conn_table {
    struct conn_entry **buckets;
    uint32_t bucket_count;             /* a power of two */
    uint32_t count;
};

struct server {
    struct synack_runtime *rt;
    struct synack_stack *stack;
    struct serve_options *opt;
    struct conn_table table;
    struct serve_stats stats;
    synack_time_us started_us;         /* runtime clock at the start, for --status */
    int iface;                         /* the link's interface */
    bool failed;                       /* a listener could not be opened after all */
};

static const char usage[] =
    "usage: synack serve (--tun NAME | --tap NAME [--mac MAC]) --addr ADDR/PREFIX\n"
    "                    [--addr ADDR/PREFIX] [--echo PORT] [--discard PORT]\n"
    "                    [--chargen PORT] [--http PORT:DIR] [--idle-timeout S]\n"
    "                    [--pcap FILE] [--status S] [--stats]\n"
    "\n"
    "Runs TCP services on the user-space stack, reached through the TUN or TAP\n"
    "device NAME (created if it does not exist).  synack answers as ADDR, IPv4 or\n"
    "IPv6, on each --addr given; the kernel's side of the device is yours to\n"
    "configure, e.g.\n"
    "    ip addr add 198.18.0.1/24 dev syn0 && ip link set syn0 up\n"
    "    ip addr add fd00:5ac::1/64 dev syn0 nodad\n"
    "One line on stderr tells which device, addresses and services are in use.\n"
    "\n"
    "Services (at least one; each option may be repeated with other ports):\n"
    "  --echo PORT       RFC 862: sends back what it receives; after the client's\n"
    "                    FIN, finishes echoing and closes\n"
    "  --discard PORT    RFC 863: reads and drops; closes when the client does\n"
    "  --chargen PORT    RFC 864: sends 72-character lines of rotating printable\n"
    "                    ASCII, CRLF-terminated, as fast as the client reads; stops\n"
    "                    when the client closes or resets\n"
    "  --http PORT:DIR   HTTP/1.1 static files from DIR: GET and HEAD, persistent\n"
    "                    connections and pipelining, Content-Type by extension,\n"
    "                    index.html for directories; 400 malformed request, 404 no\n"
    "                    such file (or outside DIR), 405 other methods, 414/431\n"
    "                    request line/header section over 8 KiB, 501\n"
    "                    Transfer-Encoding, 505 not HTTP/1.x; \"..\" segments are\n"
    "                    refused (400) and HTTP/1.1 requests need a Host field\n"
    "\n"
    "Options:\n"
    LINK_USAGE
    "  --idle-timeout S  close HTTP connections idle for S seconds, 1 to 86400\n"
    "                    (default 60)\n"
    "  --pcap FILE       write every packet in and out to FILE\n"
    "  --status S        every S seconds (0.01 to 86400), one line per open\n"
    "                    connection on stderr, like ss -ti: seconds since the\n"
    "                    start, service, endpoints, state, cwnd, ssthresh, srtt,\n"
    "                    rto, bytes acked and received, retransmissions, delivery\n"
    "                    rate\n"
    "  --stats           when stopping, the stack's counters that are not zero,\n"
    "                    one per line: \"synack serve: stat NAME VALUE\" (MIB or\n"
    "                    Linux netstat names: SyncookiesSent, TCPChallengeACK...)\n"
    "                    and \"synack serve: drop REASON VALUE\"\n"
    "\n"
    "Ports are 1 to 65535, one service each.  SIGINT or SIGTERM stops the server\n"
    "gracefully; it prints connections served and bytes in and out, and exits 0.\n"
    "\n"
    "Exit status: 0 after a signal, 1 when the device or a port cannot be set\n"
    "up, 2 for a bad command line.\n";

/* ---- The connection table ------------------------------------------------- */

static uint32_t bucket_of(const struct conn_table *t, int sock)
{
    return (uint32_t)sock & (t->bucket_count - 1);
}

static struct serve_conn *table_find(struct conn_table *t, int sock)
{
    if (t->bucket_count == 0)
        return NULL;
    for (struct conn_entry *e = t->buckets[bucket_of(t, sock)]; e != NULL; e = e->next) {
        if (e->conn.sock == sock)
            return &e->conn;
    }
    return NULL;
}

/* Doubles the buckets (or makes the first ones) and rehashes. */
static bool table_grow(struct conn_table *t)
{
    uint32_t count = t->bucket_count ? t->bucket_count * 2 : TABLE_MIN_BUCKETS;
    struct conn_entry **buckets = calloc(count, sizeof *buckets);
    struct conn_table grown = {.buckets = buckets, .bucket_count = count, .count = t->count};

    if (buckets == NULL)
        return false;
    for (uint32_t i = 0; i < t->bucket_count; i++) {
        for (struct conn_entry *e = t->buckets[i], *next; e != NULL; e = next) {
            uint32_t b = bucket_of(&grown, e->conn.sock);
            next = e->next;
            e->next = buckets[b];
            buckets[b] = e;
        }
    }
    free(t->buckets);
    *t = grown;
    return true;
}

static bool table_insert(struct conn_table *t, struct conn_entry *e)
{
    uint32_t b;

    if (t->count >= t->bucket_count && !table_grow(t) && t->bucket_count == 0)
        return false;
    b = bucket_of(t, e->conn.sock);
    e->next = t->buckets[b];
    t->buckets[b] = e;
    t->count++;
    return true;
}

static void table_remove(struct conn_table *t, struct conn_entry *e)
{
    struct conn_entry **pp = &t->buckets[bucket_of(t, e->conn.sock)];

    while (*pp != e)
        pp = &(*pp)->next;
    *pp = e->next;
    t->count--;
}

/* ---- Services' helpers (serve.h) ------------------------------------------ */

ssize_t serve_recv(struct serve_conn *conn, void *buf, size_t len)
{
    ssize_t n = synack_recv(conn->stack, conn->sock, buf, len);

    if (n > 0)
        conn->stats->bytes_in += (uint64_t)n;
    return n;
}

ssize_t serve_send(struct serve_conn *conn, const void *data, size_t len)
{
    ssize_t n = synack_send(conn->stack, conn->sock, data, len);

    if (n > 0)
        conn->stats->bytes_out += (uint64_t)n;
    return n;
}

synack_time_us serve_now(const struct serve_conn *conn)
{
    return synack_runtime_now(conn->rt);
}

/* ---- Connections ---------------------------------------------------------- */

static void conn_open(struct server *srv, const struct serve_listener *l, int sock)
{
    struct conn_entry *e = calloc(1, sizeof *e);
    struct serve_conn *c = e ? &e->conn : NULL;

    if (c == NULL) {
        synack_abort(srv->stack, sock);
        return;
    }
    c->sock = sock;
    c->stack = srv->stack;
    c->rt = srv->rt;
    c->listener = l;
    c->stats = &srv->stats;
    c->last_active_us = synack_runtime_now(srv->rt);
    c->deadline_us = SYNACK_TIME_NEVER;
    if (l->service == &service_http)
        c->idle_limit_us = srv->opt->idle_s * 1000000u;
    if (l->service->open(c) < 0 || !table_insert(&srv->table, e)) {
        if (c->state != NULL)
            l->service->release(c);
        synack_abort(srv->stack, sock);
        free(e);
        return;
    }
    srv->stats.connections++;
}

/* Ends a connection the way its service (or the sweep) decided. */
static void conn_finish(struct server *srv, struct serve_conn *c, enum serve_verdict verdict)
{
    struct conn_entry *e = (struct conn_entry *)c;   /* conn is the entry's first member */

    c->listener->service->release(c);
    if (verdict == SERVE_ABORT)
        synack_abort(srv->stack, c->sock);
    else
        synack_close(srv->stack, c->sock);
    table_remove(&srv->table, e);
    free(e);
}

static void accept_all(struct server *srv, const struct serve_listener *l, int listener)
{
    for (;;) {
        int sock = synack_accept(srv->stack, listener, NULL);
        if (sock < 0) {
            if (sock != -SYNACK_EAGAIN)
                fprintf(stderr, "synack serve: accept on port %u: %s\n", l->port, synack_strerror(sock));
            return;
        }
        conn_open(srv, l, sock);   /* its first event follows: accept announces it */
    }
}

static const struct serve_listener *listener_of(const struct server *srv, int sock)
{
    for (int i = 0; i < srv->opt->listener_count; i++) {
        for (int k = 0; k < srv->opt->link.naddrs; k++)
            if (srv->opt->listeners[i].socks[k] == sock)
                return &srv->opt->listeners[i];
    }
    return NULL;
}

static void on_event(struct synack_runtime *rt, const struct synack_event *ev, void *ctx)
{
    struct server *srv = ctx;
    const struct serve_listener *l = listener_of(srv, ev->sock);
    struct serve_conn *c;
    enum serve_verdict verdict;

    if (l != NULL) {
        if (ev->ready & SYNACK_READABLE)
            accept_all(srv, l, ev->sock);
        return;
    }
    c = table_find(&srv->table, ev->sock);
    if (c == NULL)
        return;                        /* a handle we have already let go */
    c->last_active_us = synack_runtime_now(rt);
    verdict = c->listener->service->event(c, ev->ready);
    if (verdict == SERVE_KEEP && (synack_socket_ready(srv->stack, c->sock) & SYNACK_CLOSED))
        verdict = SERVE_CLOSE;         /* over on the wire: nothing more will happen */
    if (verdict != SERVE_KEEP)
        conn_finish(srv, c, verdict);
}

static bool conn_expired(const struct serve_conn *c, synack_time_us now)
{
    if (now >= c->deadline_us)
        return true;
    return c->idle_limit_us != 0 && now - c->last_active_us >= c->idle_limit_us;
}

/* Once a second: closes idle connections and those past their deadline. */
static void sweep(struct synack_runtime *rt, void *ctx)
{
    struct server *srv = ctx;
    synack_time_us now = synack_runtime_now(rt);

    for (uint32_t b = 0; b < srv->table.bucket_count; b++) {
        for (struct conn_entry *e = srv->table.buckets[b], *next; e != NULL; e = next) {
            next = e->next;
            if (conn_expired(&e->conn, now))
                conn_finish(srv, &e->conn, SERVE_CLOSE);
        }
    }
    if (synack_runtime_at(rt, now + SWEEP_INTERVAL_US, sweep, srv) < 0)
        fprintf(stderr, "synack serve: out of memory: idle connections are no longer closed\n");
}

/* --status: one line per connection in the table, every interval of wall time. */
static void status_lines(struct synack_runtime *rt, void *ctx)
{
    struct server *srv = ctx;
    synack_time_us now = synack_runtime_now(rt);
    synack_time_us interval = (synack_time_us)llround(srv->opt->status_s * 1e6);

    for (uint32_t b = 0; b < srv->table.bucket_count; b++) {
        for (struct conn_entry *e = srv->table.buckets[b]; e != NULL; e = e->next) {
            struct synack_tcp_info info;
            if (synack_getinfo(srv->stack, e->conn.sock, &info) >= 0)
                status_print(stderr, (double)(now - srv->started_us) / 1e6, e->conn.listener->service->name, &info);
        }
    }
    fflush(stderr);
    if (synack_runtime_at(rt, now + interval, status_lines, srv) < 0)
        fprintf(stderr, "synack serve: out of memory: no more status lines\n");
}

/* After the runtime has stopped: the stack has closed every handle, so
 * only our side of each connection is left to free. */
static void forget_all(struct server *srv)
{
    for (uint32_t b = 0; b < srv->table.bucket_count; b++) {
        for (struct conn_entry *e = srv->table.buckets[b], *next; e != NULL; e = next) {
            next = e->next;
            e->conn.listener->service->release(&e->conn);
            free(e);
        }
    }
    free(srv->table.buckets);
    memset(&srv->table, 0, sizeof srv->table);
}

/* ---- Command line --------------------------------------------------------- */

static bool port_taken(const struct serve_options *o, uint64_t port, const struct args *a)
{
    for (int i = 0; i < o->listener_count; i++) {
        if (o->listeners[i].port == port) {
            fprintf(stderr, "%s: %s: port %u is already given to %s\n", a->prog, a->flag, (unsigned)port,
                    o->listeners[i].service->name);
            return true;
        }
    }
    return false;
}

static bool add_listener(struct serve_options *o, struct args *a, const struct service *svc, uint64_t port,
                         const char *root)
{
    if (o->listener_count == MAX_LISTENERS) {
        fprintf(stderr, "%s: %s: at most %d services\n", a->prog, a->flag, MAX_LISTENERS);
        return false;
    }
    if (port_taken(o, port, a))
        return false;
    o->listeners[o->listener_count] = (struct serve_listener){.service = svc, .port = (uint16_t)port, .root = root};
    for (int k = 0; k < SYNACK_IFACE_MAX_ADDRS; k++)
        o->listeners[o->listener_count].socks[k] = -1;
    o->listener_count++;
    return true;
}

/* --http PORT:DIR.  DIR is resolved now, so that the prefix check of every
 * request compares canonical paths. */
static bool parse_http(struct serve_options *o, struct args *a)
{
    const char *text, *colon;
    char *end = NULL, *root;
    unsigned long port;
    struct stat st;

    if (!args_string(a, &text))
        return false;
    colon = strchr(text, ':');
    errno = 0;
    port = colon && colon != text && text[0] >= '0' && text[0] <= '9' ? strtoul(text, &end, 10) : 0;
    if (colon == NULL || end != colon || errno != 0 || port < 1 || port > 65535 || colon[1] == '\0') {
        fprintf(stderr, "%s: --http must be PORT:DIR with PORT from 1 to 65535 (got \"%s\")\n", a->prog, text);
        return false;
    }
    root = realpath(colon + 1, NULL);
    if (root == NULL || stat(root, &st) < 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "%s: --http: %s is not a directory (got \"%s\")\n", a->prog, colon + 1, text);
        free(root);
        return false;
    }
    if (!add_listener(o, a, &service_http, port, root)) {
        free(root);
        return false;
    }
    return true;
}

static bool parse_port_service(struct serve_options *o, struct args *a, const struct service *svc)
{
    uint64_t port;

    return args_u64(a, 1, 65535, &port) && add_listener(o, a, svc, port, NULL);
}

static bool parse_option(struct serve_options *o, struct args *a)
{
    bool ok;

    if (link_args_option(&o->link, a, &ok))
        return ok;
    if (args_is(a, "--echo"))
        return parse_port_service(o, a, &service_echo);
    if (args_is(a, "--discard"))
        return parse_port_service(o, a, &service_discard);
    if (args_is(a, "--chargen"))
        return parse_port_service(o, a, &service_chargen);
    if (args_is(a, "--http"))
        return parse_http(o, a);
    if (args_is(a, "--idle-timeout"))
        return args_u64(a, 1, MAX_IDLE_S, &o->idle_s);
    if (args_is(a, "--pcap"))
        return args_string(a, &o->pcap_path);
    if (args_is(a, "--status"))
        return args_double(a, MIN_STATUS_S, MAX_STATUS_S, &o->status_s);
    if (args_is(a, "--stats")) {
        o->stats = true;
        return true;
    }
    args_unknown(a);
    return false;
}

static int parse_serve_args(struct serve_options *o, int argc, char **argv)
{
    struct args a;

    args_init(&a, "synack serve", argc, argv);
    while (args_next(&a)) {
        if (args_is_help(&a)) {
            command_print_usage(&cmd_serve);
            return ARGS_DONE;
        }
        if (!parse_option(o, &a))
            return EXIT_USAGE;
    }
    if (link_args_check(&o->link, &a) != EXIT_OK)
        return EXIT_USAGE;
    if (o->listener_count == 0)
        return args_missing(&a, "a service", "at least one of --echo, --discard, --chargen, --http");
    return EXIT_OK;
}

/* ---- Running -------------------------------------------------------------- */

/* Listens on l's port at address k of the link.  Returns 0, or a
 * negative error (-SYNACK_EADDRNOTAVAIL while the address is tentative). */
static int open_listener(struct server *srv, struct serve_listener *l, int k)
{
    struct synack_endpoint local = synack_endpoint_make(srv->opt->link.addrs[k], l->port);
    int sock = synack_socket(srv->stack);
    int rc = sock;

    if (sock >= 0) {
        rc = synack_setsockopt(srv->stack, sock, SYNACK_OPT_REUSEADDR, 1);
        if (rc >= 0)
            rc = synack_bind(srv->stack, sock, &local);
        if (rc >= 0)
            rc = synack_listen(srv->stack, sock, LISTEN_BACKLOG);
        if (rc < 0)
            synack_close(srv->stack, sock);
    }
    if (rc < 0)
        return rc;
    l->socks[k] = sock;
    return 0;
}

/* Opens every listener not open yet.  Returns 0 when all are, 1 when some
 * wait for their address (still tentative), or a negative error (printed
 * when `last`, or when it is not that). */
static int open_listeners(struct server *srv, bool last)
{
    int waiting = 0;

    for (int i = 0; i < srv->opt->listener_count; i++) {
        struct serve_listener *l = &srv->opt->listeners[i];
        for (int k = 0; k < srv->opt->link.naddrs; k++) {
            int rc = l->socks[k] >= 0 ? 0 : open_listener(srv, l, k);
            if (rc == -SYNACK_EADDRNOTAVAIL && !last) {
                waiting = 1;
            } else if (rc < 0) {
                fprintf(stderr, "synack serve: cannot listen on %s port %u: %s\n", srv->opt->link.addr_texts[k],
                        l->port, synack_strerror(rc));
                return rc;
            }
        }
    }
    return waiting;
}

/* From a timer while some address is tentative: binds what it can, and
 * gives up (the run fails) after BIND_WAIT_US. */
static void retry_listeners(struct synack_runtime *rt, void *ctx)
{
    struct server *srv = ctx;
    synack_time_us now = synack_runtime_now(rt);
    bool last = now >= srv->started_us + BIND_WAIT_US;
    int rc = open_listeners(srv, last);

    if (rc > 0 && synack_runtime_at(rt, now + BIND_RETRY_US, retry_listeners, srv) == 0)
        return;
    if (rc != 0) {
        srv->failed = true;
        synack_runtime_stop(rt);
    }
}

static void print_banner(const struct server *srv)
{
    const struct serve_options *o = srv->opt;

    fputs("synack serve: ", stderr);
    link_describe(stderr, srv->rt, &o->link, srv->iface);
    fputc(':', stderr);
    for (int i = 0; i < o->listener_count; i++) {
        const struct serve_listener *l = &o->listeners[i];
        fprintf(stderr, "%s %s on port %u", i ? "," : "", l->service->name, l->port);
        if (l->root != NULL)
            fprintf(stderr, " from %s", l->root);
    }
    if (o->pcap_path != NULL)
        fprintf(stderr, "; capturing to %s", o->pcap_path);
    fputc('\n', stderr);
    fflush(stderr);
}

static int set_up(struct server *srv)
{
    const struct serve_options *o = srv->opt;
    int rc = link_open(srv->rt, &o->link, "synack serve");

    if (rc < 0)
        return rc;
    srv->iface = rc;
    if (o->pcap_path != NULL && (rc = synack_runtime_capture(srv->rt, o->pcap_path)) < 0) {
        fprintf(stderr, "synack serve: cannot create %s\n", o->pcap_path);
        return rc;
    }
    srv->started_us = synack_runtime_now(srv->rt);
    rc = open_listeners(srv, false);
    if (rc < 0)
        return rc;
    if (rc > 0 && (rc = synack_runtime_at(srv->rt, srv->started_us + BIND_RETRY_US, retry_listeners, srv)) < 0)
        return rc;
    synack_runtime_set_handler(srv->rt, on_event, srv);
    if (o->status_s > 0) {
        synack_time_us interval = (synack_time_us)llround(o->status_s * 1e6);
        rc = synack_runtime_at(srv->rt, srv->started_us + interval, status_lines, srv);
        if (rc < 0)
            return rc;
    }
    return synack_runtime_at(srv->rt, synack_runtime_now(srv->rt) + SWEEP_INTERVAL_US, sweep, srv);
}

/* --stats: every counter of the stack that is not zero. */
static void print_stats(struct synack_stack *stack)
{
    const struct synack_stats *s = synack_stack_stats(stack);
#define PRINT_STAT_(field, name, desc)                                                           \
    if (s->field)                                                                               \
        fprintf(stderr, "synack serve: stat %s %llu\n", name, (unsigned long long)s->field);
    SYNACK_STATS_LIST(PRINT_STAT_)
#undef PRINT_STAT_
    for (int r = 0; r < SYNACK_DROP_COUNT; r++)
        if (s->drops[r])
            fprintf(stderr, "synack serve: drop %s %llu\n", synack_drop_name(r), (unsigned long long)s->drops[r]);
}

static int run_server(struct serve_options *o)
{
    struct server srv = {.opt = o};
    int rc, status = EXIT_OK;

    srv.rt = synack_runtime_new(NULL);
    if (srv.rt == NULL) {
        fprintf(stderr, "synack serve: cannot start the runtime: %s\n", strerror(errno));
        return EXIT_FAILED;
    }
    srv.stack = synack_runtime_stack(srv.rt);
    rc = set_up(&srv);
    if (rc >= 0) {
        print_banner(&srv);
        rc = synack_runtime_run(srv.rt);
        if (rc < 0)
            fprintf(stderr, "synack serve: the event loop failed: %s\n", synack_strerror(rc));
        fprintf(stderr,
                "synack serve: stopped: %llu connections served, %llu bytes in, %llu bytes out, %llu HTTP "
                "requests\n",
                (unsigned long long)srv.stats.connections, (unsigned long long)srv.stats.bytes_in,
                (unsigned long long)srv.stats.bytes_out, (unsigned long long)srv.stats.http_requests);
        if (o->stats)
            print_stats(srv.stack);
    }
    if (rc < 0 || srv.failed)
        status = EXIT_FAILED;
    forget_all(&srv);
    synack_runtime_free(srv.rt);
    return status;
}

static int serve_main(int argc, char **argv)
{
    struct serve_options o = {.idle_s = DEFAULT_IDLE_S};
    int status = parse_serve_args(&o, argc, argv);

    if (status == EXIT_OK)
        status = run_server(&o);
    else if (status == ARGS_DONE)
        status = EXIT_OK;
    for (int i = 0; i < o.listener_count; i++)
        free((char *)o.listeners[i].root);
    return status;
}

const struct command cmd_serve = {
    .name = "serve",
    .summary = "run echo, discard, chargen and HTTP services on a TUN or TAP device",
    .usage = usage,
    .run = serve_main,
};
