/*
 * trace_ladder.c — `synack trace ladder FILE`: the ladder diagram of one
 * TCP connection in a capture.
 *
 * The connection index (synack/conn_index.h) finds the connection and
 * replays its packets; the ladder builder (synack/ladder.h) turns them
 * into the model, estimating the delays from where the capture was taken,
 * presuming losses and inferring each end's states; a renderer writes it:
 * text for the terminal, or SVG or HTML chosen by the -o file's name.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "synack/conn_index.h"
#include "synack/errors.h"
#include "synack/ladder.h"

#include "args.h"
#include "ladder_out.h"
#include "page_plots.h"
#include "trace_cmds.h"

static const char usage[] =
    "usage: synack trace ladder FILE [-o OUT.svg|OUT.html] [--conn N] [--port P]\n"
    "                           [--range T0:T1] [--segments A:B] [--relative|--absolute]\n"
    "                           [--delay MS] [--collapse N] [--columns N]\n"
    "                           [--max-segments N]\n"
    "\n"
    "Draws the ladder diagram of one TCP connection in a capture (pcap or pcapng):\n"
    "the client on the left, the server on the right, time flowing down, each\n"
    "segment an arrow labelled with its flags, sequence and acknowledgement\n"
    "numbers, each end's state beside its line.  A capture is taken at one point,\n"
    "so send and arrival times are estimated from the round trips seen there\n"
    "(SYN to SYN,ACK to ACK, data to its ACK), losses are presumed where a\n"
    "segment was sent again before anything acknowledged it, and states are\n"
    "inferred from the segments (RFC 9293 §3.3.2); the legend says so.\n"
    "\n"
    "Options:\n"
    "  -o FILE          write SVG (FILE ends in .svg) or a self-contained HTML page\n"
    "                   with details for every segment and, in tabs beside the\n"
    "                   diagram, the connection's time-sequence graphs and the\n"
    "                   bytes in flight and RTT samples the capture shows (.html);\n"
    "                   default: text for an 80-column terminal on stdout\n"
    "  --conn N         the connection, numbered as `synack trace list` shows\n"
    "                   (default 0); with --port, the N-th of those on that port\n"
    "  --port P         the first connection with port P at either end\n"
    "  --range T0:T1    only segments sent from T0 to T1 seconds after the first\n"
    "                   (either bound may be left out: 2.5: or :0.1)\n"
    "  --segments A:B   only segments number A to B (1-based, in the order sent)\n"
    "  --relative       sequence numbers relative to each side's ISN (default)\n"
    "  --absolute       sequence numbers as on the wire\n"
    "  --delay MS       the one-way delay between the ends, instead of the estimate\n"
    "  --collapse N     summarise runs of N or more ordinary data/ACK segments in a\n"
    "                   band (default 12, when more than 60 segments are shown);\n"
    "                   0 draws every segment\n"
    "  --columns N      width of the text rendering, 60 to 400 (default 80)\n"
    "  --max-segments N keep at most N segments one by one while reading (default\n"
    "                   100000, about 18 MB; 0: no limit); beyond, runs of older\n"
    "                   segments are summarised as counts, in bands that cannot be\n"
    "                   expanded.  Segments within --range and --segments are\n"
    "                   always kept: to see every segment of a part of a huge\n"
    "                   capture, draw that part\n"
    "\n"
    "Exit status: 0 success, 1 the capture could not be read (the message names\n"
    "the packet) or the output not written, 2 bad command line.\n";

static int run_ladder(int argc, char **argv);

const struct trace_subcommand trace_ladder = {
    .name = "ladder",
    .usage = usage,
    .run = run_ladder,
};

struct ladder_args {
    const char *path, *out;
    uint64_t conn, port, columns, collapse, max_segments;
    bool have_port, have_collapse;
    bool delay_given;
    double delay_ms;
    struct synack_ladder_view view;
};

#define PROG "synack trace ladder"

static int parse_args(struct ladder_args *o, int argc, char **argv)
{
    struct args a;
    bool ok = true;
    const char *text;

    args_init(&a, PROG, argc, argv);
    while (ok && args_next(&a)) {
        if (args_is_help(&a)) {
            fputs(usage, stdout);
            return ARGS_DONE;
        } else if (args_is(&a, "-o") || args_is(&a, "--output")) {
            ok = args_string(&a, &o->out);
        } else if (args_is(&a, "--conn")) {
            ok = args_u64(&a, 0, SYNACK_CONN_INDEX_MAX - 1, &o->conn);
        } else if (args_is(&a, "--port")) {
            ok = args_u64(&a, 1, 65535, &o->port);
            o->have_port = true;
        } else if (args_is(&a, "--range")) {
            ok = args_string(&a, &text) && ladder_parse_time_range(PROG, "--range", text, &o->view);
        } else if (args_is(&a, "--segments")) {
            ok = args_string(&a, &text) && ladder_parse_segment_range(PROG, "--segments", text, &o->view);
        } else if (args_is(&a, "--relative")) {
            ok = args_switch(&a);
            o->view.relative = true;
        } else if (args_is(&a, "--absolute")) {
            ok = args_switch(&a);
            o->view.relative = false;
        } else if (args_is(&a, "--delay")) {
            ok = args_double(&a, 0, 3600000, &o->delay_ms);
            o->delay_given = true;
        } else if (args_is(&a, "--collapse")) {
            ok = args_u64(&a, 0, 1000000000, &o->collapse);
            o->have_collapse = true;
        } else if (args_is(&a, "--max-segments")) {
            ok = args_u64(&a, 0, UINT32_MAX, &o->max_segments);
        } else if (args_is(&a, "--columns")) {
            ok = args_u64(&a, 60, 400, &o->columns);
        } else if ((a.flag[0] != '-' || a.flag[1] == '\0') && o->path == NULL) {
            o->path = a.flag;
        } else {
            return args_unknown(&a);
        }
    }
    if (!ok)
        return EXIT_USAGE;
    if (o->path == NULL)
        return args_missing(&a, "FILE", "the capture to read (pcap or pcapng)");
    if (o->out != NULL && strcmp(o->out, "-") != 0 && ladder_format_of(o->out) < 0) {
        fprintf(stderr, PROG ": -o must name a .svg or .html file, or - for text (got \"%s\")\n", o->out);
        return EXIT_USAGE;
    }
    if (o->have_collapse) {
        o->view.collapse = (uint32_t)o->collapse;
        o->view.collapse_above = 0;
    }
    o->view.columns = (int)o->columns;
    return EXIT_OK;
}

/* Feeds connection i's packets to a new builder; NULL (with a message) on
 * failure. */
static struct synack_ladder *build(const struct synack_conn_index *ix, size_t i, const struct ladder_args *o)
{
    const struct synack_conn_summary *c = synack_conn_index_get(ix, i);
    struct synack_ladder_config cfg;
    struct synack_ladder_builder *b;
    struct synack_conn_replay *r;
    struct synack_conn_packet p;
    char err[320];
    int rc;

    synack_ladder_config_default(&cfg);
    cfg.have_ends = true;
    cfg.ends[0] = c->client;
    cfg.ends[1] = c->server;
    cfg.names[0] = "client";
    cfg.names[1] = "server";
    cfg.delay_given = o->delay_given;
    cfg.one_way_delay_us = (synack_time_us)llround(o->delay_ms * 1000.0);
    /* Memory stays bounded, and what the view selects is kept whole. */
    cfg.max_segments = (uint32_t)o->max_segments;
    cfg.keep_first = o->view.first_segment;
    cfg.keep_last = o->view.last_segment;
    cfg.keep_range = o->view.have_range;
    cfg.keep_from = o->view.range_from;
    cfg.keep_to = o->view.range_to;
    b = synack_ladder_builder_new(&cfg);
    if (b == NULL) {
        fprintf(stderr, PROG ": out of memory\n");
        return NULL;
    }
    rc = synack_conn_replay_open(ix, i, &r, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, PROG ": %s: %s\n", o->path, err);
        synack_ladder_builder_free(b);
        return NULL;
    }
    while ((rc = synack_conn_replay_next(r, &p, err, sizeof err)) == 1) {
        size_t present = 0;
        const uint8_t *end = p.cap.ip + p.cap.ip_len;
        if (p.info.payload != NULL && p.info.payload >= p.cap.ip && p.info.payload <= end)
            present = (size_t)(end - p.info.payload);
        rc = synack_ladder_builder_decoded(b, p.cap.when, &p.info, present, p.cap.number);
        if (rc < 0) {
            snprintf(err, sizeof err, "%s", synack_strerror(rc));
            break;
        }
    }
    synack_conn_replay_close(r);
    if (rc < 0) {
        fprintf(stderr, PROG ": %s: %s\n", o->path, err);
        synack_ladder_builder_free(b);
        return NULL;
    }
    struct synack_ladder *l = synack_ladder_builder_finish(b);
    if (l == NULL)
        fprintf(stderr, PROG ": out of memory\n");
    return l;
}

static int run_ladder(int argc, char **argv)
{
    struct ladder_args o;
    struct synack_conn_index *ix;
    struct synack_ladder *l;
    char err[320];
    long conn;
    int status;

    memset(&o, 0, sizeof o);
    o.columns = 80;
    o.max_segments = SYNACK_LADDER_MAX_SEGMENTS;
    synack_ladder_view_default(&o.view);
    o.view.relative = true;
    status = parse_args(&o, argc, argv);
    if (status != EXIT_OK)
        return status == ARGS_DONE ? EXIT_OK : status;
    if (synack_conn_index_build(o.path, &ix, err, sizeof err) < 0) {
        fprintf(stderr, PROG ": %s: %s\n", o.path, err);
        return EXIT_FAILED;
    }
    conn = trace_choose_conn(PROG, ix, o.path, o.conn, o.have_port, o.port);
    if (conn < 0) {
        synack_conn_index_free(ix);
        return EXIT_FAILED;
    }
    l = build(ix, (size_t)conn, &o);
    if (l != NULL && o.out != NULL && ladder_format_of(o.out) == LADDER_HTML) {
        /* The page shows the connection's plots too: the index replays it again. */
        status = page_plots_write_capture_page(PROG, ix, (size_t)conn, l, &o.view, o.out);
        synack_conn_index_free(ix);
        synack_ladder_free(l);
        return status < 0 ? EXIT_FAILED : EXIT_OK;
    }
    synack_conn_index_free(ix);
    if (l == NULL)
        return EXIT_FAILED;
    if (o.out == NULL || strcmp(o.out, "-") == 0)
        status = ladder_write_file(PROG, l, &o.view, LADDER_TEXT, "-");
    else
        status = ladder_write_file(PROG, l, &o.view, (enum ladder_format)ladder_format_of(o.out), o.out);
    synack_ladder_free(l);
    return status < 0 ? EXIT_FAILED : EXIT_OK;
}
