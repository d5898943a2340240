/*
 * plot.c — charts of series over time, written as standalone SVG
 * (synack/plot.h).
 *
 * A series is an array of records in time order.  A record stands for one
 * value (or bar, or band) at first and, once the series has filled, for
 * every value that fell in its time bin: the first and last value with
 * their times, the smallest and largest and which came first, or the union
 * of the bars.  Bins are measured from the series' first x:
 *
 *     bin k = [origin + k * bin, origin + (k + 1) * bin)
 *
 * While bin is 0 every value has its own record.  When the array is full
 * the bin is set so that the span seen so far fills half of it (or doubled,
 * when it was set already) and neighbouring records in one bin are
 * merged; the array never grows past max_records.  A value arriving after
 * that joins the last record when it falls in the same bin (or earlier).
 *
 * Drawing merges again, by pixel column, the same way, so that no column
 * holds more than a handful of points per series: a step or line series
 * draws first, smallest, largest and last value of each column; points
 * draw the smallest and largest; bars in one column are joined where they
 * touch, and into one bar when more than BARS_PER_COLUMN remain.
 *
 * An x window (synack_plot_options.have_x_min/max) is applied as values
 * arrive: what falls outside is not kept, except that a step or line
 * series remembers the last value before the window (to start at its
 * left edge with it) and, at the first value beyond it, adds the value at
 * its right edge; bands are cut to it.
 *
 * Nothing here knows about TCP; plot_tcp.c fills charts from segments.
 */
#include "synack/plot.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synack/errors.h"

#define MIN_RECORDS 16
#define FIRST_CAPACITY 64
#define MAX_NOTES 4
#define BARS_PER_COLUMN 4        /* separate bars kept in one pixel column */
#define X_TICK_SPACING_PX 90     /* aim: a tick label every 90 pixels */
#define Y_TICK_SPACING_PX 60
#define CHAR_WIDTH_PX 7.0        /* rough width of a 12 px sans-serif character */

/* One value, bar or band, or all those of one bin. */
struct rec {
    double x0, x1;               /* first and last x */
    double first, last;          /* step/line/points: first and last value */
    double lo, hi;               /* smallest and largest value; bars: the union */
    uint32_t count;
    uint8_t lo_first;            /* the smallest value came before the largest */
    uint8_t gap_before;          /* the line breaks before this record */
};

struct series {
    enum synack_plot_style style;
    unsigned flags;
    bool visible;
    char *name, *color;
    struct rec *recs;
    size_t n, cap;
    bool have_origin;
    double origin, bin;          /* bin 0: every value its own record */
    bool pending_gap;            /* a NaN came: the next value starts a line */
    uint64_t count;              /* values given (inside the x window) */
    /* The x window, step and line series: the value held at the window's
     * edges. */
    bool have_before;            /* a value came before x_min ... */
    double before_x, before_y;   /* ... the latest of them */
    bool have_last;              /* a value came inside the window, since any gap ... */
    double last_x, last_y;       /* ... the latest of them */
    bool closed;                 /* a value beyond x_max came: the series ends at x_max */
};

struct synack_plot {
    char *title, *x_label, *y_label;
    unsigned width, height;
    size_t max_records;
    bool y_from_zero, x_from_zero, y_plain, y_log;
    bool have_x_min, have_x_max;
    double x_min, x_max;
    char *notes[MAX_NOTES];
    int note_count;
    struct series series[SYNACK_PLOT_MAX_SERIES];
    int series_count;
};

static char *copy_text(const char *s)
{
    size_t len;
    char *c;

    if (s == NULL)
        return NULL;
    len = strlen(s) + 1;
    c = malloc(len);
    if (c != NULL)
        memcpy(c, s, len);
    return c;
}

struct synack_plot *synack_plot_new(const struct synack_plot_options *opt)
{
    struct synack_plot_options none = {0};
    struct synack_plot *p = calloc(1, sizeof *p);

    if (p == NULL)
        return NULL;
    if (opt == NULL)
        opt = &none;
    p->width = opt->width ? opt->width : SYNACK_PLOT_DEFAULT_WIDTH;
    p->height = opt->height ? opt->height : SYNACK_PLOT_DEFAULT_HEIGHT;
    if (p->width < 200)
        p->width = 200;
    if (p->height < 150)
        p->height = 150;
    p->max_records = opt->max_records ? opt->max_records : SYNACK_PLOT_DEFAULT_RECORDS;
    if (p->max_records < MIN_RECORDS)
        p->max_records = MIN_RECORDS;
    p->y_from_zero = opt->y_from_zero;
    p->x_from_zero = opt->x_from_zero;
    p->y_plain = opt->y_plain;
    p->y_log = opt->y_log;
    p->have_x_min = opt->have_x_min && isfinite(opt->x_min);
    p->have_x_max = opt->have_x_max && isfinite(opt->x_max);
    p->x_min = opt->x_min;
    p->x_max = opt->x_max;
    if (p->have_x_min && p->have_x_max && p->x_max < p->x_min)
        p->x_max = p->x_min;
    p->title = copy_text(opt->title);
    p->x_label = copy_text(opt->x_label ? opt->x_label : "time (s)");
    p->y_label = copy_text(opt->y_label);
    if ((opt->title && !p->title) || !p->x_label || (opt->y_label && !p->y_label)) {
        synack_plot_free(p);
        return NULL;
    }
    return p;
}

void synack_plot_free(struct synack_plot *p)
{
    if (p == NULL)
        return;
    for (int i = 0; i < p->series_count; i++) {
        free(p->series[i].name);
        free(p->series[i].color);
        free(p->series[i].recs);
    }
    synack_plot_clear_notes(p);
    free(p->title);
    free(p->x_label);
    free(p->y_label);
    free(p);
}

int synack_plot_series(struct synack_plot *p, enum synack_plot_style style, const char *name,
                       const char *color, unsigned flags)
{
    struct series *s;

    if (p->series_count == SYNACK_PLOT_MAX_SERIES || style > SYNACK_PLOT_BANDS)
        return -SYNACK_EINVAL;
    s = &p->series[p->series_count];
    memset(s, 0, sizeof *s);
    s->style = style;
    s->flags = flags;
    s->visible = true;
    s->name = copy_text(name ? name : "");
    s->color = copy_text(color ? color : "#000000");
    if (s->name == NULL || s->color == NULL) {
        free(s->name);
        free(s->color);
        return -SYNACK_ENOMEM;
    }
    return p->series_count++;
}

static struct series *series_at(const struct synack_plot *p, int i)
{
    return i >= 0 && i < p->series_count ? (struct series *)&p->series[i] : NULL;
}

void synack_plot_set_visible(struct synack_plot *p, int series, bool visible)
{
    struct series *s = series_at(p, series);

    if (s != NULL)
        s->visible = visible;
}

void synack_plot_add_note(struct synack_plot *p, const char *text)
{
    if (p->note_count < MAX_NOTES && text != NULL) {
        char *c = copy_text(text);
        if (c != NULL)
            p->notes[p->note_count++] = c;
    }
}

void synack_plot_clear_notes(struct synack_plot *p)
{
    for (int i = 0; i < p->note_count; i++)
        free(p->notes[i]);
    p->note_count = 0;
}

int synack_plot_set_title(struct synack_plot *p, const char *title)
{
    char *c = copy_text(title);

    if (title != NULL && c == NULL)
        return -SYNACK_ENOMEM;
    free(p->title);
    p->title = c;
    return 0;
}

size_t synack_plot_records(const struct synack_plot *p, int series)
{
    const struct series *s = series_at(p, series);

    return s ? s->n : 0;
}

uint64_t synack_plot_count(const struct synack_plot *p, int series)
{
    const struct series *s = series_at(p, series);

    return s ? s->count : 0;
}

/* ---- Records and bins ---------------------------------------------------- */

/* b follows a in time; a becomes both. */
static void rec_merge(struct rec *a, const struct rec *b, enum synack_plot_style style)
{
    if (b->x0 < a->x0)
        a->x0 = b->x0;
    if (b->x1 > a->x1)
        a->x1 = b->x1;
    a->count += b->count;
    if (style == SYNACK_PLOT_BANDS)
        return;
    {
        bool min_in_b = b->lo < a->lo, max_in_b = b->hi > a->hi;

        if (min_in_b && max_in_b)
            a->lo_first = b->lo_first;
        else if (min_in_b)
            a->lo_first = 0;        /* the largest is in a, before */
        else if (max_in_b)
            a->lo_first = 1;
        if (min_in_b)
            a->lo = b->lo;
        if (max_in_b)
            a->hi = b->hi;
    }
    a->last = b->last;
}

static double bin_of(const struct series *s, double x)
{
    return floor((x - s->origin) / s->bin);
}

/* Merges neighbouring records that share a bin, after widening the bins,
 * until at most three quarters of the array is used. */
static void compact(struct series *s, size_t max_records)
{
    double span = 0;

    for (size_t i = 0; i < s->n; i++) {
        if (s->recs[i].x1 - s->origin > span)
            span = s->recs[i].x1 - s->origin;
    }
    if (s->bin == 0)
        s->bin = span > 0 ? span / (double)(max_records / 2) : 1.0;
    else
        s->bin *= 2;
    for (;;) {
        size_t out = 0;

        for (size_t i = 0; i < s->n; i++) {
            if (out > 0 && bin_of(s, s->recs[i].x0) <= bin_of(s, s->recs[out - 1].x0))
                rec_merge(&s->recs[out - 1], &s->recs[i], s->style);
            else
                s->recs[out++] = s->recs[i];
        }
        s->n = out;
        if (s->n <= max_records * 3 / 4 || !isfinite(s->bin * 2))
            return;
        s->bin *= 2;
    }
}

/* Room for one more record: the array grows up to max_records (and stops
 * growing early, without failing, when memory runs out); when full, it is
 * compacted. */
static void make_room(struct series *s, size_t max_records)
{
    if (s->n < s->cap)
        return;
    if (s->cap < max_records) {
        size_t cap = s->cap ? s->cap * 2 : FIRST_CAPACITY;
        struct rec *recs;

        if (cap > max_records)
            cap = max_records;
        recs = realloc(s->recs, cap * sizeof *recs);
        if (recs != NULL) {
            s->recs = recs;
            s->cap = cap;
            return;
        }
        if (s->cap < 2) {
            s->cap = 0;          /* nothing to compact into: the value is lost */
            return;
        }
    }
    compact(s, s->cap);
}

static void add_record(struct synack_plot *p, struct series *s, const struct rec *r)
{
    bool force_new = s->pending_gap;

    if (!s->have_origin) {
        s->have_origin = true;
        s->origin = r->x0;
    }
    s->pending_gap = false;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (s->n > 0 && !force_new && s->bin > 0 &&
            bin_of(s, r->x0) <= bin_of(s, s->recs[s->n - 1].x0)) {
            rec_merge(&s->recs[s->n - 1], r, s->style);
            return;
        }
        if (attempt == 0)
            make_room(s, p->max_records);  /* may widen the bins: look again */
    }
    if (s->n == s->cap)
        return;
    s->recs[s->n] = *r;
    s->recs[s->n].gap_before = force_new;
    s->n++;
}

static void add_value(struct synack_plot *p, struct series *s, double x, double y)
{
    struct rec r;

    memset(&r, 0, sizeof r);
    r.x0 = r.x1 = x;
    r.first = r.last = r.lo = r.hi = y;
    r.count = 1;
    r.lo_first = 1;
    add_record(p, s, &r);
}

static bool before_window(const struct synack_plot *p, double x)
{
    return p->have_x_min && x < p->x_min;
}

static bool after_window(const struct synack_plot *p, double x)
{
    return p->have_x_max && x > p->x_max;
}

/* The value a series held at x, between (x0, y0) and (x1, y1): a step
 * holds y0; a line is interpolated (unless a value is infinite). */
static double value_at(bool step, double x0, double y0, double x1, double y1, double x)
{
    if (step || x1 <= x0 || !isfinite(y0) || !isfinite(y1))
        return y0;
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0);
}

void synack_plot_add(struct synack_plot *p, int series, double x, double y)
{
    struct series *s = series_at(p, series);
    bool joined, step;

    if (s == NULL || s->style == SYNACK_PLOT_BARS || s->style == SYNACK_PLOT_BANDS || !isfinite(x))
        return;
    joined = s->style != SYNACK_PLOT_POINTS;
    step = s->style == SYNACK_PLOT_STEP;
    if (isnan(y)) {
        if (before_window(p, x)) {
            s->have_before = false;
        } else if (!after_window(p, x)) {
            s->pending_gap = s->n > 0;
            s->have_last = s->have_before = false;
        }
        return;
    }
    if (before_window(p, x)) {
        s->have_before = joined;
        s->before_x = x;
        s->before_y = y;
        return;
    }
    if (after_window(p, x)) {
        /* The line runs on to the window's edge with the value it held there. */
        if (joined && !s->closed) {
            if (s->have_last) {
                add_value(p, s, p->x_max, value_at(step, s->last_x, s->last_y, x, y, p->x_max));
            } else if (s->have_before) {
                add_value(p, s, p->x_min, value_at(step, s->before_x, s->before_y, x, y, p->x_min));
                add_value(p, s, p->x_max, value_at(step, s->before_x, s->before_y, x, y, p->x_max));
            }
        }
        s->closed = true;
        return;
    }
    if (joined && !s->have_last && s->have_before && x > p->x_min)
        add_value(p, s, p->x_min, value_at(step, s->before_x, s->before_y, x, y, p->x_min));
    s->have_before = false;
    s->have_last = joined;
    s->last_x = x;
    s->last_y = y;
    s->count++;
    add_value(p, s, x, y);
}

void synack_plot_add_bar(struct synack_plot *p, int series, double x, double lo, double hi)
{
    struct series *s = series_at(p, series);
    struct rec r;

    if (s == NULL || s->style != SYNACK_PLOT_BARS || !isfinite(x) || !isfinite(lo) || !isfinite(hi))
        return;
    if (before_window(p, x) || after_window(p, x))
        return;
    s->count++;
    memset(&r, 0, sizeof r);
    r.x0 = r.x1 = x;
    r.lo = r.first = lo < hi ? lo : hi;
    r.hi = r.last = lo < hi ? hi : lo;
    r.count = 1;
    r.lo_first = 1;
    add_record(p, s, &r);
}

void synack_plot_add_band(struct synack_plot *p, int series, double x0, double x1)
{
    struct series *s = series_at(p, series);
    struct rec r;

    if (s == NULL || s->style != SYNACK_PLOT_BANDS || !isfinite(x0) || !isfinite(x1))
        return;
    memset(&r, 0, sizeof r);
    r.x0 = x0 < x1 ? x0 : x1;
    r.x1 = x0 < x1 ? x1 : x0;
    if (after_window(p, r.x0) || before_window(p, r.x1))
        return;
    if (before_window(p, r.x0))
        r.x0 = p->x_min;         /* cut to the window */
    if (after_window(p, r.x1))
        r.x1 = p->x_max;
    s->count++;
    r.count = 1;
    add_record(p, s, &r);
}

/* ---- Axes ---------------------------------------------------------------- */

struct frame {
    double left, right, top, bottom;     /* the plot area, pixels */
    double xmin, xmax, ymin, ymax;
    double xstep, ystep;                 /* tick spacing, data units (linear y) */
    bool ylog;                           /* y axis logarithmic: ymin > 0 */
};

static double frame_x(const struct frame *f, double x)
{
    return f->left + (x - f->xmin) / (f->xmax - f->xmin) * (f->right - f->left);
}

static double frame_y(const struct frame *f, double y)
{
    if (y == INFINITY)
        return f->top;
    if (y == -INFINITY || (f->ylog && y <= 0))
        return f->bottom;
    if (f->ylog)
        return f->bottom - log10(y / f->ymin) / log10(f->ymax / f->ymin) * (f->bottom - f->top);
    return f->bottom - (y - f->ymin) / (f->ymax - f->ymin) * (f->bottom - f->top);
}

/* 1, 2 or 5 times a power of ten, near range / ticks. */
static double nice_step(double range, double ticks)
{
    double raw = range / (ticks < 1 ? 1 : ticks);
    double mag = pow(10, floor(log10(raw)));
    double norm = raw / mag;

    if (norm < 1.5)
        return mag;
    if (norm < 3.5)
        return 2 * mag;
    if (norm < 7.5)
        return 5 * mag;
    return 10 * mag;
}

/* The largest 1, 2 or 5 times a power of ten at most v (v > 0), or with
 * up, the smallest at least v. */
static double nice_125(double v, bool up)
{
    static const double m[] = {1, 2, 5, 10};
    double mag = pow(10, floor(log10(v)));

    if (up) {
        for (int i = 0; i < 4; i++) {
            if (m[i] * mag >= v * (1 - 1e-9))
                return m[i] * mag;
        }
        return 10 * mag;
    }
    for (int i = 3; i >= 0; i--) {
        if (m[i] * mag <= v * (1 + 1e-9))
            return m[i] * mag;
    }
    return mag;
}

static void widen(double *lo, double *hi, double v)
{
    if (!isfinite(v))
        return;
    if (v < *lo)
        *lo = v;
    if (v > *hi)
        *hi = v;
}

/* The data's ranges over the visible series, then nice y limits. */
static void frame_ranges(const struct synack_plot *p, struct frame *f)
{
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;

    for (int i = 0; i < p->series_count; i++) {
        const struct series *s = &p->series[i];
        if (!s->visible)
            continue;
        for (size_t k = 0; k < s->n; k++) {
            widen(&xlo, &xhi, s->recs[k].x0);
            widen(&xlo, &xhi, s->recs[k].x1);
            if (s->style != SYNACK_PLOT_BANDS && !(s->flags & SYNACK_PLOT_CLIPPED)) {
                /* A log axis shows positive values only; the rest sit on its bottom edge. */
                if (!p->y_log || s->recs[k].lo > 0)
                    widen(&ylo, &yhi, s->recs[k].lo);
                if (!p->y_log || s->recs[k].hi > 0)
                    widen(&ylo, &yhi, s->recs[k].hi);
            }
        }
    }
    if (xlo > xhi)
        xlo = 0, xhi = 1;
    if (p->have_x_min)
        xlo = p->x_min;          /* the window, whatever the data */
    else if (p->x_from_zero && xlo > 0)
        xlo = 0;
    if (p->have_x_max)
        xhi = p->x_max;
    if (xhi - xlo <= fabs(xlo) * 1e-12)
        xhi = xlo + (xlo != 0 ? fabs(xlo) * 0.01 : 1);
    if (ylo > yhi)
        ylo = 0, yhi = 1;
    if (p->y_from_zero && !p->y_log && ylo > 0)
        ylo = 0;
    if (yhi - ylo <= fabs(ylo) * 1e-12)
        yhi = ylo + (ylo != 0 ? fabs(ylo) * 0.1 : 1);
    f->xmin = xlo;
    f->xmax = xhi;
    f->xstep = nice_step(xhi - xlo, (f->right - f->left) / X_TICK_SPACING_PX);
    f->ylog = p->y_log;
    if (f->ylog) {
        if (ylo > yhi || ylo <= 0)
            ylo = 1, yhi = 10;
        f->ymin = nice_125(ylo / 1.2, false);   /* a margin: nothing on the frame */
        f->ymax = nice_125(yhi * 1.2, true);
        if (f->ymax <= f->ymin)
            f->ymax = nice_125(f->ymin * 1.5, true);
        f->ystep = 0;
        return;
    }
    f->ystep = nice_step(yhi - ylo, (f->bottom - f->top) / Y_TICK_SPACING_PX);
    f->ymin = floor(ylo / f->ystep) * f->ystep;
    f->ymax = ceil(yhi / f->ystep) * f->ystep;
    if (f->ymax <= f->ymin)
        f->ymax = f->ymin + f->ystep;
}

/* The power of 1000 an axis's labels are divided by: 1 while every label
 * is below 10^4, else the one that brings the largest under 1000, so
 * that one axis reads "0.0M, 0.5M, 1.0M" rather than "0, 500k, 1.0M". */
static double axis_scale(double lo, double hi)
{
    double top = fabs(lo) > fabs(hi) ? fabs(lo) : fabs(hi);
    double scale = 1;

    if (top < 1e4)
        return 1;
    while (top / scale >= 1000 && scale < 1e15)
        scale *= 1e3;
    return scale;
}

/* A tick label: "0.25", "1500", "120k", "1.5M"; decimals follow the tick
 * spacing. */
static void format_tick(double v, double step, double scale, char *buf, size_t len)
{
    static const char suffix[] = " kMGTP";
    int si = 0, decimals;

    for (double s = scale; s >= 1e3 && si < 5; s /= 1e3)
        si++;
    decimals = (int)-floor(log10(step / scale) + 1e-9);
    if (decimals < 0)
        decimals = 0;
    if (decimals > 9)
        decimals = 9;
    if (fabs(v) < step * 1e-9)
        snprintf(buf, len, "0");    /* not "-0", nor "0.0k" */
    else if (si > 0)
        snprintf(buf, len, "%.*f%c", decimals, v / scale, suffix[si]);
    else
        snprintf(buf, len, "%.*f", decimals, v);
}

/* ---- SVG output ------------------------------------------------------------ */

static void put_escaped(FILE *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&apos;", out); break;
        default:
            /* Control characters are not allowed in XML 1.0. */
            if ((unsigned char)*s >= 0x20 || *s == '\t' || *s == '\n')
                fputc(*s, out);
            break;
        }
    }
}

/* A polyline's points, with axis-aligned runs collapsed. */
struct points {
    double *xy;
    size_t n, cap;
    bool failed;
};

static void points_add(struct points *pts, double x, double y)
{
    x = round(x * 10) / 10;
    y = round(y * 10) / 10;
    if (pts->n >= 1) {
        double lx = pts->xy[2 * pts->n - 2], ly = pts->xy[2 * pts->n - 1];
        if (lx == x && ly == y)
            return;
        if (pts->n >= 2) {
            double px = pts->xy[2 * pts->n - 4], py = pts->xy[2 * pts->n - 3];
            /* Same direction along one axis: the middle point adds nothing. */
            if ((py == ly && ly == y && (lx - px) * (x - lx) >= 0) ||
                (px == lx && lx == x && (ly - py) * (y - ly) >= 0)) {
                pts->xy[2 * pts->n - 2] = x;
                pts->xy[2 * pts->n - 1] = y;
                return;
            }
        }
    }
    if (pts->n == pts->cap) {
        size_t cap = pts->cap ? pts->cap * 2 : 256;
        double *xy = realloc(pts->xy, cap * 2 * sizeof *xy);
        if (xy == NULL) {
            pts->failed = true;
            return;
        }
        pts->xy = xy;
        pts->cap = cap;
    }
    pts->xy[2 * pts->n] = x;
    pts->xy[2 * pts->n + 1] = y;
    pts->n++;
}

static void points_flush(struct points *pts, FILE *out)
{
    if (pts->n >= 1) {
        fputs("<polyline class=\"line\" points=\"", out);
        for (size_t i = 0; i < pts->n; i++)
            fprintf(out, "%s%.1f,%.1f", i ? " " : "", pts->xy[2 * i], pts->xy[2 * i + 1]);
        fputs("\"/>\n", out);
    }
    pts->n = 0;
}

static int column_of(const struct frame *f, double x)
{
    double c = floor(frame_x(f, x) - f->left);
    double w = f->right - f->left;

    return c < 0 ? 0 : c >= w ? (int)w - 1 : (int)c;
}

/* Calls emit for each pixel column's merged record (and at each gap). */
typedef void (*emit_fn)(void *ctx, const struct rec *r);

static void by_column(const struct frame *f, const struct series *s, emit_fn emit, void *ctx)
{
    struct rec cur;
    int col = -1;
    bool have = false;

    for (size_t i = 0; i < s->n; i++) {
        const struct rec *r = &s->recs[i];
        int c = column_of(f, r->x0);
        if (have && c == col && !r->gap_before) {
            rec_merge(&cur, r, s->style);
            continue;
        }
        if (have)
            emit(ctx, &cur);
        cur = *r;
        col = c;
        have = true;
    }
    if (have)
        emit(ctx, &cur);
}

struct line_ctx {
    const struct frame *f;
    FILE *out;
    struct points pts;
    bool step, open;
    double last;
    bool clip;                   /* SYNACK_PLOT_CLIPPED: cut at the plot's top and bottom */
    bool have_prev, pen_down;    /* clip: a previous point; the polyline ends at it */
    double px, py;               /* clip: the previous point, unclipped */
};

/* The part of the segment (x0,y0)-(x1,y1) between the horizontal lines
 * top and bottom (Liang-Barsky in y alone).  Returns false when none. */
static bool clip_segment(double top, double bottom, double *x0, double *y0, double *x1, double *y1)
{
    double dy = *y1 - *y0, dx = *x1 - *x0, t0 = 0, t1 = 1, ta, tb;
    double ox = *x0, oy = *y0;

    if (dy == 0)
        return *y0 >= top && *y0 <= bottom;
    ta = (top - oy) / dy;
    tb = (bottom - oy) / dy;
    if (ta > tb) {
        double t = ta;
        ta = tb;
        tb = t;
    }
    if (ta > t0)
        t0 = ta;
    if (tb < t1)
        t1 = tb;
    if (t0 > t1)
        return false;
    *x0 = ox + t0 * dx;
    *y0 = oy + t0 * dy;
    *x1 = ox + t1 * dx;
    *y1 = oy + t1 * dy;
    return true;
}

/* Adds a vertex, or with clipping the visible part of the segment from
 * the previous one, starting a new polyline where the line comes back
 * into the plot. */
static void line_to(struct line_ctx *lc, double x, double y)
{
    double x0 = lc->px, y0 = lc->py, x1 = x, y1 = y;

    if (!lc->clip) {
        points_add(&lc->pts, x, y);
        return;
    }
    if (!lc->have_prev) {
        lc->have_prev = true;
        lc->pen_down = y >= lc->f->top && y <= lc->f->bottom;
        if (lc->pen_down)
            points_add(&lc->pts, x, y);
    } else if (clip_segment(lc->f->top, lc->f->bottom, &x0, &y0, &x1, &y1)) {
        if (!lc->pen_down) {
            points_flush(&lc->pts, lc->out);
            points_add(&lc->pts, x0, y0);
        }
        points_add(&lc->pts, x1, y1);
        lc->pen_down = x1 == x && y1 == y;
    } else {
        lc->pen_down = false;
    }
    lc->px = x;
    lc->py = y;
}

static void emit_line(void *ctx, const struct rec *r)
{
    struct line_ctx *lc = ctx;
    const struct frame *f = lc->f;
    double x0 = frame_x(f, r->x0), x1 = frame_x(f, r->x1), xm = (x0 + x1) / 2;
    double a = r->lo_first ? r->lo : r->hi, b = r->lo_first ? r->hi : r->lo;

    if (r->gap_before || !lc->open) {
        points_flush(&lc->pts, lc->out);
        lc->have_prev = false;
    } else if (lc->step) {
        line_to(lc, x0, frame_y(f, lc->last));
    }
    lc->open = true;
    line_to(lc, x0, frame_y(f, r->first));
    if (lc->step) {
        line_to(lc, x0, frame_y(f, a));
        line_to(lc, x0, frame_y(f, b));
        line_to(lc, x0, frame_y(f, r->last));
        line_to(lc, x1, frame_y(f, r->last));
    } else {
        line_to(lc, xm, frame_y(f, a));
        line_to(lc, xm, frame_y(f, b));
        line_to(lc, x1, frame_y(f, r->last));
    }
    lc->last = r->last;
}

struct dot_ctx {
    const struct frame *f;
    FILE *out;
};

static void emit_dots(void *ctx, const struct rec *r)
{
    struct dot_ctx *dc = ctx;
    double x0 = frame_x(dc->f, r->x0), x1 = frame_x(dc->f, r->x1);
    double ylo = frame_y(dc->f, r->lo), yhi = frame_y(dc->f, r->hi);

    fprintf(dc->out, "<circle class=\"point\" cx=\"%.1f\" cy=\"%.1f\" r=\"1.8\"/>\n", x0, ylo);
    if (r->count > 1 && fabs(ylo - yhi) >= 1)
        fprintf(dc->out, "<circle class=\"point\" cx=\"%.1f\" cy=\"%.1f\" r=\"1.8\"/>\n", x1, yhi);
}

/* Bars of one pixel column, in pixels (top < bottom on screen). */
struct bar_px {
    double x, top, bottom;
};

static int bar_cmp(const void *a, const void *b)
{
    const struct bar_px *p = a, *q = b;

    return p->top < q->top ? -1 : p->top > q->top;
}

static void draw_bar(FILE *out, const struct bar_px *b, bool marked)
{
    double top = b->top, bottom = b->bottom;

    if (bottom - top < 1) {              /* always at least a pixel high */
        double mid = (top + bottom) / 2;
        top = mid - 0.5;
        bottom = mid + 0.5;
    }
    fprintf(out, "<line class=\"bar\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", b->x, bottom, b->x,
            top);
    if (marked)
        fprintf(out, "<path class=\"mark\" d=\"M%.1f %.1fl5 -5m0 5l-5 -5\"/>\n", b->x - 2.5, top - 2);
}

/* Joins the column's bars where they overlap or touch; more than
 * BARS_PER_COLUMN left become one. */
static void flush_column(FILE *out, struct bar_px *bars, size_t n, bool marked)
{
    size_t m = 0;

    if (n == 0)
        return;
    qsort(bars, n, sizeof *bars, bar_cmp);
    for (size_t i = 0; i < n; i++) {
        if (m > 0 && bars[i].top <= bars[m - 1].bottom + 1) {
            if (bars[i].bottom > bars[m - 1].bottom)
                bars[m - 1].bottom = bars[i].bottom;
            continue;
        }
        bars[m++] = bars[i];
    }
    if (m > BARS_PER_COLUMN) {
        bars[0].bottom = bars[m - 1].bottom;
        m = 1;
    }
    for (size_t i = 0; i < m; i++)
        draw_bar(out, &bars[i], marked);
}

static int write_bars(const struct frame *f, const struct series *s, FILE *out)
{
    struct bar_px *bars = NULL;
    size_t n = 0, cap = 0;
    int col = -1;

    for (size_t i = 0; i < s->n; i++) {
        const struct rec *r = &s->recs[i];
        int c = column_of(f, r->x0);
        if (c != col) {
            flush_column(out, bars, n, s->flags & SYNACK_PLOT_MARKED);
            n = 0;
            col = c;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            struct bar_px *nb = realloc(bars, ncap * sizeof *nb);
            if (nb == NULL) {
                free(bars);
                return -SYNACK_ENOMEM;
            }
            bars = nb;
            cap = ncap;
        }
        bars[n].x = n > 0 ? bars[0].x : frame_x(f, r->x0);
        bars[n].top = frame_y(f, r->hi);
        bars[n].bottom = frame_y(f, r->lo);
        n++;
    }
    flush_column(out, bars, n, s->flags & SYNACK_PLOT_MARKED);
    free(bars);
    return 0;
}

static void write_bands(const struct frame *f, const struct series *s, FILE *out)
{
    bool have = false;
    double a = 0, b = 0;

    for (size_t i = 0; i <= s->n; i++) {
        double x0 = 0, x1 = 0;
        if (i < s->n) {
            x0 = frame_x(f, s->recs[i].x0);
            x1 = frame_x(f, s->recs[i].x1);
            if (have && x0 <= b + 1) {
                if (x1 > b)
                    b = x1;
                continue;
            }
        }
        if (have) {
            if (b - a < 1)
                b = a + 1;
            fprintf(out, "<rect class=\"band\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n", a, f->top,
                    b - a, f->bottom - f->top);
        }
        a = x0;
        b = x1;
        have = true;
    }
}

static const char *style_name(enum synack_plot_style style)
{
    switch (style) {
    case SYNACK_PLOT_STEP: return "step";
    case SYNACK_PLOT_LINE: return "line";
    case SYNACK_PLOT_POINTS: return "points";
    case SYNACK_PLOT_BARS: return "bars";
    case SYNACK_PLOT_BANDS: return "bands";
    }
    return "line";
}

static int write_series(const struct frame *f, const struct series *s, FILE *out)
{
    int rc = 0;

    fprintf(out, "<g class=\"series %s\" data-series=\"", style_name(s->style));
    put_escaped(out, s->name);
    fprintf(out, "\" data-count=\"%llu\"", (unsigned long long)s->count);
    switch (s->style) {
    case SYNACK_PLOT_STEP:
    case SYNACK_PLOT_LINE: {
        struct line_ctx lc = {.f = f, .out = out, .step = s->style == SYNACK_PLOT_STEP,
                              .clip = (s->flags & SYNACK_PLOT_CLIPPED) != 0};
        fprintf(out, " fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" stroke-linejoin=\"round\"%s>\n",
                s->color, (s->flags & SYNACK_PLOT_DASHED) ? " stroke-dasharray=\"6 4\"" : "");
        by_column(f, s, emit_line, &lc);
        points_flush(&lc.pts, out);
        if (lc.pts.failed)
            rc = -SYNACK_ENOMEM;
        free(lc.pts.xy);
        break;
    }
    case SYNACK_PLOT_POINTS: {
        struct dot_ctx dc = {.f = f, .out = out};
        fprintf(out, " fill=\"%s\" stroke=\"none\">\n", s->color);
        by_column(f, s, emit_dots, &dc);
        break;
    }
    case SYNACK_PLOT_BARS:
        fprintf(out, " stroke=\"%s\" stroke-width=\"1.2\" fill=\"none\">\n", s->color);
        rc = write_bars(f, s, out);
        break;
    case SYNACK_PLOT_BANDS:
        fprintf(out, " fill=\"%s\" fill-opacity=\"0.18\" stroke=\"none\">\n", s->color);
        write_bands(f, s, out);
        break;
    }
    fputs("</g>\n", out);
    return rc;
}

/* The legend's entries, left to right, wrapping; returns the rows used.
 * With out NULL it only measures. */
static int write_legend(const struct synack_plot *p, FILE *out, double left, double right, double top)
{
    double x = left, y = top;
    int rows = 0;

    if (out)
        fputs("<g class=\"legend\">\n", out);
    for (int i = 0; i < p->series_count; i++) {
        const struct series *s = &p->series[i];
        double w = 30 + CHAR_WIDTH_PX * (double)strlen(s->name) + 18;
        if (!s->visible || s->n == 0)
            continue;
        if (rows == 0)
            rows = 1;
        if (x > left && x + w > right) {
            x = left;
            y += 18;
            rows++;
        }
        if (out) {
            fputs("<g class=\"legend-entry\" data-series=\"", out);
            put_escaped(out, s->name);
            fputs("\">", out);
            switch (s->style) {
            case SYNACK_PLOT_BARS:
                fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"/>",
                        x + 12, y + 6, x + 12, y - 6, s->color);
                if (s->flags & SYNACK_PLOT_MARKED)
                    fprintf(out, "<path d=\"M%.1f %.1fl5 -5m0 5l-5 -5\" stroke=\"%s\" fill=\"none\"/>", x + 16,
                            y - 3, s->color);
                break;
            case SYNACK_PLOT_POINTS:
                fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>", x + 12, y, s->color);
                break;
            case SYNACK_PLOT_BANDS:
                fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"22\" height=\"10\" fill=\"%s\" fill-opacity=\"0.3\"/>",
                        x + 1, y - 5, s->color);
                break;
            default:
                fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"%s/>",
                        x, y, x + 24, y, s->color,
                        (s->flags & SYNACK_PLOT_DASHED) ? " stroke-dasharray=\"6 4\"" : "");
                break;
            }
            fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">", x + 30, y + 4);
            put_escaped(out, s->name);
            fputs("</text></g>\n", out);
        }
        x += w;
    }
    if (out)
        fputs("</g>\n", out);
    return rows;
}

/* Tick k of an axis from `first` in steps of `step`, up to `last`;
 * at most MAX_TICKS of them. */
#define MAX_TICKS 100
static int tick_count(double first, double last, double step)
{
    double n = floor((last - first) / step + 1e-9) + 1;

    return n < 0 ? 0 : n > MAX_TICKS ? MAX_TICKS : (int)n;
}

/* The y axis's ticks into v[MAX_TICKS] and their labels' scale; returns
 * how many.  Linear: every ystep.  Logarithmic: 1, 2 and 5 times each
 * power of ten in range, or the powers of ten alone when that makes too
 * many for the height. */
static int y_ticks(const struct synack_plot *p, const struct frame *f, double *v, double *scale)
{
    int n = 0;

    *scale = p->y_plain ? 1 : axis_scale(f->ymin, f->ymax);
    if (!f->ylog) {
        n = tick_count(f->ymin, f->ymax, f->ystep);
        for (int k = 0; k < n; k++)
            v[k] = f->ymin + k * f->ystep;
        return n;
    }
    for (int pass = 0; pass < 2; pass++) {
        static const double m[] = {1, 2, 5};
        int per = pass == 0 ? 3 : 1;
        n = 0;
        for (double mag = pow(10, floor(log10(f->ymin))); mag <= f->ymax && n < MAX_TICKS; mag *= 10) {
            for (int i = 0; i < per && n < MAX_TICKS; i++) {
                double t = m[i] * mag;
                if (t >= f->ymin * (1 - 1e-9) && t <= f->ymax * (1 + 1e-9))
                    v[n++] = t;
            }
        }
        if (n <= (f->bottom - f->top) / 24)
            break;
    }
    return n;
}

/* A y tick's label: linear ticks take their decimals from the spacing,
 * logarithmic ones from their own size. */
static void y_label(const struct frame *f, double v, double scale, char *buf, size_t len)
{
    if (f->ylog)                    /* "5", "50", "500", "5k", "50k" */
        format_tick(v, pow(10, floor(log10(v) + 1e-9)), v >= 1e4 ? axis_scale(v, v) : 1, buf, len);
    else
        format_tick(v, f->ystep, scale, buf, len);
}

static void write_axes(const struct synack_plot *p, const struct frame *f, FILE *out)
{
    char label[48];
    double first, yv[MAX_TICKS], scale;
    int nx, ny;

    /* Grid and ticks. */
    fputs("<g class=\"grid\" stroke=\"#e4e4e4\" stroke-width=\"1\">\n", out);
    first = ceil(f->xmin / f->xstep - 1e-9) * f->xstep;
    nx = tick_count(first, f->xmax, f->xstep);
    ny = y_ticks(p, f, yv, &scale);
    for (int k = 0; k < nx; k++) {
        double x = frame_x(f, first + k * f->xstep);
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x, f->top, x, f->bottom);
    }
    for (int k = 0; k < ny; k++) {
        double y = frame_y(f, yv[k]);
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", f->left, y, f->right, y);
    }
    fputs("</g>\n", out);

    fputs("<g class=\"axes\" stroke=\"#333333\" stroke-width=\"1\" fill=\"#333333\">\n", out);
    fprintf(out,
            "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
            "data-x-min=\"%.9g\" data-x-max=\"%.9g\" data-y-min=\"%.9g\" data-y-max=\"%.9g\"/>\n",
            f->left, f->top, f->right - f->left, f->bottom - f->top, f->xmin, f->xmax, f->ymin, f->ymax);
    fputs("<g class=\"x-ticks\">\n", out);
    for (int k = 0; k < nx; k++) {
        double v = first + k * f->xstep, x = frame_x(f, v);
        format_tick(v, f->xstep, axis_scale(f->xmin, f->xmax), label, sizeof label);
        fprintf(out,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                "<text class=\"tick-label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" stroke=\"none\">%s</text>\n",
                x, f->bottom, x, f->bottom + 5, x, f->bottom + 18, label);
    }
    fputs("</g>\n<g class=\"y-ticks\">\n", out);
    for (int k = 0; k < ny; k++) {
        double y = frame_y(f, yv[k]);
        y_label(f, yv[k], scale, label, sizeof label);
        fprintf(out,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                "<text class=\"tick-label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" stroke=\"none\">%s</text>\n",
                f->left - 5, y, f->left, y, f->left - 8, y + 4, label);
    }
    fputs("</g>\n", out);
    fprintf(out, "<text class=\"axis-label x\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" stroke=\"none\">",
            (f->left + f->right) / 2, f->bottom + 38);
    put_escaped(out, p->x_label);
    fputs("</text>\n", out);
    if (p->y_label != NULL) {
        double cy = (f->top + f->bottom) / 2;
        fprintf(out,
                "<text class=\"axis-label y\" x=\"16\" y=\"%.1f\" text-anchor=\"middle\" stroke=\"none\" "
                "transform=\"rotate(-90 16 %.1f)\">",
                cy, cy);
        put_escaped(out, p->y_label);
        fputs("</text>\n", out);
    }
    fputs("</g>\n", out);
}

/* The widest y tick label, in characters. */
static size_t widest_y_label(const struct synack_plot *p, const struct frame *f)
{
    char label[48];
    double yv[MAX_TICKS], scale;
    size_t widest = 0;
    int ny = y_ticks(p, f, yv, &scale);

    for (int k = 0; k < ny; k++) {
        y_label(f, yv[k], scale, label, sizeof label);
        if (strlen(label) > widest)
            widest = strlen(label);
    }
    return widest;
}

/* The plot area: below the title, notes and legend, and right of the y
 * tick labels (measured: the legend's rows depend on the width left). */
static void layout(const struct synack_plot *p, struct frame *f)
{
    double top = 12, left = 84;

    if (p->title)
        top += 20;
    top += 14.0 * p->note_count;
    for (int pass = 0; pass < 2; pass++) {
        double need;
        f->left = left;
        f->right = p->width - 24;
        f->top = top + 18.0 * write_legend(p, NULL, f->left, f->right, 0) + 10;
        f->bottom = p->height - 50;
        if (f->bottom - f->top < 40)
            f->bottom = f->top + 40;
        frame_ranges(p, f);
        need = 34 + CHAR_WIDTH_PX * (double)widest_y_label(p, f);
        if (need <= left || need > p->width / 2.0)
            break;
        left = need;
    }
}

/* An id for an element of an HTML page: letters, digits, '-', '_'; a
 * letter first. */
static bool id_ok(const char *id)
{
    if (!((id[0] >= 'a' && id[0] <= 'z') || (id[0] >= 'A' && id[0] <= 'Z')))
        return false;
    for (const char *c = id; *c; c++) {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '-' ||
              *c == '_'))
            return false;
    }
    return true;
}

/* standalone: an SVG file; else an <svg> element for an HTML page, with
 * the id `id` (or none). */
static int write_svg(const struct synack_plot *p, bool standalone, const char *id, FILE *out)
{
    struct frame f;
    double top;
    int rc = 0;

    layout(p, &f);
    if (standalone) {
        fprintf(out,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%u\" height=\"%u\" ",
                p->width, p->height);
    } else {
        fputs("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" ", out);
        if (id != NULL)
            fprintf(out, "id=\"%s\" ", id);
        fprintf(out, "width=\"%u\" height=\"%u\" ", p->width, p->height);
    }
    fprintf(out,
            "viewBox=\"0 0 %u %u\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n",
            p->width, p->height);
    if (p->title) {
        fputs("<title>", out);
        put_escaped(out, p->title);
        fputs("</title>\n", out);
    }
    fprintf(out, "<rect class=\"background\" x=\"0\" y=\"0\" width=\"%u\" height=\"%u\" fill=\"#ffffff\"/>\n",
            p->width, p->height);
    top = 12;
    if (p->title) {
        fprintf(out, "<text class=\"title\" x=\"%.1f\" y=\"26\" text-anchor=\"middle\" font-size=\"15\">",
                p->width / 2.0);
        put_escaped(out, p->title);
        fputs("</text>\n", out);
        top += 20;
    }
    for (int i = 0; i < p->note_count; i++) {
        fprintf(out, "<text class=\"note\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\" "
                     "fill=\"#555555\">",
                p->width / 2.0, top + 10);
        put_escaped(out, p->notes[i]);
        fputs("</text>\n", out);
        top += 14;
    }
    write_legend(p, out, f.left, f.right, top + 10);
    write_axes(p, &f, out);
    /* Bands under everything else, then the series in the order added. */
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        for (int i = 0; i < p->series_count && rc == 0; i++) {
            const struct series *s = &p->series[i];
            if (s->visible && (s->style == SYNACK_PLOT_BANDS) == (pass == 0))
                rc = write_series(&f, s, out);
        }
    }
    fputs("</svg>\n", out);
    if (rc == 0 && (fflush(out) != 0 || ferror(out)))
        rc = -SYNACK_EIO;
    return rc;
}

int synack_plot_write_svg(const struct synack_plot *p, FILE *out)
{
    return write_svg(p, true, NULL, out);
}

int synack_plot_write_svg_inline(const struct synack_plot *p, const char *id, FILE *out)
{
    if (id != NULL && !id_ok(id))
        return -SYNACK_EINVAL;
    return write_svg(p, false, id, out);
}
