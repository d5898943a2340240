/*
 * ladder_model.c — the ladder model's storage and the words it is drawn
 * with: segment labels, mark names, times and end names.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ladder_internal.h"
#include "synack/errors.h"

/* ---- Marks: one list gives the enum (ladder.h) and these names ---------- */

static const char *const mark_classes[] = {
#define MARK_CLASS_(name, cls, tag, desc) cls,
    SYNACK_LADDER_MARK_LIST(MARK_CLASS_)
#undef MARK_CLASS_
};
static const char *const mark_tags[] = {
#define MARK_TAG_(name, cls, tag, desc) tag,
    SYNACK_LADDER_MARK_LIST(MARK_TAG_)
#undef MARK_TAG_
};
static const char *const mark_descriptions[] = {
#define MARK_DESC_(name, cls, tag, desc) desc,
    SYNACK_LADDER_MARK_LIST(MARK_DESC_)
#undef MARK_DESC_
};

const char *synack_ladder_mark_class(int bit)
{
    return bit >= 0 && bit < SYNACK_LADDER_MARK_COUNT ? mark_classes[bit] : "";
}

const char *synack_ladder_mark_tag(int bit)
{
    return bit >= 0 && bit < SYNACK_LADDER_MARK_COUNT ? mark_tags[bit] : "";
}

const char *synack_ladder_mark_description(int bit)
{
    return bit >= 0 && bit < SYNACK_LADDER_MARK_COUNT ? mark_descriptions[bit] : "";
}

/* ---- Storage ------------------------------------------------------------- */

struct synack_ladder *ladder__new(void)
{
    struct synack_ladder *l = calloc(1, sizeof *l);

    if (l == NULL)
        return NULL;
    for (int e = 0; e < 2; e++)
        l->ends[e].initial_state = -1;
    return l;
}

void synack_ladder_free(struct synack_ladder *l)
{
    if (l == NULL)
        return;
    free(l->segs);
    free(l->folds);
    free(l->states);
    free(l);
}

struct synack_ladder_segment *ladder__add_segment(struct synack_ladder *l)
{
    struct synack_ladder_segment *s;

    if (l->info.segments >= UINT32_MAX)
        return NULL;   /* numbers are 32-bit */
    if (l->seg_count == l->seg_cap) {
        size_t cap = l->seg_cap ? l->seg_cap * 2 : 64;
        struct synack_ladder_segment *n;
        /* Doubling past the builder's budget would waste up to half. */
        if (l->seg_limit > l->seg_count && cap > l->seg_limit)
            cap = l->seg_limit;
        n = realloc(l->segs, cap * sizeof *n);
        if (n == NULL)
            return NULL;
        l->segs = n;
        l->seg_cap = cap;
    }
    s = &l->segs[l->seg_count++];
    memset(s, 0, sizeof *s);
    s->number = (uint32_t)++l->info.segments;
    s->drop_reason = -1;
    s->arrival = SYNACK_LADDER_UNKNOWN;
    return s;
}

size_t ladder__segment_at_or_after(const struct synack_ladder *l, uint32_t number)
{
    size_t lo = 0, hi = l->seg_count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->segs[mid].number < number)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

long ladder__find_segment(const struct synack_ladder *l, uint32_t number)
{
    size_t i = ladder__segment_at_or_after(l, number);

    return i < l->seg_count && l->segs[i].number == number ? (long)i : -1;
}

size_t ladder__fold_at_or_after(const struct synack_ladder *l, uint32_t number)
{
    size_t lo = 0, hi = l->fold_count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->folds[mid].last < number)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

uint64_t ladder__marked_total(const struct synack_ladder *l, int bit)
{
    uint64_t n = 0;

    for (size_t i = 0; i < l->seg_count; i++)
        n += (l->segs[i].marks >> bit) & 1u;
    for (size_t i = 0; i < l->fold_count; i++)
        n += l->folds[i].marked[bit];
    return n;
}

int ladder__add_state(struct synack_ladder *l, const struct synack_ladder_state *s)
{
    if (l->state_count == l->state_cap) {
        size_t cap = l->state_cap ? l->state_cap * 2 : 16;
        struct synack_ladder_state *n = realloc(l->states, cap * sizeof *n);
        if (n == NULL)
            return -SYNACK_ENOMEM;
        l->states = n;
        l->state_cap = cap;
    }
    l->states[l->state_count++] = *s;
    return 0;
}

static int state_cmp(const void *pa, const void *pb)
{
    const struct synack_ladder_state *a = pa, *b = pb;

    if (a->at != b->at)
        return a->at < b->at ? -1 : 1;
    if (a->order != b->order)
        return a->order < b->order ? -1 : 1;
    return (int)a->end - (int)b->end;
}

void ladder__sort_states(struct synack_ladder *l)
{
    if (l->state_count > 1)
        qsort(l->states, l->state_count, sizeof *l->states, state_cmp);
}

void ladder__fill_header(struct synack_ladder_segment *s, const struct synack_packet_info *p)
{
    s->flags = p->flags;
    s->ttl = p->ttl;
    s->checksum_ok = p->tcp_checksum_ok;
    s->ip_len = p->ip_total_len;
    s->seq = p->seq;
    s->ack = p->ack;
    s->window = p->window;
    s->window_bytes = p->window;
    s->payload_len = p->payload_len;
    s->has_mss = p->has_mss;
    s->mss = p->mss;
    s->has_wscale = p->has_wscale;
    s->wscale = p->wscale;
    s->sack_permitted = p->sack_permitted;
    s->has_timestamp = p->has_timestamp;
    s->ts_val = p->ts_val;
    s->ts_ecr = p->ts_ecr;
    s->sack_count = p->sack_count > SYNACK_PACKET_SACK_MAX ? SYNACK_PACKET_SACK_MAX : p->sack_count;
    memcpy(s->sack, p->sack, sizeof s->sack);
    /* The payload pointer may reach past what a capture kept (a snapshot
     * length): the caller has already bounded payload_len for preview. */
    s->preview_len = 0;
}

/* ---- Accessors ----------------------------------------------------------- */

const struct synack_ladder_info *synack_ladder_info(const struct synack_ladder *l)
{
    return &l->info;
}

const struct synack_ladder_end *synack_ladder_end(const struct synack_ladder *l, int end)
{
    return end == 0 || end == 1 ? &l->ends[end] : NULL;
}

size_t synack_ladder_segment_count(const struct synack_ladder *l)
{
    return l->seg_count;
}

const struct synack_ladder_segment *synack_ladder_segment(const struct synack_ladder *l, size_t i)
{
    return i < l->seg_count ? &l->segs[i] : NULL;
}

size_t synack_ladder_fold_count(const struct synack_ladder *l)
{
    return l->fold_count;
}

const struct synack_ladder_fold *synack_ladder_fold(const struct synack_ladder *l, size_t i)
{
    return i < l->fold_count ? &l->folds[i] : NULL;
}

size_t synack_ladder_state_count(const struct synack_ladder *l)
{
    return l->state_count;
}

const struct synack_ladder_state *synack_ladder_state(const struct synack_ladder *l, size_t i)
{
    return i < l->state_count ? &l->states[i] : NULL;
}

/* ---- Words ----------------------------------------------------------------- */

uint32_t synack_ladder_seq_shown(const struct synack_ladder *l, int end, uint32_t seq, bool relative)
{
    if (!relative || end < 0 || end > 1)
        return seq;
    return seq - l->info.first_seq[end];
}

/* Appends to buf at *used, never past len. */
static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (*used >= len)
        return;
    va_start(ap, fmt);
    n = vsnprintf(buf + *used, len - *used, fmt, ap);
    va_end(ap);
    if (n > 0)
        *used = (size_t)n >= len - *used ? len - 1 : *used + (size_t)n;
}

char *synack_ladder_label(const struct synack_ladder *l, const struct synack_ladder_segment *s,
                          bool relative, char *buf, size_t len)
{
    char flags[48];
    size_t used = 0;
    int to = 1 - s->from;
    bool opts = false;

    if (len == 0)
        return buf;
    buf[0] = '\0';
    append(buf, len, &used, "%s seq=%u", synack_tcp_flags_text(s->flags, flags, sizeof flags),
           synack_ladder_seq_shown(l, s->from, s->seq, relative));
    if (s->flags & SYNACK_TCP_ACK)
        append(buf, len, &used, " ack=%u", synack_ladder_seq_shown(l, to, s->ack, relative));
    if (s->payload_len)
        append(buf, len, &used, " len=%u", s->payload_len);
    if (s->flags & SYNACK_TCP_SYN) {
        if (s->has_mss) {
            append(buf, len, &used, "%smss %u", opts ? "," : " <", s->mss);
            opts = true;
        }
        if (s->sack_permitted) {
            append(buf, len, &used, "%ssackOK", opts ? "," : " <");
            opts = true;
        }
        if (s->has_timestamp) {
            append(buf, len, &used, "%sTS", opts ? "," : " <");
            opts = true;
        }
        if (s->has_wscale) {
            append(buf, len, &used, "%sws %u", opts ? "," : " <", s->wscale);
            opts = true;
        }
    } else if (s->sack_count > 0) {
        append(buf, len, &used, " <sack %u:%u%s", synack_ladder_seq_shown(l, to, s->sack[0][0], relative),
               synack_ladder_seq_shown(l, to, s->sack[0][1], relative), s->sack_count > 1 ? ",…" : "");
        opts = true;
    }
    if (opts)
        append(buf, len, &used, ">");
    return buf;
}

char *ladder__tags(const struct synack_ladder_segment *s, char *buf, size_t len)
{
    size_t used = 0;

    if (len == 0)
        return buf;
    buf[0] = '\0';
    for (int bit = 0; bit < SYNACK_LADDER_MARK_COUNT; bit++) {
        if (!(s->marks & (1u << bit)) || bit == SYNACK_LADDER_MARK_BIT_RST)
            continue;   /* RST is in the flags already */
        if (bit == SYNACK_LADDER_MARK_BIT_DUP_ACK)
            append(buf, len, &used, "%s[dup ACK %u]", used ? " " : "", s->dup_ack_number);
        else
            append(buf, len, &used, "%s[%s]", used ? " " : "", mark_tags[bit]);
    }
    return buf;
}

char *ladder__time_text(const struct synack_ladder *l, synack_time_us t, char *buf, size_t len)
{
    uint64_t rel = t >= l->info.origin ? t - l->info.origin : 0;

    snprintf(buf, len, "%llu.%06llu", (unsigned long long)(rel / 1000000),
             (unsigned long long)(rel % 1000000));
    return buf;
}

char *ladder__end_text(const struct synack_ladder *l, int end, char *buf, size_t len)
{
    char ep[SYNACK_ENDPOINT_STRLEN];

    snprintf(buf, len, "%s %s", l->ends[end].name,
             synack_endpoint_format(&l->ends[end].ep, ep, sizeof ep));
    return buf;
}

char *ladder__title(const struct synack_ladder *l, const struct synack_ladder_view *v, char *buf,
                    size_t len)
{
    char a[96], b[96];

    if (v != NULL && v->title != NULL)
        snprintf(buf, len, "%s", v->title);
    else
        snprintf(buf, len, "%s ⇄ %s", ladder__end_text(l, 0, a, sizeof a),
                 ladder__end_text(l, 1, b, sizeof b));
    return buf;
}

/* "1.2 kB", "434 kB", "12.5 MB" */
static void bytes_text(uint64_t n, char *buf, size_t len)
{
    if (n < 1000)
        snprintf(buf, len, "%llu B", (unsigned long long)n);
    else if (n < 1000000)
        snprintf(buf, len, "%.1f kB", (double)n / 1e3);
    else if (n < 1000000000)
        snprintf(buf, len, "%.1f MB", (double)n / 1e6);
    else
        snprintf(buf, len, "%.2f GB", (double)n / 1e9);
}

/* The parts of a band's description; each appends to buf at *used. */
static void band_kinds(const struct ladder_band *b, char *buf, size_t len, size_t *used, const char *first_sep)
{
    char bytes[32];
    const char *sep = first_sep;
    static const char *const arrows[2] = {"→", "←"};

    for (int e = 0; e < 2; e++) {
        if (b->data[e]) {
            bytes_text(b->bytes[e], bytes, sizeof bytes);
            append(buf, len, used, "%s%u data %s %s", sep, b->data[e], arrows[e], bytes);
            sep = ", ";
        }
    }
    for (int e = 0; e < 2; e++) {
        if (b->acks[e]) {
            append(buf, len, used, "%s%u ACK%s %s", sep, b->acks[e], b->acks[e] == 1 ? "" : "s", arrows[e]);
            sep = ", ";
        }
    }
    for (int bit = 0; bit < SYNACK_LADDER_MARK_COUNT; bit++) {
        if (b->marked[bit]) {
            append(buf, len, used, "%s%u %s", sep, b->marked[bit], mark_tags[bit]);
            sep = ", ";
        }
    }
}

char *ladder__band_text(const struct synack_ladder *l, const struct ladder_band *b, char *buf, size_t len)
{
    size_t used = 0;

    (void)l;
    if (len == 0)
        return buf;
    buf[0] = '\0';
    append(buf, len, &used, "%llu segments (#%u–#%u):", (unsigned long long)b->count, b->first, b->last);
    band_kinds(b, buf, len, &used, " ");
    append(buf, len, &used, ", %.3f s", (double)(b->to - b->from) / 1e6);
    return buf;
}

char *ladder__band_summary(const struct ladder_band *b, char *buf, size_t len)
{
    size_t used = 0;

    if (len == 0)
        return buf;
    buf[0] = '\0';
    append(buf, len, &used, "%llu segments (#%u–#%u), %.3f s", (unsigned long long)b->count, b->first, b->last,
           (double)(b->to - b->from) / 1e6);
    return buf;
}

char *ladder__band_kinds(const struct ladder_band *b, char *buf, size_t len)
{
    size_t used = 0;

    if (len == 0)
        return buf;
    buf[0] = '\0';
    band_kinds(b, buf, len, &used, "");
    return buf;
}
