/* page_plots.c — see page_plots.h. */
#include "page_plots.h"

#include <stdio.h>
#include <string.h>

#include "synack/errors.h"

#include "ladder_out.h"

/* What each view of the page says about its charts: from a trace (the
 * engine's own figures), and from a capture (estimates). */
static const char *const note_trace[PAGE_PLOT_VIEWS] = {
    "Each sender's segments as its own stack traced them leaving (retransmissions red, marked "
    "\xe2\x9c\x95), with the ACK line, the receive window (ACK + window) and the SACK blocks as "
    "the ACKs reached it.",
    "The engine's own figures, traced after every ACK and timeout (SYNACK_TRACE_CC): cwnd, "
    "ssthresh and the bytes in flight (RFC 6675 pipe); fast recovery and recovery after a timeout "
    "shaded.",
    "The engine's SRTT and RTO (RFC 6298, backed off after timeouts), and RTT samples from each data "
    "segment to the ACK that covers it, as the sender saw them (none from retransmitted segments: "
    "Karn's rule).",
};
static const char *const note_capture[PAGE_PLOT_VIEWS] = {
    "The segments as the capture point saw them (retransmissions red, marked \xe2\x9c\x95), with "
    "the ACK line, the receive window (ACK + window) and the SACK blocks.",
    "<strong>Estimates.</strong> A capture does not show the sender's congestion window: this is "
    "the bytes in flight as the capture point saw them, highest sequence sent \xe2\x88\x92 latest "
    "cumulative ACK (lost and SACKed bytes included).",
    "<strong>Estimates.</strong> A capture does not show the sender's RTT estimator: these are RTT "
    "samples from each data segment to the ACK that covers it as the capture point saw them (none "
    "from retransmitted segments: Karn's rule) and their RFC 6298 average. At the sender they are "
    "what the sender measured; elsewhere, only the part of the round trip beyond the capture point.",
};
static const char note_clock_trace[] =
    "Time from the diagram's first segment; click an arrow in the diagram to mark its send time here.";
static const char note_clock_capture[] =
    "Time from the diagram's first segment, at the capture point (the diagram's send times are "
    "estimated: they may differ by the delay to the capture point); click an arrow in the diagram to "
    "mark its send time here.";

static const char *const view_ids[PAGE_PLOT_VIEWS] = {"tseq", "cwnd", "rtt"};

void page_plots_init(struct page_plots *pp, uint64_t conn_index)
{
    memset(pp, 0, sizeof *pp);
    conn_pick_init(&pp->pick, conn_index);
}

/* Both ends' plots, time 0 at origin, within the view's range if any. */
static bool make_plots(struct page_plots *pp, synack_time_us origin, const struct synack_ladder_view *v)
{
    struct synack_tcp_plot_options o = {.have_origin = true, .origin = origin};

    if (v != NULL && v->have_range) {
        o.have_range = true;
        o.range_from = v->range_from;
        o.range_to = v->range_to;
    }
    for (int e = 0; e < 2; e++) {
        pp->tp[e] = synack_tcp_plot_new(&o);
        if (pp->tp[e] == NULL) {
            pp->failed = true;
            return false;
        }
    }
    return true;
}

void page_plots_trace(struct page_plots *pp, const struct synack_trace_event *ev)
{
    int end;

    if (pp->failed)
        return;
    end = conn_pick_event(&pp->pick, ev);
    if (end < 0)
        return;
    if (pp->tp[0] == NULL) {
        pp->ep[0] = pp->pick.ep[0];
        pp->ep[1] = pp->pick.ep[1];
        if (!make_plots(pp, pp->pick.first_at, NULL))
            return;
    }
    synack_tcp_plot_trace(pp->tp[end], ev);     /* end's stack: end is the sender */
}

int page_plots_capture(struct page_plots *pp, const struct synack_conn_index *ix, size_t conn,
                       const struct synack_ladder *l, const struct synack_ladder_view *v, char *err, size_t errlen)
{
    const struct synack_conn_summary *c = synack_conn_index_get(ix, conn);
    struct synack_conn_replay *r;
    struct synack_conn_packet p;
    int rc;

    memset(pp, 0, sizeof *pp);
    pp->capture = true;
    if (c == NULL) {
        snprintf(err, errlen, "no connection %zu", conn);
        return -SYNACK_EINVAL;
    }
    pp->ep[SYNACK_CONN_FROM_CLIENT] = c->client;
    pp->ep[SYNACK_CONN_FROM_SERVER] = c->server;
    if (!make_plots(pp, synack_ladder_info(l)->origin, v)) {
        snprintf(err, errlen, "%s", synack_strerror(-SYNACK_ENOMEM));
        return -SYNACK_ENOMEM;
    }
    rc = synack_conn_replay_open(ix, conn, &r, err, errlen);
    if (rc < 0)
        return rc;
    while ((rc = synack_conn_replay_next(r, &p, err, errlen)) == 1) {
        for (int d = 0; d < 2; d++) {
            bool from_sender = (int)p.from == d;
            synack_tcp_plot_segment(pp->tp[d], p.cap.when, &p.info, from_sender,
                                    from_sender ? p.retransmission : -1);
        }
    }
    synack_conn_replay_close(r);
    return rc < 0 ? rc : 0;
}

static void put_escaped(FILE *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        default: fputc(*s, out); break;
        }
    }
}

static int write_view(void *ctx, FILE *out)
{
    const struct page_plot_view *v = ctx;
    const struct page_plots *pp = v->pp;
    int rc = 0;

    fprintf(out, "<p class=\"note\">%s %s</p>\n", (pp->capture ? note_capture : note_trace)[v->kind],
            pp->capture ? note_clock_capture : note_clock_trace);
    for (int i = 0; i < v->end_count && rc >= 0; i++) {
        int e = v->ends[i];
        char id[32];

        fprintf(out, "<figure class=\"plot\" data-kind=\"%s\" data-end=\"%d\">\n<figcaption><h3>",
                synack_tcp_plot_kind_name(v->kind), e);
        put_escaped(out, pp->names[e]);
        fputs(" \xe2\x86\x92 ", out);
        put_escaped(out, pp->names[1 - e]);
        fputs("</h3></figcaption>\n", out);
        snprintf(id, sizeof id, "%s-end%d", view_ids[v->kind], e);
        rc = synack_tcp_plot_write_svg_inline(pp->tp[e], v->kind, id, out);
        fputs("</figure>\n", out);
    }
    return rc < 0 ? rc : ferror(out) ? -SYNACK_EIO : 0;
}

/* The ladder's end at ep, or -1. */
static int ladder_end_at(const struct synack_ladder *l, const struct synack_endpoint *ep)
{
    for (int j = 0; j < 2; j++) {
        if (synack_endpoint_equal(&synack_ladder_end(l, j)->ep, ep))
            return j;
    }
    return -1;
}

size_t page_plots_sections(struct page_plots *pp, const struct synack_ladder *l,
                           const struct synack_ladder_section **out)
{
    static const char *const titles[PAGE_PLOT_VIEWS] = {"Time-sequence graph", "Congestion window",
                                                         "Round-trip time"};
    const struct synack_tcp_plot_stats *st[2];
    int order[2], senders = 0;
    size_t n = 0;

    *out = pp->sections;
    if (pp->failed || pp->tp[0] == NULL || pp->tp[1] == NULL)
        return 0;
    for (int e = 0; e < 2; e++) {
        char ep[SYNACK_ENDPOINT_STRLEN];
        int j = ladder_end_at(l, &pp->ep[e]);
        if (j < 0)
            return 0;            /* not the diagram's connection */
        snprintf(pp->names[e], sizeof pp->names[e], "%s %s", synack_ladder_end(l, j)->name,
                 synack_endpoint_format(&pp->ep[e], ep, sizeof ep));
        st[e] = synack_tcp_plot_stats(pp->tp[e]);
    }
    /* The senders of data, the busier first; else whoever sent a SYN or FIN. */
    for (int e = 0; e < 2; e++) {
        if (st[e]->bytes > 0)
            order[senders++] = e;
    }
    if (senders == 2 && st[1]->bytes > st[0]->bytes) {
        order[0] = 1;
        order[1] = 0;
    }
    for (int e = 0; e < 2 && senders == 0; e++) {
        if (st[e]->segments > 0)
            order[senders++] = e;
    }
    for (int k = 0; k < PAGE_PLOT_VIEWS; k++) {
        struct page_plot_view *v = &pp->views[n];
        v->pp = pp;
        v->kind = (enum synack_tcp_plot_kind)k;
        v->end_count = 0;
        for (int i = 0; i < senders; i++) {
            /* From a trace, cwnd and RTT are the engine's: only for a stack that traced them. */
            if (k == SYNACK_TCP_PLOT_TSEQ || pp->capture || st[order[i]]->cc_events > 0)
                v->ends[v->end_count++] = order[i];
        }
        if (v->end_count == 0)
            continue;
        pp->sections[n] = (struct synack_ladder_section){
            .id = view_ids[k],
            .title = k == SYNACK_TCP_PLOT_CWND && pp->capture ? "Bytes in flight" : titles[k],
            .write = write_view,
            .ctx = v,
        };
        n++;
    }
    return n;
}

void page_plots_free(struct page_plots *pp)
{
    for (int e = 0; e < 2; e++) {
        synack_tcp_plot_free(pp->tp[e]);
        pp->tp[e] = NULL;
    }
    conn_pick_free(&pp->pick);
}

int page_plots_write_capture_page(const char *prog, const struct synack_conn_index *ix, size_t conn,
                                  const struct synack_ladder *l, const struct synack_ladder_view *v,
                                  const char *path)
{
    struct page_plots pp;
    const struct synack_ladder_section *sections = NULL;
    size_t count = 0;
    char err[320];
    int rc;

    if (page_plots_capture(&pp, ix, conn, l, v, err, sizeof err) < 0)
        fprintf(stderr, "%s: warning: the page goes without plots: %s\n", prog, err);
    else
        count = page_plots_sections(&pp, l, &sections);
    rc = ladder_write_page(prog, l, v, LADDER_HTML, sections, count, path);
    page_plots_free(&pp);
    return rc;
}
