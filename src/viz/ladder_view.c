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
}

static int u64_cmp(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;

    return a < b ? -1 : a > b;
}

static void typical_flights(const struct synack_ladder *l, synack_time_us out[2])
{
    for (int e = 0; e < 2; e++) {
        uint64_t *v = malloc((l->seg_count + 1) * sizeof *v);
        size_t n = 0;
        out[e] = SYNACK_TIME_NEVER;
        if (v == NULL)
            continue;
        for (size_t i = 0; i < l->seg_count; i++) {
            const struct synack_ladder_segment *s = &l->segs[i];
            if (s->from == e && s->arrived_at >= s->sent_at &&
                (s->arrival == SYNACK_LADDER_ARRIVED || s->arrival == SYNACK_LADDER_ESTIMATED))
                v[n++] = s->arrived_at - s->sent_at;
        }
        if (n > 0) {
            qsort(v, n, sizeof *v, u64_cmp);
            out[e] = v[n / 2];
        }
        free(v);
    }
    for (int e = 0; e < 2; e++) {
        if (out[e] == SYNACK_TIME_NEVER)
            out[e] = out[1 - e];
    }
    for (int e = 0; e < 2; e++) {
        if (out[e] == SYNACK_TIME_NEVER)
            out[e] = 0;
    }
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

static void band_add(const struct ladder_shown *sh, struct ladder_band *b,
                     const struct synack_ladder_segment *s)
{
    synack_time_us end = ladder__arrow_end_time(sh, s);

    if (s->payload_len) {
        b->data[s->from]++;
        b->bytes[s->from] += s->payload_len;
    } else {
        b->acks[s->from]++;
    }
    if (end > b->to)
        b->to = end;
}

int ladder__view_build(const struct synack_ladder *l, const struct synack_ladder_view *v,
                       struct ladder_shown *out)
{
    bool *sel = NULL;
    synack_time_us *state_times = NULL, tmin = SYNACK_TIME_NEVER, tmax = 0;
    size_t n_state_times = 0, cap_items;
    bool *in_band = NULL;
    bool collapse;

    memset(out, 0, sizeof *out);
    typical_flights(l, out->typical_flight);
    sel = calloc(l->seg_count + 1, sizeof *sel);
    in_band = calloc(l->seg_count + 1, sizeof *in_band);
    state_times = malloc((l->state_count + 1) * sizeof *state_times);
    if (sel == NULL || in_band == NULL || state_times == NULL)
        goto nomem;

    for (size_t i = 0; i < l->seg_count; i++) {
        const struct synack_ladder_segment *s = &l->segs[i];
        if (!selected(l, v, s))
            continue;
        sel[i] = true;
        out->selected++;
        if (s->sent_at < tmin)
            tmin = s->sent_at;
        if (ladder__arrow_end_time(out, s) > tmax)
            tmax = ladder__arrow_end_time(out, s);
    }
    out->empty_selection = out->selected == 0 && l->seg_count > 0;
    bool ranged = v->have_range || v->first_segment || v->last_segment;
    for (size_t i = 0; i < l->state_count; i++) {
        synack_time_us at = l->states[i].at;
        if (!ranged || (out->selected > 0 && at >= tmin && at <= tmax))
            state_times[n_state_times++] = at;
    }

    cap_items = l->seg_count + l->state_count + 1;
    out->items = malloc(cap_items * sizeof *out->items);
    if (out->items == NULL)
        goto nomem;

    collapse = v->collapse > 0 && out->selected > v->collapse_above;
    for (size_t i = 0; collapse && i < l->seg_count;) {
        size_t j = i;
        struct ladder_band b;

        if (!sel[i] || !ordinary(&l->segs[i])) {
            i++;
            continue;
        }
        memset(&b, 0, sizeof b);
        b.first = i;
        b.from = l->segs[i].sent_at;
        b.to = b.from;
        while (j < l->seg_count && sel[j] && ordinary(&l->segs[j])) {
            synack_time_us end = ladder__arrow_end_time(out, &l->segs[j]);
            if (state_within(state_times, n_state_times, b.from, end > b.to ? end : b.to))
                break;
            band_add(out, &b, &l->segs[j]);
            j++;
        }
        if (j == i) {
            i++;
            continue;
        }
        b.last = j - 1;
        if (j - i >= v->collapse) {
            struct ladder_band *nb = realloc(out->bands, (out->band_count + 1) * sizeof *nb);
            if (nb == NULL)
                goto nomem;
            out->bands = nb;
            out->bands[out->band_count++] = b;
            for (size_t k = i; k < j; k++)
                in_band[k] = true;
        }
        i = j;
    }

    for (size_t i = 0; i < l->seg_count; i++) {
        if (!sel[i] || in_band[i])
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
        for (size_t b = 0; b < out->band_count; b++) {
            const struct synack_ladder_segment *first = &l->segs[out->bands[b].first];
            out->items[out->item_count++] =
                (struct ladder_item){ITEM_BAND, b, first->sent_at, first->sent_order};
        }
    }
    qsort(out->items, out->item_count, sizeof *out->items, item_cmp);
    free(sel);
    free(in_band);
    free(state_times);
    return 0;

nomem:
    free(sel);
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
