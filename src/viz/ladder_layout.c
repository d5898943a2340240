/*
 * ladder_layout.c — where things go down the page, for the drawings that
 * have a continuous vertical axis (SVG, and the HTML page around it).
 *
 * Time runs down at one scale, chosen so that the shortest flight among
 * the arrows shown spans FLIGHT_PX: every arrow then slants by its real
 * flight time.  Two things bend the scale, and both are drawn:
 *
 *   - An idle gap (nothing in flight) longer than IDLE_MAX_PX is cut to
 *     IDLE_CUT_PX, and a cut mark says how long it was (delayed ACKs,
 *     think times, TIME_WAIT would otherwise fill the page).  A gap with
 *     something in flight is cut only beyond BUSY_MAX_PX.
 *   - Events on one end's line keep SAME_END_PX apart so that labels
 *     stay legible: two segments sent at one instant are drawn one below
 *     the other, and everything after moves down with them.
 *
 * A band (a summarised run) takes BAND_PX whatever the time it covers.
 */
#include <stdlib.h>
#include <string.h>

#include "ladder_internal.h"
#include "synack/errors.h"

#define FLIGHT_PX 44.0
#define IDLE_MAX_PX 60.0
#define IDLE_CUT_PX 40.0
#define BUSY_MAX_PX 360.0
#define SAME_END_PX 18.0
#define BAND_PX 42.0

enum point_kind { PT_ARRIVE = 0, PT_STATE = 1, PT_SEND = 2, PT_BAND = 3 };

struct point {
    synack_time_us t;
    uint64_t order;
    uint8_t kind;                /* enum point_kind: also the rank at one instant */
    int8_t end;                  /* 0, 1; -1 no line (a lost arrow's end); 2 both */
    size_t item;
};

static int point_cmp(const void *pa, const void *pb)
{
    const struct point *a = pa, *b = pb;

    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    if (a->order != b->order)
        return a->order < b->order ? -1 : 1;
    if (a->kind != b->kind)
        return (int)a->kind - (int)b->kind;
    return a->item < b->item ? -1 : a->item > b->item;
}

static bool add_gap(struct ladder_layout *lay, double y, synack_time_us length)
{
    if (lay->gap_count == lay->gap_cap) {
        size_t cap = lay->gap_cap ? lay->gap_cap * 2 : 16;
        struct ladder_gap *g = realloc(lay->gaps, cap * sizeof *g);
        if (g == NULL)
            return false;
        lay->gaps = g;
        lay->gap_cap = cap;
    }
    lay->gaps[lay->gap_count].y = y;
    lay->gaps[lay->gap_count].length = length;
    lay->gap_count++;
    return true;
}

/* Pixels per microsecond: FLIGHT_PX for the shortest positive flight. */
static double choose_scale(const struct synack_ladder *l, const struct ladder_shown *sh)
{
    synack_time_us shortest = SYNACK_TIME_NEVER;

    for (size_t i = 0; i < sh->item_count; i++) {
        const struct synack_ladder_segment *s;
        synack_time_us flight;
        if (sh->items[i].kind != ITEM_SEGMENT)
            continue;
        s = &l->segs[sh->items[i].index];
        flight = ladder__arrow_end_time(sh, s) - s->sent_at;
        if (flight > 0 && flight < shortest)
            shortest = flight;
    }
    return shortest == SYNACK_TIME_NEVER ? 0.0 : FLIGHT_PX / (double)shortest;
}

int ladder__layout(const struct synack_ladder *l, const struct ladder_shown *sh, double top,
                   struct ladder_layout *lay)
{
    struct point *pts;
    size_t n = 0;
    double y = top, last_y[2] = {top - SAME_END_PX, top - SAME_END_PX};
    double scale;
    synack_time_us t_prev = 0;
    long in_flight = 0;
    bool started = false;

    memset(lay, 0, sizeof *lay);
    pts = malloc((sh->item_count * 2 + 1) * sizeof *pts);
    lay->arrows = calloc(sh->item_count + 1, sizeof *lay->arrows);
    lay->item_y = calloc(sh->item_count + 1, sizeof *lay->item_y);
    lay->band_height = calloc(sh->band_count + 1, sizeof *lay->band_height);
    if (pts == NULL || lay->arrows == NULL || lay->item_y == NULL || lay->band_height == NULL) {
        free(pts);
        ladder__layout_free(lay);
        return -SYNACK_ENOMEM;
    }
    for (size_t i = 0; i < sh->item_count; i++) {
        const struct ladder_item *it = &sh->items[i];
        if (it->kind == ITEM_SEGMENT) {
            const struct synack_ladder_segment *s = &l->segs[it->index];
            bool lands = s->arrival == SYNACK_LADDER_ARRIVED || s->arrival == SYNACK_LADDER_ESTIMATED;
            pts[n++] = (struct point){s->sent_at, s->sent_order, PT_SEND, (int8_t)s->from, i};
            pts[n++] = (struct point){ladder__arrow_end_time(sh, s), lands ? s->arrived_order : s->sent_order,
                                      PT_ARRIVE, (int8_t)(lands ? 1 - s->from : -1), i};
        } else if (it->kind == ITEM_STATE) {
            pts[n++] = (struct point){it->at, it->order, PT_STATE, (int8_t)l->states[it->index].end, i};
        } else {
            pts[n++] = (struct point){it->at, it->order, PT_BAND, 2, i};
        }
    }
    qsort(pts, n, sizeof *pts, point_cmp);
    scale = choose_scale(l, sh);
    lay->px_per_second = scale * 1e6;

    for (size_t k = 0; k < n; k++) {
        const struct point *p = &pts[k];
        double py;

        if (started && p->t > t_prev) {
            synack_time_us dt = p->t - t_prev;
            double h = (double)dt * scale;
            double limit = in_flight > 0 ? BUSY_MAX_PX : IDLE_MAX_PX;
            if (h > limit) {
                double cut = in_flight > 0 ? BUSY_MAX_PX / 2 : IDLE_CUT_PX;
                if (!add_gap(lay, y + cut / 2, dt)) {
                    free(pts);
                    ladder__layout_free(lay);
                    return -SYNACK_ENOMEM;
                }
                h = cut;
            }
            y += h;
        }
        if (!started || p->t > t_prev)
            t_prev = p->t;
        started = true;
        py = y;
        if (p->end == 0 || p->end == 1) {
            if (py < last_y[p->end] + SAME_END_PX)
                py = last_y[p->end] + SAME_END_PX;
            last_y[p->end] = py;
        } else if (p->end == 2) {
            for (int e = 0; e < 2; e++) {
                if (py < last_y[e] + SAME_END_PX)
                    py = last_y[e] + SAME_END_PX;
            }
        }
        y = py;
        switch (p->kind) {
        case PT_SEND:
            lay->arrows[p->item].y_from = py;
            in_flight++;
            break;
        case PT_ARRIVE:
            lay->arrows[p->item].y_to = py;
            in_flight--;
            break;
        case PT_STATE:
            lay->item_y[p->item] = py;
            break;
        case PT_BAND: {
            const struct ladder_band *b = &sh->bands[sh->items[p->item].index];
            lay->item_y[p->item] = py;
            lay->band_height[sh->items[p->item].index] = BAND_PX;
            y = py + BAND_PX;
            last_y[0] = last_y[1] = y;
            if (b->to > t_prev)
                t_prev = b->to;
            break;
        }
        }
    }
    free(pts);
    lay->top = top;
    lay->bottom = y;
    return 0;
}

void ladder__layout_free(struct ladder_layout *lay)
{
    free(lay->arrows);
    free(lay->item_y);
    free(lay->band_height);
    free(lay->gaps);
    memset(lay, 0, sizeof *lay);
}
