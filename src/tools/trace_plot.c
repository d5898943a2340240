/*
 * trace_plot.c — `synack trace plot FILE -o out.svg --kind tseq|cwnd|rtt`:
 * a time-sequence graph, the bytes in flight or the round-trip times of
 * one direction of one connection in a capture.
 *
 * The connection index (synack/conn_index.h) finds the connections and
 * replays the chosen one's segments, classified as `synack trace list`
 * counts them; the TCP plot (synack/plot.h) draws them.  A capture shows
 * no congestion window, so --kind cwnd draws the bytes in flight as the
 * capture sees them (highest sequence sent minus latest ACK), and --kind
 * rtt the samples from each data segment to the ACK that covers it
 * (Karn's rule: none from a retransmitted segment) with their RFC 6298
 * average.  Both depend on where the capture was taken: at the sender
 * they are what the sender saw.  --range draws a time window of the
 * connection; every segment before it still feeds the plot (window scale,
 * sequence space, RTT estimate), so the window looks as it does in the
 * whole.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "synack/conn_index.h"
#include "synack/errors.h"
#include "synack/plot.h"

#include "args.h"
#include "ladder_out.h"
#include "trace_cmds.h"

#define MAX_PIXELS 20000

static const char usage[] =
    "usage: synack trace plot FILE -o OUT.svg [--kind tseq|cwnd|rtt] [--conn N]\n"
    "                         [--dir client|server] [--range T0:T1] [--absolute]\n"
    "                         [--width PX] [--height PX]\n"
    "\n"
    "Plots one direction of one TCP connection of a capture (pcap or pcapng) as a\n"
    "standalone SVG file.\n"
    "\n"
    "Kinds:\n"
    "  tseq   time-sequence graph (Stevens, tcptrace): each data segment a bar\n"
    "         from its first to its last sequence number at the time it was sent,\n"
    "         retransmissions red and marked with a cross; the ACK line (the\n"
    "         receiver's cumulative ACK), the window line (ACK + advertised\n"
    "         window, scaled when both SYNs negotiated window scaling) and SACK\n"
    "         blocks (default)\n"
    "  cwnd   bytes in flight over time, estimated from the capture as highest\n"
    "         sequence sent - latest ACK (a capture cannot show cwnd; `synack sim\n"
    "         --plot-cwnd` plots the sender's own figures)\n"
    "  rtt    RTT samples, each data segment to the ACK that covers it (none from\n"
    "         retransmitted segments: Karn's rule), and their RFC 6298 SRTT\n"
    "\n"
    "Options:\n"
    "  -o FILE        the SVG to write (\"-\" for standard output; required)\n"
    "  --kind K       tseq, cwnd or rtt (default tseq)\n"
    "  --conn N       the connection, numbered as `synack trace list` shows (default 0)\n"
    "  --dir D        whose data: client (the side that sent the SYN) or server;\n"
    "                 default the side that sent more bytes\n"
    "  --range T0:T1  only what happened from T0 to T1 seconds after the\n"
    "                 connection's first segment (either bound may be left out:\n"
    "                 2.5: or :0.1); the time axis spans the range\n"
    "  --absolute     sequence numbers as on the wire, not relative to the ISN\n"
    "  --width PX     picture width, 200 to 20000 (default 960)\n"
    "  --height PX    picture height, 150 to 20000 (default 540)\n"
    "\n"
    "Long captures are downsampled to a few points per pixel column (the\n"
    "smallest and largest values are kept), so the file stays small.\n"
    "\n"
    "Exit status: 0 success, 1 the capture could not be read (the message names\n"
    "the packet) or the output not written, 2 bad command line.\n";

static int run_plot(int argc, char **argv);

const struct trace_subcommand trace_plot = {
    .name = "plot",
    .usage = usage,
    .run = run_plot,
};

struct plot_args {
    const char *path, *out;
    int kind;                    /* enum synack_tcp_plot_kind */
    uint64_t conn;
    int dir;                     /* enum synack_conn_dir, or -1: the busier side */
    bool absolute;
    uint64_t width, height;
    struct synack_ladder_view range;     /* --range: have_range, range_from, range_to */
};

static int parse(struct plot_args *o, int argc, char **argv)
{
    static const char *const kinds[] = {"tseq", "cwnd", "rtt", NULL};
    static const char *const dirs[] = {"client", "server", NULL};
    struct args a;
    bool ok = true;

    args_init(&a, "synack trace plot", argc, argv);
    while (ok && args_next(&a)) {
        if (args_is_help(&a)) {
            fputs(usage, stdout);
            return ARGS_DONE;
        } else if (args_is(&a, "-o") || args_is(&a, "--output")) {
            ok = args_string(&a, &o->out);
        } else if (args_is(&a, "--kind")) {
            ok = args_choice(&a, kinds, &o->kind);
        } else if (args_is(&a, "--conn")) {
            ok = args_u64(&a, 0, SYNACK_CONN_INDEX_MAX - 1, &o->conn);
        } else if (args_is(&a, "--dir")) {
            ok = args_choice(&a, dirs, &o->dir);
        } else if (args_is(&a, "--range")) {
            const char *text;
            ok = args_string(&a, &text) && ladder_parse_time_range("synack trace plot", "--range", text, &o->range);
        } else if (args_is(&a, "--absolute")) {
            ok = args_switch(&a);
            o->absolute = true;
        } else if (args_is(&a, "--width")) {
            ok = args_u64(&a, 200, MAX_PIXELS, &o->width);
        } else if (args_is(&a, "--height")) {
            ok = args_u64(&a, 150, MAX_PIXELS, &o->height);
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
    if (o->out == NULL)
        return args_missing(&a, "-o", "the SVG file to write, e.g. -o plot.svg");
    return EXIT_OK;
}

/* Replays the connection's segments into the plot. */
static int feed(const struct synack_conn_index *ix, size_t conn, enum synack_conn_dir dir,
                struct synack_tcp_plot *tp, char *err, size_t errlen)
{
    struct synack_conn_replay *r;
    struct synack_conn_packet p;
    int rc = synack_conn_replay_open(ix, conn, &r, err, errlen);

    if (rc < 0)
        return rc;
    while ((rc = synack_conn_replay_next(r, &p, err, errlen)) == 1) {
        bool from_sender = p.from == dir;
        synack_tcp_plot_segment(tp, p.cap.when, &p.info, from_sender, from_sender ? p.retransmission : -1);
    }
    synack_conn_replay_close(r);
    return rc;
}

static int write_plot(struct synack_tcp_plot *tp, const struct plot_args *o)
{
    bool to_stdout = strcmp(o->out, "-") == 0;
    FILE *f = to_stdout ? stdout : fopen(o->out, "w");
    int rc;

    if (f == NULL) {
        fprintf(stderr, "synack trace plot: cannot create %s: %s\n", o->out, strerror(errno));
        return EXIT_FAILED;
    }
    rc = synack_tcp_plot_write_svg(tp, (enum synack_tcp_plot_kind)o->kind, f);
    if ((!to_stdout && fclose(f) != 0) || (to_stdout && fflush(f) != 0))
        rc = rc < 0 ? rc : -SYNACK_EIO;
    if (rc < 0) {
        fprintf(stderr, "synack trace plot: writing %s failed: %s\n", o->out, synack_strerror(rc));
        return EXIT_FAILED;
    }
    return EXIT_OK;
}

static int plot_conn(const struct synack_conn_index *ix, size_t conn, const struct plot_args *o)
{
    const struct synack_conn_summary *c = synack_conn_index_get(ix, conn);
    struct synack_tcp_plot_options po = {.absolute_seq = o->absolute,
                                         .width = (unsigned)o->width,
                                         .height = (unsigned)o->height,
                                         .have_range = o->range.have_range,
                                         .range_from = o->range.range_from,
                                         .range_to = o->range.range_to};
    const struct synack_tcp_plot_stats *st;
    char a[SYNACK_ENDPOINT_STRLEN], b[SYNACK_ENDPOINT_STRLEN], title[256], err[320];
    enum synack_conn_dir dir;
    struct synack_tcp_plot *tp;
    int status;

    if (o->dir >= 0)
        dir = (enum synack_conn_dir)o->dir;
    else
        dir = c->flow[SYNACK_CONN_FROM_SERVER].bytes > c->flow[SYNACK_CONN_FROM_CLIENT].bytes
                  ? SYNACK_CONN_FROM_SERVER
                  : SYNACK_CONN_FROM_CLIENT;
    synack_endpoint_format(dir == SYNACK_CONN_FROM_CLIENT ? &c->client : &c->server, a, sizeof a);
    synack_endpoint_format(dir == SYNACK_CONN_FROM_CLIENT ? &c->server : &c->client, b, sizeof b);
    snprintf(title, sizeof title, "connection %zu, %s %s \xe2\x86\x92 %s", c->index,
             dir == SYNACK_CONN_FROM_CLIENT ? "client" : "server", a, b);
    po.title = title;
    tp = synack_tcp_plot_new(&po);
    if (tp == NULL) {
        fprintf(stderr, "synack trace plot: out of memory\n");
        return EXIT_FAILED;
    }
    if (feed(ix, conn, dir, tp, err, sizeof err) < 0) {
        fprintf(stderr, "synack trace plot: %s: %s\n", o->path, err);
        synack_tcp_plot_free(tp);
        return EXIT_FAILED;
    }
    status = write_plot(tp, o);
    st = synack_tcp_plot_stats(tp);
    if (status == EXIT_OK)
        fprintf(strcmp(o->out, "-") == 0 ? stderr : stdout,
                "%s: %s of connection %zu, %s to %s: %" PRIu64 " segments, %" PRIu64 " retransmissions, %" PRIu64
                " ACKs, %" PRIu64 " RTT samples%s\n",
                o->out, synack_tcp_plot_kind_name((enum synack_tcp_plot_kind)o->kind), c->index, a, b,
                st->segments, st->retransmissions, st->acks, st->rtt_samples,
                o->range.have_range ? " in the range" : "");
    synack_tcp_plot_free(tp);
    return status;
}

static int run_plot(int argc, char **argv)
{
    struct plot_args o = {.dir = -1, .kind = SYNACK_TCP_PLOT_TSEQ};
    struct synack_conn_index *ix;
    char err[320];
    long conn;
    int status = parse(&o, argc, argv);

    if (status != EXIT_OK)
        return status == ARGS_DONE ? EXIT_OK : status;
    if (synack_conn_index_build(o.path, &ix, err, sizeof err) < 0) {
        fprintf(stderr, "synack trace plot: %s: %s\n", o.path, err);
        return EXIT_FAILED;
    }
    conn = trace_choose_conn("synack trace plot", ix, o.path, o.conn, false, 0);
    status = conn < 0 ? EXIT_FAILED : plot_conn(ix, (size_t)conn, &o);
    synack_conn_index_free(ix);
    return status;
}
