/*
 * trace_list.c — `synack trace list FILE`: the TCP connections in a
 * capture, one line each (synack/conn_index.h does the work).
 *
 *   conn  client → server                      duration s  bytes →  bytes ←  rexmit →  rexmit ←  state
 *      0  198.18.0.1:49152 → 198.18.0.2:80       2.240000       20       10         0         0  CLOSED (FIN both ways)
 *
 * "→" is client to server, "←" server to client.  Bytes are payload
 * sequence space covered (a retransmitted byte counts once); rexmit counts
 * segments that re-sent sequence space.  A last line sums up what was
 * read.  With --json: a JSON array with one object per connection.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "synack/conn_index.h"
#include "synack/errors.h"

#include "args.h"
#include "json.h"
#include "trace_cmds.h"

static const char usage[] =
    "usage: synack trace list FILE [--json]\n"
    "\n"
    "Lists the TCP connections in a capture (pcap or pcapng), one a line, in the\n"
    "order of their first packet: the connection's number (as ladder --conn takes\n"
    "it, and as Wireshark's tcp.stream counts), client → server (the client is\n"
    "the side that sent the SYN), duration, payload bytes each way (a byte\n"
    "retransmitted counts once), retransmitted segments each way, and the state\n"
    "the connection was left in as far as the capture shows.\n"
    "\n"
    "Options:\n"
    "  --json   a JSON array, one object per connection, with every count\n"
    "\n"
    "Exit status: 0 success, 1 the capture could not be read (the message names\n"
    "the packet), 2 bad command line.\n";

static int run_list(int argc, char **argv);

const struct trace_subcommand trace_list = {
    .name = "list",
    .usage = usage,
    .run = run_list,
};

static void print_flow_json(FILE *out, const char *key, const struct synack_conn_flow *f)
{
    fprintf(out,
            "\"%s\": {\"packets\": %" PRIu64 ", \"bytes\": %" PRIu64 ", \"retransmissions\": %" PRIu64
            ", \"retransmitted_bytes\": %" PRIu64 ", \"keepalives\": %" PRIu64
            ", \"syn\": %s, \"fin\": %s, \"rst\": %s}",
            key, f->packets, f->bytes, f->retransmissions, f->retransmitted_bytes, f->keepalives,
            f->syn ? "true" : "false", f->fin ? "true" : "false", f->rst ? "true" : "false");
}

/* One object per line, so that line tools can still pick connections out. */
static void print_json(const struct synack_conn_index *ix)
{
    size_t n = synack_conn_index_count(ix);
    fputs(n ? "[\n" : "[", stdout);
    for (size_t i = 0; i < n; i++) {
        const struct synack_conn_summary *c = synack_conn_index_get(ix, i);
        char client[SYNACK_ENDPOINT_STRLEN], server[SYNACK_ENDPOINT_STRLEN], state[64];
        synack_endpoint_format(&c->client, client, sizeof client);
        synack_endpoint_format(&c->server, server, sizeof server);
        synack_conn_end_text(c, state, sizeof state);
        printf("  {\"conn\": %zu, \"client\": ", c->index);
        json_write_string(stdout, client);
        fputs(", \"server\": ", stdout);
        json_write_string(stdout, server);
        printf(", \"client_sent_syn\": %s, \"first_time_us\": %" PRIu64 ", \"last_time_us\": %" PRIu64
               ", \"duration_us\": %" PRIu64 ", \"first_packet\": %" PRIu64 ", \"last_packet\": %" PRIu64
               ", \"packets\": %" PRIu64 ", ",
               c->client_sent_syn ? "true" : "false", c->first_time, c->last_time, c->last_time - c->first_time,
               c->first_packet, c->last_packet, c->packets);
        print_flow_json(stdout, "client_to_server", &c->flow[SYNACK_CONN_FROM_CLIENT]);
        fputs(", ", stdout);
        print_flow_json(stdout, "server_to_client", &c->flow[SYNACK_CONN_FROM_SERVER]);
        printf(", \"state\": \"%s\", \"state_text\": ", synack_conn_end_name(c->end));
        json_write_string(stdout, state);
        fputs(i + 1 < n ? "},\n" : "}\n", stdout);
    }
    fputs("]\n", stdout);
}

/* Display columns of UTF-8 text (every byte but continuation bytes). */
static int columns(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

static void print_text(const struct synack_conn_index *ix)
{
    size_t n = synack_conn_index_count(ix);
    /* The endpoints column is as wide as its widest entry. */
    int width = columns("client → server");
    for (size_t i = 0; i < n; i++) {
        const struct synack_conn_summary *c = synack_conn_index_get(ix, i);
        char a[SYNACK_ENDPOINT_STRLEN], b[SYNACK_ENDPOINT_STRLEN];
        int w = (int)strlen(synack_endpoint_format(&c->client, a, sizeof a)) + 3 +
                (int)strlen(synack_endpoint_format(&c->server, b, sizeof b));
        if (w > width)
            width = w;
    }
    /* Headers right-aligned over their numbers, counting columns, not bytes. */
    static const struct {
        int width;
        const char *text;
    } heads[] = {{14, "duration s"}, {10, "bytes →"}, {10, "bytes ←"}, {8, "rexmit →"}, {8, "rexmit ←"}};
    printf("conn  client → server%*s", width - columns("client → server"), "");
    for (size_t h = 0; h < sizeof heads / sizeof heads[0]; h++)
        printf("  %*s%s", heads[h].width - columns(heads[h].text), "", heads[h].text);
    printf("  state\n");
    for (size_t i = 0; i < n; i++) {
        const struct synack_conn_summary *c = synack_conn_index_get(ix, i);
        char a[SYNACK_ENDPOINT_STRLEN], b[SYNACK_ENDPOINT_STRLEN], pair[2 * SYNACK_ENDPOINT_STRLEN + 8], state[64];
        snprintf(pair, sizeof pair, "%s → %s", synack_endpoint_format(&c->client, a, sizeof a),
                 synack_endpoint_format(&c->server, b, sizeof b));
        const struct synack_conn_flow *up = &c->flow[SYNACK_CONN_FROM_CLIENT], *down = &c->flow[SYNACK_CONN_FROM_SERVER];
        uint64_t us = c->last_time - c->first_time;
        printf("%4zu  %s%*s  %7" PRIu64 ".%06" PRIu64 "  %10" PRIu64 "  %10" PRIu64 "  %8" PRIu64 "  %8" PRIu64
               "  %s\n",
               c->index, pair, width - columns(pair), "", us / 1000000u, us % 1000000u, up->bytes, down->bytes,
               up->retransmissions, down->retransmissions, synack_conn_end_text(c, state, sizeof state));
    }
    const struct synack_conn_index_stats *st = synack_conn_index_stats(ix);
    printf("%zu connection%s, %" PRIu64 " TCP segments in %" PRIu64 " packet records", n, n == 1 ? "" : "s",
           st->tcp_packets, st->capture.records);
    if (st->capture.ipv6)
        printf("; %" PRIu64 " IPv6 packets", st->capture.ipv6);
    if (st->other_ip)
        printf("; %" PRIu64 " other IP", st->other_ip);
    if (st->capture.skipped)
        printf("; %" PRIu64 " not IP", st->capture.skipped);
    if (st->malformed)
        printf("; %" PRIu64 " malformed", st->malformed);
    if (st->truncated_tcp)
        printf("; %" PRIu64 " cut short by the snapshot length", st->truncated_tcp);
    printf("\n");
}

static int run_list(int argc, char **argv)
{
    struct args a;
    const char *path = NULL;
    bool json = false;

    args_init(&a, "synack trace list", argc, argv);
    while (args_next(&a)) {
        if (args_is_help(&a)) {
            fputs(usage, stdout);
            return EXIT_OK;
        }
        if (args_is(&a, "--json")) {
            if (!args_switch(&a))
                return EXIT_USAGE;
            json = true;
        } else if ((a.flag[0] != '-' || a.flag[1] == '\0') && path == NULL) {
            path = a.flag;
        } else {
            return args_unknown(&a);
        }
    }
    if (path == NULL)
        return args_missing(&a, "FILE", "the capture to read (pcap or pcapng)");

    struct synack_conn_index *ix;
    char err[320];
    if (synack_conn_index_build(path, &ix, err, sizeof err) < 0) {
        fprintf(stderr, "synack trace list: %s: %s\n", path, err);
        return EXIT_FAILED;
    }
    if (json)
        print_json(ix);
    else
        print_text(ix);
    synack_conn_index_free(ix);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "synack trace list: writing the list failed\n");
        return EXIT_FAILED;
    }
    return EXIT_OK;
}
