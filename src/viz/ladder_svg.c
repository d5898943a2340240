/*
 * ladder_svg.c — the ladder diagram as a standalone SVG image: no script,
 * no external resource; hovering an arrow shows its <title>.
 *
 * The document is structured so that programs can read it back:
 *
 *   <g class="end" data-end="client" data-side="left">   name, address, line
 *   <text class="state [initial] [inferred]" data-end="client"
 *         data-state="SYN_SENT" data-time="0.000000">SYN_SENT</text>
 *   <g class="segment data|ack [mark classes]" data-n="1" data-from="client"
 *      data-to="server" data-flags="SYN" data-seq="1000" [data-ack="…"]
 *      data-len="0" data-win="65535" data-sent="…" data-arrived="…"
 *      data-arrival="measured|estimated|lost|unknown" data-marks="…">
 *     <title>…</title> <line class="hit"/> <line class="arrow"/> (a pair per
 *     piece: see below; "hit" is an invisible wide stroke for the pointer)
 *     <polygon class="head"/>
 *     <text class="label">SYN seq=1000 &lt;mss 1460&gt;</text> [<text class="tag">]
 *   </g>
 *   <g class="band [folded]" data-first="12" data-last="426" data-count="415"
 *      data-folded="0" data-data="300 0" data-acks="0 115" data-bytes="434400 0"
 *      data-marks="retransmission:3 dup-ack:40">   (marks counted in its folds)
 *   <g class="gap" data-length="0.200000">         a cut in idle time
 *   <g class="legend">
 *
 * States are listed in time order; a line's initial state is drawn at its
 * top unless it is CLOSED.  data-seq and data-ack follow the view
 * (relative or absolute).
 *
 * Nothing is drawn across a band's box: an arrow in flight while a band
 * is drawn (sent before it, arriving after it; or a lost arrow ending in
 * it) is cut into the pieces outside the bands, its label on the longest.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ladder_internal.h"
#include "synack/errors.h"

#define WIDTH 820.0
#define X_TIME 70.0              /* right edge of the time column */
#define X_LEFT 220.0
#define X_RIGHT 640.0
#define HEADER_PX 96.0
#define LOST_SHARE 0.55          /* how far a lost arrow gets */
#define PI 3.14159265358979323846

void ladder__xml_escape(FILE *out, const char *s)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        default: fputc(*s, out); break;
        }
    }
}

static double end_x(int end)
{
    return end == 0 ? X_LEFT : X_RIGHT;
}

static const char *arrival_word(const struct synack_ladder_segment *s)
{
    switch (s->arrival) {
    case SYNACK_LADDER_ARRIVED: return "measured";
    case SYNACK_LADDER_ESTIMATED: return "estimated";
    case SYNACK_LADDER_NEVER: return "lost";
    default: return "unknown";
    }
}

/* Mark classes are unique words, so one rule styles an arrow and its
 * sample in the legend (class "key"). */
static const char style[] =
    "text{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:11px;fill:#1f2937}"
    ".title{font-size:14px;font-weight:bold}.end-name{font-size:13px;font-weight:bold}"
    ".end-line{stroke:#111827;stroke-width:2}.time{fill:#6b7280;font-size:10px}"
    ".state{font-weight:bold;fill:#047857}.state.inferred{font-style:italic}.state-dot{fill:#047857}"
    ".segment,.key{color:#1f2937}.segment line,.key line{stroke:currentColor;stroke-width:1.2}"
    ".data line{stroke-width:2}.segment .head{fill:currentColor}.segment text{fill:currentColor}"
    ".segment .tag{font-size:10px}.segment .hidden{display:none}.segment:hover .hidden{display:inline}"
    ".segment .hit{stroke:transparent!important;stroke-width:9px!important;stroke-dasharray:none!important}"
    ".window-update{color:#2563eb}.zero-window{color:#be185d}"
    ".keepalive{color:#6b7280}.keepalive line{stroke-dasharray:2 3}"
    ".zero-window-probe{color:#0d9488}.zero-window-probe line{stroke-dasharray:5 2}"
    ".dup-ack{color:#7c3aed}.retransmission{color:#d97706}"
    ".duplicate line{stroke-dasharray:1 3}.dropped{color:#9f1239}"
    ".rst{color:#dc2626}.rst line{stroke-width:2.4}"
    ".lost line{stroke-dasharray:6 3}.unknown-mark{font-weight:bold;font-size:13px}.loss-mark,.drop-mark{stroke:#dc2626;stroke-width:2.5;fill:none}"
    ".band rect{fill:#e5e7eb;stroke:#9ca3af;stroke-dasharray:4 2}.band text{fill:#374151}"
    ".band.folded rect{fill:#d1d5db;stroke:#6b7280;stroke-dasharray:none}.band .band-kinds{font-size:10px}"
    ".gap rect{fill:#fff}.gap path{stroke:#6b7280;fill:none}.gap text{fill:#6b7280;font-style:italic;font-size:10px}"
    ".legend text{font-size:11px}.legend .note{fill:#4b5563}";

/* The drawing's context while it is written. */
/* Where a label's text runs: a line from (x1,y1) to (x2,y2). */
struct label_line {
    double x1, y1, x2, y2;
};

/* Labels kept in mind to avoid overlaps: the last LABELS_KEPT drawn. */
#define LABELS_KEPT 64
#define LABEL_GAP_PX 11.0        /* closer than this, a label is hidden */
#define CHAR_PX 6.6              /* the width of one character at 11px */

struct svg {
    const struct synack_ladder *l;
    const struct synack_ladder_view *v;
    const struct ladder_shown *sh;
    const struct ladder_layout *lay;
    FILE *out;
    bool interactive;
    const char *prefix;
    struct label_line labels[LABELS_KEPT];
    size_t label_count;          /* drawn so far; the ring holds the last LABELS_KEPT */
    double *band_top, *band_bottom;   /* the bands' boxes down the page, in order */
    size_t band_count;
};

/* A piece of an arrow that is drawn: from t0 to t1 along it (0 at the
 * sender, 1 at its end). */
struct piece {
    double t0, t1;
};

#define PIECES_MAX 16

/* The pieces of the arrow from y1 down to y2 that lie outside every band
 * (bands are in order down the page); returns how many.  A band's box
 * spans the space between the lines, so an arrow crossing it goes right
 * through: only the stretch within its height is cut. */
static size_t arrow_pieces(const struct svg *g, double y1, double y2, struct piece *p)
{
    size_t n = 0, lo = 0, hi = g->band_count;
    double t = 0, dy = y2 - y1;

    if (dy < 0.5) {
        p[0] = (struct piece){0, 1};
        return 1;
    }
    while (lo < hi) {   /* the first band that ends below y1 */
        size_t mid = lo + (hi - lo) / 2;
        if (g->band_bottom[mid] <= y1)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t b = lo; b < g->band_count && g->band_top[b] < y2 && t < 1; b++) {
        double ta = (g->band_top[b] - y1) / dy, tb = (g->band_bottom[b] - y1) / dy;
        if (ta > t) {
            p[n++] = (struct piece){t, ta};
            if (n == PIECES_MAX)
                return n;   /* an arrow across that many bands stops at the last */
        }
        if (tb > t)
            t = tb;
    }
    if (t < 1)
        p[n++] = (struct piece){t, 1};
    if (n == 0)
        p[n++] = (struct piece){0, 0};   /* never: an arrow starts outside every band */
    return n;
}

/* Distance from point (px,py) to the segment a. */
static double point_line_distance(double px, double py, const struct label_line *a)
{
    double dx = a->x2 - a->x1, dy = a->y2 - a->y1;
    double len2 = dx * dx + dy * dy;
    double t = len2 > 0 ? ((px - a->x1) * dx + (py - a->y1) * dy) / len2 : 0;

    t = t < 0 ? 0 : t > 1 ? 1 : t;
    return hypot(px - (a->x1 + t * dx), py - (a->y1 + t * dy));
}

static bool lines_cross(const struct label_line *a, const struct label_line *b)
{
    double d1 = (b->x2 - b->x1) * (a->y1 - b->y1) - (b->y2 - b->y1) * (a->x1 - b->x1);
    double d2 = (b->x2 - b->x1) * (a->y2 - b->y1) - (b->y2 - b->y1) * (a->x2 - b->x1);
    double d3 = (a->x2 - a->x1) * (b->y1 - a->y1) - (a->y2 - a->y1) * (b->x1 - a->x1);
    double d4 = (a->x2 - a->x1) * (b->y2 - a->y1) - (a->y2 - a->y1) * (b->x2 - a->x1);

    return ((d1 > 0) != (d2 > 0)) && ((d3 > 0) != (d4 > 0));
}

static double lines_distance(const struct label_line *a, const struct label_line *b)
{
    double d;

    if (lines_cross(a, b))
        return 0;
    d = point_line_distance(a->x1, a->y1, b);
    d = fmin(d, point_line_distance(a->x2, a->y2, b));
    d = fmin(d, point_line_distance(b->x1, b->y1, a));
    return fmin(d, point_line_distance(b->x2, b->y2, a));
}

/* Whether a label along `line` keeps clear of the labels drawn lately;
 * if so it is remembered.  Dense stretches (many segments in flight)
 * would otherwise pile text on text: their labels stay hidden until the
 * pointer is on the arrow (and are always in its <title>). */
static bool label_fits(struct svg *g, const struct label_line *line)
{
    size_t n = g->label_count < LABELS_KEPT ? g->label_count : LABELS_KEPT;

    for (size_t i = 0; i < n; i++) {
        if (lines_distance(line, &g->labels[i]) < LABEL_GAP_PX)
            return false;
    }
    g->labels[g->label_count % LABELS_KEPT] = *line;
    g->label_count++;
    return true;
}

static void write_segment(struct svg *g, size_t item)
{
    const struct synack_ladder *l = g->l;
    const struct synack_ladder_segment *s = &l->segs[g->sh->items[item].index];
    const struct ladder_arrow_pos *a = &g->lay->arrows[item];
    FILE *out = g->out;
    int to = 1 - s->from;
    bool lost = s->arrival == SYNACK_LADDER_NEVER || s->arrival == SYNACK_LADDER_UNKNOWN;
    double x1 = end_x(s->from), y1 = a->y_from, x2 = end_x(to), y2 = a->y_to;
    double share = lost ? LOST_SHARE : 1.0;
    double xe = x1 + (x2 - x1) * share, ye = y1 + (y2 - y1) * share;
    struct piece pieces[PIECES_MAX];
    size_t npieces = arrow_pieces(g, y1, ye, pieces), longest = 0;
    double mx, my, piece_px;
    bool cut;
    /* The label reads left to right whichever way the arrow points. */
    double angle = atan2(s->from == 0 ? y2 - y1 : y1 - y2, X_RIGHT - X_LEFT) * 180.0 / PI;
    char label[160], flags[48], tags[128], sent[32], arrived[32];
    bool hidden;

    synack_ladder_label(l, s, g->v->relative, label, sizeof label);
    ladder__tags(s, tags, sizeof tags);
    ladder__time_text(l, s->sent_at, sent, sizeof sent);
    ladder__time_text(l, s->arrived_at, arrived, sizeof arrived);
    fprintf(out, "<g class=\"segment %s", s->payload_len ? "data" : "ack");
    for (int bit = 0; bit < SYNACK_LADDER_MARK_COUNT; bit++) {
        if (s->marks & (1u << bit))
            fprintf(out, " %s", synack_ladder_mark_class(bit));
    }
    fputc('"', out);
    if (g->interactive)
        fprintf(out, " id=\"%ss%u\" tabindex=\"0\"", g->prefix, s->number);
    fprintf(out, " data-n=\"%u\" data-from=\"", s->number);
    ladder__xml_escape(out, l->ends[s->from].name);
    fputs("\" data-to=\"", out);
    ladder__xml_escape(out, l->ends[to].name);
    fprintf(out, "\" data-flags=\"%s\" data-seq=\"%u\"", synack_tcp_flags_text(s->flags, flags, sizeof flags),
            synack_ladder_seq_shown(l, s->from, s->seq, g->v->relative));
    if (s->flags & SYNACK_TCP_ACK)
        fprintf(out, " data-ack=\"%u\"", synack_ladder_seq_shown(l, to, s->ack, g->v->relative));
    fprintf(out, " data-len=\"%u\" data-win=\"%u\" data-sent=\"%s\" data-arrived=\"%s\" data-arrival=\"%s\"",
            s->payload_len, s->window_bytes, sent, arrived, arrival_word(s));
    fputs(" data-marks=\"", out);
    for (int bit = 0, first = 1; bit < SYNACK_LADDER_MARK_COUNT; bit++) {
        if (s->marks & (1u << bit)) {
            fprintf(out, "%s%s", first ? "" : " ", synack_ladder_mark_class(bit));
            first = 0;
        }
    }
    fputs("\">\n", out);

    fprintf(out, "<title>#%u %s → %s: ", s->number, l->ends[s->from].name, l->ends[to].name);
    ladder__xml_escape(out, label);
    fprintf(out, ", win %u; sent %s s", s->window_bytes, sent);
    if (s->arrival == SYNACK_LADDER_NEVER)
        fputs(", lost", out);
    else if (s->arrival == SYNACK_LADDER_UNKNOWN)
        fputs(", still in flight when the trace ended", out);
    else
        fprintf(out, ", %s %s s", s->arrival == SYNACK_LADDER_ESTIMATED ? "arrived about" : "arrived",
                arrived);
    if (tags[0] != '\0') {
        fputc(' ', out);
        ladder__xml_escape(out, tags);
    }
    if (s->drop_reason >= 0) {
        fputs(" (", out);
        ladder__xml_escape(out, synack_drop_description(s->drop_reason));
        fputc(')', out);
    }
    fputs("</title>\n", out);

    for (size_t k = 0; k < npieces; k++) {
        const struct piece *pc = &pieces[k];
        double ax = x1 + (xe - x1) * pc->t0, ay = y1 + (ye - y1) * pc->t0;
        double bx = x1 + (xe - x1) * pc->t1, by = y1 + (ye - y1) * pc->t1;
        /* A thin or dashed arrow is hard to point at: an invisible wide
         * stroke under it takes the pointer. */
        fprintf(out, "<line class=\"hit\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", ax, ay, bx, by);
        fprintf(out, "<line class=\"arrow\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", ax, ay, bx, by);
        if (pc->t1 - pc->t0 > pieces[longest].t1 - pieces[longest].t0)
            longest = k;
    }
    /* The label goes on the longest piece; a lost arrow that would end
     * in a band ends where it enters it. */
    mx = x1 + (xe - x1) * (pieces[longest].t0 + pieces[longest].t1) / 2;
    my = y1 + (ye - y1) * (pieces[longest].t0 + pieces[longest].t1) / 2;
    cut = npieces > 1 || pieces[0].t1 < 1;
    piece_px = hypot(xe - x1, ye - y1) * (pieces[longest].t1 - pieces[longest].t0);
    if (pieces[npieces - 1].t1 < 1) {
        xe = x1 + (xe - x1) * pieces[npieces - 1].t1;
        ye = y1 + (ye - y1) * pieces[npieces - 1].t1;
    }
    if (!lost) {
        double len = hypot(xe - x1, ye - y1), ux = (xe - x1) / len, uy = (ye - y1) / len;
        fprintf(out, "<polygon class=\"head\" points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\"/>\n", xe, ye,
                xe - 9 * ux - 3.5 * uy, ye - 9 * uy + 3.5 * ux, xe - 9 * ux + 3.5 * uy, ye - 9 * uy - 3.5 * ux);
    } else if (s->arrival == SYNACK_LADDER_NEVER) {
        fprintf(out, "<path class=\"loss-mark\" d=\"M%.1f %.1fl10 10m0 -10l-10 10\"/>\n", xe - 5, ye - 5);
    } else {
        fprintf(out, "<text class=\"unknown-mark\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">?</text>\n", xe,
                ye + 4);
    }
    if (s->marks & SYNACK_LADDER_DROPPED)
        fprintf(out, "<path class=\"drop-mark\" d=\"M%.1f %.1fl8 8m0 -8l-8 8\"/>\n", x2 - 4 + (to ? -8 : 8),
                y2 - 4);
    {
        double half = CHAR_PX * (double)strlen(label) / 2, rad = angle * PI / 180.0;
        struct label_line line = {mx - half * cos(rad), my - half * sin(rad), mx + half * cos(rad),
                                  my + half * sin(rad)};
        /* A label longer than what is left of a cut arrow would run into
         * the band: it shows on hover only. */
        hidden = (cut && 2 * half + 2 * LABEL_GAP_PX > piece_px) || !label_fits(g, &line);
    }
    fprintf(out, "<text class=\"label%s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                 "transform=\"rotate(%.2f %.1f %.1f)\">",
            hidden ? " hidden" : "", mx, my - 4, angle, mx, my);
    ladder__xml_escape(out, label);
    fputs("</text>\n", out);
    if (tags[0] != '\0') {
        fprintf(out, "<text class=\"tag%s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                     "transform=\"rotate(%.2f %.1f %.1f)\">",
                hidden ? " hidden" : "", mx, my + 12, angle, mx, my);
        ladder__xml_escape(out, tags);
        fputs("</text>\n", out);
    }
    fputs("</g>\n", out);
}

static void write_state_text(const struct svg *g, int end, int state, double y, const char *time,
                             const char *extra_class)
{
    FILE *out = g->out;
    double x = end == 0 ? X_LEFT - 8 : X_RIGHT + 8;

    fprintf(out, "<text class=\"state%s\" data-end=\"", extra_class);
    ladder__xml_escape(out, g->l->ends[end].name);
    fprintf(out, "\" data-side=\"%s\" data-state=\"%s\" data-time=\"%s\" x=\"%.1f\" y=\"%.1f\" "
                 "text-anchor=\"%s\">%s</text>\n",
            end == 0 ? "left" : "right", synack_tcp_state_name(state), time, x, y + 4,
            end == 0 ? "end" : "start", synack_tcp_state_name(state));
}

static void write_states(const struct svg *g)
{
    const struct synack_ladder *l = g->l;
    bool ranged = g->v->have_range || g->v->first_segment || g->v->last_segment;

    fputs("<g class=\"states\">\n", g->out);
    for (int e = 0; e < 2 && !ranged; e++) {
        int st = l->ends[e].initial_state;
        char time[32];
        if (st < 0 || st == SYNACK_TCP_CLOSED)
            continue;
        ladder__time_text(l, l->info.origin, time, sizeof time);
        write_state_text(g, e, st, g->lay->top - 14, time,
                         l->info.states_inferred ? " initial inferred" : " initial");
    }
    for (size_t i = 0; i < g->sh->item_count; i++) {
        const struct ladder_item *it = &g->sh->items[i];
        const struct synack_ladder_state *st;
        char time[32];
        if (it->kind != ITEM_STATE)
            continue;
        st = &l->states[it->index];
        ladder__time_text(l, st->at, time, sizeof time);
        fprintf(g->out, "<circle class=\"state-dot\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\"/>\n", end_x(st->end),
                g->lay->item_y[i]);
        write_state_text(g, st->end, st->state, g->lay->item_y[i], time, st->inferred ? " inferred" : "");
    }
    fputs("</g>\n", g->out);
}

static void write_times(const struct svg *g)
{
    double last = -1e9;

    fputs("<g class=\"times\">\n", g->out);
    for (size_t i = 0; i < g->sh->item_count; i++) {
        const struct ladder_item *it = &g->sh->items[i];
        double y;
        char time[32];
        if (it->kind == ITEM_SEGMENT)
            y = g->lay->arrows[i].y_from;
        else
            y = g->lay->item_y[i];
        if (y - last < 12)
            continue;
        last = y;
        fprintf(g->out, "<text class=\"time\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", X_TIME,
                y + 3, ladder__time_text(g->l, it->at, time, sizeof time));
    }
    fputs("</g>\n", g->out);
}

static void write_bands(const struct svg *g)
{
    for (size_t i = 0; i < g->sh->item_count; i++) {
        const struct ladder_item *it = &g->sh->items[i];
        const struct ladder_band *b;
        double y;
        char text[512], kinds[512];
        bool first = true;
        if (it->kind != ITEM_BAND)
            continue;
        b = &g->sh->bands[it->index];
        y = g->lay->item_y[i];
        ladder__band_text(g->l, b, text, sizeof text);
        fprintf(g->out,
                "<g class=\"band%s\" data-band=\"%zu\" data-first=\"%u\" data-last=\"%u\" data-count=\"%llu\" "
                "data-folded=\"%llu\" data-data=\"%u %u\" data-acks=\"%u %u\" data-bytes=\"%llu %llu\" data-marks=\"",
                b->folded ? " folded" : "", it->index, b->first, b->last, (unsigned long long)b->count,
                (unsigned long long)b->folded, b->data[0], b->data[1], b->acks[0], b->acks[1],
                (unsigned long long)b->bytes[0], (unsigned long long)b->bytes[1]);
        for (int bit = 0; bit < SYNACK_LADDER_MARK_COUNT; bit++) {
            if (b->marked[bit]) {
                fprintf(g->out, "%s%s:%u", first ? "" : " ", synack_ladder_mark_class(bit), b->marked[bit]);
                first = false;
            }
        }
        fputc('"', g->out);
        if (g->interactive)
            fprintf(g->out, " id=\"%sb%zu\" tabindex=\"0\"", g->prefix, it->index);
        fputs(">\n<title>", g->out);
        ladder__xml_escape(g->out, text);
        if (b->folded)
            fputs(" (summarised while reading: counts only)", g->out);
        else if (g->interactive)
            fputs(" (click to expand)", g->out);
        fprintf(g->out, "</title>\n<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"4\"/>\n",
                X_LEFT + 4, y + 2, X_RIGHT - X_LEFT - 8, g->lay->band_height[it->index] - 4);
        /* What it is, and below what it holds. */
        fprintf(g->out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", (X_LEFT + X_RIGHT) / 2,
                y + g->lay->band_height[it->index] / 2 - 3);
        ladder__xml_escape(g->out, ladder__band_summary(b, text, sizeof text));
        fprintf(g->out, "</text>\n<text class=\"band-kinds\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                (X_LEFT + X_RIGHT) / 2, y + g->lay->band_height[it->index] / 2 + 11);
        ladder__xml_escape(g->out, ladder__band_kinds(b, kinds, sizeof kinds));
        fputs("</text>\n", g->out);
        fputs("</g>\n", g->out);
    }
}

/* "850 µs", "200 ms", "59.99 s": a length of time in a few characters. */
static char *duration_text(synack_time_us us, char *buf, size_t len)
{
    if (us < 1000)
        snprintf(buf, len, "%llu µs", (unsigned long long)us);
    else if (us < 1000000)
        snprintf(buf, len, "%.4g ms", (double)us / 1e3);
    else
        snprintf(buf, len, "%.4g s", (double)us / 1e6);
    return buf;
}

static void write_gaps(const struct svg *g)
{
    char text[32];

    for (size_t i = 0; i < g->lay->gap_count; i++) {
        const struct ladder_gap *gap = &g->lay->gaps[i];
        fprintf(g->out, "<g class=\"gap\" data-length=\"%llu.%06llu\">",
                (unsigned long long)(gap->length / 1000000), (unsigned long long)(gap->length % 1000000));
        for (int e = 0; e < 2; e++) {
            double x = end_x(e);
            fprintf(g->out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"8\"/>"
                            "<path d=\"M%.1f %.1fl4 -3l4 6l4 -3M%.1f %.1fl4 -3l4 6l4 -3\"/>",
                    x - 6, gap->y - 4, x - 8, gap->y - 3, x - 8, gap->y + 3);
        }
        fprintf(g->out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">+%s</text></g>\n", X_TIME,
                gap->y + 3, duration_text(gap->length, text, sizeof text));
    }
}

static void legend_line(FILE *out, double y, const char *cls, const char *text)
{
    if (out == NULL)
        return;
    fprintf(out, "<g class=\"key %s\"><line x1=\"20\" y1=\"%.1f\" x2=\"70\" y2=\"%.1f\"/></g>"
                 "<text x=\"80\" y=\"%.1f\">",
            cls, y - 4, y - 4, y);
    ladder__xml_escape(out, text);
    fputs("</text>\n", out);
}

/* A note of the legend, wrapped at spaces into lines of at most
 * NOTE_CHARS characters; returns the y of the line after it. */
#define NOTE_CHARS 110
static double legend_note(FILE *out, double y, const char *text)
{
    while (*text != '\0') {
        size_t take = strlen(text), chars = 0, cut = 0, i;
        for (i = 0; text[i] != '\0'; i++) {
            if (((unsigned char)text[i] & 0xc0) == 0x80)
                continue;
            if (chars == NOTE_CHARS)
                break;
            if (text[i] == ' ')
                cut = i;
            chars++;
        }
        if (text[i] != '\0' && cut > 0)
            take = cut;
        else
            take = i;
        if (out != NULL) {
            char line[512];
            snprintf(line, sizeof line, "%.*s", (int)take, text);
            fprintf(out, "<text class=\"note\" x=\"20\" y=\"%.1f\">", y);
            ladder__xml_escape(out, line);
            fputs("</text>\n", out);
        }
        y += 15;
        text += take;
        while (*text == ' ')
            text++;
    }
    return y;
}

/* Writes the legend from y down (to out; NULL only measures it); returns
 * the y below it. */
static double write_legend(const struct svg *g, double y, FILE *out)
{
    const struct synack_ladder *l = g->l;
    const struct synack_ladder_info *in = &l->info;
    unsigned present = 0;
    char note[512];

    for (size_t i = 0; i < g->sh->item_count; i++) {
        if (g->sh->items[i].kind == ITEM_SEGMENT)
            present |= l->segs[g->sh->items[i].index].marks;
    }
    if (out != NULL)
        fprintf(out, "<g class=\"legend\">\n<text class=\"end-name\" x=\"20\" y=\"%.1f\">Legend</text>\n", y);
    y += 20;
    legend_line(out, y, "data", "segment carrying data");
    y += 16;
    legend_line(out, y, "ack", "segment without data (ACK, SYN, FIN)");
    y += 16;
    for (int bit = 0; bit < SYNACK_LADDER_MARK_COUNT; bit++) {
        if (!(present & (1u << bit)))
            continue;
        snprintf(note, sizeof note, "[%s] %s", synack_ladder_mark_tag(bit), synack_ladder_mark_description(bit));
        legend_line(out, y, synack_ladder_mark_class(bit), note);
        y += 16;
    }
    y += 6;
    if (in->source == SYNACK_LADDER_FROM_TRACE) {
        y = legend_note(out, y, "Send and arrival times measured at each end (engine trace of both ends).");
    } else {
        if (in->delay_given || in->delay_measured[0] || in->delay_measured[1])
            snprintf(note, sizeof note,
                     "Captured at one point: send and arrival times estimated, the capture point "
                     "%.3f ms from %s and %.3f ms from %s (%s).",
                     (double)in->delay_us[0] / 1e3, l->ends[0].name, (double)in->delay_us[1] / 1e3,
                     l->ends[1].name,
                     in->delay_given ? "one-way delay given"
                                     : "half the round trips seen from there, e.g. SYN→SYN,ACK→ACK");
        else
            snprintf(note, sizeof note,
                     "Captured at one point; no round trip could be measured, so arrows are drawn level.");
        y = legend_note(out, y, note);
        if (present & SYNACK_LADDER_LOST)
            y = legend_note(out, y, "Losses presumed: the capture saw a segment that was sent again before "
                                    "anything acknowledged it.");
    }
    y = legend_note(out, y, in->states_inferred
                            ? "States (italic) inferred from the segments, per RFC 9293 §3.3.2."
                            : "States as each end's engine reported them.");
    y = legend_note(out, y, g->v->relative
                            ? "Sequence numbers relative to each end's first (its ISN when the SYN is shown)."
                            : "Sequence numbers absolute, as on the wire.");
    if (g->lay->gap_count > 0) {
        y = legend_note(out, y, "≈ marks time cut out of the drawing; its length is written beside it.");
    }
    if (g->sh->band_count > 0) {
        y = legend_note(out, y, g->interactive ? "Grey bands summarise runs of ordinary segments; click to expand."
                                               : "Grey bands summarise runs of ordinary segments.");
    }
    if (in->folded_segments > 0) {
        snprintf(note, sizeof note,
                 "%llu of the %llu segments were summarised while reading, to bound memory: the darker bands "
                 "count them (marks included) and cannot show them one by one. To see every segment of a part, "
                 "draw that part from the capture: synack trace ladder --range T0:T1 or --segments A:B keeps "
                 "it in full.",
                 (unsigned long long)in->folded_segments, (unsigned long long)in->segments);
        y = legend_note(out, y, note);
    }
    for (size_t i = 0; i < g->sh->item_count; i++) {
        const struct ladder_item *it = &g->sh->items[i];
        if (it->kind == ITEM_SEGMENT && l->segs[it->index].arrival == SYNACK_LADDER_UNKNOWN) {
            y = legend_note(out, y, "? marks a segment still in flight when the trace ended.");
            break;
        }
    }
    if (in->unmatched_arrivals > 0) {
        snprintf(note, sizeof note, "%llu packet(s) arrived altered in transit (corrupted) and match none sent.",
                 (unsigned long long)in->unmatched_arrivals);
        y = legend_note(out, y, note);
    }
    if (out != NULL)
        fputs("</g>\n", out);
    return y;
}

int ladder__svg(const struct synack_ladder *l, const struct synack_ladder_view *v, FILE *out,
                bool interactive, const char *id_prefix)
{
    struct ladder_shown sh;
    struct ladder_layout lay;
    struct svg g = {.l = l, .v = v, .sh = &sh, .lay = &lay, .out = out, .interactive = interactive,
                    .prefix = id_prefix ? id_prefix : ""};
    char title[256];
    double bottom, height;

    if (ladder__view_build(l, v, &sh) < 0)
        return -SYNACK_ENOMEM;
    if (ladder__layout(l, &sh, HEADER_PX + 20, &lay) < 0) {
        ladder__view_free(&sh);
        return -SYNACK_ENOMEM;
    }
    g.band_top = malloc((sh.band_count + 1) * sizeof *g.band_top);
    g.band_bottom = malloc((sh.band_count + 1) * sizeof *g.band_bottom);
    if (g.band_top == NULL || g.band_bottom == NULL) {
        free(g.band_top);
        free(g.band_bottom);
        ladder__layout_free(&lay);
        ladder__view_free(&sh);
        return -SYNACK_ENOMEM;
    }
    for (size_t i = 0; i < sh.item_count; i++) {
        if (sh.items[i].kind != ITEM_BAND)
            continue;
        g.band_top[g.band_count] = lay.item_y[i];
        g.band_bottom[g.band_count++] = lay.item_y[i] + lay.band_height[sh.items[i].index];
    }
    bottom = lay.bottom + 24;
    height = write_legend(&g, bottom + 24, NULL) + 10;
    fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"ladder\" width=\"%.0f\" height=\"%.0f\" "
                 "viewBox=\"0 0 %.0f %.0f\">\n",
            WIDTH, height, WIDTH, height);
    fputs("<title>", out);
    ladder__xml_escape(out, ladder__title(l, v, title, sizeof title));
    fprintf(out, "</title>\n<style>%s</style>\n", style);
    fprintf(out, "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n<text class=\"title\" x=\"20\" y=\"24\">");
    ladder__xml_escape(out, title);
    fputs("</text>\n", out);
    for (int e = 0; e < 2; e++) {
        char ep[SYNACK_ENDPOINT_STRLEN];
        fputs("<g class=\"end\" data-end=\"", out);
        ladder__xml_escape(out, l->ends[e].name);
        fprintf(out, "\" data-side=\"%s\">\n<text class=\"end-name\" x=\"%.1f\" y=\"58\" text-anchor=\"middle\">",
                e == 0 ? "left" : "right", end_x(e));
        ladder__xml_escape(out, l->ends[e].name);
        fprintf(out, "</text>\n<text x=\"%.1f\" y=\"74\" text-anchor=\"middle\">%s</text>\n", end_x(e),
                synack_endpoint_format(&l->ends[e].ep, ep, sizeof ep));
        fprintf(out, "<line class=\"end-line\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n</g>\n", end_x(e),
                HEADER_PX - 12, end_x(e), bottom);
    }
    if (sh.empty_selection)
        fprintf(out, "<text class=\"note\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">no segment in the range "
                     "selected</text>\n",
                (X_LEFT + X_RIGHT) / 2, HEADER_PX + 30);
    write_gaps(&g);
    write_times(&g);
    write_bands(&g);
    fputs("<g class=\"segments\">\n", out);
    for (size_t i = 0; i < sh.item_count; i++) {
        if (sh.items[i].kind == ITEM_SEGMENT)
            write_segment(&g, i);
    }
    fputs("</g>\n", out);
    write_states(&g);
    write_legend(&g, bottom + 24, out);
    fputs("</svg>\n", out);
    free(g.band_top);
    free(g.band_bottom);
    ladder__layout_free(&lay);
    ladder__view_free(&sh);
    return ferror(out) ? -SYNACK_EIO : 0;
}

int synack_ladder_write_svg(const struct synack_ladder *l, const struct synack_ladder_view *v, FILE *out)
{
    struct synack_ladder_view def;

    if (v == NULL) {
        synack_ladder_view_default(&def);
        v = &def;
    }
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
    return ladder__svg(l, v, out, false, "");
}
