/*
 * synack/ladder.h — ladder diagrams ("time-sequence diagrams") of one TCP
 * connection: the two ends as vertical lines, time flowing down, each
 * segment an arrow from its sender at the time it left to its receiver at
 * the time it arrived, labelled with its flags, sequence and
 * acknowledgement numbers, and each end's state written beside its line
 * where it changes.  This is the picture the textbooks draw (RFC 9293
 * §3.5 draws them in ASCII).
 *
 * Two steps, kept apart so that no renderer knows where its data came from:
 *
 *   1. A builder makes the model (struct synack_ladder) of one connection,
 *      either from the engine's trace events of *both* ends (the simulator,
 *      or two stacks in one process): every arrival time, every loss and
 *      every state is then known exactly; or from the packets seen at *one*
 *      capture point (a pcap file of any stack): arrival times are then
 *      estimated from the one-way delays the handshake (or the first data
 *      and its ACK) reveals, losses are presumed from retransmissions, and
 *      the states are inferred from the segments (RFC 9293 §3.3.2).
 *      Either way the builder classifies each segment (retransmission,
 *      duplicate ACK, zero-window probe, keepalive, window update, RST...)
 *      as it reads it, and keeps memory bounded: beyond a budget of
 *      segments, runs of older ones are folded into counts
 *      (struct synack_ladder_fold), drawn as bands.
 *
 *   2. A renderer draws a model: SVG (standalone, no scripts), a
 *      self-contained HTML page (inline CSS and JavaScript, no network
 *      fetches) with details for every segment, or Unicode text for an
 *      80-column terminal.  A view (struct synack_ladder_view) chooses
 *      relative or absolute sequence numbers, a time or segment range,
 *      and how long runs of ordinary data/ACK segments are summarised.
 *
 *     struct synack_ladder_builder *b = synack_ladder_builder_new(NULL);
 *     cfg.trace = synack_ladder_trace_hook; cfg.trace_ctx = b;   // both stacks
 *     ... run ...
 *     struct synack_ladder *l = synack_ladder_builder_finish(b);
 *     struct synack_ladder_view v;
 *     synack_ladder_view_default(&v);
 *     synack_ladder_write_svg(l, &v, file);
 *     synack_ladder_free(l);
 *
 * A builder and a model are owned by one thread at a time.
 */
#ifndef SYNACK_LADDER_H
#define SYNACK_LADDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "synack/addr.h"
#include "synack/packet.h"
#include "synack/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- The model ------------------------------------------------------------ */

/* What a segment is, beyond its header.  X(name, css class, tag, meaning):
 * the class names the SVG and HTML renderers put on the segment, the tag
 * is the short word written beside its label. */
#define SYNACK_LADDER_MARK_LIST(X)                                                            \
    X(RETRANSMISSION, "retransmission", "rexmit",                                             \
      "retransmission: carries sequence space sent before")                                   \
    X(DUP_ACK, "dup-ack", "dup ACK", "duplicate ACK: same ACK and window, data outstanding")   \
    X(ZERO_WINDOW_PROBE, "zero-window-probe", "ZWP",                                          \
      "zero-window probe: one byte sent into a closed window")                                \
    X(KEEPALIVE, "keepalive", "keepalive", "keepalive: SND.NXT-1, at most one byte, nothing new") \
    X(WINDOW_UPDATE, "window-update", "win update", "window update: only the window changed") \
    X(ZERO_WINDOW, "zero-window", "win 0", "zero window: the sender's receive buffer is full") \
    X(RST, "rst", "RST", "reset")                                                             \
    X(LOST, "lost", "lost", "lost: never arrived")                                            \
    X(DUPLICATE, "duplicate", "dup copy", "duplicate: a second copy the network delivered")  \
    X(DROPPED, "dropped", "dropped", "dropped: arrived, and the receiver discarded it")

enum synack_ladder_mark_bit {
#define SYNACK_LADDER_MARK_BIT_(name, cls, tag, desc) SYNACK_LADDER_MARK_BIT_##name,
    SYNACK_LADDER_MARK_LIST(SYNACK_LADDER_MARK_BIT_)
#undef SYNACK_LADDER_MARK_BIT_
    SYNACK_LADDER_MARK_COUNT
};

enum synack_ladder_mark {
#define SYNACK_LADDER_MARK_ENUM_(name, cls, tag, desc) \
    SYNACK_LADDER_##name = 1u << SYNACK_LADDER_MARK_BIT_##name,
    SYNACK_LADDER_MARK_LIST(SYNACK_LADDER_MARK_ENUM_)
#undef SYNACK_LADDER_MARK_ENUM_
};

/* "retransmission" (the CSS class), "rexmit" (the tag) and the sentence
 * of the legend, for mark bit number `bit` (0 .. SYNACK_LADDER_MARK_COUNT-1). */
const char *synack_ladder_mark_class(int bit);
const char *synack_ladder_mark_tag(int bit);
const char *synack_ladder_mark_description(int bit);

/* How the arrival time of a segment is known. */
enum synack_ladder_arrival {
    SYNACK_LADDER_ARRIVED,       /* measured: the receiving end's trace saw it */
    SYNACK_LADDER_ESTIMATED,     /* one capture point: send/arrival times from estimated delays */
    SYNACK_LADDER_NEVER,         /* lost (LOST mark): arrived_at is when it would have */
    SYNACK_LADDER_UNKNOWN,       /* still in flight when the trace ended */
};

/* Bytes of payload kept per segment, for previews. */
#define SYNACK_LADDER_PREVIEW 32

/* One segment.  Read-only for users of the model. */
struct synack_ladder_segment {
    uint32_t number;             /* 1-based, in the order segments were sent */
    uint8_t from;                /* the sending end: 0 (drawn left) or 1 (right) */
    uint8_t arrival;             /* enum synack_ladder_arrival */
    uint16_t marks;              /* enum synack_ladder_mark bits */
    synack_time_us sent_at;      /* when it left its sender */
    synack_time_us arrived_at;   /* when it reached the receiver (see arrival) */
    /* Ties in time are broken by these: the order of the events in the
     * trace (both ends' events in one sequence), or of the packets in the
     * capture. */
    uint64_t sent_order, arrived_order;
    uint64_t packet_number;      /* in the capture file, 1-based; 0 from a trace */
    int drop_reason;             /* DROPPED (or LOST by the sender's driver):
                                  * enum synack_drop_reason; otherwise -1 */
    uint32_t dup_ack_number;     /* DUP_ACK: 1 for the first duplicate, 2, ... */

    /* Header fields (synack/packet.h). */
    uint8_t flags;               /* enum synack_tcp_flag bits */
    uint8_t ttl;
    bool checksum_ok;
    uint32_t ip_len;             /* IP total length (IPv6: 40 + the payload length) */
    uint32_t seq, ack;
    uint16_t window;             /* as on the wire */
    uint32_t window_bytes;       /* scaled when both SYNs offered window scaling */
    uint32_t payload_len;
    bool has_mss, has_wscale, sack_permitted, has_timestamp;
    uint16_t mss;
    uint8_t wscale;
    uint32_t ts_val, ts_ecr;
    uint8_t sack_count;
    uint32_t sack[SYNACK_PACKET_SACK_MAX][2];   /* [left, right) */
    uint8_t preview_len;         /* payload bytes kept, at most SYNACK_LADDER_PREVIEW */
    uint8_t preview[SYNACK_LADDER_PREVIEW];
};

/* A change of one end's state. */
struct synack_ladder_state {
    synack_time_us at;
    uint64_t order;              /* as sent_order above */
    uint8_t end;                 /* 0 or 1 */
    uint8_t old_state, state;    /* enum synack_tcp_state */
    bool inferred;               /* from the segments, not from the end's own trace */
};

struct synack_ladder_end {
    char name[32];               /* "client", "server", or the stack's name */
    struct synack_endpoint ep;
    int initial_state;           /* before the first change; -1 when not known */
};

enum synack_ladder_source {
    SYNACK_LADDER_FROM_TRACE,    /* both ends' engine traces */
    SYNACK_LADDER_FROM_CAPTURE,  /* packets seen at one point */
};

struct synack_ladder_info {
    enum synack_ladder_source source;
    synack_time_us origin;       /* the first segment's send time: times are shown from here */
    synack_time_us end_time;     /* the last event's time */
    /* FROM_CAPTURE: one-way delay from end i to the capture point, and
     * whether it was measured (from the handshake or a segment and its
     * ACK) rather than given or assumed. */
    synack_time_us delay_us[2];
    bool delay_measured[2];
    bool delay_given;            /* the builder's config fixed the delay */
    bool states_inferred;
    bool have_isn[2];            /* end i's SYN was seen */
    uint32_t first_seq[2];       /* end i's ISN, or its first sequence number seen */
    uint64_t unmatched_arrivals; /* FROM_TRACE: packets received that no end sent as such
                                  * (corrupted in transit) */
    uint64_t other_segments;     /* segments of other connections, left out */
    /* Segments of the connection: all of them (numbered 1..segments),
     * and how many of those were folded while reading (kept only as
     * counts in a synack_ladder_fold) to bound the model's memory. */
    uint64_t segments;
    uint64_t folded_segments;
};

/* A run of segments summarised while the model was built, when the
 * connection had more segments than the builder keeps one by one
 * (synack_ladder_config.max_segments).  Its segments are numbered
 * first..last, none of them is kept, and what is known of them is
 * these counts.  Folds are disjoint, in number order, and separated by
 * kept segments.  Read-only. */
struct synack_ladder_fold {
    uint32_t first, last;        /* segment numbers, inclusive */
    synack_time_us from;         /* the first send */
    synack_time_us last_sent;    /* the last send */
    synack_time_us to;           /* the last arrival (or where a lost one would have arrived) */
    uint64_t sent_order;         /* the first segment's (see synack_ladder_segment) */
    uint32_t data[2];            /* segments with payload from end 0 and end 1 */
    uint32_t acks[2];            /* segments without payload from each end */
    uint64_t bytes[2];           /* payload bytes from each end */
    uint32_t marked[SYNACK_LADDER_MARK_COUNT];   /* segments carrying mark bit i */
};

struct synack_ladder;

void synack_ladder_free(struct synack_ladder *l);
const struct synack_ladder_info *synack_ladder_info(const struct synack_ladder *l);
const struct synack_ladder_end *synack_ladder_end(const struct synack_ladder *l, int end);
/* The segments kept one by one, in number order: all of them unless some
 * were folded (info.folded_segments); then numbers have gaps, and
 * info.segments is the whole count. */
size_t synack_ladder_segment_count(const struct synack_ladder *l);
/* Kept segment i (0-based; segment number i + 1 when nothing was folded),
 * NULL beyond the end. */
const struct synack_ladder_segment *synack_ladder_segment(const struct synack_ladder *l, size_t i);
/* The folds, in number order; fold i, NULL beyond the end. */
size_t synack_ladder_fold_count(const struct synack_ladder *l);
const struct synack_ladder_fold *synack_ladder_fold(const struct synack_ladder *l, size_t i);
size_t synack_ladder_state_count(const struct synack_ladder *l);
/* State change i, in time order; NULL beyond the end. */
const struct synack_ladder_state *synack_ladder_state(const struct synack_ladder *l, size_t i);

/* The label of a segment as the diagrams write it: flags, then seq, ack
 * (with ACK) and len (with payload), then the SYN's options and the first
 * SACK block:
 *     "SYN seq=1000 <mss 1460>"   "ACK,PSH seq=1001 ack=8001 len=20"
 *     "ACK seq=1 ack=2897 <sack 4345:5793>"
 * With `relative`, seq is counted from the sender's ISN (or first sequence
 * number seen) and ack from the receiver's.  Returns buf. */
char *synack_ladder_label(const struct synack_ladder *l, const struct synack_ladder_segment *s,
                          bool relative, char *buf, size_t len);
/* A sequence number as the label shows it (relative to end's first). */
uint32_t synack_ladder_seq_shown(const struct synack_ladder *l, int end, uint32_t seq, bool relative);

/* ---- Builders -------------------------------------------------------------- */

struct synack_ladder_config {
    /* Which connection to draw: the n-th (from 0) seen, counting only
     * connections with `port` at either end when port is non-zero, and
     * only the connection between ends[0] and ends[1] when have_ends. */
    unsigned conn_index;
    uint16_t port;
    bool have_ends;
    struct synack_endpoint ends[2];   /* with have_ends: ends[0] is drawn on the left */
    /* Names for the two ends; NULL: the stacks' names (from a trace),
     * "client"/"server" when the SYN shows who opened, else "A"/"B". */
    const char *names[2];
    /* From a capture: the one-way delay between the ends, overriding the
     * estimate.  The capture point is placed where the estimate puts it
     * (or midway when nothing can be estimated). */
    bool delay_given;
    synack_time_us one_way_delay_us;
    /* Memory: at most this many segments are kept one by one (0: no
     * limit; default SYNACK_LADDER_MAX_SEGMENTS).  Beyond it the builder
     * folds, while it reads, runs of older segments into counts
     * (struct synack_ladder_fold): first runs of ordinary data and ACKs,
     * then, if that is not enough, duplicate ACKs and window updates, then
     * any other marked segment; never a SYN, FIN or RST, nor the ACKs
     * that change an end's state, nor a segment still in flight.  The
     * model then takes memory bounded by the budget whatever the length
     * of the connection. */
    uint32_t max_segments;
    /* Segments kept one by one whatever the budget (so that a part of a
     * huge connection can be seen segment by segment): those numbered
     * keep_first..keep_last (0: no bound), and with keep_range those sent
     * keep_from..keep_to microseconds after the first segment.  Segments
     * outside are folded first.  Memory then grows with this range. */
    uint32_t keep_first, keep_last;
    bool keep_range;
    synack_time_us keep_from, keep_to;
};

/* The default budget of segments kept one by one: 100000 segments take
 * about 18 MB. */
#define SYNACK_LADDER_MAX_SEGMENTS 100000u

/* Sets the defaults: the first connection, no names, the default budget. */
void synack_ladder_config_default(struct synack_ladder_config *cfg);

struct synack_ladder_builder;

/* cfg may be NULL for defaults (synack_ladder_config_default).  NULL
 * when out of memory. */
struct synack_ladder_builder *synack_ladder_builder_new(const struct synack_ladder_config *cfg);

/* Feeds one engine trace event, from either end's stack.  Packets are
 * matched across the ends by their bytes: a packet one stack sent and the
 * other received is one segment with both times; one never received is
 * lost; one received twice was duplicated by the network.  Events of other
 * connections (and non-TCP packets) are ignored. */
void synack_ladder_builder_trace(struct synack_ladder_builder *b, const struct synack_trace_event *ev);
/* The same as a trace hook: config.trace = synack_ladder_trace_hook,
 * config.trace_ctx = the builder. */
void synack_ladder_trace_hook(void *builder, const struct synack_trace_event *ev);

/* Feeds one IP packet seen at a single capture point at time `when`
 * (number: its 1-based number in the capture, or 0).  Returns 0, or
 * -SYNACK_EINVAL when the builder was already fed trace events (the two
 * kinds of input do not mix), -SYNACK_ENOMEM. */
int synack_ladder_builder_packet(struct synack_ladder_builder *b, synack_time_us when,
                                 const uint8_t *packet, size_t len, uint64_t number);
/* The same for a segment decoded already (as a capture reader that knows
 * about snapshot lengths hands them out): only payload_present bytes of
 * p->payload are read, for the preview.  Non-TCP packets are ignored. */
int synack_ladder_builder_decoded(struct synack_ladder_builder *b, synack_time_us when,
                                  const struct synack_packet_info *p, size_t payload_present,
                                  uint64_t number);

/* Ends the input, classifies the segments, infers or places the states,
 * and returns the model (which may have no segments).  Frees the builder.
 * NULL when out of memory. */
struct synack_ladder *synack_ladder_builder_finish(struct synack_ladder_builder *b);
void synack_ladder_builder_free(struct synack_ladder_builder *b);

/* ---- Views and renderers --------------------------------------------------- */

struct synack_ladder_view {
    bool relative;               /* relative sequence numbers (default: absolute) */
    /* Time range: segments sent within [range_from, range_to], in
     * microseconds from info.origin (have_range). */
    bool have_range;
    synack_time_us range_from, range_to;
    /* Segment range: numbers first..last, inclusive (0: no bound).  A
     * fold (synack_ladder_fold) is shown, whole, when any of it is in
     * the ranges (by number, or by the span of its sends). */
    uint32_t first_segment, last_segment;
    /* Runs of at least `collapse` ordinary segments (data and pure ACKs
     * without any mark, no state change among them) are drawn as one
     * summarised band; 0 never collapses.  The default collapses runs of
     * 12 once more than 60 segments are shown.  Folds are always drawn as
     * bands, joined by the ordinary segments beside them when collapsing. */
    uint32_t collapse;
    uint32_t collapse_above;
    int columns;                 /* text: the width to fit (default 80) */
    const char *title;           /* NULL: "<left> ⇄ <right>" */
    /* HTML: bands up to this many segments get an expanded drawing too
     * (never a band holding folded segments: those are counts only), as
     * long as the expansions together stay within expand_total segments
     * (0: no limit), which bounds the page. */
    uint32_t expand_max;
    uint32_t expand_total;
};

void synack_ladder_view_default(struct synack_ladder_view *v);

/* Each returns 0, or -SYNACK_EIO when writing failed. */
int synack_ladder_write_svg(const struct synack_ladder *l, const struct synack_ladder_view *v, FILE *out);
int synack_ladder_write_html(const struct synack_ladder *l, const struct synack_ladder_view *v, FILE *out);
int synack_ladder_write_text(const struct synack_ladder *l, const struct synack_ladder_view *v, FILE *out);

/* ---- More views on the HTML page ------------------------------------------ */

/* A view the HTML page shows beside the diagram, each in a tab of its own
 * ("Ladder diagram" first), such as plots of the same connection
 * (synack/plot.h).  The ladder knows nothing of what a section holds.
 *
 * write() emits the section's content as HTML (inline SVG welcome; no
 * <script>, nothing fetched): any id it gives an element must start with
 * the section's id.  An <svg> in it whose <rect class="frame"> carries
 * data-x-min and data-x-max (seconds from the diagram's origin at the
 * frame's left and right edges, as synack_plot_write_svg_inline writes
 * them) gets a time cursor at the send time of the segment pinned in the
 * diagram. */
struct synack_ladder_section {
    const char *id;              /* [A-Za-z][A-Za-z0-9_-]*, unique on the page; the
                                  * element is id "view-<id>", its tab "tab-<id>" */
    const char *title;           /* the tab's label (plain text) */
    int (*write)(void *ctx, FILE *out);   /* returns 0 or a negative synack error */
    void *ctx;
};

/* synack_ladder_write_html with `count` more sections (0: the same page).
 * Returns 0, -SYNACK_EINVAL for a bad section id (nothing written),
 * -SYNACK_EIO, -SYNACK_ENOMEM, or the first error a section's write()
 * returned. */
int synack_ladder_write_html_sections(const struct synack_ladder *l, const struct synack_ladder_view *v,
                                      const struct synack_ladder_section *sections, size_t count, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
