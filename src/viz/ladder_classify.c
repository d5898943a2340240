/*
 * ladder_classify.c — what each segment is, judged as an observer who sees
 * both directions in the order they were sent (the rules Wireshark's TCP
 * analysis and tcptrace apply, restated from the RFCs):
 *
 *   keepalive        at most one byte at SND.NXT − 1, no SYN/FIN/RST: it
 *                    repeats a byte already acknowledged to elicit an ACK
 *                    (RFC 9293 §3.8.4; RFC 1122 §4.2.3.6)
 *   zero-window probe one byte at SND.NXT (or the same byte again) while
 *                    the other end's last window was zero (RFC 9293 §3.8.6.1)
 *   retransmission   SYN, FIN or payload of which some part was carried
 *                    by an earlier segment that way (a segment that fills
 *                    a hole left by reordering before the capture point
 *                    is not one: the same rule as conn_index.c's)
 *   duplicate ACK    no data, no SYN/FIN/RST, the same ACK and window as
 *                    the previous ACK that way, with data outstanding the
 *                    other way (RFC 5681 §2, "DUPLICATE ACKNOWLEDGMENT")
 *   window update    no data, the same ACK, a different window
 *   zero window      advertises a window of zero
 *   RST              the RST flag
 *
 * Windows are scaled (RFC 7323 §2.3) once both SYNs offered scaling; the
 * SYNs' own windows never are.
 *
 * The classifier sees each segment once, as it is read, and remembers a
 * few numbers per direction, so that the builder can fold segments into
 * counts while it reads (ladder_fold.c) and still judge every segment as
 * if it had them all.
 */
#include <stdlib.h>
#include <string.h>

#include "ladder_internal.h"

/* The first few ACKs of each end's SYN and FIN are kept one by one: state
 * inference (ladder_states.c) takes its SYN_RECEIVED -> ESTABLISHED and
 * its FIN_WAIT_1 -> FIN_WAIT_2, CLOSING -> TIME_WAIT, LAST_ACK -> CLOSED
 * steps on the first of them that arrives, and a few cover the first
 * being lost.  (Every later segment acknowledges the SYN too: keeping all
 * would keep everything.) */
#define STATE_ACKS_KEPT 4

void ladder__classifier_init(struct ladder_classifier *c)
{
    memset(c, 0, sizeof *c);
    c->dir[0].syn_wscale = c->dir[1].syn_wscale = -1;
}

static bool other_has_outstanding(const struct ladder_direction *other, uint32_t ack)
{
    return other->have_next && ladder__seq_lt(ack, other->next);
}

/* Whether s acknowledges the other end's SYN or FIN among the first few
 * to do so; remembers the SYN and FIN s itself carries. */
static bool state_ack(struct ladder_direction *d, const struct ladder_direction *o,
                      const struct synack_ladder_segment *s)
{
    bool keep = false;

    if (s->flags & SYNACK_TCP_SYN) {
        d->saw_syn = true;
        d->syn_seq = s->seq;
    }
    if ((s->flags & SYNACK_TCP_ACK) && !(s->flags & SYNACK_TCP_RST)) {
        if (o->saw_syn && s->ack == o->syn_seq + 1 && d->syn_acks < STATE_ACKS_KEPT) {
            d->syn_acks++;
            keep = true;
        }
        if (o->saw_fin && ladder__seq_lt(o->fin_seq, s->ack) && d->fin_acks < STATE_ACKS_KEPT) {
            d->fin_acks++;
            keep = true;
        }
    }
    if ((s->flags & SYNACK_TCP_FIN) && !d->saw_fin) {
        d->saw_fin = true;
        d->fin_seq = s->seq + s->payload_len + !!(s->flags & SYNACK_TCP_SYN);
    }
    return keep;
}

/* Takes [lo, hi) out of direction d's holes; returns how many of those
 * bytes were in a hole (never carried before). */
static uint32_t fill_holes(struct ladder_direction *d, uint32_t lo, uint32_t hi)
{
    uint32_t fresh = 0;

    for (size_t i = 0; i < d->hole_count;) {
        struct ladder_hole *h = &d->holes[i];
        uint32_t a = ladder__seq_lt(lo, h->lo) ? h->lo : lo;
        uint32_t b = ladder__seq_lt(hi, h->hi) ? hi : h->hi;
        if (!ladder__seq_lt(a, b)) {
            i++;
            continue;
        }
        fresh += b - a;
        if (a == h->lo && b == h->hi) {            /* filled: remove it */
            memmove(h, h + 1, (d->hole_count - i - 1) * sizeof *h);
            d->hole_count--;
            continue;
        }
        if (a == h->lo) {
            h->lo = b;
        } else if (b == h->hi) {
            h->hi = a;
        } else if (d->hole_count == LADDER_HOLES_MAX) {
            h->lo = b;                              /* no room to split: forget the lower part */
        } else {                                    /* split in two */
            memmove(h + 2, h + 1, (d->hole_count - i - 1) * sizeof *h);
            h[1] = (struct ladder_hole){b, h->hi};
            h->hi = a;
            d->hole_count++;
            i += 2;
            continue;
        }
        i++;
    }
    return fresh;
}

/* Whether a segment of `len` units of sequence space from `seq` carries
 * space carried before; records what it carries. */
static bool carried_before(struct ladder_direction *d, uint32_t seq, uint32_t len)
{
    uint32_t end = seq + len, fresh = 0;

    if (!d->have_next)
        return false;
    if (ladder__seq_lt(d->next, end)) {             /* beyond SND.MAX: all new */
        uint32_t from = ladder__seq_lt(seq, d->next) ? d->next : seq;
        fresh += end - from;
        if (ladder__seq_lt(d->next, seq)) {         /* overtook what is still on the way */
            if (d->hole_count == LADDER_HOLES_MAX) {
                memmove(&d->holes[0], &d->holes[1], (LADDER_HOLES_MAX - 1) * sizeof d->holes[0]);
                d->hole_count--;
            }
            d->holes[d->hole_count++] = (struct ladder_hole){d->next, seq};
        }
        end = from;
    }
    if (ladder__seq_lt(seq, end))
        fresh += fill_holes(d, seq, end);
    return fresh < len;
}

void ladder__classify(struct ladder_classifier *c, struct synack_ladder_segment *s)
{
    struct ladder_direction *d = &c->dir[s->from], *o = &c->dir[1 - s->from];
    uint32_t len = ladder__seg_len(s);
    bool control = (s->flags & (SYNACK_TCP_SYN | SYNACK_TCP_FIN | SYNACK_TCP_RST)) != 0;
    uint16_t keep = s->marks & (SYNACK_LADDER_LOST | SYNACK_LADDER_DROPPED | SYNACK_LADDER_DUPLICATE);

    s->marks = keep;
    s->dup_ack_number = 0;

    /* Window scaling is in force for segments after both SYNs. */
    if (s->flags & SYNACK_TCP_SYN) {
        d->syn_wscale = s->has_wscale ? s->wscale : -1;
        s->window_bytes = s->window;
    } else if (d->syn_wscale >= 0 && o->syn_wscale >= 0) {
        s->window_bytes = (uint32_t)s->window << (d->syn_wscale > 14 ? 14 : d->syn_wscale);
    } else {
        s->window_bytes = s->window;
    }
    if (state_ack(d, o, s))
        s->marks |= LADDER_KEEP;

    if (s->flags & SYNACK_TCP_RST)
        s->marks |= SYNACK_LADDER_RST;
    else if (s->window == 0)
        s->marks |= SYNACK_LADDER_ZERO_WINDOW;

    if (!control && s->payload_len == 1 && o->have_ack && o->last_window == 0 && d->have_next &&
        (s->seq == d->next || s->seq + 1 == d->next)) {
        s->marks |= SYNACK_LADDER_ZERO_WINDOW_PROBE;
    } else if (!control && s->payload_len <= 1 && d->have_next && s->seq + 1 == d->next) {
        s->marks |= SYNACK_LADDER_KEEPALIVE;
    } else if (len > 0 && carried_before(d, s->seq, len)) {
        s->marks |= SYNACK_LADDER_RETRANSMISSION;
    }

    if ((s->flags & SYNACK_TCP_ACK) && !(s->flags & SYNACK_TCP_RST)) {
        bool same_ack = d->have_ack && s->ack == d->last_ack;
        if (len == 0 && same_ack && !(s->marks & SYNACK_LADDER_KEEPALIVE)) {
            if (s->window_bytes == d->last_window && other_has_outstanding(o, s->ack)) {
                s->marks |= SYNACK_LADDER_DUP_ACK;
                s->dup_ack_number = ++d->dup_acks;
            } else if (s->window_bytes != d->last_window) {
                s->marks |= SYNACK_LADDER_WINDOW_UPDATE;
            }
        }
        if (!same_ack || len > 0)
            d->dup_acks = 0;
        d->have_ack = true;
        d->last_ack = s->ack;
        d->last_window = s->window_bytes;
    }
    if (len > 0 && (!d->have_next || ladder__seq_lt(d->next, s->seq + len))) {
        d->next = s->seq + len;
        d->have_next = true;
    } else if (!d->have_next) {
        d->next = s->seq;
        d->have_next = true;
    }
}

/* ---- Presumed losses (one capture point) -------------------------------- */

/* The latest segment from each end by starting sequence number, while it
 * is not acknowledged: an open hash keyed by (end, seq). */
struct ladder_presume_slot {
    uint64_t key;                /* (end << 32 | seq) + 1; 0 = empty */
    uint32_t number;
};

/* A bound on the table whatever the capture holds (a capture of one
 * direction only never sees anything acknowledged): at most this many
 * slots (4 MiB), kept at most a quarter full.  When more copies than that
 * are unacknowledged (65536 segments in flight: about 95 MB at the usual
 * MSS), the table starts again empty, and those copies are not presumed
 * lost. */
#define LADDER_PRESUME_SLOTS_MAX ((size_t)1 << 18)

static size_t slot_of(const struct ladder_presume_slot *t, size_t cap, uint64_t key)
{
    size_t j = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 20) & (cap - 1);

    while (t[j].key != 0 && t[j].key != key)
        j = (j + 1) & (cap - 1);
    return j;
}

void ladder__presumer_free(struct ladder_presumer *p)
{
    free(p->slots);
    memset(p, 0, sizeof *p);
}

static bool acknowledged(const struct ladder_presumer *p, int end, uint32_t seq)
{
    return p->have_ack[1 - end] && ladder__seq_lt(seq, p->acked[1 - end]);
}

/* Makes room: drops the copies acknowledged since (they can never be
 * presumed lost: ACKs only move forward), and sizes the table for the
 * rest. */
static bool rebuild(struct ladder_presumer *p)
{
    size_t live = 0, cap = 1024;
    struct ladder_presume_slot *t;

    for (size_t i = 0; i < p->cap; i++) {
        uint64_t k = p->slots[i].key;
        if (k != 0 && !acknowledged(p, (int)((k - 1) >> 32), (uint32_t)(k - 1)))
            live++;
    }
    if (live * 4 > LADDER_PRESUME_SLOTS_MAX)
        live = 0;   /* see LADDER_PRESUME_SLOTS_MAX */
    while (cap < live * 4)
        cap *= 2;
    t = calloc(cap, sizeof *t);
    if (t == NULL)
        return false;
    for (size_t i = 0; live > 0 && i < p->cap; i++) {
        uint64_t k = p->slots[i].key;
        if (k != 0 && !acknowledged(p, (int)((k - 1) >> 32), (uint32_t)(k - 1)))
            t[slot_of(t, cap, k)] = p->slots[i];
    }
    free(p->slots);
    p->slots = t;
    p->cap = cap;
    p->used = live;
    return true;
}

uint32_t ladder__presume(struct ladder_presumer *p, const struct synack_ladder_segment *s, bool *failed)
{
    int e = s->from;
    uint64_t key = (((uint64_t)e << 32) | s->seq) + 1;
    uint32_t lost = 0;
    size_t j;

    if ((s->flags & SYNACK_TCP_ACK) && (!p->have_ack[e] || ladder__seq_lt(p->acked[e], s->ack))) {
        p->acked[e] = s->ack;
        p->have_ack[e] = true;
    }
    if (ladder__seg_len(s) == 0)
        return 0;
    if ((p->used + 1) * 2 > p->cap && !rebuild(p)) {
        *failed = true;
        return 0;
    }
    j = slot_of(p->slots, p->cap, key);
    if (p->slots[j].key == key) {
        /* Still unacknowledged when its copy was sent again. */
        if ((s->marks & SYNACK_LADDER_RETRANSMISSION) && !acknowledged(p, e, s->seq))
            lost = p->slots[j].number;
    } else {
        p->used++;
    }
    p->slots[j].key = key;
    p->slots[j].number = s->number;
    return lost;
}
