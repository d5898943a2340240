/*
 * ladder_text.c — the ladder diagram in Unicode text for a terminal,
 * fitting the view's width (80 columns by default):
 *
 *       time     client                                      server
 *                198.18.0.1:49152                         198.18.0.2:80
 *
 * (Two endpoints too long for one line, as IPv6 ones may be, take two,
 * the right one against the right edge.)
 *                                                    │           │ LISTEN
 *   0.000000     SYN_SENT │                                    │
 *   0.000000           #1 │ SYN seq=1000 <mss 1460>            │
 *   0.010000              │───────────────────────────────────▶│
 *   0.010000              │                                    │ SYN_RECEIVED
 *
 * Each segment takes two lines: its label, with the time it was sent, and
 * its arrow, with the time it arrived (blank when it never did).  Arrows
 * cannot slant in text; the times say what the slant would.  A lost
 * segment's arrow stops short at ✕; marks are written into the arrow
 * ("─ [rexmit] ─▶").  State changes get a line of their own, beside the
 * end's line.  Bands (summarised runs) take one dotted line.
 */
#include <string.h>

#include "ladder_internal.h"
#include "synack/errors.h"

#define STATE_COLS 12            /* "SYN_RECEIVED" */
#define MIN_COLUMNS 60
#define MAX_LINE_BYTES 2048

/* A line being assembled, counted in columns (one per code point: every
 * character used here is one column wide). */
struct tline {
    char buf[MAX_LINE_BYTES];
    size_t len;
    int cols;
};

static int utf8_cols(const char *s, size_t n)
{
    int cols = 0;

    for (size_t i = 0; i < n && s[i] != '\0'; i++) {
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            cols++;
    }
    return cols;
}

/* Bytes of s that make up its first `cols` columns. */
static size_t utf8_prefix(const char *s, int cols)
{
    size_t i = 0;
    int c = 0;

    while (s[i] != '\0') {
        if (((unsigned char)s[i] & 0xc0) != 0x80) {
            if (c == cols)
                break;
            c++;
        }
        i++;
    }
    return i;
}

static void put_bytes(struct tline *t, const char *s, size_t n)
{
    if (t->len + 1 >= sizeof t->buf)
        return;                                   /* full: never underflow the room left */
    size_t room = sizeof t->buf - 1 - t->len;
    if (n > room)
        n = room;
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = '\0';
    t->cols += utf8_cols(s, n);
}

static void put_repeat(struct tline *t, const char *s, int times)
{
    for (int i = 0; i < times; i++)
        put_bytes(t, s, strlen(s));
}

/* s in exactly `width` columns: cut with "…" or padded, left- or right-aligned. */
static void put_cell(struct tline *t, const char *s, int width, bool right)
{
    int cols = utf8_cols(s, strlen(s));

    if (width <= 0)
        return;
    if (cols > width) {
        put_bytes(t, s, utf8_prefix(s, width - 1));
        put_bytes(t, "…", strlen("…"));
        return;
    }
    if (right)
        put_repeat(t, " ", width - cols);
    put_bytes(t, s, strlen(s));
    if (!right)
        put_repeat(t, " ", width - cols);
}

struct text {
    const struct synack_ladder *l;
    const struct synack_ladder_view *v;
    FILE *out;
    int time_cols, middle;       /* widths of the time column and of the space between the lines */
};

static void emit(const struct text *x, struct tline *t)
{
    /* Trailing blanks help nobody. */
    while (t->len > 0 && t->buf[t->len - 1] == ' ')
        t->buf[--t->len] = '\0';
    fputs(t->buf, x->out);
    fputc('\n', x->out);
    t->len = 0;
    t->cols = 0;
    t->buf[0] = '\0';
}

/* time, left column, line, middle, line, right column */
static void row(const struct text *x, const char *time, const char *left, bool left_right_aligned,
                const char *middle, const char *right)
{
    struct tline t = {{0}, 0, 0};

    put_cell(&t, time, x->time_cols, true);
    put_bytes(&t, " ", 1);
    put_cell(&t, left, STATE_COLS, left_right_aligned);
    put_bytes(&t, " │", strlen(" │"));
    put_bytes(&t, middle, strlen(middle));
    put_bytes(&t, "│ ", strlen("│ "));
    put_cell(&t, right, STATE_COLS, false);
    emit(x, &t);
}

/* The space between the lines with text in it, left- or right-aligned
 * with a one-column margin. */
static void middle_text(const struct text *x, const char *s, bool right, char *buf, size_t len)
{
    struct tline t = {{0}, 0, 0};

    put_bytes(&t, " ", 1);
    put_cell(&t, s, x->middle - 2, right);
    put_bytes(&t, " ", 1);
    snprintf(buf, len, "%s", t.buf);
}

/* "───── [rexmit] ────▶", or a lost one: "──────✕ lost        ". */
static void arrow_text(const struct text *x, const struct synack_ladder_segment *s, char *buf, size_t len)
{
    struct tline t = {{0}, 0, 0};
    char tags[128];
    int m = x->middle;
    bool lost = s->arrival == SYNACK_LADDER_NEVER || s->arrival == SYNACK_LADDER_UNKNOWN;
    bool rightward = s->from == 0;

    ladder__tags(s, tags, sizeof tags);
    if (lost) {
        int reach = m * 55 / 100;
        const char *why = s->arrival == SYNACK_LADDER_NEVER ? "" : "(in flight at the end)";
        const char *end_mark = s->arrival == SYNACK_LADDER_NEVER ? "✕" : "?";
        char rest[160];
        snprintf(rest, sizeof rest, " %s%s%s", tags, tags[0] && why[0] ? " " : "", why);
        if (rightward) {
            put_repeat(&t, "─", reach - 1);
            put_bytes(&t, end_mark, strlen(end_mark));
            put_cell(&t, rest, m - reach, false);
        } else {
            put_cell(&t, rest, m - reach, true);
            put_bytes(&t, end_mark, strlen(end_mark));
            put_repeat(&t, "─", reach - 1);
        }
    } else {
        char mid[160];
        int tag_cols, before, after;
        snprintf(mid, sizeof mid, tags[0] ? " %s " : "", tags);
        tag_cols = utf8_cols(mid, strlen(mid));
        if (tag_cols > m - 6) {
            mid[utf8_prefix(mid, m - 6)] = '\0';
            tag_cols = m - 6;
        }
        before = (m - 1 - tag_cols) / 2;
        after = m - 1 - tag_cols - before;
        if (!rightward)
            put_bytes(&t, "◀", strlen("◀"));
        put_repeat(&t, "─", before);
        put_bytes(&t, mid, strlen(mid));
        put_repeat(&t, "─", after);
        if (rightward)
            put_bytes(&t, "▶", strlen("▶"));
    }
    snprintf(buf, len, "%s", t.buf);
}

static void write_segment(const struct text *x, const struct synack_ladder_segment *s)
{
    char time[32], label[160], number[16], mid[MAX_LINE_BYTES], arrow[MAX_LINE_BYTES];
    bool rightward = s->from == 0;
    bool landed = s->arrival == SYNACK_LADDER_ARRIVED || s->arrival == SYNACK_LADDER_ESTIMATED;

    synack_ladder_label(x->l, s, x->v->relative, label, sizeof label);
    snprintf(number, sizeof number, "#%u", s->number);
    middle_text(x, label, !rightward, mid, sizeof mid);
    row(x, ladder__time_text(x->l, s->sent_at, time, sizeof time), rightward ? number : "", true, mid,
        rightward ? "" : number);
    arrow_text(x, s, arrow, sizeof arrow);
    row(x, landed ? ladder__time_text(x->l, s->arrived_at, time, sizeof time) : "", "", true, arrow, "");
}

static void write_state(const struct text *x, const struct synack_ladder_state *st)
{
    char time[32], mid[MAX_LINE_BYTES];
    const char *name = synack_tcp_state_name(st->state);

    middle_text(x, "", false, mid, sizeof mid);
    row(x, ladder__time_text(x->l, st->at, time, sizeof time), st->end == 0 ? name : "", true, mid,
        st->end == 1 ? name : "");
}

/* How many bytes of s the next line of at most `room` columns takes:
 * all of it if it fits, else up to the last space that fits (or, with
 * no space, as much as fits). */
static size_t wrap_take(const char *s, int room)
{
    size_t take = strlen(s);

    if (utf8_cols(s, take) <= room)
        return take;
    take = utf8_prefix(s, room);
    for (size_t i = take; i > 0; i--) {
        if (s[i] == ' ')
            return i;
    }
    return take;
}

/* A band: its description between dotted edges, wrapped at spaces onto
 * as many lines as it needs. */
static void write_band(const struct text *x, const struct ladder_band *b)
{
    char time[32], text[512], mid[MAX_LINE_BYTES];
    const char *s = text;
    int room = x->middle - 4;
    bool first = true;

    ladder__band_text(x->l, b, text, sizeof text);
    while (*s != '\0') {
        struct tline t = {{0}, 0, 0};
        size_t take = wrap_take(s, room);
        char piece[256];
        snprintf(piece, sizeof piece, "%.*s", (int)take, s);
        put_bytes(&t, "┄ ", strlen("┄ "));
        put_cell(&t, piece, x->middle - 4, false);
        put_bytes(&t, " ┄", strlen(" ┄"));
        snprintf(mid, sizeof mid, "%s", t.buf);
        row(x, first ? ladder__time_text(x->l, b->from, time, sizeof time) : "", "", true, mid, "");
        s += take;
        while (*s == ' ')
            s++;
        first = false;
    }
}

/* A line of the header: text centred over each end's line. */
static void header_line(const struct text *x, const char *head, const char *left, const char *right)
{
    struct tline t = {{0}, 0, 0};
    int left_col = x->time_cols + 1 + STATE_COLS + 1;          /* where the left line is */
    int right_col = left_col + 1 + x->middle;
    int lw = utf8_cols(left, strlen(left)), rw = utf8_cols(right, strlen(right));
    int lstart = left_col - lw / 2, rstart = right_col - rw / 2;

    put_cell(&t, head, x->time_cols, true);
    if (lstart < t.cols + 1)
        lstart = t.cols + 1;
    put_repeat(&t, " ", lstart - t.cols);
    put_bytes(&t, left, strlen(left));
    if (t.cols + 2 + rw > x->v->columns && rw <= x->v->columns - x->time_cols - 1) {
        /* Both do not fit on one line (two long IPv6 endpoints): the
         * right one goes on a line of its own, against the right edge. */
        emit(x, &t);
        t = (struct tline){{0}, 0, 0};
        put_repeat(&t, " ", x->v->columns - rw);
        put_bytes(&t, right, strlen(right));
        emit(x, &t);
        return;
    }
    if (rstart < t.cols + 2)
        rstart = t.cols + 2;
    if (rstart + rw > x->v->columns)
        rstart = x->v->columns - rw;
    if (rstart < t.cols + 1)
        rstart = t.cols + 1;
    put_repeat(&t, " ", rstart - t.cols);
    put_cell(&t, right, x->v->columns - t.cols, false);
    emit(x, &t);
}

/* A line of the legend, wrapped at spaces to the width (continuation
 * lines indented by two). */
static void note(const struct text *x, const char *s)
{
    int width = x->v->columns;
    bool first = true;

    while (*s != '\0') {
        struct tline t = {{0}, 0, 0};
        size_t take = wrap_take(s, first ? width : width - 2);
        if (!first)
            put_bytes(&t, "  ", 2);
        put_bytes(&t, s, take);
        emit(x, &t);
        s += take;
        while (*s == ' ')
            s++;
        first = false;
    }
}

static void write_legend(const struct text *x, const struct ladder_shown *sh)
{
    const struct synack_ladder *l = x->l;
    unsigned present = 0;
    char line[512];

    for (size_t i = 0; i < sh->item_count; i++) {
        if (sh->items[i].kind == ITEM_SEGMENT)
            present |= l->segs[sh->items[i].index].marks;
    }
    fputc('\n', x->out);
    note(x, "Time: when sent (label line), when it arrived (arrow line).");
    for (int bit = 0; bit < SYNACK_LADDER_MARK_COUNT; bit++) {
        if (!(present & (1u << bit)))
            continue;
        snprintf(line, sizeof line, "[%s] %s", synack_ladder_mark_tag(bit), synack_ladder_mark_description(bit));
        note(x, line);
    }
    if (present & SYNACK_LADDER_LOST)
        note(x, "✕ marks where a lost segment's arrow ends.");
    if (l->info.source == SYNACK_LADDER_FROM_CAPTURE) {
        snprintf(line, sizeof line, "Captured at one point: times estimated (capture point %.3f ms from %s, "
                                    "%.3f ms from %s).",
                 (double)l->info.delay_us[0] / 1e3, l->ends[0].name, (double)l->info.delay_us[1] / 1e3,
                 l->ends[1].name);
        note(x, line);
    }
    if (l->info.states_inferred)
        note(x, "States inferred from the segments (RFC 9293 §3.3.2).");
    if (l->info.folded_segments > 0) {
        snprintf(line, sizeof line,
                 "%llu of the %llu segments were summarised while reading, to bound memory: the ┄ lines count "
                 "them (marks included). To see every segment of a part, draw that part from the capture: "
                 "synack trace ladder --range T0:T1 or --segments A:B keeps it in full.",
                 (unsigned long long)l->info.folded_segments, (unsigned long long)l->info.segments);
        note(x, line);
    }
    note(x, x->v->relative ? "Sequence numbers relative to each end's first." : "Sequence numbers absolute.");
}

int synack_ladder_write_text(const struct synack_ladder *l, const struct synack_ladder_view *view, FILE *out)
{
    struct synack_ladder_view def;
    struct ladder_shown sh;
    struct text x;
    char time[32], ep[2][SYNACK_ENDPOINT_STRLEN], mid[MAX_LINE_BYTES];
    bool ranged;
    int longest = 8;

    if (view == NULL) {
        synack_ladder_view_default(&def);
        view = &def;
    }
    def = *view;
    if (def.columns < MIN_COLUMNS)
        def.columns = MIN_COLUMNS;
    if (ladder__view_build(l, &def, &sh) < 0)
        return -SYNACK_ENOMEM;
    for (size_t i = 0; i < l->seg_count; i++) {
        int n = (int)strlen(ladder__time_text(l, l->segs[i].arrived_at, time, sizeof time));
        longest = n > longest ? n : longest;
    }
    for (size_t i = 0; i < l->state_count; i++) {
        int n = (int)strlen(ladder__time_text(l, l->states[i].at, time, sizeof time));
        longest = n > longest ? n : longest;
    }
    x.l = l;
    x.v = &def;
    x.out = out;
    x.time_cols = longest;
    x.middle = def.columns - x.time_cols - 1 - STATE_COLS - 2 - 2 - STATE_COLS;

    header_line(&x, "time", l->ends[0].name, l->ends[1].name);
    header_line(&x, "", synack_endpoint_format(&l->ends[0].ep, ep[0], sizeof ep[0]),
                synack_endpoint_format(&l->ends[1].ep, ep[1], sizeof ep[1]));
    ranged = def.have_range || def.first_segment || def.last_segment;
    middle_text(&x, sh.empty_selection ? "(no segment in the range selected)" : "", false, mid, sizeof mid);
    {
        int a = l->ends[0].initial_state, b = l->ends[1].initial_state;
        const char *left = !ranged && a > SYNACK_TCP_CLOSED ? synack_tcp_state_name(a) : "";
        const char *right = !ranged && b > SYNACK_TCP_CLOSED ? synack_tcp_state_name(b) : "";
        row(&x, "", left, true, mid, right);
    }
    for (size_t i = 0; i < sh.item_count; i++) {
        const struct ladder_item *it = &sh.items[i];
        if (it->kind == ITEM_SEGMENT)
            write_segment(&x, &l->segs[it->index]);
        else if (it->kind == ITEM_STATE)
            write_state(&x, &l->states[it->index]);
        else
            write_band(&x, &sh.bands[it->index]);
    }
    write_legend(&x, &sh);
    ladder__view_free(&sh);
    return ferror(out) ? -SYNACK_EIO : 0;
}
