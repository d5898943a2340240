/*
 * synack/plot.h — plots of a TCP connection as standalone SVG: the
 * time-sequence graph (Stevens, tcptrace), congestion window and RTT over
 * time.
 *
 * Two layers.  The chart (synack_plot_*) knows nothing of TCP: series of
 * values over time, drawn with axes, ticks, labels and a legend.  The TCP
 * plot (synack_tcp_plot_*) follows one direction of one connection, fed
 * segment by segment (from a capture, or from a stack's trace hook) and
 * with the sender's congestion figures (SYNACK_TRACE_CC) when the sender
 * is a synack stack, and fills three charts from them.
 *
 * Memory is bounded whatever the input's length.  Each series holds at
 * most `max_records` records; when it fills, neighbouring records are
 * merged in time bins (a bin keeps the first, last, smallest and largest
 * value, or the union of its bars) and the bin width doubles as often as
 * needed.  Drawing merges again per pixel column, so an SVG has a bounded
 * number of points per column and stays small, and a bin is never wider
 * than a fraction of a pixel unless max_records is set below the width.
 *
 * The SVG has no scripts and no external references.  Its structure is
 * stable for tools and tests: each series is a <g class="series STYLE"
 * data-series="NAME" data-count="N"> (N: the values it was given, before
 * any merging), a bar is a <line class="bar">, a retransmission
 * mark a <path class="mark">, a step or line series one or more
 * <polyline>s, a point a <circle>, a band a <rect class="band">.
 */
#ifndef SYNACK_PLOT_H
#define SYNACK_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "synack/packet.h"
#include "synack/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Charts ------------------------------------------------------------- */

enum synack_plot_style {
    SYNACK_PLOT_STEP,      /* each value holds until the next (cumulative ACK, cwnd) */
    SYNACK_PLOT_LINE,      /* straight lines between the points */
    SYNACK_PLOT_POINTS,    /* unconnected dots (RTT samples) */
    SYNACK_PLOT_BARS,      /* vertical bars from lo to hi at a time (segments, SACK blocks) */
    SYNACK_PLOT_BANDS,     /* shaded time intervals, the plot's whole height (recovery) */
};

/* Series flags. */
#define SYNACK_PLOT_MARKED 0x1u   /* bars: a cross above each bar (retransmissions) */
#define SYNACK_PLOT_DASHED 0x2u   /* step and line series */
/* Step and line series: the series does not widen the y axis; what lies
 * beyond the other series' range is cut off at the plot's edge (the
 * window line, far above the data of a sender not limited by it). */
#define SYNACK_PLOT_CLIPPED 0x4u

#define SYNACK_PLOT_DEFAULT_WIDTH 960
#define SYNACK_PLOT_DEFAULT_HEIGHT 540
/* 4096 records of 56 bytes: about 230 KB for a full series, and about
 * five records for each pixel column of the default width. */
#define SYNACK_PLOT_DEFAULT_RECORDS 4096
#define SYNACK_PLOT_MAX_SERIES 16

struct synack_plot_options {
    const char *title;           /* NULL: none */
    const char *x_label;         /* NULL: "time (s)" */
    const char *y_label;         /* NULL: none */
    unsigned width, height;      /* pixels of the whole picture; 0: the defaults */
    size_t max_records;          /* per series; 0: the default; at least 16 */
    bool y_from_zero;            /* the y axis starts at 0 (or below, for negative data) */
    bool x_from_zero;            /* the x axis too */
    bool y_plain;                /* y labels in full ("3913046017"), not "3.9G" */
    bool y_log;                  /* logarithmic y axis (values <= 0 sit on its bottom edge) */
    /* A window of x: the axis spans [x_min, x_max] (each bound only when
     * have_x_min / have_x_max) and values outside it are left out as they
     * arrive.  A step or line series is cut at the window's edges rather
     * than ended at its last value inside: the value it held at x_min
     * starts it, and the value it held at x_max (a line: interpolated)
     * ends it.  Bands are cut to the window. */
    bool have_x_min, have_x_max;
    double x_min, x_max;
};

struct synack_plot;

/* Returns NULL when out of memory. */
struct synack_plot *synack_plot_new(const struct synack_plot_options *opt);
void synack_plot_free(struct synack_plot *p);

/* Adds a series; name and color (any SVG colour, "#1f77b4") are copied.
 * Returns its number (>= 0), -SYNACK_EINVAL (more than
 * SYNACK_PLOT_MAX_SERIES) or -SYNACK_ENOMEM. */
int synack_plot_series(struct synack_plot *p, enum synack_plot_style style, const char *name,
                       const char *color, unsigned flags);
/* A hidden series is neither drawn, nor in the legend, nor in the axes'
 * ranges.  Series start visible; an empty one is left out of the legend. */
void synack_plot_set_visible(struct synack_plot *p, int series, bool visible);

/* A value of a STEP, LINE or POINTS series.  x must not decrease by much
 * (a point earlier than the last one joins the last record).  NaN ends
 * the line there (a gap; lost when narrower than a bin); +INFINITY is a
 * value above the plot, drawn clipped on its top edge and left out of the
 * y range (ssthresh before the first loss). */
void synack_plot_add(struct synack_plot *p, int series, double x, double y);
/* A bar of a BARS series, from lo to hi at x. */
void synack_plot_add_bar(struct synack_plot *p, int series, double x, double lo, double hi);
/* An interval of a BANDS series. */
void synack_plot_add_band(struct synack_plot *p, int series, double x0, double x1);
/* A line of small print under the title (at most 4 are kept). */
void synack_plot_add_note(struct synack_plot *p, const char *text);
void synack_plot_clear_notes(struct synack_plot *p);
/* Replaces the title (NULL: none).  Returns 0 or -SYNACK_ENOMEM. */
int synack_plot_set_title(struct synack_plot *p, const char *title);

/* Records a series holds now, and values it was given. */
size_t synack_plot_records(const struct synack_plot *p, int series);
uint64_t synack_plot_count(const struct synack_plot *p, int series);

/* Writes the chart.  Returns 0, or -SYNACK_EIO when the stream fails, or
 * -SYNACK_ENOMEM. */
int synack_plot_write_svg(const struct synack_plot *p, FILE *out);
/* Writes the chart as an <svg> element to embed in an HTML page (no XML
 * declaration), with class="plot" and the id `id` (NULL: none; letters,
 * digits, '-' and '_' only, else -SYNACK_EINVAL).  Any id the chart
 * defines inside starts with `id`, so that several charts share one
 * document (today the chart defines none).  Both forms mark the plot
 * area: <rect class="frame" data-x-min data-x-max data-y-min data-y-max>,
 * the axes' values at its edges, so a script or a test can map a time to
 * a pixel (an HTML page draws a time cursor with it). */
int synack_plot_write_svg_inline(const struct synack_plot *p, const char *id, FILE *out);

/* ---- TCP plots -------------------------------------------------------- */

enum synack_tcp_plot_kind {
    SYNACK_TCP_PLOT_TSEQ,   /* sequence number over time: segments, ACK, window, SACK */
    SYNACK_TCP_PLOT_CWND,   /* cwnd, ssthresh, bytes in flight; recovery shaded */
    SYNACK_TCP_PLOT_RTT,    /* SRTT and RTO; RTT samples */
};

struct synack_tcp_plot_options {
    bool absolute_seq;           /* sequence numbers as on the wire, not from the ISN */
    unsigned width, height;      /* as synack_plot_options */
    size_t max_records;
    const char *title;           /* NULL: the endpoints, "A:p -> B:q" */
    /* Time 0 of the x axis (have_origin); default: the first event's time.
     * A page that shows a ladder diagram beside the plots sets it to the
     * diagram's origin, so that both count time alike. */
    bool have_origin;
    synack_time_us origin;
    /* Only what happened from range_from to range_to (microseconds from
     * time 0; range_to SYNACK_TIME_NEVER: to the end) is drawn, and the
     * time axis spans that window (have_range).  Every event still feeds
     * the plot's state (sequence space, window scale, RTT estimate), so a
     * window drawn late in a connection is drawn as the whole would be. */
    bool have_range;
    synack_time_us range_from, range_to;
};

struct synack_tcp_plot;

struct synack_tcp_plot *synack_tcp_plot_new(const struct synack_tcp_plot_options *opt);
void synack_tcp_plot_free(struct synack_tcp_plot *tp);

/* One segment of the connection, in the order seen.  from_sender: sent by
 * the side whose data is plotted (else it is the receiver's, whose ACKs,
 * windows and SACK blocks are drawn).  retransmission: 1 or 0 when the
 * caller has classified the sender's segment (synack/conn_index.h does),
 * -1 to let the plot decide: a segment starting below the highest
 * sequence number sent so far is a retransmission. */
void synack_tcp_plot_segment(struct synack_tcp_plot *tp, synack_time_us when,
                             const struct synack_packet_info *seg, bool from_sender, int retransmission);
/* The sender's congestion figures (a SYNACK_TRACE_CC event).  When any
 * arrive, the cwnd and RTT charts draw them instead of the estimates made
 * from the segments. */
void synack_tcp_plot_cc(struct synack_tcp_plot *tp, synack_time_us when, const struct synack_trace_cc *cc);
/* For a stack's trace hook (or one that forwards to it): follows the
 * first TCP connection of the events (packets sent and received, CC
 * figures), the tracing stack being the sender. */
void synack_tcp_plot_trace(struct synack_tcp_plot *tp, const struct synack_trace_event *ev);

/* Writes one chart.  Returns 0, -SYNACK_EIO or -SYNACK_ENOMEM. */
int synack_tcp_plot_write_svg(struct synack_tcp_plot *tp, enum synack_tcp_plot_kind kind, FILE *out);
/* The same as an <svg> element for an HTML page (synack_plot_write_svg_inline). */
int synack_tcp_plot_write_svg_inline(struct synack_tcp_plot *tp, enum synack_tcp_plot_kind kind, const char *id,
                                     FILE *out);

/* What the charts show: within the range, when one is set. */
struct synack_tcp_plot_stats {
    uint64_t segments;           /* from the sender, with sequence space */
    uint64_t retransmissions;
    uint64_t acks;               /* from the receiver, with ACK */
    uint64_t rtt_samples;
    uint64_t cc_events;
    uint64_t bytes;              /* payload of the sender's segments that were not retransmissions */
};
const struct synack_tcp_plot_stats *synack_tcp_plot_stats(const struct synack_tcp_plot *tp);

/* "tseq", "cwnd", "rtt" and back (-SYNACK_EINVAL for another name). */
const char *synack_tcp_plot_kind_name(enum synack_tcp_plot_kind kind);
int synack_tcp_plot_kind_from_name(const char *name);

#ifdef __cplusplus
}
#endif
#endif
