/*
 * ladder_fold.c — keeping the ladder builder within its budget of
 * segments (synack_ladder_config.max_segments), whatever the length of
 * the connection.
 *
 * Each time the model reaches the budget, the builder compacts it: runs
 * of older segments become folds (struct synack_ladder_fold: their
 * numbers, time span, data and ACK counts and bytes per direction, and
 * how many carried each mark), until the model holds at most half the
 * budget.  The work is linear in the budget and happens once per half a
 * budget of new segments, so reading stays O(1) per segment.  The passes
 * go from what a reader misses least to what he misses most:
 *
 *   1. runs of ordinary segments: data and ACKs without any mark;
 *   2. runs that also hold duplicate ACKs, window updates and second
 *      copies (in a lossy transfer these are half of all segments);
 *   3. runs of anything but what is never folded.
 *
 * Never folded:
 *   - SYN, FIN, RST, and the first few ACKs of each SYN and FIN
 *     (LADDER_KEEP, ladder_classify.c): state inference sees everything
 *     it reacts to, so the states of a folded model are those of the
 *     whole one;
 *   - the connection's first HEAD_KEPT segments (who opened, the
 *     handshake, each end's first state) and the last TAIL_KEPT (a
 *     trace's DROP or second copy comes right after an arrival, and a
 *     retransmission finds its original among them; the builder also
 *     counts a presumed loss in the fold that holds the original);
 *   - from a trace, a segment still in flight (neither arrived nor
 *     known lost): not before the third pass, and then only once it is
 *     overdue, counted as lost;
 *   - with a range to keep (keep_first/keep_last, keep_range), every
 *     segment in it; everything outside may go in the first pass.
 *
 * A folded run keeps its first and last EDGE_KEPT segments, and takes in
 * the folds between the segments it removes, so that two folds always
 * have a kept segment between them and the numbers of the segments a
 * fold stands for are exactly first..last.
 */
#include <stdlib.h>
#include <string.h>

#include "ladder_internal.h"
#include "synack/errors.h"

#define HEAD_KEPT 64
#define TAIL_KEPT 4096
#define EDGE_KEPT 2
#define FOLD_MIN 8               /* a run is folded only if at least this many go */

enum level { LEVEL_ORDINARY, LEVEL_ECHOES, LEVEL_MARKED, LEVEL_COUNT };

/* The marks that repeat what another segment said already. */
#define ECHO_MARKS (SYNACK_LADDER_DUP_ACK | SYNACK_LADDER_WINDOW_UPDATE | SYNACK_LADDER_DUPLICATE)

void ladder__folder_init(struct ladder_folder *f, const struct synack_ladder_config *cfg)
{
    memset(f, 0, sizeof *f);
    f->budget = cfg->max_segments;
    f->next = f->budget;
    f->keep_first = cfg->keep_first;
    f->keep_last = cfg->keep_last;
    f->keep_range = cfg->keep_range;
    f->keep_from = cfg->keep_from;
    f->keep_to = cfg->keep_to;
    f->have_keep = f->keep_first || f->keep_last || f->keep_range;
}

void ladder__folder_free(struct ladder_folder *f)
{
    free(f->folds);
    f->folds = NULL;
    f->count = f->cap = 0;
}

static synack_time_us add_sat(synack_time_us a, synack_time_us b)
{
    return a > SYNACK_TIME_NEVER - b ? SYNACK_TIME_NEVER : a + b;
}

/* Whether s lies in the range the config asks to keep.  A capture's clock
 * is that of the capture point, up to `margin` off the send times the
 * view selects by: the range is widened by that much. */
static bool in_keep(const struct ladder_folder *f, const struct ladder_fold_ctx *c,
                    const struct synack_ladder_segment *s)
{
    if (f->keep_first && s->number < f->keep_first)
        return false;
    if (f->keep_last && s->number > f->keep_last)
        return false;
    if (f->keep_range) {
        synack_time_us rel = s->sent_at >= c->origin ? s->sent_at - c->origin : 0;
        synack_time_us lo = f->keep_from > c->margin ? f->keep_from - c->margin : 0;
        if (rel < lo || rel > add_sat(f->keep_to, c->margin))
            return false;
    }
    return true;
}

static bool foldable(const struct ladder_folder *f, const struct ladder_fold_ctx *c,
                     const struct synack_ladder_segment *s, int level)
{
    uint16_t marks = s->marks;

    if ((s->flags & (SYNACK_TCP_SYN | SYNACK_TCP_FIN | SYNACK_TCP_RST)) || (marks & LADDER_KEEP))
        return false;
    if (f->have_keep) {
        if (in_keep(f, c, s))
            return false;
        level = LEVEL_MARKED;   /* not to be seen: whatever may go, goes */
    }
    if (c->trace && s->arrival != SYNACK_LADDER_ARRIVED && !(marks & SYNACK_LADDER_LOST)) {
        /* Still in flight: only when overdue, as lost. */
        if (level < LEVEL_MARKED || c->now < add_sat(s->sent_at, c->lost_after))
            return false;
    }
    switch (level) {
    case LEVEL_ORDINARY: return marks == 0 && !(s->flags & SYNACK_TCP_URG);
    case LEVEL_ECHOES: return (marks & ~ECHO_MARKS) == 0;
    default: return true;
    }
}

/* ---- Fold accumulators ---------------------------------------------------- */

static void acc_init(struct ladder_fold_acc *a)
{
    memset(a, 0, sizeof *a);
    a->f.first = UINT32_MAX;
    a->first_sent[0] = a->first_sent[1] = SYNACK_TIME_NEVER;
}

static void acc_add(struct ladder_fold_acc *a, const struct ladder_fold_ctx *c,
                    const struct synack_ladder_segment *s)
{
    int e = s->from;
    uint16_t marks = s->marks & LADDER_PUBLIC_MARKS;

    if (s->number < a->f.first) {
        a->f.first = s->number;
        a->f.sent_order = s->sent_order;
    }
    if (s->number > a->f.last)
        a->f.last = s->number;
    if (s->payload_len) {
        a->f.data[e]++;
        a->f.bytes[e] += s->payload_len;
    } else {
        a->f.acks[e]++;
    }
    if (s->sent_at < a->first_sent[e])
        a->first_sent[e] = s->sent_at;
    if (s->sent_at > a->last_sent[e])
        a->last_sent[e] = s->sent_at;
    if (c->trace && s->arrival != SYNACK_LADDER_ARRIVED) {
        marks |= SYNACK_LADDER_LOST;   /* refused by the sender's driver, or overdue */
        a->have_lost[e] = true;
        if (s->sent_at > a->lost_last_sent[e])
            a->lost_last_sent[e] = s->sent_at;
    } else if (c->trace && s->arrived_at > a->last_arrival[e]) {
        a->last_arrival[e] = s->arrived_at;
    }
    if (s->marks & LADDER_PRESUMED)
        a->presumed[e]++;
    for (int bit = 0; bit < SYNACK_LADDER_MARK_COUNT; bit++)
        a->f.marked[bit] += (marks >> bit) & 1u;
}

static void acc_merge(struct ladder_fold_acc *a, const struct ladder_fold_acc *b)
{
    if (b->f.first < a->f.first) {
        a->f.first = b->f.first;
        a->f.sent_order = b->f.sent_order;
    }
    if (b->f.last > a->f.last)
        a->f.last = b->f.last;
    for (int e = 0; e < 2; e++) {
        a->f.data[e] += b->f.data[e];
        a->f.acks[e] += b->f.acks[e];
        a->f.bytes[e] += b->f.bytes[e];
        a->presumed[e] += b->presumed[e];
        if (b->first_sent[e] < a->first_sent[e])
            a->first_sent[e] = b->first_sent[e];
        if (b->last_sent[e] > a->last_sent[e])
            a->last_sent[e] = b->last_sent[e];
        if (b->last_arrival[e] > a->last_arrival[e])
            a->last_arrival[e] = b->last_arrival[e];
        if (b->have_lost[e]) {
            a->have_lost[e] = true;
            if (b->lost_last_sent[e] > a->lost_last_sent[e])
                a->lost_last_sent[e] = b->lost_last_sent[e];
        }
    }
    for (int bit = 0; bit < SYNACK_LADDER_MARK_COUNT; bit++)
        a->f.marked[bit] += b->f.marked[bit];
}

/* ---- Compaction ------------------------------------------------------------ */

/* Kept segments [a, b) to fold. */
struct span {
    size_t a, b;
};

/* One pass at `level` over the kept segments [lo, hi). */
static int fold_pass(struct ladder_folder *f, struct synack_ladder *l, const struct ladder_fold_ctx *c,
                     int level, size_t lo, size_t hi)
{
    struct span *spans = NULL;
    size_t nspans = 0, cap = 0, n = l->seg_count, k = 0, nf = 0, w = 0, sp = 0;
    struct ladder_fold_acc *folds;

    for (size_t i = lo; i < hi;) {
        size_t j = i;
        while (j < hi && foldable(f, c, &l->segs[j], level))
            j++;
        if (j - i >= 2 * EDGE_KEPT + FOLD_MIN) {
            if (nspans == cap) {
                size_t ncap = cap ? cap * 2 : 64;
                struct span *ns = realloc(spans, ncap * sizeof *ns);
                if (ns == NULL) {
                    free(spans);
                    return -SYNACK_ENOMEM;
                }
                spans = ns;
                cap = ncap;
            }
            spans[nspans++] = (struct span){i + EDGE_KEPT, j - EDGE_KEPT};
        }
        i = j > i ? j : i + 1;
    }
    if (nspans == 0) {
        free(spans);
        return 0;
    }
    folds = malloc((f->count + nspans) * sizeof *folds);
    if (folds == NULL) {
        free(spans);
        return -SYNACK_ENOMEM;
    }

    /* The new folds, each taking in the old ones between its neighbours. */
    for (size_t s = 0; s < nspans; s++) {
        size_t a = spans[s].a, b = spans[s].b;
        uint32_t lower = a > 0 ? l->segs[a - 1].number + 1 : 1;
        uint32_t upper = b < n ? l->segs[b].number - 1 : (uint32_t)l->info.segments;
        struct ladder_fold_acc acc;

        while (k < f->count && f->folds[k].f.last < lower)
            folds[nf++] = f->folds[k++];
        acc_init(&acc);
        while (k < f->count && f->folds[k].f.first <= upper)
            acc_merge(&acc, &f->folds[k++]);
        for (size_t i = a; i < b; i++)
            acc_add(&acc, c, &l->segs[i]);
        folds[nf++] = acc;
    }
    while (k < f->count)
        folds[nf++] = f->folds[k++];
    free(f->folds);
    f->folds = folds;
    f->count = f->cap = nf;

    /* The segments (and what goes with them) that stay, moved down. */
    for (size_t i = 0; i < n; i++) {
        if (sp < nspans && i == spans[sp].a) {
            i = spans[sp++].b - 1;
            continue;
        }
        if (w != i) {
            l->segs[w] = l->segs[i];
            if (c->aside != NULL)
                c->aside[w] = c->aside[i];
        }
        w++;
    }
    l->seg_count = w;
    free(spans);
    return 0;
}

int ladder__compact(struct ladder_folder *f, struct synack_ladder *l, const struct ladder_fold_ctx *c)
{
    /* Head and tail take at most a quarter of the budget, so that the
     * first pass alone can bring an ordinary transfer to half of it. */
    size_t head = f->budget / 8 < HEAD_KEPT ? f->budget / 8 : HEAD_KEPT;
    size_t tail = f->budget / 8 < TAIL_KEPT ? f->budget / 8 : TAIL_KEPT;
    size_t target = f->budget / 2;

    f->compactions++;
    for (int level = 0; level < LEVEL_COUNT && l->seg_count > target; level++) {
        int rc;
        if (l->seg_count <= head + tail)
            break;
        rc = fold_pass(f, l, c, level, head, l->seg_count - tail);
        if (rc < 0)
            return rc;
        if (f->have_keep)
            break;   /* outside the range the first pass folded all it could */
    }
    /* When nothing more could go (a long range to keep, a storm of RSTs),
     * the model grows past the budget, by half a budget each time, so
     * that compacting stays linear. */
    f->next = l->seg_count <= target ? f->budget : l->seg_count + f->budget / 2 + 1;
    return 0;
}

bool ladder__folder_presume(struct ladder_folder *f, uint32_t number, int end)
{
    size_t lo = 0, hi = f->count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->folds[mid].f.last < number)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == f->count || f->folds[lo].f.first > number)
        return false;
    f->folds[lo].presumed[end]++;
    return true;
}

int ladder__folder_finish(struct ladder_folder *f, struct synack_ladder *l, const struct ladder_fold_times *t)
{
    if (f->count == 0)
        return 0;
    l->folds = malloc(f->count * sizeof *l->folds);
    if (l->folds == NULL)
        return -SYNACK_ENOMEM;
    for (size_t i = 0; i < f->count; i++) {
        const struct ladder_fold_acc *a = &f->folds[i];
        struct synack_ladder_fold *out = &l->folds[i];
        synack_time_us from = SYNACK_TIME_NEVER, last = 0, to = 0;

        *out = a->f;
        for (int e = 0; e < 2; e++) {
            synack_time_us s0, s1, end;
            if (a->first_sent[e] == SYNACK_TIME_NEVER)
                continue;   /* end e sent none of them */
            if (t->capture) {
                s0 = a->first_sent[e] + t->shift - t->delay[e];
                s1 = a->last_sent[e] + t->shift - t->delay[e];
                end = a->last_sent[e] + t->shift + t->delay[1 - e];
                if (t->near_sender[e])
                    out->marked[SYNACK_LADDER_MARK_BIT_LOST] += a->presumed[e];
            } else {
                s0 = a->first_sent[e];
                s1 = a->last_sent[e];
                end = a->last_arrival[e] > s1 ? a->last_arrival[e] : s1;
                if (a->have_lost[e] && a->lost_last_sent[e] + t->typical_flight[e] > end)
                    end = a->lost_last_sent[e] + t->typical_flight[e];
            }
            from = s0 < from ? s0 : from;
            last = s1 > last ? s1 : last;
            to = end > to ? end : to;
        }
        out->from = from;
        out->last_sent = last;
        out->to = to;
        if (t->capture)
            out->sent_order = (uint64_t)(out->first - 1) * 4 + 2;
        l->info.folded_segments += (uint64_t)out->last - out->first + 1;
    }
    l->fold_count = f->count;
    return 0;
}
