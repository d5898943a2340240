/*
 * ladder_internal.h — what the ladder modules share and nobody else sees.
 *
 *   ladder_model.c     the model's storage, accessors, labels, mark names
 *   ladder_build.c     the builder: choosing the connection, trace events
 *                      (matching each packet sent with its arrival) and
 *                      capture packets (estimating the delays)
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

struct synack_ladder {
    struct synack_ladder_info info;
    struct synack_ladder_end ends[2];
    struct synack_ladder_segment *segs;
    size_t seg_count, seg_cap;
    struct synack_ladder_state *states;
    size_t state_count, state_cap;
};

struct synack_ladder *ladder__new(void);
/* A zeroed segment appended to the model, numbered; NULL when out of memory. */
struct synack_ladder_segment *ladder__add_segment(struct synack_ladder *l);
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

/* ladder_classify.c: sets marks, dup_ack_number and window_bytes of every
 * segment, in the order they were sent (the array's order; DUPLICATE
 * copies are skipped: the builder copies their original's marks). */
void ladder__classify(struct synack_ladder *l);
/* From one capture point: marks LOST the copy a retransmission repeats,
 * when nothing seen had acknowledged it and the capture point is at least
 * as near its sender as its receiver (near_sender[its sender]); only then
 * can a copy seen there have been lost afterwards. */
void ladder__presume_losses(struct synack_ladder *l, const bool near_sender[2]);

/* ladder_states.c: replaces the states with those inferred from the
 * segments (sends at sent_at, arrivals at arrived_at). */
int ladder__infer_states(struct synack_ladder *l);

/* ---- What a view shows (ladder_view.c) ---------------------------------- */

enum ladder_item_kind {
    ITEM_ARRIVAL = 0,            /* ranks: at one instant an arrival comes first, */
    ITEM_STATE = 1,              /* then the state change it causes, */
    ITEM_SEGMENT = 2,            /* then what is sent */
    ITEM_BAND = 3,
};

/* A summarised run of ordinary segments. */
struct ladder_band {
    size_t first, last;          /* segment indexes, inclusive */
    synack_time_us from, to;     /* first send .. last arrival (or send) */
    uint32_t data[2];            /* data segments from each end */
    uint32_t acks[2];            /* pure ACKs from each end */
    uint64_t bytes[2];           /* payload bytes from each end */
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
    size_t band_count;
    size_t segments;             /* segments shown one by one */
    size_t selected;             /* segments selected, in bands or not */
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
/* One band in words: "415 segments (#12–#426): 300 data → 434 kB, 115 ACKs ←, 0.52 s". */
char *ladder__band_text(const struct synack_ladder *l, const struct ladder_band *b, char *buf, size_t len);

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
