/*
 * ladder_internal.h — what the ladder modules share and nobody else sees.
 *
 *   ladder_model.c     the model's storage, accessors, labels, mark names
 *   ladder_build.c     the builder: choosing the connection, trace events
 *                      (matching each packet sent with its arrival) and
 *                      capture packets (estimating the delays)
 *   ladder_fold.c      keeping the builder within its budget: folding runs
 *                      of older segments into counts
 *   ladder_classify.c  what each segment is (retransmission, dup ACK, ...)
 *   ladder_states.c    states inferred from the segments (RFC 9293 §3.3.2)
 *   ladder_view.c      what a view shows: the selected segments, the bands
 *                      that summarise long runs, in drawing order
 *   ladder_layout.c    vertical placement for the SVG and HTML renderers
 *   ladder_svg.c, ladder_html.c, ladder_text.c   the renderers
 *
 * The renderers see only the model and the view: nothing here knows of
 * pcap files or the simulator.
 */
#ifndef SYNACK_VIZ_LADDER_INTERNAL_H
#define SYNACK_VIZ_LADDER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "synack/ladder.h"

/* Invariant: every segment number 1..info.segments is either kept (in
 * segs, in number order) or inside exactly one fold (folds in number
 * order, disjoint, never two without a kept segment between them). */
struct synack_ladder {
    struct synack_ladder_info info;
    struct synack_ladder_end ends[2];
    struct synack_ladder_segment *segs;
    size_t seg_count, seg_cap;
    size_t seg_limit;            /* the array never grows beyond this many (0: no limit)
                                  * unless it must: the builder's budget */
    struct synack_ladder_fold *folds;
    size_t fold_count;
    struct synack_ladder_state *states;
    size_t state_count, state_cap;
    /* A flight time for arrows that never arrived: the median measured (or
     * estimated) one of each direction, set by the builder. */
    synack_time_us typical_flight[2];
};

/* Bits of synack_ladder_segment.marks that only the builder uses, beyond
 * the marks of SYNACK_LADDER_MARK_LIST; cleared before the model is
 * handed out. */
#define LADDER_KEEP (1u << 14)       /* never folded: an ACK state inference needs */
#define LADDER_PRESUMED (1u << 15)   /* capture: LOST if the capture point is near its sender */
#define LADDER_PUBLIC_MARKS ((uint16_t)((1u << SYNACK_LADDER_MARK_COUNT) - 1))

struct synack_ladder *ladder__new(void);
/* A zeroed segment appended to the model, numbered info.segments + 1 (and
 * counted there); NULL when out of memory. */
struct synack_ladder_segment *ladder__add_segment(struct synack_ladder *l);
/* Kept segment with this number: its index, or -1. */
long ladder__find_segment(const struct synack_ladder *l, uint32_t number);
/* The first kept segment numbered at least `number` (seg_count if none). */
size_t ladder__segment_at_or_after(const struct synack_ladder *l, uint32_t number);
/* The first fold that ends at or after `number` (fold_count if none). */
size_t ladder__fold_at_or_after(const struct synack_ladder *l, uint32_t number);
/* Segments carrying mark `bit`, kept and folded. */
uint64_t ladder__marked_total(const struct synack_ladder *l, int bit);
int ladder__add_state(struct synack_ladder *l, const struct synack_ladder_state *s);
/* Sorts the state changes by (time, order). */
void ladder__sort_states(struct synack_ladder *l);
/* Fills a segment's header fields from a decoded packet. */
void ladder__fill_header(struct synack_ladder_segment *s, const struct synack_packet_info *p);

/* Sequence arithmetic on the 32-bit circle (RFC 9293 §3.4). */
static inline bool ladder__seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool ladder__seq_le(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline uint32_t ladder__seg_len(const struct synack_ladder_segment *s)
{
    return s->payload_len + !!(s->flags & SYNACK_TCP_SYN) + !!(s->flags & SYNACK_TCP_FIN);
}

/* ---- What each segment is (ladder_classify.c) ----------------------------- */

/* What an observer of both directions remembers of one direction. */
/* Holes in the sequence space a direction has sent: space below `next`
 * that no segment seen has carried yet (a segment that overtook others on
 * the way to the capture point leaves one).  A segment is a
 * retransmission when part of it was carried before, as conn_index.c
 * judges it; at most LADDER_HOLES_MAX holes are remembered (the oldest is
 * forgotten first: counted as sent), so the classifier stays bounded. */
#define LADDER_HOLES_MAX 64

struct ladder_hole {
    uint32_t lo, hi;             /* [lo, hi) not carried yet */
};

struct ladder_direction {
    bool have_next;
    uint32_t next;               /* highest sequence number sent + 1 (SND.MAX) */
    struct ladder_hole holes[LADDER_HOLES_MAX];
    uint8_t hole_count;
    bool have_ack;
    uint32_t last_ack;
    uint32_t last_window;        /* scaled */
    uint32_t dup_acks;
    int syn_wscale;              /* offered in its SYN; -1 none or not seen */
    bool saw_syn, saw_fin;
    uint32_t syn_seq, fin_seq;   /* its SYN's and FIN's sequence numbers */
    uint8_t syn_acks, fin_acks;  /* ACKs of the other end's SYN / FIN kept so far */
};

struct ladder_classifier {
    struct ladder_direction dir[2];
};

void ladder__classifier_init(struct ladder_classifier *c);
/* Sets the marks, dup_ack_number and window_bytes of the next segment in
 * the order they were sent (DUPLICATE copies are not given: the builder
 * copies their original's marks); marks LADDER_KEEP the first few ACKs
 * of each end's SYN and FIN, which state inference needs. */
void ladder__classify(struct ladder_classifier *c, struct synack_ladder_segment *s);

/* From one capture point: the copy a retransmission repeats may have been
 * lost after the capture point, when nothing seen had acknowledged it and
 * the capture point is at least as near its sender as its receiver; the
 * latter is known only at the end, so the copy is remembered as a
 * candidate (by number) until then.  Only copies not yet acknowledged are
 * remembered, so the table is bounded by what is in flight (and by a
 * fixed size in any case: ladder_classify.c). */
struct ladder_presumer {
    struct ladder_presume_slot *slots;
    size_t cap, used;
    bool have_ack[2];
    uint32_t acked[2];           /* highest ACK seen from each end */
};

void ladder__presumer_free(struct ladder_presumer *p);
/* Feeds the next segment (classified) in capture order; returns the number
 * of the copy it presumes lost (a candidate), or 0.  Sets *failed when
 * out of memory (the diagram then only lacks its presumptions). */
uint32_t ladder__presume(struct ladder_presumer *p, const struct synack_ladder_segment *s, bool *failed);

/* ladder_states.c: replaces the states with those inferred from the
 * segments (sends at sent_at, arrivals at arrived_at). */
int ladder__infer_states(struct synack_ladder *l);

/* ---- Folding while reading (ladder_fold.c) -------------------------------- */

/* A fold while the model is built: the public counts, and the times in
 * the builder's clock (a capture's times become send and arrival times
 * only once the delays are known). */
struct ladder_fold_acc {
    struct synack_ladder_fold f;
    /* Per sending end; first_sent is SYNACK_TIME_NEVER when it sent none. */
    synack_time_us first_sent[2], last_sent[2];
    synack_time_us last_arrival[2];      /* trace: latest arrival */
    synack_time_us lost_last_sent[2];    /* trace: latest send that never arrived */
    bool have_lost[2];
    uint32_t presumed[2];                /* capture: LADDER_PRESUMED segments from each end */
};

struct ladder_folder {
    uint32_t budget;             /* segments kept one by one; 0: no limit */
    size_t next;                 /* compact when the model holds this many */
    bool have_keep;              /* a range kept in detail (synack_ladder_config) */
    uint32_t keep_first, keep_last;
    bool keep_range;
    synack_time_us keep_from, keep_to;
    struct ladder_fold_acc *folds;   /* in number order */
    size_t count, cap;
    unsigned compactions;
};

/* What the builder knows when it compacts. */
struct ladder_fold_ctx {
    bool trace;                  /* a trace: complete once arrived or lost */
    synack_time_us now;          /* trace: the latest event */
    synack_time_us lost_after;   /* trace: not arrived this long after it was sent: lost */
    synack_time_us origin;       /* keep_range: times count from here (the builder's clock) */
    synack_time_us margin;       /* keep_range: how far the builder's clock may be from the
                                  * send times (a capture: the delays) */
    uint64_t *aside;             /* moved along with the segments (trace: packet hashes), or NULL */
};

void ladder__folder_init(struct ladder_folder *f, const struct synack_ladder_config *cfg);
void ladder__folder_free(struct ladder_folder *f);
/* Whether the model has reached the point where it should be compacted. */
static inline bool ladder__folder_due(const struct ladder_folder *f, const struct synack_ladder *l)
{
    return f->budget > 0 && l->seg_count >= f->next;
}
/* Folds runs of older segments (the first and last few segments kept
 * whatever) until the model holds at most half the budget, or nothing
 * more may be folded.  0 or -SYNACK_ENOMEM (nothing changed). */
int ladder__compact(struct ladder_folder *f, struct synack_ladder *l, const struct ladder_fold_ctx *c);
/* Counts a presumed loss of segment `number` from `end` in the fold that
 * holds it; false when no fold does. */
bool ladder__folder_presume(struct ladder_folder *f, uint32_t number, int end);

/* How the builder's clock becomes send and arrival times, at the end. */
struct ladder_fold_times {
    bool capture;
    synack_time_us shift, delay[2];  /* capture: sent = seen + shift - delay[sender],
                                      * arrived = seen + shift + delay[receiver] */
    bool near_sender[2];             /* capture: presumed losses from end e count */
    synack_time_us typical_flight[2];/* trace: where a lost arrow ends */
};

/* Hands the folds to the model (l->folds), with their times and presumed
 * losses; 0 or -SYNACK_ENOMEM. */
int ladder__folder_finish(struct ladder_folder *f, struct synack_ladder *l, const struct ladder_fold_times *t);

/* ---- What a view shows (ladder_view.c) ---------------------------------- */

enum ladder_item_kind {
    ITEM_ARRIVAL = 0,            /* ranks: at one instant an arrival comes first, */
    ITEM_STATE = 1,              /* then the state change it causes, */
    ITEM_SEGMENT = 2,            /* then what is sent */
    ITEM_BAND = 3,
};

/* A summarised run of ordinary segments and folds. */
struct ladder_band {
    uint32_t first, last;        /* segment numbers, inclusive */
    size_t seg_first, seg_end;   /* the kept segments in it: indexes [seg_first, seg_end) */
    size_t fold_first, fold_end; /* the folds in it: indexes [fold_first, fold_end) */
    uint64_t count;              /* segments in it, kept and folded */
    uint64_t folded;             /* of which folded */
    synack_time_us from, to;     /* first send .. last arrival (or send) */
    uint64_t order;              /* the first send's order */
    uint32_t data[2];            /* data segments from each end */
    uint32_t acks[2];            /* pure ACKs from each end */
    uint64_t bytes[2];           /* payload bytes from each end */
    uint32_t marked[SYNACK_LADDER_MARK_COUNT];   /* in its folds */
};

struct ladder_item {
    uint8_t kind;                /* enum ladder_item_kind (not ARRIVAL) */
    size_t index;                /* segment, state or band index */
    synack_time_us at;
    uint64_t order;
};

struct ladder_shown {
    struct ladder_item *items;   /* segments, states and bands in drawing order */
    size_t item_count;
    struct ladder_band *bands;
    size_t band_count, band_cap;
    size_t segments;             /* segments shown one by one */
    uint64_t selected;           /* segments selected, in bands or not */
    uint64_t folded;             /* of which in folds */
    bool empty_selection;        /* the ranges left nothing */
    /* A flight time for arrows that never arrived: the median measured
     * (or estimated) one for each direction. */
    synack_time_us typical_flight[2];
};

int ladder__view_build(const struct synack_ladder *l, const struct synack_ladder_view *v,
                       struct ladder_shown *out);
void ladder__view_free(struct ladder_shown *s);
/* Where the arrow of segment s ends, in time: its arrival, or for a lost
 * or unknown one where it would have arrived. */
synack_time_us ladder__arrow_end_time(const struct ladder_shown *sh, const struct synack_ladder_segment *s);
/* "ACK seq=… ack=…" plus the segment's tags ("[rexmit] [lost]"). */
char *ladder__tags(const struct synack_ladder_segment *s, char *buf, size_t len);
/* "12.345678" seconds from the origin. */
char *ladder__time_text(const struct synack_ladder *l, synack_time_us t, char *buf, size_t len);
/* "client 198.18.0.1:49152" */
char *ladder__end_text(const struct synack_ladder *l, int end, char *buf, size_t len);
/* "client ⇄ server" or the view's title. */
char *ladder__title(const struct synack_ladder *l, const struct synack_ladder_view *v, char *buf, size_t len);
/* One band in words: "415 segments (#12–#426): 300 data → 434 kB, 115 ACKs ←, 0.52 s";
 * with folds, the marks they hold too: "…, 12 rexmit, 3 lost, 400 dup ACK, 0.52 s". */
char *ladder__band_text(const struct synack_ladder *l, const struct ladder_band *b, char *buf, size_t len);
/* The same in two parts, for two lines: "415 segments (#12–#426), 0.52 s"
 * and "300 data → 434 kB, 115 ACKs ←, 12 rexmit, 400 dup ACK". */
char *ladder__band_summary(const struct ladder_band *b, char *buf, size_t len);
char *ladder__band_kinds(const struct ladder_band *b, char *buf, size_t len);

/* ---- Vertical layout for the SVG and HTML renderers (ladder_layout.c) ---- */

struct ladder_arrow_pos {
    double y_from, y_to;         /* at the sender's and at the receiver's line */
};

struct ladder_gap {
    double y;                    /* where the cut is drawn */
    synack_time_us length;       /* how much time it hides */
};

struct ladder_layout {
    double top, bottom;          /* the diagram's first and last y */
    struct ladder_arrow_pos *arrows;   /* per item (segments only) */
    double *item_y;              /* per item: states and bands (band top) */
    double *band_height;         /* per band */
    struct ladder_gap *gaps;
    size_t gap_count, gap_cap;
    double px_per_second;        /* the scale where time is not cut */
};

int ladder__layout(const struct synack_ladder *l, const struct ladder_shown *sh, double top,
                   struct ladder_layout *out);
void ladder__layout_free(struct ladder_layout *lay);

/* ---- Output helpers --------------------------------------------------- */

/* Writes s with &, <, >, " escaped for XML text and attributes. */
void ladder__xml_escape(FILE *out, const char *s);

/* The SVG drawing itself; the HTML page embeds it.  With `interactive`,
 * segments and bands get ids and tabindex for the page's script. */
int ladder__svg(const struct synack_ladder *l, const struct synack_ladder_view *v, FILE *out,
                bool interactive, const char *id_prefix);

#endif
