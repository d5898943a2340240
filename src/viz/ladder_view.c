/*
 * ladder_view.c — what a view of a ladder shows, in drawing order: the
 * segments selected by the time and segment ranges, the state changes
 * among them, and the bands that stand for long runs of ordinary segments.
 *
 * A band is a run of consecutive segments (in the order sent) that carry
 * data or only acknowledge it, with no mark at all (no retransmission,
 * loss, duplicate ACK, ...), no SYN, FIN, RST or URG, and no state change
 * of either end during the time they take.  Such runs are what makes a
 * long transfer unreadable, and what a reader skips anyway.
 *
 * Folds (segments the builder kept only as counts, ladder_fold.c) are
 * always drawn as bands: they join the band of the ordinary segments
 * beside them, state change or not (they can be drawn no other way), and
 * are shown whole when any of their numbers or sends is in the ranges.
 */
#include <stdlib.h>
#include <string.h>

#include "ladder_internal.h"
#include "synack/errors.h"

void synack_ladder_view_default(struct synack_ladder_view *v)
{
    memset(v, 0, sizeof *v);
    v->collapse = 12;
    v->collapse_above = 60;
    v->columns = 80;
    v->expand_max = 2000;
    v->expand_total = 20000;
}

synack_time_us ladder__arrow_end_time(const struct ladder_shown *sh, const struct synack_ladder_segment *s)
{
    if (s->arrival == SYNACK_LADDER_ARRIVED || s->arrival == SYNACK_LADDER_ESTIMATED)
        return s->arrived_at >= s->sent_at ? s->arrived_at : s->sent_at;
    if (s->arrived_at > s->sent_at)
        return s->arrived_at;
    return s->sent_at + sh->typical_flight[s->from];
}

static bool selected(const struct synack_ladder *l, const struct synack_ladder_view *v,
                     const struct synack_ladder_segment *s)
{
    synack_time_us rel = s->sent_at >= l->info.origin ? s->sent_at - l->info.origin : 0;

    if (v->first_segment && s->number < v->first_segment)
        return false;
    if (v->last_segment && s->number > v->last_segment)
        return false;
    if (v->have_range && (rel < v->range_from || rel > v->range_to))
        return false;
    return true;
}

static bool ordinary(const struct synack_ladder_segment *s)
{
    return s->marks == 0 &&
           !(s->flags & (SYNACK_TCP_SYN | SYNACK_TCP_FIN | SYNACK_TCP_RST | SYNACK_TCP_URG));
}

/* Whether any shown state change falls within [a, b]; times[] is sorted. */
static bool state_within(const synack_time_us *times, size_t n, synack_time_us a, synack_time_us b)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (times[mid] < a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && times[lo] <= b;
}

static int item_cmp(const void *pa, const void *pb)
{
    const struct ladder_item *a = pa, *b = pb;

    if (a->at != b->at)
        return a->at < b->at ? -1 : 1;
    if (a->order != b->order)
        return a->order < b->order ? -1 : 1;
    if (a->kind != b->kind)
        return (int)a->kind - (int)b->kind;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* A band being built over the segments and folds in number order. */
struct band_build {
    struct ladder_band b;
    bool open;
};

static void band_start(struct band_build *bb, uint32_t number, synack_time_us from, uint64_t order)
{
    memset(&bb->b, 0, sizeof bb->b);
    bb->open = true;
    bb->b.first = number;
    bb->b.from = from;
    bb->b.to = from;
    bb->b.order = order;
    bb->b.seg_first = bb->b.seg_end = SIZE_MAX;
    bb->b.fold_first = bb->b.fold_end = SIZE_MAX;
}

static void band_add_segment(const struct ladder_shown *sh, struct band_build *bb, size_t i,
                             const struct synack_ladder_segment *s)
{
    struct ladder_band *b = &bb->b;
    synack_time_us end = ladder__arrow_end_time(sh, s);

    if (b->seg_first == SIZE_MAX)
        b->seg_first = i;
    b->seg_end = i + 1;
    b->last = s->number;
    b->count++;
    if (s->payload_len) {
        b->data[s->from]++;
        b->bytes[s->from] += s->payload_len;
    } else {
        b->acks[s->from]++;
    }
    if (end > b->to)
        b->to = end;
}

static void band_add_fold(struct band_build *bb, size_t k, const struct synack_ladder_fold *f)
{
    struct ladder_band *b = &bb->b;
    uint64_t n = (uint64_t)f->last - f->first + 1;

    if (b->fold_first == SIZE_MAX)
        b->fold_first = k;
    b->fold_end = k + 1;
    b->last = f->last;
    b->count += n;
    b->folded += n;
    for (int e = 0; e < 2; e++) {
        b->data[e] += f->data[e];
        b->acks[e] += f->acks[e];
        b->bytes[e] += f->bytes[e];
    }
    for (int bit = 0; bit < SYNACK_LADDER_MARK_COUNT; bit++)
        b->marked[bit] += f->marked[bit];
    if (f->from < b->from)
        b->from = f->from;
    if (f->to > b->to)
        b->to = f->to;
}

/* Keeps the band being built if it holds a fold (which can be drawn no
 * other way) or enough ordinary segments; its segments are then not drawn
 * one by one. */
static int band_close(struct ladder_shown *out, struct band_build *bb, uint32_t collapse, bool *in_band,
                      size_t lo)
{
    struct ladder_band *nb, *b = &bb->b;

    if (!bb->open)
        return 0;
    bb->open = false;
    if (b->folded == 0 && (collapse == 0 || b->count < collapse))
        return 0;
    if (b->seg_first == SIZE_MAX)
        b->seg_first = b->seg_end = 0;
    if (b->fold_first == SIZE_MAX)
        b->fold_first = b->fold_end = 0;
    if (out->band_count == out->band_cap) {
        size_t cap = out->band_cap ? out->band_cap * 2 : 16;
        nb = realloc(out->bands, cap * sizeof *nb);
        if (nb == NULL)
            return -SYNACK_ENOMEM;
        out->bands = nb;
        out->band_cap = cap;
    }
    out->bands[out->band_count++] = *b;
    for (size_t k = b->seg_first; k < b->seg_end; k++)
        in_band[k - lo] = true;
    return 0;
}

/* Whether fold f is selected: any of its numbers in the segment range,
 * and any of its sends in the time range. */
static bool fold_selected(const struct synack_ladder *l, const struct synack_ladder_view *v,
                          const struct synack_ladder_fold *f)
{
    synack_time_us a = f->from >= l->info.origin ? f->from - l->info.origin : 0;
    synack_time_us z = f->last_sent >= l->info.origin ? f->last_sent - l->info.origin : 0;

    if (v->first_segment && f->last < v->first_segment)
        return false;
    if (v->last_segment && f->first > v->last_segment)
        return false;
    if (v->have_range && (z < v->range_from || a > v->range_to))
        return false;
    return true;
}

int ladder__view_build(const struct synack_ladder *l, const struct synack_ladder_view *v,
                       struct ladder_shown *out)
{
    bool *sel = NULL, *fsel = NULL, *in_band = NULL;
    synack_time_us *state_times = NULL, tmin = SYNACK_TIME_NEVER, tmax = 0;
    size_t n_state_times = 0, lo, hi, flo, fhi;
    bool collapse;
    struct band_build bb = {.open = false};
    uint32_t collapse_len;

    memset(out, 0, sizeof *out);
    out->typical_flight[0] = l->typical_flight[0];
    out->typical_flight[1] = l->typical_flight[1];
    /* The segment range, found by number: a band's expansion looks at its
     * own segments only, however large the model. */
    lo = v->first_segment ? ladder__segment_at_or_after(l, v->first_segment) : 0;
    hi = v->last_segment && v->last_segment < UINT32_MAX ? ladder__segment_at_or_after(l, v->last_segment + 1)
                                                         : l->seg_count;
    flo = v->first_segment ? ladder__fold_at_or_after(l, v->first_segment) : 0;
    fhi = l->fold_count;
    if (v->last_segment) {
        fhi = v->last_segment < UINT32_MAX ? ladder__fold_at_or_after(l, v->last_segment + 1) : l->fold_count;
        if (fhi < l->fold_count && l->folds[fhi].first <= v->last_segment)
            fhi++;
    }
    if (hi < lo)
        hi = lo;
    if (fhi < flo)
        fhi = flo;
    sel = calloc(hi - lo + 1, sizeof *sel);
    in_band = calloc(hi - lo + 1, sizeof *in_band);
    fsel = calloc(fhi - flo + 1, sizeof *fsel);
    state_times = malloc((l->state_count + 1) * sizeof *state_times);
    if (sel == NULL || in_band == NULL || fsel == NULL || state_times == NULL)
        goto nomem;

    for (size_t i = lo; i < hi; i++) {
        const struct synack_ladder_segment *s = &l->segs[i];
        if (!selected(l, v, s))
            continue;
        sel[i - lo] = true;
        out->selected++;
        if (s->sent_at < tmin)
            tmin = s->sent_at;
        if (ladder__arrow_end_time(out, s) > tmax)
            tmax = ladder__arrow_end_time(out, s);
    }
    for (size_t k = flo; k < fhi; k++) {
        const struct synack_ladder_fold *f = &l->folds[k];
        if (!fold_selected(l, v, f))
            continue;
        fsel[k - flo] = true;
        out->selected += (uint64_t)f->last - f->first + 1;
        out->folded += (uint64_t)f->last - f->first + 1;
        if (f->from < tmin)
            tmin = f->from;
        if (f->to > tmax)
            tmax = f->to;
    }
    out->empty_selection = out->selected == 0 && l->info.segments > 0;
    bool ranged = v->have_range || v->first_segment || v->last_segment;
    for (size_t i = 0; i < l->state_count; i++) {
        synack_time_us at = l->states[i].at;
        if (!ranged || (out->selected > 0 && at >= tmin && at <= tmax))
            state_times[n_state_times++] = at;
    }

    out->items = malloc((hi - lo + l->state_count + 1) * sizeof *out->items);
    if (out->items == NULL)
        goto nomem;

    /* Bands, over the kept segments and the folds in number order. */
    collapse = v->collapse > 0 && out->selected > v->collapse_above;
    collapse_len = collapse ? v->collapse : 0;
    for (size_t i = lo, k = flo; i < hi || k < fhi;) {
        if (k < fhi && (i >= hi || l->folds[k].first < l->segs[i].number)) {
            const struct synack_ladder_fold *f = &l->folds[k];
            if (!fsel[k - flo]) {
                if (band_close(out, &bb, collapse_len, in_band, lo) < 0)
                    goto nomem;
            } else {
                /* A fold joins whatever band is open: it can be drawn no
                 * other way, state change or not. */
                if (!bb.open)
                    band_start(&bb, f->first, f->from, f->sent_order);
                band_add_fold(&bb, k, f);
            }
            k++;
            continue;
        }
        const struct synack_ladder_segment *s = &l->segs[i];
        if (!sel[i - lo] || !collapse || !ordinary(s)) {
            if (band_close(out, &bb, collapse_len, in_band, lo) < 0)
                goto nomem;
            i++;
            continue;
        }
        synack_time_us end = ladder__arrow_end_time(out, s);
        if (bb.open && !state_within(state_times, n_state_times, bb.b.from, end > bb.b.to ? end : bb.b.to)) {
            band_add_segment(out, &bb, i, s);
            i++;
            continue;
        }
        /* No band, or one a state change ends: s may start the next. */
        if (band_close(out, &bb, collapse_len, in_band, lo) < 0)
            goto nomem;
        if (!state_within(state_times, n_state_times, s->sent_at, end > s->sent_at ? end : s->sent_at)) {
            band_start(&bb, s->number, s->sent_at, s->sent_order);
            band_add_segment(out, &bb, i, s);
        }
        i++;
    }
    if (band_close(out, &bb, collapse_len, in_band, lo) < 0)
        goto nomem;

    for (size_t i = lo; i < hi; i++) {
        if (!sel[i - lo] || in_band[i - lo])
            continue;
        out->items[out->item_count++] =
            (struct ladder_item){ITEM_SEGMENT, i, l->segs[i].sent_at, l->segs[i].sent_order};
        out->segments++;
    }
    for (size_t i = 0; i < l->state_count; i++) {
        synack_time_us at = l->states[i].at;
        if (ranged && !(out->selected > 0 && at >= tmin && at <= tmax))
            continue;
        out->items[out->item_count++] = (struct ladder_item){ITEM_STATE, i, at, l->states[i].order};
    }
    if (out->band_count > 0) {
        struct ladder_item *ni = realloc(out->items, (out->item_count + out->band_count) * sizeof *ni);
        if (ni == NULL)
            goto nomem;
        out->items = ni;
        for (size_t b = 0; b < out->band_count; b++)
            out->items[out->item_count++] =
                (struct ladder_item){ITEM_BAND, b, out->bands[b].from, out->bands[b].order};
    }
    qsort(out->items, out->item_count, sizeof *out->items, item_cmp);
    free(sel);
    free(fsel);
    free(in_band);
    free(state_times);
    return 0;

nomem:
    free(sel);
    free(fsel);
    free(in_band);
    free(state_times);
    ladder__view_free(out);
    return -SYNACK_ENOMEM;
}

void ladder__view_free(struct ladder_shown *s)
{
    free(s->items);
    free(s->bands);
    memset(s, 0, sizeof *s);
}
