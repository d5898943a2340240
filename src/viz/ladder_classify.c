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
 *   retransmission   SYN, FIN or payload starting below the highest
 *                    sequence number already sent that way
 *   duplicate ACK    no data, no SYN/FIN/RST, the same ACK and window as
 *                    the previous ACK that way, with data outstanding the
 *                    other way (RFC 5681 §2, "DUPLICATE ACKNOWLEDGMENT")
 *   window update    no data, the same ACK, a different window
 *   zero window      advertises a window of zero
 *   RST              the RST flag
 *
 * Windows are scaled (RFC 7323 §2.3) once both SYNs offered scaling; the
 * SYNs' own windows never are.
 */
#include <stdlib.h>
#include <string.h>

#include "ladder_internal.h"

struct direction {
    bool have_next;
    uint32_t next;               /* highest sequence number sent + 1 (SND.MAX) */
    bool have_ack;
    uint32_t last_ack;
    uint32_t last_window;        /* scaled */
    uint32_t dup_acks;
    int syn_wscale;              /* offered in its SYN; -1 none or not seen */
    bool saw_syn;
};

static bool other_has_outstanding(const struct direction *other, uint32_t ack)
{
    return other->have_next && ladder__seq_lt(ack, other->next);
}

void ladder__classify(struct synack_ladder *l)
{
    struct direction dir[2];

    memset(dir, 0, sizeof dir);
    dir[0].syn_wscale = dir[1].syn_wscale = -1;
    for (size_t i = 0; i < l->seg_count; i++) {
        struct synack_ladder_segment *s = &l->segs[i];
        struct direction *d = &dir[s->from], *o = &dir[1 - s->from];
        uint32_t len = ladder__seg_len(s);
        bool control = (s->flags & (SYNACK_TCP_SYN | SYNACK_TCP_FIN | SYNACK_TCP_RST)) != 0;
        uint16_t keep = s->marks & (SYNACK_LADDER_LOST | SYNACK_LADDER_DROPPED | SYNACK_LADDER_DUPLICATE);

        if (s->marks & SYNACK_LADDER_DUPLICATE)
            continue;   /* the builder copies its original's marks */
        s->marks = keep;
        s->dup_ack_number = 0;

        /* Window scaling is in force for segments after both SYNs. */
        if (s->flags & SYNACK_TCP_SYN) {
            d->saw_syn = true;
            d->syn_wscale = s->has_wscale ? s->wscale : -1;
            s->window_bytes = s->window;
        } else if (d->syn_wscale >= 0 && o->syn_wscale >= 0) {
            s->window_bytes = (uint32_t)s->window << (d->syn_wscale > 14 ? 14 : d->syn_wscale);
        } else {
            s->window_bytes = s->window;
        }

        if (s->flags & SYNACK_TCP_RST)
            s->marks |= SYNACK_LADDER_RST;
        else if (s->window == 0)
            s->marks |= SYNACK_LADDER_ZERO_WINDOW;

        if (!control && s->payload_len == 1 && o->have_ack && o->last_window == 0 && d->have_next &&
            (s->seq == d->next || s->seq + 1 == d->next)) {
            s->marks |= SYNACK_LADDER_ZERO_WINDOW_PROBE;
        } else if (!control && s->payload_len <= 1 && d->have_next && s->seq + 1 == d->next) {
            s->marks |= SYNACK_LADDER_KEEPALIVE;
        } else if (len > 0 && d->have_next && ladder__seq_lt(s->seq, d->next)) {
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
}

/* ---- Presumed losses (one capture point) -------------------------------- */

/* The latest segment from each end by starting sequence number: an open
 * hash keyed by (end, seq). */
struct seq_slot {
    uint64_t key;                /* (end << 32 | seq) + 1; 0 = empty */
    size_t seg;
};

static size_t slot_of(struct seq_slot *t, size_t cap, uint64_t key)
{
    size_t j = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 20) & (cap - 1);

    while (t[j].key != 0 && t[j].key != key)
        j = (j + 1) & (cap - 1);
    return j;
}

void ladder__presume_losses(struct synack_ladder *l, const bool near_sender[2])
{
    size_t cap = 64;
    struct seq_slot *t;
    bool have_ack[2] = {false, false};
    uint32_t acked[2] = {0, 0};  /* highest ACK seen from each end */

    while (cap < l->seg_count * 2 + 2)
        cap *= 2;
    t = calloc(cap, sizeof *t);
    if (t == NULL)
        return;   /* the diagram only lacks its presumptions */
    for (size_t i = 0; i < l->seg_count; i++) {
        struct synack_ladder_segment *s = &l->segs[i];
        int e = s->from;
        uint64_t key = (((uint64_t)e << 32) | s->seq) + 1;
        size_t j;

        if ((s->flags & SYNACK_TCP_ACK) &&
            (!have_ack[e] || ladder__seq_lt(acked[e], s->ack))) {
            acked[e] = s->ack;
            have_ack[e] = true;
        }
        if (ladder__seg_len(s) == 0)
            continue;
        j = slot_of(t, cap, key);
        if (t[j].key == key && (s->marks & SYNACK_LADDER_RETRANSMISSION) && near_sender[e]) {
            struct synack_ladder_segment *orig = &l->segs[t[j].seg];
            bool was_acked = have_ack[1 - e] && ladder__seq_lt(orig->seq, acked[1 - e]);
            if (!was_acked)
                orig->marks |= SYNACK_LADDER_LOST;
        }
        t[j].key = key;
        t[j].seg = i;
    }
    free(t);
}
