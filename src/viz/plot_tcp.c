/*
 * plot_tcp.c — the time-sequence graph, congestion and RTT charts of one
 * direction of one TCP connection (synack/plot.h).
 *
 * Reading list: W. R. Stevens, TCP/IP Illustrated vol. 1 (time-sequence
 * graphs); S. Ostermann, tcptrace (its -S graphs: the same elements, the
 * window line yellow, SACK blocks purple); RFC 9293 §3.4 (sequence space,
 * SEG.LEN), RFC 7323 §2.2-2.3 (window scale: the shift a side announces
 * in its SYN applies to the windows it sends, never to a SYN's own), RFC
 * 2018 §3 (SACK blocks), RFC 6298 §2-3 (the estimator applied to the
 * samples, and Karn's rule), RFC 6675 §2 (pipe, which a capture cannot
 * see: it is estimated as the highest sequence sent minus the latest
 * cumulative ACK, which counts lost and SACKed bytes as in flight).
 *
 * The sender is the side whose data is plotted; the receiver's segments
 * give the ACK line, the window line (ACK + scaled window: the right edge
 * the receiver allows) and SACK blocks.  Sequence numbers are unwrapped
 * to 64 bits and counted from the sender's ISN (or from the first
 * sequence number seen when the capture missed the SYN).
 *
 *     seq ^                                  ____ window line
 *         |                        _________|
 *         |              ____|    |   |
 *         |             |    | |  ___ ACK line     | segment: seq..seq+len
 *         |        _____|  | |_|                   x retransmission
 *         +---------------------------------> time
 *
 * Every figure goes straight into a chart (plot.c), whose series bound
 * the memory.  The one other growing structure is the queue of segments
 * awaiting an ACK for RTT samples, bounded by RTT_QUEUE_MAX.
 */
#include "synack/plot.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synack/errors.h"

/* Segments awaiting their ACK, for RTT samples.  A window's worth in the
 * worst case; 65536 segments is more than any window of MSS-sized
 * segments (1 GiB / 16 KiB).  Past it the oldest is forgotten. */
#define RTT_QUEUE_MAX 65536
/* A window scale shift above 14 is treated as 14 (RFC 7323 §2.3). */
#define WSCALE_MAX 14
/* ssthresh this large means "not set yet" (synack starts it at
 * UINT32_MAX / 2; no window can exceed 2^30 bytes, RFC 7323 §2.3). */
#define SSTHRESH_INFINITE (1u << 30)

#define COLOR_DATA "#1a3f8f"
#define COLOR_RETX "#d62728"
#define COLOR_ACK "#2ca02c"
#define COLOR_WINDOW "#c9a100"
#define COLOR_SACK "#9467bd"
#define COLOR_CWND "#1f77b4"
#define COLOR_SSTHRESH "#ff7f0e"
#define COLOR_FLIGHT "#2ca02c"
#define COLOR_FAST "#ffbf00"
#define COLOR_TIMEOUT "#d62728"
#define COLOR_SRTT "#1f77b4"
#define COLOR_RTO "#d62728"
#define COLOR_SAMPLE "#7f7f7f"

/* A segment of new data awaiting the ACK that covers it. */
struct pending {
    int64_t start, end;          /* relative sequence numbers */
    synack_time_us sent;
    bool retransmitted;
    bool sacked;                 /* a SACK block covered it (and may have sampled it) */
};

struct synack_tcp_plot {
    struct synack_tcp_plot_options opt;
    char *title;
    struct synack_plot *tseq, *cwnd, *rtt;
    int s_data, s_retx, s_ack, s_window, s_sack;
    int s_cwnd, s_ssthresh, s_flight, s_fast, s_timeout, s_est_flight;
    int s_srtt, s_rto, s_samples, s_est_srtt;

    bool have_t0;
    synack_time_us t0;
    double last_x;
    uint64_t cc_seen;            /* congestion figures, in the range or not */

    /* The endpoints, from the first segment (for the title). */
    bool have_ends;
    struct synack_endpoint sender, receiver;

    /* Sequence space of the sender, unwrapped. */
    bool have_base, base_is_isn;
    uint32_t base;               /* the raw number that is relative 0 */
    uint32_t ref;                /* the last raw number unwrapped ... */
    int64_t ref64;               /* ... and its relative value */
    bool have_snd_max, have_ack;
    int64_t snd_max;             /* highest sequence sent + 1 */
    int64_t ack_max;             /* highest cumulative ACK */

    /* Window scale: -2 no SYN seen from that side, -1 a SYN without the option. */
    int sender_ws, receiver_ws;
    bool receiver_syn_ack;       /* the receiver's SYN was a SYN,ACK (it is the server) */

    /* RTT samples: a ring of pending segments, ordered by sequence. */
    struct pending *q;
    size_t q_head, q_len, q_cap;
    bool have_est;
    double est_srtt, est_rttvar; /* microseconds */

    /* Congestion figures. */
    uint8_t recovery;
    double recovery_start;

    /* Following a trace. */
    bool locked;
    struct synack_endpoint local, remote;

    struct synack_tcp_plot_stats stats;
};

static const char *const kind_names[] = {"tseq", "cwnd", "rtt"};

const char *synack_tcp_plot_kind_name(enum synack_tcp_plot_kind kind)
{
    return (unsigned)kind < 3 ? kind_names[kind] : "?";
}

int synack_tcp_plot_kind_from_name(const char *name)
{
    for (int i = 0; i < 3; i++) {
        if (strcmp(name, kind_names[i]) == 0)
            return i;
    }
    return -SYNACK_EINVAL;
}

/* absolute: sequence numbers as on the wire, which neither start near
 * zero nor read well as "3.9G"; log: a logarithmic y axis. */
static struct synack_plot *new_chart(const struct synack_tcp_plot_options *o, const char *y_label, bool absolute,
                                     bool log)
{
    struct synack_plot_options po = {
        .y_label = y_label,
        .width = o->width,
        .height = o->height,
        .max_records = o->max_records,
        .y_from_zero = !absolute,
        .y_plain = absolute,
        .y_log = log,
        .x_from_zero = true,         /* time since the connection's first event */
        .have_x_min = o->have_range,
        .x_min = (double)o->range_from / 1e6,
        .have_x_max = o->have_range && o->range_to != SYNACK_TIME_NEVER,
        .x_max = (double)o->range_to / 1e6,
    };
    return synack_plot_new(&po);
}

static bool add_series(struct synack_plot *p, int *id, enum synack_plot_style style, const char *name,
                       const char *color, unsigned flags)
{
    *id = synack_plot_series(p, style, name, color, flags);
    return *id >= 0;
}

struct synack_tcp_plot *synack_tcp_plot_new(const struct synack_tcp_plot_options *opt)
{
    struct synack_tcp_plot_options none = {0};
    struct synack_tcp_plot *tp = calloc(1, sizeof *tp);
    bool ok;

    if (tp == NULL)
        return NULL;
    tp->opt = opt ? *opt : none;
    tp->opt.title = NULL;
    if (tp->opt.have_range && tp->opt.range_to < tp->opt.range_from)
        tp->opt.range_to = tp->opt.range_from;
    tp->have_t0 = tp->opt.have_origin;
    tp->t0 = tp->opt.origin;
    tp->sender_ws = tp->receiver_ws = -2;
    if (opt != NULL && opt->title != NULL) {
        size_t len = strlen(opt->title) + 1;
        tp->title = malloc(len);
        if (tp->title == NULL) {
            free(tp);
            return NULL;
        }
        memcpy(tp->title, opt->title, len);
    }
    tp->tseq = new_chart(&tp->opt, tp->opt.absolute_seq ? "sequence number" : "relative sequence number",
                         tp->opt.absolute_seq, false);
    tp->cwnd = new_chart(&tp->opt, "bytes", false, false);
    /* Logarithmic: the RTO (1 s at least, RFC 6298 §2.4) and an SRTT of
     * milliseconds stay readable together. */
    tp->rtt = new_chart(&tp->opt, "milliseconds (logarithmic)", false, true);
    ok = tp->tseq && tp->cwnd && tp->rtt;
    /* Drawn in this order: the window and ACK lines under the segments. */
    /* The window line is context: when the receiver's window is far
     * beyond what the sender sends, it leaves the top of the plot rather
     * than squeezing the segments into its bottom. */
    ok = ok && add_series(tp->tseq, &tp->s_window, SYNACK_PLOT_STEP, "receive window (ACK + window)",
                          COLOR_WINDOW, SYNACK_PLOT_CLIPPED);
    ok = ok && add_series(tp->tseq, &tp->s_ack, SYNACK_PLOT_STEP, "ACK", COLOR_ACK, 0);
    ok = ok && add_series(tp->tseq, &tp->s_sack, SYNACK_PLOT_BARS, "SACK block", COLOR_SACK, 0);
    ok = ok && add_series(tp->tseq, &tp->s_data, SYNACK_PLOT_BARS, "data segment", COLOR_DATA, 0);
    ok = ok && add_series(tp->tseq, &tp->s_retx, SYNACK_PLOT_BARS, "retransmission", COLOR_RETX,
                          SYNACK_PLOT_MARKED);
    ok = ok && add_series(tp->cwnd, &tp->s_fast, SYNACK_PLOT_BANDS, "fast recovery", COLOR_FAST, 0);
    ok = ok && add_series(tp->cwnd, &tp->s_timeout, SYNACK_PLOT_BANDS, "recovery after a timeout",
                          COLOR_TIMEOUT, 0);
    ok = ok && add_series(tp->cwnd, &tp->s_cwnd, SYNACK_PLOT_STEP, "cwnd", COLOR_CWND, 0);
    ok = ok && add_series(tp->cwnd, &tp->s_ssthresh, SYNACK_PLOT_STEP, "ssthresh", COLOR_SSTHRESH,
                          SYNACK_PLOT_DASHED);
    ok = ok && add_series(tp->cwnd, &tp->s_flight, SYNACK_PLOT_STEP, "bytes in flight (pipe)", COLOR_FLIGHT, 0);
    ok = ok && add_series(tp->cwnd, &tp->s_est_flight, SYNACK_PLOT_STEP,
                          "bytes in flight, estimated: highest sequence sent - latest ACK", COLOR_FLIGHT, 0);
    ok = ok && add_series(tp->rtt, &tp->s_samples, SYNACK_PLOT_POINTS, "RTT sample (data to its ACK, Karn)",
                          COLOR_SAMPLE, 0);
    ok = ok && add_series(tp->rtt, &tp->s_srtt, SYNACK_PLOT_STEP, "SRTT", COLOR_SRTT, 0);
    ok = ok && add_series(tp->rtt, &tp->s_rto, SYNACK_PLOT_STEP, "RTO", COLOR_RTO, SYNACK_PLOT_DASHED);
    ok = ok && add_series(tp->rtt, &tp->s_est_srtt, SYNACK_PLOT_STEP,
                          "SRTT, estimated from the samples (RFC 6298)", COLOR_SRTT, 0);
    if (!ok) {
        synack_tcp_plot_free(tp);
        return NULL;
    }
    return tp;
}

void synack_tcp_plot_free(struct synack_tcp_plot *tp)
{
    if (tp == NULL)
        return;
    synack_plot_free(tp->tseq);
    synack_plot_free(tp->cwnd);
    synack_plot_free(tp->rtt);
    free(tp->q);
    free(tp->title);
    free(tp);
}

const struct synack_tcp_plot_stats *synack_tcp_plot_stats(const struct synack_tcp_plot *tp)
{
    return &tp->stats;
}

/* Seconds since time 0: the origin given, or the first event. */
static double time_x(struct synack_tcp_plot *tp, synack_time_us when)
{
    if (!tp->have_t0) {
        tp->have_t0 = true;
        tp->t0 = when;
    }
    tp->last_x = when >= tp->t0 ? (double)(when - tp->t0) / 1e6 : -(double)(tp->t0 - when) / 1e6;
    return tp->last_x;
}

/* x is inside the range drawn: what the statistics count. */
static bool shown(const struct synack_tcp_plot *tp, double x)
{
    if (!tp->opt.have_range)
        return true;
    return x >= (double)tp->opt.range_from / 1e6 &&
           (tp->opt.range_to == SYNACK_TIME_NEVER || x <= (double)tp->opt.range_to / 1e6);
}

/* ---- Sequence space -------------------------------------------------------- */

/* The relative value of a raw sequence number near the last one seen
 * (within 2^31, RFC 9293 §3.4). */
static int64_t unwrap(struct synack_tcp_plot *tp, uint32_t raw)
{
    int64_t v;

    if (!tp->have_base) {
        tp->have_base = true;
        tp->base = tp->ref = raw;
        tp->ref64 = 0;
    }
    v = tp->ref64 + (int32_t)(raw - tp->ref);
    tp->ref = raw;
    tp->ref64 = v;
    return v;
}

static double seq_y(const struct synack_tcp_plot *tp, int64_t rel)
{
    return (double)rel + (tp->opt.absolute_seq ? (double)tp->base : 0.0);
}

/* The shift that applies to the receiver's windows (RFC 7323 §2.2: both
 * SYNs must carry the option; the receiver's own shift applies).  *known
 * is false when the capture did not show enough to tell. */
static unsigned receiver_shift(const struct synack_tcp_plot *tp, bool *known)
{
    *known = true;
    if (tp->sender_ws == -1 || tp->receiver_ws == -1)
        return 0;
    if (tp->receiver_ws >= 0 && (tp->sender_ws >= 0 || tp->receiver_syn_ack))
        return (unsigned)tp->receiver_ws;    /* a SYN,ACK offers it only when the SYN did */
    *known = false;
    return 0;
}

/* ---- RTT samples ------------------------------------------------------------ */

static struct pending *q_at(struct synack_tcp_plot *tp, size_t i)
{
    return &tp->q[(tp->q_head + i) & (tp->q_cap - 1)];
}

static void q_push(struct synack_tcp_plot *tp, int64_t start, int64_t end, synack_time_us sent)
{
    if (tp->q_len == tp->q_cap) {
        if (tp->q_cap < RTT_QUEUE_MAX) {
            size_t cap = tp->q_cap ? tp->q_cap * 2 : 256;
            struct pending *q = malloc(cap * sizeof *q);
            if (q != NULL) {
                for (size_t i = 0; i < tp->q_len; i++)
                    q[i] = *q_at(tp, i);
                free(tp->q);
                tp->q = q;
                tp->q_cap = cap;
                tp->q_head = 0;
            }
        }
        if (tp->q_len == tp->q_cap) {        /* full: forget the oldest */
            if (tp->q_cap == 0)
                return;
            tp->q_head = (tp->q_head + 1) & (tp->q_cap - 1);
            tp->q_len--;
        }
    }
    *q_at(tp, tp->q_len++) = (struct pending){.start = start, .end = end, .sent = sent};
}

/* Karn's rule (RFC 6298 §3): no sample from a segment sent more than
 * once, so every pending segment overlapping [start, end) is marked. */
static size_t q_find(struct synack_tcp_plot *tp, int64_t seq);

static void q_mark_resent(struct synack_tcp_plot *tp, int64_t start, int64_t end)
{
    for (size_t i = q_find(tp, start); i < tp->q_len && q_at(tp, i)->start < end; i++)
        q_at(tp, i)->retransmitted = true;
}

/* The first pending segment whose end is beyond seq (q_len if none). */
static size_t q_find(struct synack_tcp_plot *tp, int64_t seq)
{
    size_t lo = 0, hi = tp->q_len;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (q_at(tp, mid)->end <= seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* A SACK block [left, right): the segments it covers whole that no block
 * covered before are newly delivered.  They are looked for from the
 * block's right edge down, stopping at the first one covered already (a
 * block grows rightwards as segments arrive; one that grows leftwards,
 * after reordering, only costs samples).  *best becomes the one sent
 * last that was sent once, if later than *best. */
static void q_sacked(struct synack_tcp_plot *tp, int64_t left, int64_t right, struct pending **best)
{
    size_t i = q_find(tp, right);            /* entries before i end at or before right */

    while (i > 0) {
        struct pending *p = q_at(tp, --i);
        if (p->start < left || p->sacked)
            break;
        p->sacked = true;
        if (!p->retransmitted && (*best == NULL || p->sent > (*best)->sent))
            *best = p;
    }
}

/* An RTT sample from a segment sent at `sent`, acknowledged `now`. */
static void rtt_sample(struct synack_tcp_plot *tp, synack_time_us sent, synack_time_us now, double x)
{
    double r;

    if (now < sent)
        return;
    r = (double)(now - sent);
    tp->stats.rtt_samples += shown(tp, x);
    synack_plot_add(tp->rtt, tp->s_samples, x, r / 1000.0);
    /* RFC 6298 §2.2-2.3, alpha 1/8, beta 1/4. */
    if (!tp->have_est) {
        tp->have_est = true;
        tp->est_srtt = r;
        tp->est_rttvar = r / 2;
    } else {
        tp->est_rttvar = 0.75 * tp->est_rttvar + 0.25 * fabs(tp->est_srtt - r);
        tp->est_srtt = 0.875 * tp->est_srtt + 0.125 * r;
    }
    synack_plot_add(tp->rtt, tp->s_est_srtt, x, tp->est_srtt / 1000.0);
}

/* One ACK: at most one sample, from the segment sent last among those it
 * newly acknowledges, by the cumulative ACK or by a SACK block; never
 * from a retransmitted one (Karn, RFC 6298 §3).  A cumulative ACK that
 * covers a retransmitted segment was sent because the retransmission
 * arrived, however old the other segments it covers (received out of
 * order, their SACK blocks maybe never shown when there were more holes
 * than blocks): it times none of them. */
static void q_ack(struct synack_tcp_plot *tp, int64_t ack, bool advanced, const int64_t (*sack)[2], int sack_count,
                  synack_time_us now, double x)
{
    struct pending *best = NULL;
    synack_time_us sent = 0;
    bool have = false;

    for (int i = 0; i < sack_count; i++) {
        if (sack[i][1] > ack)                /* not a D-SACK (RFC 2883) */
            q_sacked(tp, sack[i][0] > ack ? sack[i][0] : ack, sack[i][1], &best);
    }
    if (best != NULL) {
        sent = best->sent;                   /* kept: popping below may reuse its slot */
        have = true;
    }
    {
        bool repair = false, have_cum = false;
        synack_time_us cum = 0;

        while (advanced && tp->q_len > 0 && q_at(tp, 0)->end <= ack) {
            struct pending *p = q_at(tp, 0);
            repair = repair || p->retransmitted;
            if (!p->retransmitted && !p->sacked && (!have_cum || p->sent > cum)) {
                cum = p->sent;
                have_cum = true;
            }
            tp->q_head = (tp->q_head + 1) & (tp->q_cap - 1);
            tp->q_len--;
        }
        if (have_cum && !repair && (!have || cum > sent)) {
            sent = cum;
            have = true;
        }
    }
    if (have)
        rtt_sample(tp, sent, now, x);
}

/* ---- Segments --------------------------------------------------------------- */

static void note_flight(struct synack_tcp_plot *tp, double x)
{
    if (tp->have_snd_max && tp->have_ack) {
        int64_t flight = tp->snd_max - tp->ack_max;
        synack_plot_add(tp->cwnd, tp->s_est_flight, x, flight > 0 ? (double)flight : 0.0);
    }
}

static void sender_segment(struct synack_tcp_plot *tp, synack_time_us when, double x,
                           const struct synack_packet_info *seg, int retransmission)
{
    uint32_t len = synack_packet_seg_len(seg);
    int64_t start, end;
    bool resent;

    if (seg->flags & SYNACK_TCP_SYN) {
        tp->sender_ws = seg->has_wscale ? (seg->wscale > WSCALE_MAX ? WSCALE_MAX : seg->wscale) : -1;
        if (!tp->have_base) {                /* the ISN is relative 0 */
            unwrap(tp, seg->seq);
            tp->base_is_isn = true;
        }
    }
    if (len == 0)
        return;                              /* a pure ACK: nothing in this sequence space */
    start = unwrap(tp, seg->seq);
    end = start + len;
    resent = retransmission >= 0 ? retransmission != 0 : (tp->have_snd_max && start < tp->snd_max);
    if (shown(tp, x)) {
        tp->stats.segments++;
        tp->stats.retransmissions += resent;
        tp->stats.bytes += resent ? 0 : seg->payload_len;
    }
    if (resent) {
        synack_plot_add_bar(tp->tseq, tp->s_retx, x, seq_y(tp, start), seq_y(tp, end));
        q_mark_resent(tp, start, end);
    } else {
        synack_plot_add_bar(tp->tseq, tp->s_data, x, seq_y(tp, start), seq_y(tp, end));
    }
    if (!tp->have_snd_max || end > tp->snd_max) {
        int64_t from = tp->have_snd_max && tp->snd_max > start ? tp->snd_max : start;
        q_push(tp, from, end, when);
        tp->snd_max = end;
        tp->have_snd_max = true;
    }
    note_flight(tp, x);
}

static void receiver_segment(struct synack_tcp_plot *tp, synack_time_us when, double x,
                             const struct synack_packet_info *seg)
{
    if (seg->flags & SYNACK_TCP_SYN) {
        tp->receiver_ws = seg->has_wscale ? (seg->wscale > WSCALE_MAX ? WSCALE_MAX : seg->wscale) : -1;
        tp->receiver_syn_ack = (seg->flags & SYNACK_TCP_ACK) != 0;
    }
    if (!(seg->flags & SYNACK_TCP_ACK))
        return;
    {
        bool known;
        unsigned shift = (seg->flags & SYNACK_TCP_SYN) ? 0 : receiver_shift(tp, &known);
        int64_t ack = unwrap(tp, seg->ack);
        double window = (double)seg->window * (double)(1u << shift);
        int64_t sack[SYNACK_PACKET_SACK_MAX][2];
        bool advanced = !tp->have_ack || ack > tp->ack_max;

        tp->stats.acks += shown(tp, x);
        synack_plot_add(tp->tseq, tp->s_ack, x, seq_y(tp, ack));
        synack_plot_add(tp->tseq, tp->s_window, x, seq_y(tp, ack) + window);
        for (int i = 0; i < seg->sack_count && i < SYNACK_PACKET_SACK_MAX; i++) {
            sack[i][0] = unwrap(tp, seg->sack[i][0]);
            sack[i][1] = unwrap(tp, seg->sack[i][1]);
            synack_plot_add_bar(tp->tseq, tp->s_sack, x, seq_y(tp, sack[i][0]), seq_y(tp, sack[i][1]));
        }
        if (tp->q_len > 0)
            q_ack(tp, ack, advanced, (const int64_t(*)[2])sack, seg->sack_count, when, x);
        if (advanced) {
            tp->ack_max = ack;
            tp->have_ack = true;
        }
        note_flight(tp, x);
    }
}

void synack_tcp_plot_segment(struct synack_tcp_plot *tp, synack_time_us when,
                             const struct synack_packet_info *seg, bool from_sender, int retransmission)
{
    double x;

    if (!seg->is_tcp)
        return;
    x = time_x(tp, when);
    if (!tp->have_ends) {
        struct synack_endpoint src = synack_endpoint_make(seg->src, seg->src_port);
        struct synack_endpoint dst = synack_endpoint_make(seg->dst, seg->dst_port);
        tp->have_ends = true;
        tp->sender = from_sender ? src : dst;
        tp->receiver = from_sender ? dst : src;
    }
    if (from_sender)
        sender_segment(tp, when, x, seg, retransmission);
    else
        receiver_segment(tp, when, x, seg);
}

/* ---- Congestion figures ------------------------------------------------------ */

static void close_recovery(struct synack_tcp_plot *tp, double x)
{
    if (tp->recovery == 1)
        synack_plot_add_band(tp->cwnd, tp->s_fast, tp->recovery_start, x);
    else if (tp->recovery == 2)
        synack_plot_add_band(tp->cwnd, tp->s_timeout, tp->recovery_start, x);
    tp->recovery_start = x;
}

void synack_tcp_plot_cc(struct synack_tcp_plot *tp, synack_time_us when, const struct synack_trace_cc *cc)
{
    double x = time_x(tp, when);

    tp->cc_seen++;
    tp->stats.cc_events += shown(tp, x);
    synack_plot_add(tp->cwnd, tp->s_cwnd, x, cc->cwnd);
    synack_plot_add(tp->cwnd, tp->s_ssthresh, x, cc->ssthresh >= SSTHRESH_INFINITE ? INFINITY : cc->ssthresh);
    synack_plot_add(tp->cwnd, tp->s_flight, x, cc->in_flight);
    if (cc->recovery != tp->recovery) {
        close_recovery(tp, x);
        tp->recovery = cc->recovery;
    }
    if (cc->srtt_us > 0)
        synack_plot_add(tp->rtt, tp->s_srtt, x, cc->srtt_us / 1000.0);
    synack_plot_add(tp->rtt, tp->s_rto, x, cc->rto_us / 1000.0);
}

/* ---- Following a stack's trace ------------------------------------------------- */

static bool same_conn(const struct synack_tcp_plot *tp, const struct synack_endpoint *local,
                      const struct synack_endpoint *remote)
{
    return synack_endpoint_equal(&tp->local, local) && synack_endpoint_equal(&tp->remote, remote);
}

void synack_tcp_plot_trace(struct synack_tcp_plot *tp, const struct synack_trace_event *ev)
{
    struct synack_packet_info seg;
    struct synack_endpoint local, remote;
    bool out = ev->kind == SYNACK_TRACE_PACKET_OUT;

    switch (ev->kind) {
    case SYNACK_TRACE_PACKET_OUT:
    case SYNACK_TRACE_PACKET_IN:
        /* A packet in that fails its checksum is dropped by the stack:
         * it never was a segment of the connection (synack sim --corrupt). */
        if (synack_packet_decode(ev->packet, ev->len, &seg) < 0 || !seg.is_tcp || !seg.tcp_checksum_ok)
            return;
        local = out ? synack_endpoint_make(seg.src, seg.src_port) : synack_endpoint_make(seg.dst, seg.dst_port);
        remote = out ? synack_endpoint_make(seg.dst, seg.dst_port) : synack_endpoint_make(seg.src, seg.src_port);
        if (!tp->locked) {
            tp->locked = true;
            tp->local = local;
            tp->remote = remote;
        } else if (!same_conn(tp, &local, &remote)) {
            return;
        }
        synack_tcp_plot_segment(tp, ev->now, &seg, out, -1);
        break;
    case SYNACK_TRACE_CC:
        if (!tp->locked) {
            tp->locked = true;
            tp->local = ev->local;
            tp->remote = ev->remote;
        } else if (!same_conn(tp, &ev->local, &ev->remote)) {
            return;
        }
        synack_tcp_plot_cc(tp, ev->now, &ev->cc);
        break;
    default:
        break;
    }
}

/* ---- Writing ----------------------------------------------------------------- */

static int set_title(struct synack_tcp_plot *tp, struct synack_plot *chart, const char *what)
{
    char buf[256], a[SYNACK_ENDPOINT_STRLEN], b[SYNACK_ENDPOINT_STRLEN];

    if (tp->title != NULL)
        snprintf(buf, sizeof buf, "%s: %s", tp->title, what);
    else if (tp->have_ends)
        snprintf(buf, sizeof buf, "%s \xe2\x86\x92 %s: %s", synack_endpoint_format(&tp->sender, a, sizeof a),
                 synack_endpoint_format(&tp->receiver, b, sizeof b), what);
    else
        snprintf(buf, sizeof buf, "%s", what);
    return synack_plot_set_title(chart, buf);
}

/* Titles, notes and which series show, for one chart; NULL on failure
 * (*rc says why). */
static struct synack_plot *prepare(struct synack_tcp_plot *tp, enum synack_tcp_plot_kind kind, int *rc_out)
{
    bool engine = tp->cc_seen > 0;
    struct synack_plot *chart;
    int rc;

    switch (kind) {
    case SYNACK_TCP_PLOT_TSEQ: {
        bool known = true;
        chart = tp->tseq;
        rc = set_title(tp, chart, "time-sequence graph");
        synack_plot_clear_notes(chart);
        if (tp->opt.absolute_seq)
            synack_plot_add_note(chart, "sequence numbers as on the wire (unwrapped)");
        else if (tp->base_is_isn)
            synack_plot_add_note(chart, "sequence numbers relative to the sender's ISN");
        else
            synack_plot_add_note(chart, "no SYN seen: sequence numbers relative to the first one seen");
        receiver_shift(tp, &known);
        if (!known)
            synack_plot_add_note(chart, "window scale not known (the SYNs were not seen): windows drawn unscaled");
        break;
    }
    case SYNACK_TCP_PLOT_CWND:
        chart = tp->cwnd;
        rc = set_title(tp, chart, engine ? "congestion window" : "bytes in flight");
        if (engine)
            close_recovery(tp, tp->last_x);  /* an open recovery period ends at the last event */
        synack_plot_clear_notes(chart);
        if (!engine)
            synack_plot_add_note(chart, "a capture does not show cwnd: bytes in flight estimated from the "
                                        "segments, as seen where the capture was taken");
        synack_plot_set_visible(chart, tp->s_cwnd, engine);
        synack_plot_set_visible(chart, tp->s_ssthresh, engine);
        synack_plot_set_visible(chart, tp->s_flight, engine);
        synack_plot_set_visible(chart, tp->s_fast, engine);
        synack_plot_set_visible(chart, tp->s_timeout, engine);
        synack_plot_set_visible(chart, tp->s_est_flight, !engine);
        break;
    case SYNACK_TCP_PLOT_RTT:
        chart = tp->rtt;
        rc = set_title(tp, chart, "round-trip time");
        synack_plot_clear_notes(chart);
        if (!engine)
            synack_plot_add_note(chart, "RTT samples from each data segment to the ACK that covers it, "
                                        "retransmitted segments skipped (Karn), as seen where the capture was taken");
        synack_plot_set_visible(chart, tp->s_srtt, engine);
        synack_plot_set_visible(chart, tp->s_rto, engine);
        synack_plot_set_visible(chart, tp->s_est_srtt, !engine);
        synack_plot_set_visible(chart, tp->s_samples, tp->stats.rtt_samples > 0 || !engine);
        break;
    default:
        *rc_out = -SYNACK_EINVAL;
        return NULL;
    }
    *rc_out = rc;
    return rc < 0 ? NULL : chart;
}

int synack_tcp_plot_write_svg(struct synack_tcp_plot *tp, enum synack_tcp_plot_kind kind, FILE *out)
{
    int rc;
    struct synack_plot *chart = prepare(tp, kind, &rc);

    return chart == NULL ? rc : synack_plot_write_svg(chart, out);
}

int synack_tcp_plot_write_svg_inline(struct synack_tcp_plot *tp, enum synack_tcp_plot_kind kind, const char *id,
                                     FILE *out)
{
    int rc;
    struct synack_plot *chart = prepare(tp, kind, &rc);

    return chart == NULL ? rc : synack_plot_write_svg_inline(chart, id, out);
}
